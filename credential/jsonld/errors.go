package jsonld

import (
	"errors"

	"github.com/piprate/json-gold/ld"

	"github.com/tohu-nz/tohu/errs"
)

// asErrs finds an *errs.Error inside a json-gold error. json-gold wraps
// loader failures in *ld.JsonLdError, whose Details holds our error.
func asErrs(err error) (*errs.Error, bool) {
	var e *errs.Error
	if errors.As(err, &e) {
		return e, true
	}
	var le *ld.JsonLdError
	if errors.As(err, &le) {
		if inner, ok := le.Details.(error); ok {
			return asErrs(inner)
		}
	}
	return nil, false
}

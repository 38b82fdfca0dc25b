// Package errs holds tohu's one transport-free error type.
//
// Every package returns *Error for failures a caller may act on. The Code is a
// small stable enum, Field is a JSON pointer to the offending member (when
// there is one), Message is safe to show to whoever sent the input, and Err is
// the underlying cause, which is logged but never sent. The api package maps
// codes to HTTP statuses and RFC 9457 problem documents in one place.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error. The values are stable: they appear in problem
// documents' type URIs and in logs.
type Code string

// The error codes. Anything that is not an *Error is treated as Internal.
const (
	Invalid      Code = "invalid"      // the input is malformed or breaks a rule
	NotFound     Code = "not_found"    // the thing asked for does not exist
	Conflict     Code = "conflict"     // the request clashes with current state
	Unauthorized Code = "unauthorized" // no or bad credentials
	Forbidden    Code = "forbidden"    // credentials are fine but lack the right
	Unsupported  Code = "unsupported"  // a format, algorithm or option tohu does not do
	Unavailable  Code = "unavailable"  // a dependency (network, database) could not be reached
	Internal     Code = "internal"     // a bug or an unexpected failure
)

// Error is the one error type. Construct it with E, Field or Wrap.
type Error struct {
	Code    Code
	Field   string // JSON pointer, e.g. "/credentialSubject/achievement/name"; may be empty
	Message string // safe to show; never contains secrets
	Err     error  // the cause; logged, never shown
}

func (e *Error) Error() string {
	s := string(e.Code)
	if e.Field != "" {
		s += " " + e.Field
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause, so errors.Is/As see through an *Error.
func (e *Error) Unwrap() error { return e.Err }

// E returns an error with the given code and a formatted safe message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// F returns an error about one field (a JSON pointer) of the input.
func F(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with the given code and safe message whose cause is
// err. The cause's text is not part of the safe message.
func Wrap(err error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, or Internal.
// A nil error has no code and returns "".
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorField returns the field of the first *Error in err's chain that names one.
func ErrorField(err error) string {
	var e *Error
	for err != nil {
		if errors.As(err, &e) {
			if e.Field != "" {
				return e.Field
			}
			err = e.Err
			continue
		}
		return ""
	}
	return ""
}

// ErrorMessage returns the safe message of the first *Error in err's chain,
// or "Internal error." for anything else, so a cause never leaks.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "Internal error."
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && ErrorCode(err) == code }

// PointerToken escapes a member name as one JSON pointer reference token
// (RFC 6901 §3: "~" → "~0", "/" → "~1"), for building Field values.
func PointerToken(name string) string {
	if strings.IndexByte(name, '~') < 0 && strings.IndexByte(name, '/') < 0 {
		return name // the common case, without ContainsAny's per-call byte set
	}
	return strings.ReplaceAll(strings.ReplaceAll(name, "~", "~0"), "/", "~1")
}

package errs_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tohu-nz/tohu/errs"
)

func TestErrorCodeAndMessage(t *testing.T) {
	cause := errors.New("secret database detail")
	tests := map[string]struct {
		err         error
		wantCode    errs.Code
		wantField   string
		wantMessage string
	}{
		"ok/nil":            {nil, "", "", ""},
		"ok/plain error":    {cause, errs.Internal, "", "Internal error."},
		"ok/field error":    {errs.F(errs.Invalid, "/name", "name is required"), errs.Invalid, "/name", "name is required"},
		"ok/wrapped cause":  {errs.Wrap(cause, errs.Unavailable, "database unreachable"), errs.Unavailable, "", "database unreachable"},
		"ok/fmt wrapped":    {fmt.Errorf("ctx: %w", errs.F(errs.NotFound, "/id", "no such award")), errs.NotFound, "/id", "no such award"},
		"ok/field in cause": {&errs.Error{Code: errs.Invalid, Message: "bad", Err: errs.F(errs.Invalid, "/x", "inner")}, errs.Invalid, "/x", "bad"},
		"ok/empty message":  {&errs.Error{Code: errs.Conflict}, errs.Conflict, "", "Internal error."},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := errs.ErrorCode(tc.err); got != tc.wantCode {
				t.Errorf("code = %q, want %q", got, tc.wantCode)
			}
			if got := errs.ErrorField(tc.err); got != tc.wantField {
				t.Errorf("field = %q, want %q", got, tc.wantField)
			}
			if got := errs.ErrorMessage(tc.err); got != tc.wantMessage {
				t.Errorf("message = %q, want %q", got, tc.wantMessage)
			}
		})
	}
}

func TestUnwrapKeepsCause(t *testing.T) {
	cause := errors.New("boom")
	err := errs.Wrap(cause, errs.Internal, "failed")
	if !errors.Is(err, cause) {
		t.Fatal("errors.Is does not see the cause")
	}
	if errs.ErrorMessage(err) == cause.Error() {
		t.Fatal("the cause leaked into the safe message")
	}
}

func TestPointerToken(t *testing.T) {
	for in, want := range map[string]string{"name": "name", "a/b": "a~1b", "m~n": "m~0n", "~/": "~0~1", "": "", "ā/ō": "ā~1ō"} {
		if got := errs.PointerToken(in); got != want {
			t.Errorf("PointerToken(%q) = %q, want %q", in, got, want)
		}
	}
}

package credential_test

import (
	"reflect"
	"testing"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
)

const (
	decomposed  = "Ma\u0304ori ko\u0304rero" // a + U+0304, o + U+0304
	precomposed = "M\u0101ori k\u014drero"   // ā, ō
)

func TestNFC(t *testing.T) {
	in := map[string]any{
		"ta\u0304ne": decomposed, // a combining macron in a key too
		"list":       []any{decomposed, 15.5, true, nil},
		"nested":     map[string]any{"t": decomposed},
	}
	want := map[string]any{
		"t\u0101ne": precomposed,
		"list":      []any{precomposed, 15.5, true, nil},
		"nested":    map[string]any{"t": precomposed},
	}
	if got := credential.NFC(in); !reflect.DeepEqual(got, want) {
		t.Errorf("NFC = %#v, want %#v", got, want)
	}
	if in["list"].([]any)[0] != decomposed {
		t.Error("NFC modified its input")
	}
}

func TestNormalizeJSON(t *testing.T) {
	tests := map[string]struct {
		in        string
		want      string
		wantCode  errs.Code
		wantField string
	}{
		"ok/macrons":          {in: `{"b":"` + decomposed + `","a":1.50}`, want: `{"a":1.50,"b":"` + precomposed + `"}`},
		"ok/already nfc":      {in: `["` + precomposed + `"]`, want: `["` + precomposed + `"]`},
		"ok/markdown kept":    {in: `"a & b <c>"`, want: `"a & b <c>"`},
		"error/not json":      {in: `{"a":`, wantCode: errs.Invalid},
		"error/trailing data": {in: `{} {}`, wantCode: errs.Invalid},
		"error/keys collide":  {in: `{"x":{"` + precomposed + `":1,"` + decomposed + `":2}}`, wantCode: errs.Invalid, wantField: "/x/" + precomposed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := credential.NormalizeJSON([]byte(tc.in))
			if code := errs.ErrorCode(err); code != tc.wantCode {
				t.Fatalf("code = %q (%v), want %q", code, err, tc.wantCode)
			}
			if field := errs.ErrorField(err); field != tc.wantField {
				t.Errorf("field = %q, want %q", field, tc.wantField)
			}
			if err == nil && string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

package credential_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tohu-nz/tohu/credential"
)

// FuzzParse: hostile bytes never panic Parse or ValidateSchema, and whatever
// Parse accepts re-encodes to a JSON-equal document (nothing a signature
// covers is lost).
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	more, _ := filepath.Glob("testdata/validator/*.json")
	for _, p := range append(seeds, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte(`{"issuer":"x","type":"T","proof":{"type":"p"},"credentialSubject":{"creditsEarned":1e400}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = credential.ValidateSchema(in)
		c, err := credential.Parse(in)
		if err != nil {
			return
		}
		out, err := credential.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal after Parse: %v", err)
		}
		var want, got any
		if !decodeNumbers(in, &want) {
			return // e.g. duplicate keys or trailing data the first decode tolerated
		}
		if !decodeNumbers(out, &got) {
			t.Fatalf("Marshal produced invalid JSON: %s", out)
		}
		if !reflect.DeepEqual(stripNull(want), stripNull(got)) {
			t.Fatalf("round trip changed the document:\n in %s\nout %s", in, out)
		}
	})
}

func decodeNumbers(b []byte, v *any) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v) == nil
}

// stripNull drops null members and empty strings of objects: known members
// with those values are not written back (omitzero), which changes no JSON-LD
// triple. Everything else must survive.
func stripNull(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			if e == nil || e == "" {
				continue
			}
			out[k] = stripNull(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = stripNull(e)
		}
		return out
	}
	return v
}

package jsonld_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/errs"
)

func readJSON(t testing.TB, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCanonicalizeVectors reproduces the published canonical N-Quads of the
// W3C eddsa-rdfc-2022 vectors and the 1EdTech OB 3.0 implementation guide.
func TestCanonicalizeVectors(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"w3c/eddsa-rdfc-2022": {"testdata/w3c-eddsa-rdfc-2022/unsigned.json", "testdata/w3c-eddsa-rdfc-2022/canonDocDataInt.txt"},
		"1edtech/obv3p0":      {"testdata/1edtech-obv3p0/credential-unsigned.json", "testdata/1edtech-obv3p0/document-canon.nq"},
	}
	c := jsonld.New(nil)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := c.Canonicalize(readJSON(t, tc.in))
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Fatalf("canonical N-Quads differ\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

func TestCanonicalizeUnknownContext(t *testing.T) {
	doc := map[string]any{"@context": []any{"https://evil.example/ctx"}, "name": "x"}
	_, err := jsonld.New(nil).Canonicalize(doc)
	if errs.ErrorCode(err) != errs.Unsupported {
		t.Fatalf("err = %v, want unsupported", err)
	}
	if !bytes.Contains([]byte(err.Error()), []byte("https://evil.example/ctx")) {
		t.Fatalf("error does not name the URL: %v", err)
	}
	_ = filepath.Join
}

package bake_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential/bake"
	"github.com/tohu-nz/tohu/errs"
)

// The 1EdTech validator fixtures (testdata/SOURCE.md), pinned by hash so a
// changed copy cannot pass unnoticed.
var fixtures = map[string]string{
	"simple-json.png": "9ce25809062ab207dbfda11e0e8c6d97611d39ee691f5d37d7c105944c56a518",
	"simple-json.svg": "e300f9902b0fe9183c7c0856a8a4c61a777bae968a4ba0f8f264ef166c36528f",
	"simple-jwt.png":  "eab7597234e3ab125505882a6823cd27b1639c38cb05dfc57a8e445c154c039d",
	"simple-jwt.svg":  "ce221d85ec0e2d1a31cd14adeb5cab161a44e8776a34d356e2c6677f9fb13afb",
}

func TestFixturesUnchanged(t *testing.T) {
	for name, want := range fixtures {
		sum := sha256.Sum256(readFixture(t, name))
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, want %s", name, got, want)
		}
	}
}

// TestUnbakeFixtures extracts the credential from each official fixture and
// checks it is what the file name says: a JSON OpenBadgeCredential with an
// embedded proof, or a compact JWS whose payload is one.
func TestUnbakeFixtures(t *testing.T) {
	tests := map[string]struct {
		kind string
		jwt  bool
	}{
		"ok/simple-json.png": {bake.KindPNG, false},
		"ok/simple-json.svg": {bake.KindSVG, false},
		"ok/simple-jwt.png":  {bake.KindPNG, true},
		"ok/simple-jwt.svg":  {bake.KindSVG, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, kind, err := bake.Unbake(readFixture(t, strings.TrimPrefix(name, "ok/")))
			wantCode(t, err, "")
			if kind != tc.kind {
				t.Fatalf("kind %q, want %q", kind, tc.kind)
			}
			var vc struct {
				Type  []string        `json:"type"`
				Proof json.RawMessage `json:"proof"`
			}
			if tc.jwt {
				parts := strings.Split(string(c), ".")
				if len(parts) != 3 {
					t.Fatalf("not a compact JWS: %d segments", len(parts))
				}
				var hdr struct {
					Alg string `json:"alg"`
				}
				h, err := base64.RawURLEncoding.DecodeString(parts[0])
				if err != nil || json.Unmarshal(h, &hdr) != nil || hdr.Alg != "RS256" {
					t.Fatalf("JWS header %q does not parse as RS256: %v", h, err)
				}
				p, err := base64.RawURLEncoding.DecodeString(parts[1])
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(p, &vc); err != nil {
					t.Fatalf("JWS payload is not JSON: %v", err)
				}
			} else {
				if err := json.Unmarshal(c, &vc); err != nil {
					t.Fatalf("not JSON: %v", err)
				}
				if len(vc.Proof) == 0 {
					t.Fatal("the JSON credential has no embedded proof")
				}
			}
			if !contains(vc.Type, "OpenBadgeCredential") {
				t.Fatalf("type %v lacks OpenBadgeCredential", vc.Type)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestUnbakeSniffs(t *testing.T) {
	tests := map[string]struct {
		in   string
		kind string
		code errs.Code
	}{
		"ok/svg after a byte order mark and white space": {in: "\ufeff \n<svg xmlns=\"http://www.w3.org/2000/svg\"><ob:credential xmlns:ob=\"https://purl.imsglobal.org/ob/v3p0\" verify=\"" + testJWT + "\"/></svg>", kind: bake.KindSVG},
		"error/JSON is not an image":                     {in: testJSON, code: errs.Invalid},
		"error/JWT is not an image":                      {in: testJWT, code: errs.Invalid},
		"error/empty":                                    {in: "", code: errs.Invalid},
		"error/XML that is not SVG":                      {in: "<html/>", kind: bake.KindSVG, code: errs.Invalid},
		"error/PNG signature then garbage":               {in: "\x89PNG\r\n\x1a\nxx", kind: bake.KindPNG, code: errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, kind, err := bake.Unbake([]byte(tc.in))
			wantCode(t, err, tc.code)
			if kind != tc.kind {
				t.Fatalf("kind %q, want %q", kind, tc.kind)
			}
			if tc.code == "" && string(c) != testJWT {
				t.Fatalf("got %q", c)
			}
		})
	}
}

// TestExtract checks the verifier.Extractor shape: ok=false for what is not
// an image, so the verifier tries its other formats.
func TestExtract(t *testing.T) {
	tests := map[string]struct {
		in     []byte
		ok     bool
		format string
		code   errs.Code
	}{
		"ok/JSON is not ours":          {in: []byte(testJSON)},
		"ok/JWT is not ours":           {in: []byte(testJWT)},
		"ok/baked PNG":                 {in: readFixture(t, "simple-jwt.png"), ok: true, format: "png"},
		"ok/baked SVG":                 {in: readFixture(t, "simple-json.svg"), ok: true, format: "svg"},
		"error/PNG with no credential": {in: smallPNG(t), ok: true, format: "png", code: errs.NotFound},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			inner, format, ok, err := bake.Extract(tc.in)
			wantCode(t, err, tc.code)
			if ok != tc.ok || format != tc.format {
				t.Fatalf("ok=%v format=%q, want %v %q", ok, format, tc.ok, tc.format)
			}
			if tc.ok && tc.code == "" && len(inner) == 0 {
				t.Fatal("no credential")
			}
		})
	}
}

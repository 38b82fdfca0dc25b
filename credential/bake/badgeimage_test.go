package bake_test

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/tohu-nz/tohu/credential/badgeimage"
	"github.com/tohu-nz/tohu/credential/bake"
)

// TestBakeGeneratedBadge bakes a credential into the images tohu draws for
// an achievement without one, as issuance does, and reads it back.
func TestBakeGeneratedBadge(t *testing.T) {
	b := badgeimage.Badge{Title: "Te Reo Māori — Kōrero Tuatahi", Provider: "Te Wānanga", Level: 2, Credits: 10}
	p, err := badgeimage.PNG(b, 256)
	wantCode(t, err, "")
	s, err := badgeimage.SVG(b)
	wantCode(t, err, "")

	tests := map[string]struct {
		image      []byte
		credential string
		bake       func([]byte, []byte) ([]byte, error)
		kind       string
	}{
		"ok/png with json": {p, testJSON, bake.BakePNG, bake.KindPNG},
		"ok/png with jwt":  {p, testJWT, bake.BakePNG, bake.KindPNG},
		"ok/svg with json": {s, testJSON, bake.BakeSVG, bake.KindSVG},
		"ok/svg with jwt":  {s, testJWT, bake.BakeSVG, bake.KindSVG},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := tc.bake(tc.image, []byte(tc.credential))
			wantCode(t, err, "")
			got, kind, err := bake.Unbake(out)
			wantCode(t, err, "")
			if string(got) != tc.credential || kind != tc.kind {
				t.Fatalf("unbaked %q as %q", got, kind)
			}
			if tc.kind == bake.KindPNG {
				if _, err := png.Decode(bytes.NewReader(out)); err != nil {
					t.Fatalf("baked PNG does not decode: %v", err)
				}
			} else if n := countCredentialElements(t, out); n != 1 {
				t.Fatalf("%d credential elements", n)
			}
		})
	}
}

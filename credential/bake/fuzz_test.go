package bake_test

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/tohu-nz/tohu/credential/bake"
	"github.com/tohu-nz/tohu/errs"
)

// fuzzCodes are the only error codes extraction may return.
var fuzzCodes = map[errs.Code]bool{errs.Invalid: true, errs.NotFound: true, errs.Unsupported: true}

// FuzzUnbakePNG feeds hostile PNGs to UnbakePNG and BakePNG. Invariants:
// neither panics; every error is an *errs.Error with an expected code; a
// credential that comes out is non-empty and within MaxCredentialSize; and
// whatever BakePNG accepts, it bakes so that UnbakePNG gives the credential
// back and image/png decodes the result whenever it decoded the input.
// Seeds: the 1EdTech fixtures, cut and garbled, plus testdata/fuzz/FuzzUnbakePNG.
func FuzzUnbakePNG(f *testing.F) {
	for _, name := range []string{"simple-json.png", "simple-jwt.png"} {
		b := readFixture(f, name)
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:8+25+100])
	}
	small := smallPNG(f)
	f.Add(small)
	f.Add(insertBeforeIEND(small, chunkBytes("iTXt", iTXt(bake.PNGKeyword, true, "", "", []byte(testJSON)))))
	f.Add(insertBeforeIEND(small, chunkBytes("tEXt", []byte("openbadges\x00x"))))

	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := bake.UnbakePNG(in)
		checkExtraction(t, c, err)

		baked, err := bake.BakePNG(in, []byte(testJWT))
		if err != nil {
			wantCode(t, err, errs.Invalid)
			return
		}
		got, err := bake.UnbakePNG(baked)
		if err != nil || string(got) != testJWT {
			t.Fatalf("baked PNG unbakes to %q, %v", got, err)
		}
		// Decode only small images: image/png would allocate whatever a
		// mutated IHDR asks for, and that is not what is under test.
		if cfg, err := png.DecodeConfig(bytes.NewReader(in)); err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		if _, err := png.Decode(bytes.NewReader(in)); err == nil {
			if _, err := png.Decode(bytes.NewReader(baked)); err != nil {
				t.Fatalf("input decodes but the baked PNG does not: %v", err)
			}
		}
	})
}

// FuzzUnbakeSVG feeds hostile SVGs to UnbakeSVG and BakeSVG. Invariants:
// neither panics; errors carry expected codes; and whatever BakeSVG accepts,
// it bakes into well-formed XML with exactly one credential element that
// UnbakeSVG reads back unchanged. Seeds: the 1EdTech fixtures, cut and
// garbled, plus testdata/fuzz/FuzzUnbakeSVG.
func FuzzUnbakeSVG(f *testing.F) {
	for _, name := range []string{"simple-json.svg", "simple-jwt.svg"} {
		b := readFixture(f, name)
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(bytes.Replace(b, []byte("CDATA"), []byte("CDAT"), 1))
	}
	f.Add([]byte(plainSVG))
	f.Add([]byte(`<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="a.b.c"/></svg>`))
	f.Add([]byte(`<!DOCTYPE svg [<!ENTITY a "b">]><svg>&a;</svg>`))

	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := bake.UnbakeSVG(in)
		checkExtraction(t, c, err)

		for _, cred := range []string{testJWT, testJSON} {
			baked, err := bake.BakeSVG(in, []byte(cred))
			if err != nil {
				if code := errs.ErrorCode(err); code != errs.Invalid && code != errs.Conflict && code != errs.Unsupported {
					t.Fatalf("BakeSVG: unexpected code %q: %v", code, err)
				}
				continue
			}
			if n := countCredentialElements(t, baked); n != 1 {
				t.Fatalf("%d credential elements after baking", n)
			}
			got, err := bake.UnbakeSVG(baked)
			if err != nil || string(got) != cred {
				t.Fatalf("baked SVG unbakes to %q, %v", got, err)
			}
		}
	})
}

func checkExtraction(t *testing.T, c []byte, err error) {
	t.Helper()
	if err != nil {
		if !fuzzCodes[errs.ErrorCode(err)] {
			t.Fatalf("unexpected error code %q: %v", errs.ErrorCode(err), err)
		}
		if c != nil {
			t.Fatalf("both a credential and an error")
		}
		return
	}
	if len(c) == 0 || len(c) > bake.MaxCredentialSize {
		t.Fatalf("extracted %d bytes", len(c))
	}
}

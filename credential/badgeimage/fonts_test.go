package badgeimage

import (
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
)

// TestFontsHaveMacrons checks every face the design uses has a real glyph
// (not .notdef) for each te reo Māori vowel with a macron, and for the
// other characters the layout itself writes.
func TestFontsHaveMacrons(t *testing.T) {
	fs, err := fonts()
	if err != nil {
		t.Fatal(err)
	}
	for kind, f := range fs {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 20, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range "āēīōūĀĒĪŌŪ·…—" {
			if _, ok := face.GlyphAdvance(r); !ok {
				t.Errorf("font %d has no glyph for %q", kind, r)
			}
		}
	}
}

// TestContrast checks the WCAG 2.2 contrast arithmetic against known pairs.
func TestContrast(t *testing.T) {
	tests := map[string]struct {
		a, b     rgb
		min, max float64
	}{
		"ok/black on white is 21:1":  {rgb{0, 0, 0}, white, 20.99, 21.01},
		"ok/#767676 on white passes": {rgb{0x76, 0x76, 0x76}, white, 4.54, 4.55},
		"ok/#777777 on white fails":  {rgb{0x77, 0x77, 0x77}, white, 4.47, 4.49},
		"ok/default colour on white": {rgb{0x0E, 0x4D, 0x64}, white, 8.5, 9.5},
		"ok/same colour is 1:1":      {white, white, 1, 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := contrast(tc.a, tc.b); got < tc.min || got > tc.max {
				t.Fatalf("contrast %.3f, want %.2f-%.2f", got, tc.min, tc.max)
			}
		})
	}
}

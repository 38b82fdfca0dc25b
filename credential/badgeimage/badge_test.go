package badgeimage_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential/badgeimage"
	"github.com/tohu-nz/tohu/errs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var examples = map[string]badgeimage.Badge{
	"bilingual": {
		Title: "Kaitiakitanga: Environmental Stewardship in Practice", TitleMi: "Te Tiaki i te Taiao",
		Provider: "Te Pūkenga — Toi Ohomai Institute of Technology", Level: 4, Credits: 15,
	},
	"short": {Title: "Bee Keeping", Provider: "Apiculture NZ", Level: 3, Credits: 5, Colour: "#7a3e00"},
	"long": {
		Title:    "Whakahaere Hauora ā-Iwi mō ngā Kaimahi Hauora Tūmatanui o Aotearoa me te Moana-nui-a-Kiwa: he tino roa tēnei taitara kia kite ai mātou mēnā ka tapahia",
		TitleMi:  "Community Health Management for Public Health Workers of Aotearoa and the Pacific",
		Provider: "Ringa Hora Services Workforce Development Council", Level: 10, Credits: 40,
	},
	"title only": {Title: "Te Reo Māori — Kōrero Tuatahi"},
	"one credit": {Title: "Site Induction", Level: 1, Credits: 1},
}

// TestSVGGolden pins the SVG byte for byte (run go test -update after an
// intended design change, and look at the result).
func TestSVGGolden(t *testing.T) {
	for name, b := range examples {
		t.Run("ok/"+name, func(t *testing.T) {
			got, err := badgeimage.SVG(b)
			wantCode(t, err, "")
			path := filepath.Join("testdata", "golden", strings.ReplaceAll(name, " ", "-")+".svg")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("SVG differs from %s:\n%s", path, got)
			}
			again, _ := badgeimage.SVG(b)
			if !bytes.Equal(got, again) {
				t.Error("two calls gave different SVGs")
			}
		})
	}
}

// svgInfo parses an SVG strictly and collects what accessibility and
// escaping tests look at.
type svgInfo struct {
	role, ariaLabel string
	firstChild      string
	title           string
	texts           []string
}

func parseSVG(t *testing.T, b []byte) svgInfo {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var info svgInfo
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return info
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				if tok.Name.Space != "http://www.w3.org/2000/svg" || tok.Name.Local != "svg" {
					t.Fatalf("root is %v", tok.Name)
				}
				for _, a := range tok.Attr {
					switch a.Name.Local {
					case "role":
						info.role = a.Value
					case "aria-label":
						info.ariaLabel = a.Value
					}
				}
			} else if len(stack) == 1 && info.firstChild == "" {
				info.firstChild = tok.Name.Local
			}
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			switch stack[len(stack)-1] {
			case "title":
				info.title += string(tok)
			case "text":
				info.texts = append(info.texts, string(tok))
			}
		}
	}
}

func TestSVGAccessibleAndEscaped(t *testing.T) {
	tests := map[string]struct {
		badge     badgeimage.Badge
		label     []string // the aria-label must contain each
		texts     []string // these lines must be drawn
		notInText string   // must not appear raw in the document
	}{
		"ok/everything is in the accessible name": {
			badge: examples["bilingual"],
			label: []string{"Kaitiakitanga: Environmental Stewardship in Practice", "Te Tiaki i te Taiao", "NZQCF Level 4", "15 credits", "Te Pūkenga"},
			texts: []string{"MICRO-CREDENTIAL", "Te Tiaki i te Taiao", "NZQCF Level 4 · 15 credits"},
		},
		"ok/markup in the title is text": {
			badge:     badgeimage.Badge{Title: `<script>alert("x")</script> & 'co'`, Provider: `"A" & <B>`, Level: 2, Credits: 10},
			label:     []string{`<script>alert("x")</script> & 'co'`, `"A" & <B>`},
			texts:     []string{`"A" & <B>`},
			notInText: "<script>",
		},
		"ok/decomposed macrons are composed": {
			badge: badgeimage.Badge{Title: "Ma\u0304ori", Level: 2},
			label: []string{"M\u0101ori"},
			texts: []string{"M\u0101ori"},
		},
		"ok/control characters and spacing cleaned": {
			badge: badgeimage.Badge{Title: "  Te\x00 Reo\n\tMāori\x1b  ", Level: 2},
			label: []string{"Te Reo Māori."},
			texts: []string{"Te Reo Māori"},
		},
		"ok/one credit is singular": {
			badge: examples["one credit"],
			label: []string{"NZQCF Level 1, 1 credit."},
			texts: []string{"NZQCF Level 1 · 1 credit"},
		},
		"ok/a clipped title is whole in the accessible name": {
			badge: examples["long"],
			label: []string{examples["long"].Title},
			texts: []string{"tēnei taitara kia kite ai mātou mē…"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := badgeimage.SVG(tc.badge)
			wantCode(t, err, "")
			info := parseSVG(t, out)
			if info.role != "img" || info.firstChild != "title" || info.title == "" {
				t.Fatalf("role=%q first child=%q title=%q", info.role, info.firstChild, info.title)
			}
			for _, s := range tc.label {
				if !strings.Contains(info.ariaLabel, s) {
					t.Errorf("aria-label %q lacks %q", info.ariaLabel, s)
				}
			}
			for _, s := range tc.texts {
				if !contains(info.texts, s) {
					t.Errorf("no text line %q in %q", s, info.texts)
				}
			}
			if tc.notInText != "" && bytes.Contains(out, []byte(tc.notInText)) {
				t.Errorf("%q appears unescaped", tc.notInText)
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

func TestRefuses(t *testing.T) {
	ok := examples["bilingual"]
	with := func(f func(*badgeimage.Badge)) badgeimage.Badge { b := ok; f(&b); return b }
	tests := map[string]struct {
		badge badgeimage.Badge
		field string
	}{
		"error/no title":                 {with(func(b *badgeimage.Badge) { b.Title = " \n " }), "/title"},
		"error/title too long":           {with(func(b *badgeimage.Badge) { b.Title = strings.Repeat("ā", badgeimage.MaxTitleLength+1) }), "/title"},
		"error/te reo title too long":    {with(func(b *badgeimage.Badge) { b.TitleMi = strings.Repeat("a", badgeimage.MaxTitleLength+1) }), "/titleMi"},
		"error/provider too long":        {with(func(b *badgeimage.Badge) { b.Provider = strings.Repeat("a", badgeimage.MaxProviderLength+1) }), "/provider"},
		"error/level 11":                 {with(func(b *badgeimage.Badge) { b.Level = 11 }), "/level"},
		"error/negative level":           {with(func(b *badgeimage.Badge) { b.Level = -1 }), "/level"},
		"error/negative credits":         {with(func(b *badgeimage.Badge) { b.Credits = -5 }), "/credits"},
		"error/colour not hex":           {with(func(b *badgeimage.Badge) { b.Colour = "teal" }), "/colour"},
		"error/colour short form":        {with(func(b *badgeimage.Badge) { b.Colour = "#0e4" }), "/colour"},
		"error/colour bad digits":        {with(func(b *badgeimage.Badge) { b.Colour = "#0g4d64" }), "/colour"},
		"error/colour too light (4.4:1)": {with(func(b *badgeimage.Badge) { b.Colour = "#787878" }), "/colour"},
		"error/yellow on white":          {with(func(b *badgeimage.Badge) { b.Colour = "#FFD700" }), "/colour"},
		"error/title not UTF-8":          {with(func(b *badgeimage.Badge) { b.Title = "Ma\xffori" }), ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := badgeimage.SVG(tc.badge)
			wantCode(t, err, errs.Invalid)
			if got := errs.ErrorField(err); got != tc.field {
				t.Errorf("field %q, want %q", got, tc.field)
			}
			_, err = badgeimage.PNG(tc.badge, 256)
			wantCode(t, err, errs.Invalid)
		})
	}
	t.Run("ok/darkest grey that passes (4.5:1)", func(t *testing.T) {
		_, err := badgeimage.SVG(with(func(b *badgeimage.Badge) { b.Colour = "#767676" }))
		wantCode(t, err, "")
	})
}

func TestPNG(t *testing.T) {
	tests := map[string]struct {
		badge badgeimage.Badge
		size  int
		code  errs.Code
	}{
		"ok/smallest":         {examples["bilingual"], badgeimage.MinPNGSize, ""},
		"ok/256":              {examples["short"], 256, ""},
		"ok/600 long title":   {examples["long"], 600, ""},
		"ok/odd size":         {examples["title only"], 333, ""},
		"error/too small":     {examples["short"], badgeimage.MinPNGSize - 1, errs.Invalid},
		"error/too large":     {examples["short"], badgeimage.MaxPNGSize + 1, errs.Invalid},
		"error/zero":          {examples["short"], 0, errs.Invalid},
		"error/invalid badge": {badgeimage.Badge{}, 256, errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := badgeimage.PNG(tc.badge, tc.size)
			wantCode(t, err, tc.code)
			if tc.code != "" {
				return
			}
			img, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("does not decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tc.size || b.Dy() != tc.size {
				t.Fatalf("size %v, want %d", b, tc.size)
			}
			checkPixels(t, img, tc.badge)
			again, _ := badgeimage.PNG(tc.badge, tc.size)
			if !bytes.Equal(out, again) {
				t.Error("two calls gave different PNGs")
			}
		})
	}
}

// checkPixels checks the render is a medal, not a blank: transparent
// corners, the badge colour on the band, a white face, and text: many
// distinct colours (anti-aliased glyph edges) and dark ink in the middle.
func checkPixels(t *testing.T, img image.Image, b badgeimage.Badge) {
	t.Helper()
	n := img.Bounds().Dx()
	at := func(fx, fy float64) color.NRGBA {
		return color.NRGBAModel.Convert(img.At(int(fx*float64(n)), int(fy*float64(n)))).(color.NRGBA)
	}
	if c := at(0.01, 0.01); c.A != 0 {
		t.Errorf("corner is %v, want transparent", c)
	}
	want := b.Colour
	if want == "" {
		want = badgeimage.DefaultColour
	}
	band := at(321.6/600, 25.9/600) // on the band, between the beads at 0° and 9°
	if got := hexOf(band); !strings.EqualFold(got, want) {
		t.Errorf("band pixel %s, want %s", got, want)
	}
	if c := at(0.12, 0.5); c != (color.NRGBA{255, 255, 255, 255}) {
		t.Errorf("face pixel %v, want white", c)
	}
	colours := map[color.NRGBA]bool{}
	dark := 0
	for y := n * 3 / 10; y < n*6/10; y++ {
		for x := n / 5; x < n*4/5; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			colours[c] = true
			if c.R < 200 && c.G < 200 && c.B < 200 {
				dark++
			}
		}
	}
	if len(colours) < 20 || dark < n/2 {
		t.Errorf("the title area looks blank: %d colours, %d dark pixels", len(colours), dark)
	}
}

func hexOf(c color.NRGBA) string {
	const digits = "0123456789ABCDEF"
	b := []byte{'#'}
	for _, v := range []uint8{c.R, c.G, c.B} {
		b = append(b, digits[v>>4], digits[v&15])
	}
	return string(b)
}

func wantCode(tb testing.TB, err error, code errs.Code) {
	tb.Helper()
	if code == "" {
		if err != nil {
			tb.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != code {
		tb.Fatalf("want code %q, got %v", code, err)
	}
}

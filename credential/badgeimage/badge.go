// Package badgeimage draws the badge image tohu issues for an achievement
// that has none: a round medal with the micro-credential's title (and its
// te reo Māori title), its NZQCF level and credits, and the provider's name.
//
// SVG and PNG come from one layout, so the two look the same. The SVG uses
// generic font-family stacks and embeds no font; it carries a <title>,
// a <desc>, role="img" and an aria-label, so screen readers announce it.
// The PNG is rendered in pure Go (golang.org/x/image/vector for shapes, the
// Go fonts for text; their Latin Extended-A covers the macron vowels).
// Output is deterministic: the same Badge gives the same bytes.
package badgeimage

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/tohu-nz/tohu/errs"
)

// Badge is what the image shows.
type Badge struct {
	Title    string // the achievement's title; required
	TitleMi  string // the te reo Māori title, when NZQA lists one
	Provider string // the issuing provider's name
	Level    int    // NZQCF level 1-10; 0 leaves it out
	Credits  int    // NZQCF credits; 0 leaves them out
	// Colour is the badge's main colour as "#rrggbb". It must reach a
	// contrast ratio of at least 4.5:1 against white (WCAG 2.2 SC 1.4.3),
	// because white text sits on it. Empty means DefaultColour.
	Colour string
}

// DefaultColour is a deep teal with a contrast ratio of about 9.3:1
// against white.
const DefaultColour = "#0E4D64"

// Limits on the input, so a hostile or mistaken title cannot make a huge
// image or a slow layout. Longer text is refused. Text within the limits
// that still does not fit the medal at the smallest type size ends in an
// ellipsis in the picture; the accessible name always has all of it.
const (
	MaxTitleLength    = 200 // runes, Title and TitleMi each
	MaxProviderLength = 120 // runes
	MinPNGSize        = 64  // pixels
	MaxPNGSize        = 2048
)

// normalised returns b with its text NFC-normalised (so a decomposed
// macron renders as one glyph) and trimmed, and checks it. Errors are
// Invalid with the offending field as a JSON pointer.
func (b Badge) normalised() (Badge, error) {
	clean := func(s string) string {
		s = norm.NFC.String(s)
		s = strings.Map(func(r rune) rune {
			switch {
			case r == '\t' || r == '\n' || r == '\r':
				return ' '
			case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
				return -1 // control characters: not text, and not allowed in XML
			}
			return r
		}, s)
		return strings.Join(strings.Fields(s), " ")
	}
	if !utf8.ValidString(b.Title) || !utf8.ValidString(b.TitleMi) || !utf8.ValidString(b.Provider) {
		return b, errs.E(errs.Invalid, "badge text must be UTF-8")
	}
	b.Title, b.TitleMi, b.Provider = clean(b.Title), clean(b.TitleMi), clean(b.Provider)
	switch {
	case b.Title == "":
		return b, errs.F(errs.Invalid, "/title", "a badge needs a title")
	case utf8.RuneCountInString(b.Title) > MaxTitleLength:
		return b, errs.F(errs.Invalid, "/title", "the title is longer than %d characters", MaxTitleLength)
	case utf8.RuneCountInString(b.TitleMi) > MaxTitleLength:
		return b, errs.F(errs.Invalid, "/titleMi", "the te reo Māori title is longer than %d characters", MaxTitleLength)
	case utf8.RuneCountInString(b.Provider) > MaxProviderLength:
		return b, errs.F(errs.Invalid, "/provider", "the provider name is longer than %d characters", MaxProviderLength)
	case b.Level < 0 || b.Level > 10:
		return b, errs.F(errs.Invalid, "/level", "the NZQCF level must be 1 to 10 (or 0, not shown)")
	case b.Credits < 0 || b.Credits > 999:
		return b, errs.F(errs.Invalid, "/credits", "credits must be 0 (not shown) to 999")
	}
	if b.Colour == "" {
		b.Colour = DefaultColour
	}
	c, err := parseColour(b.Colour)
	if err != nil {
		return b, err
	}
	if contrast(c, rgb{255, 255, 255}) < 4.5 {
		return b, errs.F(errs.Invalid, "/colour", "the colour %s is too light: white text on it would be hard to read", b.Colour)
	}
	b.Colour = c.hex()
	return b, nil
}

// facts is the line under the title: "NZQCF Level 4 · 15 credits".
func (b Badge) facts() string {
	var parts []string
	if b.Level > 0 {
		parts = append(parts, "NZQCF Level "+strconv.Itoa(b.Level))
	}
	switch {
	case b.Credits == 1:
		parts = append(parts, "1 credit")
	case b.Credits > 1:
		parts = append(parts, strconv.Itoa(b.Credits)+" credits")
	}
	return strings.Join(parts, " · ")
}

// description is the sentence a screen reader announces.
func (b Badge) description() string {
	s := "Micro-credential badge: " + b.Title
	if b.TitleMi != "" {
		s += " (" + b.TitleMi + ")"
	}
	s += "."
	if f := b.facts(); f != "" {
		s += " " + strings.ReplaceAll(f, " · ", ", ") + "."
	}
	if b.Provider != "" {
		s += " Issued by " + b.Provider + "."
	}
	return s
}

// rgb is an sRGB colour.
type rgb struct{ r, g, b uint8 }

func (c rgb) hex() string { return fmt.Sprintf("#%02X%02X%02X", c.r, c.g, c.b) }

func parseColour(s string) (rgb, error) {
	bad := errs.F(errs.Invalid, "/colour", "the colour must be written #rrggbb")
	if len(s) != 7 || s[0] != '#' {
		return rgb{}, bad
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return rgb{}, bad
	}
	return rgb{uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}

// mix blends c towards w by t (0: c, 1: w).
func (c rgb) mix(w rgb, t float64) rgb {
	f := func(a, b uint8) uint8 { return uint8(float64(a) + (float64(b)-float64(a))*t + 0.5) }
	return rgb{f(c.r, w.r), f(c.g, w.g), f(c.b, w.b)}
}

// luminance is the WCAG 2.2 relative luminance.
func (c rgb) luminance() float64 {
	ch := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(c.r) + 0.7152*ch(c.g) + 0.0722*ch(c.b)
}

// contrast is the WCAG 2.2 contrast ratio of two colours.
func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

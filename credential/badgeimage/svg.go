package badgeimage

import (
	"bytes"
	"encoding/xml"
	"math"
	"strconv"
)

// fontStack is a generic CSS font-family list: fonts most systems have,
// all of which carry the macron vowels, ending in the generic family. No
// font is embedded or fetched.
const fontStack = `'Noto Sans', 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif`

// SVG returns the badge as a standalone SVG document. It is accessible:
// role="img" with an aria-label that says everything the image shows,
// plus <title> and <desc>. All text is escaped; nothing is fetched.
//
// Returns Invalid (with the field as a JSON pointer) when b has no title,
// text over the length limits, a level outside 1-10, credits outside
// 0-999, or a colour that is malformed or too light for white text.
func SVG(b Badge) ([]byte, error) {
	b, err := b.normalised()
	if err != nil {
		return nil, err
	}
	d, err := layout(b)
	if err != nil {
		return nil, err
	}
	var w bytes.Buffer
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600" role="img" aria-label="`)
	escape(&w, b.description())
	w.WriteString(`">` + "\n")
	w.WriteString("<title>")
	escape(&w, titleText(b))
	w.WriteString("</title>\n<desc>")
	escape(&w, b.description())
	w.WriteString("</desc>\n")
	for _, s := range d.shapes {
		if s.circle {
			w.WriteString(`<circle cx="` + num(s.x) + `" cy="` + num(s.y) + `" r="` + num(s.r) + `" fill="` + s.fill.hex() + `"/>` + "\n")
			continue
		}
		w.WriteString(`<rect x="` + num(s.x) + `" y="` + num(s.y) + `" width="` + num(s.w) + `" height="` + num(s.h) +
			`" rx="` + num(s.r) + `" fill="` + s.fill.hex() + `"/>` + "\n")
	}
	// The text is already in the accessible name; screen readers need not
	// read it twice.
	w.WriteString(`<g font-family="` + fontStack + `" text-anchor="middle" aria-hidden="true">` + "\n")
	for _, t := range d.texts {
		w.WriteString(`<text x="` + num(t.x) + `" y="` + num(t.y) + `" font-size="` + num(t.size) + `"`)
		switch t.font {
		case bold:
			w.WriteString(` font-weight="700"`)
		case italic:
			w.WriteString(` font-style="italic"`)
		}
		if t.spacing != 0 {
			w.WriteString(` letter-spacing="` + num(t.spacing) + `"`)
		}
		w.WriteString(` fill="` + t.fill.hex() + `">`)
		escape(&w, t.text)
		w.WriteString("</text>\n")
	}
	w.WriteString("</g>\n</svg>\n")
	return w.Bytes(), nil
}

// titleText is the short name in <title>.
func titleText(b Badge) string {
	if b.TitleMi != "" {
		return b.Title + " — " + b.TitleMi
	}
	return b.Title
}

// escape writes s as XML character data or attribute text.
func escape(w *bytes.Buffer, s string) { _ = xml.EscapeText(w, []byte(s)) }

// num formats a coordinate with at most two decimals, so the output does
// not depend on the last bits of a float.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// polar returns the offset of the point at radius r and angle deg
// (clockwise from the top).
func polar(r, deg float64) (x, y float64) {
	s, c := math.Sincos(deg * math.Pi / 180)
	return r * s, -r * c
}

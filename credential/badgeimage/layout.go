package badgeimage

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"

	"github.com/tohu-nz/tohu/errs"
)

// canvas is the side of the square design, in SVG user units.
const canvas = 600.0

// fontKind picks one of the three faces the design uses.
type fontKind int

const (
	regular fontKind = iota
	bold
	italic
)

// shape is a filled circle (circle set: centre x, y and radius r) or a
// rounded rectangle (x, y, w, h and corner radius r).
type shape struct {
	circle     bool
	x, y, w, h float64
	r          float64
	fill       rgb
}

// textRun is one line of text centred on x with its baseline at y.
type textRun struct {
	x, y    float64
	text    string
	font    fontKind
	size    float64
	spacing float64 // extra space after each character
	fill    rgb
}

// design is the laid-out badge, in canvas units; svg.go and png.go each
// draw it.
type design struct {
	shapes []shape
	texts  []textRun
}

var (
	white = rgb{255, 255, 255}
	black = rgb{0, 0, 0}
	ink   = rgb{0x14, 0x21, 0x2B} // title text: 16:1 on white
	muted = rgb{0x3A, 0x47, 0x50} // secondary text: 9.5:1 on white
)

// The Go fonts, parsed once. *opentype.Font is safe for concurrent use;
// the faces made from it are not, so each call makes its own.
var fonts = sync.OnceValues(func() ([3]*opentype.Font, error) {
	var fs [3]*opentype.Font
	for i, ttf := range [3][]byte{goregular.TTF, gobold.TTF, goitalic.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return fs, err
		}
		fs[i] = f
	}
	return fs, nil
})

// measureSize is the size the measurer's faces are made at; widths scale
// linearly from it (no hinting).
const measureSize = 1000

// measurer measures text in canvas units with the Go fonts. The SVG is
// laid out with the same metrics, so its lines fit as the PNG's do.
type measurer struct{ faces [3]font.Face }

func newMeasurer() (*measurer, error) {
	fs, err := fonts()
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "the badge fonts do not load")
	}
	m := &measurer{}
	for i, f := range fs {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: measureSize, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, errs.Wrap(err, errs.Internal, "the badge fonts do not load")
		}
		m.faces[i] = face
	}
	return m, nil
}

// width is the advance of s set in kind at size, plus letter spacing.
func (m *measurer) width(kind fontKind, size, spacing float64, s string) float64 {
	adv := font.MeasureString(m.faces[kind], s)
	return float64(adv)/64*size/measureSize + spacing*float64(utf8.RuneCountInString(s))
}

// wrap breaks s into lines no wider than maxW, at spaces; a word wider
// than a line is broken between characters.
func (m *measurer) wrap(kind fontKind, size, maxW float64, s string) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if m.width(kind, size, 0, try) <= maxW {
			line = try
			continue
		}
		if line != "" {
			lines = append(lines, line)
			line = ""
		}
		for m.width(kind, size, 0, word) > maxW {
			cut := len(word)
			for cut > 0 && m.width(kind, size, 0, word[:cut]) > maxW {
				_, n := utf8.DecodeLastRuneInString(word[:cut])
				cut -= n
			}
			if cut == 0 { // not even one character fits; take it anyway
				_, cut = utf8.DecodeRuneInString(word)
			}
			lines = append(lines, word[:cut])
			word = word[cut:]
		}
		line = word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// clip keeps at most n lines, ending the last kept one with an ellipsis
// that fits in maxW when text was dropped. The full text is still in the
// image's accessible name.
func (m *measurer) clip(kind fontKind, size, maxW float64, lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	lines = lines[:n]
	last := lines[n-1]
	for last != "" && m.width(kind, size, 0, last+"…") > maxW {
		_, k := utf8.DecodeLastRuneInString(last)
		last = strings.TrimRight(last[:len(last)-k], " ")
	}
	lines[n-1] = last + "…"
	return lines
}

// Geometry of the medal, in canvas units.
const (
	centre      = canvas / 2
	outerRadius = 298
	bandRadius  = 288 // the coloured band runs from here...
	faceRadius  = 262 // ...to here, where the white face starts
	titleWidth  = 400
	titleTop    = 172 // the title block is centred between these
	titleBottom = 390
	factsY      = 428 // centre of the facts ribbon
	factsHeight = 54
)

// layout lays out b, which normalised has checked.
func layout(b Badge) (*design, error) {
	m, err := newMeasurer()
	if err != nil {
		return nil, err
	}
	c, _ := parseColour(b.Colour)
	d := &design{}

	// The medal: a darker rim, the coloured band with a ring of beads, the
	// white face and a fine inner line.
	d.shapes = append(d.shapes,
		shape{circle: true, x: centre, y: centre, r: outerRadius, fill: c.mix(black, 0.3)},
		shape{circle: true, x: centre, y: centre, r: bandRadius, fill: c},
	)
	bead := c.mix(white, 0.45)
	for i := range 40 {
		x, y := polar((bandRadius+faceRadius)/2, float64(i)*9)
		d.shapes = append(d.shapes, shape{circle: true, x: centre + x, y: centre + y, r: 2.4, fill: bead})
	}
	d.shapes = append(d.shapes,
		shape{circle: true, x: centre, y: centre, r: faceRadius, fill: white},
		shape{circle: true, x: centre, y: centre, r: faceRadius - 9, fill: c.mix(white, 0.55)},
		shape{circle: true, x: centre, y: centre, r: faceRadius - 11, fill: white},
	)

	// Heading and a short rule under it.
	d.texts = append(d.texts, textRun{x: centre, y: 128, text: "MICRO-CREDENTIAL", font: bold, size: 17, spacing: 3.5, fill: c})
	d.shapes = append(d.shapes, shape{x: centre - 28, y: 144, w: 56, h: 3, r: 1.5, fill: c.mix(white, 0.3)})

	// The title, as large as fits, and the te reo Māori title under it.
	d.texts = append(d.texts, m.titleBlock(b)...)

	// The facts ribbon.
	if f := b.facts(); f != "" {
		const size = 23
		w := max(m.width(bold, size, 0, f)+64, 300)
		d.shapes = append(d.shapes, shape{x: centre - w/2, y: factsY - factsHeight/2, w: w, h: factsHeight, r: factsHeight / 2, fill: c})
		d.texts = append(d.texts, textRun{x: centre, y: factsY + 0.36*size, text: f, font: bold, size: size, fill: white})
	}

	// The provider, under the ribbon, on up to two lines.
	if b.Provider != "" {
		const size, lh = 20.0, 25.0
		lines := m.clip(regular, size, 300, m.wrap(regular, size, 300, b.Provider), 2)
		y := 492.0
		if len(lines) == 1 {
			y += lh / 2
		}
		for i, l := range lines {
			d.texts = append(d.texts, textRun{x: centre, y: y + float64(i)*lh, text: l, font: regular, size: size, fill: muted})
		}
	}
	return d, nil
}

// titleBlock sets the title in the largest size at which it fits on few
// enough lines, with the te reo Māori title under it, centred vertically
// between titleTop and titleBottom.
func (m *measurer) titleBlock(b Badge) []textRun {
	type try struct {
		size     float64
		maxLines int
	}
	tries := []try{{46, 2}, {42, 3}, {38, 3}, {34, 3}, {30, 4}, {27, 4}, {24, 5}}
	var size, miSize float64
	var lines, mi []string
	for i, t := range tries {
		size = t.size
		miSize = min(26, max(20, size*0.58))
		lines = m.wrap(bold, size, titleWidth, b.Title)
		mi = m.wrap(italic, miSize, titleWidth, b.TitleMi)
		last := i == len(tries)-1
		if last {
			lines = m.clip(bold, size, titleWidth, lines, t.maxLines)
			mi = m.clip(italic, miSize, titleWidth, mi, 2)
		}
		if len(lines) <= t.maxLines && len(mi) <= 2 && blockHeight(size, len(lines), miSize, len(mi)) <= titleBottom-titleTop || last {
			break
		}
	}
	lh, miLH := 1.16*size, 1.3*miSize
	// Centre the ink: from the cap height of the first line to the
	// baseline of the last.
	y := (titleTop+titleBottom)/2 - blockHeight(size, len(lines), miSize, len(mi))/2 + capHeight*size
	var runs []textRun
	for i, l := range lines {
		runs = append(runs, textRun{x: centre, y: y + float64(i)*lh, text: l, font: bold, size: size, fill: ink})
	}
	y += float64(len(lines)-1)*lh + miGap + capHeight*miSize
	for i, l := range mi {
		runs = append(runs, textRun{x: centre, y: y + float64(i)*miLH, text: l, font: italic, size: miSize, fill: muted})
	}
	return runs
}

// capHeight is the Go fonts' cap height as a fraction of the size, and
// miGap the space between the title and the te reo title.
const (
	capHeight = 0.72
	miGap     = 18
)

// blockHeight is the visual height of n title lines and k te reo lines.
func blockHeight(size float64, n int, miSize float64, k int) float64 {
	h := capHeight*size + float64(n-1)*1.16*size
	if k > 0 {
		h += miGap + capHeight*miSize + float64(k-1)*1.3*miSize
	}
	return h
}

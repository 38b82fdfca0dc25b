package badgeimage

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"github.com/tohu-nz/tohu/errs"
)

// kappa places cubic Bézier control points so four curves approximate a
// circle (error under 0.03%).
const kappa = 0.5522847498

// PNG renders the same design as SVG to a size×size PNG with a transparent
// background outside the medal, in pure Go. size must be MinPNGSize to
// MaxPNGSize pixels.
//
// Returns Invalid for a size out of range and for everything SVG refuses.
func PNG(b Badge, size int) ([]byte, error) {
	if size < MinPNGSize || size > MaxPNGSize {
		return nil, errs.F(errs.Invalid, "/size", "the image size must be %d to %d pixels", MinPNGSize, MaxPNGSize)
	}
	b, err := b.normalised()
	if err != nil {
		return nil, err
	}
	d, err := layout(b)
	if err != nil {
		return nil, err
	}
	k := float64(size) / canvas
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	z := vector.NewRasterizer(size, size)
	for _, s := range d.shapes {
		// Rasterize each shape in its own bounding box: the mask is
		// accumulated over the whole rasterizer, so a bead would otherwise
		// cost as much as the medal.
		x, y, w, h := s.x-s.r, s.y-s.r, 2*s.r, 2*s.r
		if !s.circle {
			x, y, w, h = s.x, s.y, s.w, s.h
		}
		box := image.Rect(int(x*k), int(y*k), int((x+w)*k)+2, int((y+h)*k)+2).Intersect(img.Bounds())
		ox, oy := float64(box.Min.X), float64(box.Min.Y)
		z.Reset(box.Dx(), box.Dy())
		if s.circle {
			circlePath(z, s.x*k-ox, s.y*k-oy, s.r*k)
		} else {
			roundRectPath(z, s.x*k-ox, s.y*k-oy, s.w*k, s.h*k, s.r*k)
		}
		z.Draw(img, box, image.NewUniform(s.fill.colour()), image.Point{})
	}
	if err := drawTexts(img, d.texts, k); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&out, img); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "the badge PNG could not be encoded")
	}
	return out.Bytes(), nil
}

func (c rgb) colour() color.RGBA { return color.RGBA{c.r, c.g, c.b, 0xff} }

func circlePath(z *vector.Rasterizer, cx, cy, r float64) {
	f := func(v float64) float32 { return float32(v) }
	q := r * kappa
	z.MoveTo(f(cx), f(cy-r))
	z.CubeTo(f(cx+q), f(cy-r), f(cx+r), f(cy-q), f(cx+r), f(cy))
	z.CubeTo(f(cx+r), f(cy+q), f(cx+q), f(cy+r), f(cx), f(cy+r))
	z.CubeTo(f(cx-q), f(cy+r), f(cx-r), f(cy+q), f(cx-r), f(cy))
	z.CubeTo(f(cx-r), f(cy-q), f(cx-q), f(cy-r), f(cx), f(cy-r))
	z.ClosePath()
}

func roundRectPath(z *vector.Rasterizer, x, y, w, h, r float64) {
	f := func(v float64) float32 { return float32(v) }
	r = min(r, w/2, h/2)
	q := r * (1 - kappa)
	z.MoveTo(f(x+r), f(y))
	z.LineTo(f(x+w-r), f(y))
	z.CubeTo(f(x+w-q), f(y), f(x+w), f(y+q), f(x+w), f(y+r))
	z.LineTo(f(x+w), f(y+h-r))
	z.CubeTo(f(x+w), f(y+h-q), f(x+w-q), f(y+h), f(x+w-r), f(y+h))
	z.LineTo(f(x+r), f(y+h))
	z.CubeTo(f(x+q), f(y+h), f(x), f(y+h-q), f(x), f(y+h-r))
	z.LineTo(f(x), f(y+r))
	z.CubeTo(f(x), f(y+q), f(x+q), f(y), f(x+r), f(y))
	z.ClosePath()
}

// drawTexts draws each run centred on its x, scaled by k, with the Go fonts
// at the scaled size (unhinted, so it matches the layout's metrics).
func drawTexts(img draw.Image, runs []textRun, k float64) error {
	fs, err := fonts()
	if err != nil {
		return errs.Wrap(err, errs.Internal, "the badge fonts do not load")
	}
	faces := map[[2]float64]font.Face{}
	for _, t := range runs {
		key := [2]float64{float64(t.font), t.size}
		face := faces[key]
		if face == nil {
			face, err = opentype.NewFace(fs[t.font], &opentype.FaceOptions{Size: t.size * k, DPI: 72, Hinting: font.HintingNone})
			if err != nil {
				return errs.Wrap(err, errs.Internal, "the badge fonts do not load")
			}
			faces[key] = face
		}
		spacing := t.spacing * k
		width := float64(font.MeasureString(face, t.text))/64 + spacing*float64(utf8.RuneCountInString(t.text)-1)
		dr := &font.Drawer{Dst: img, Src: image.NewUniform(t.fill.colour()), Face: face}
		dr.Dot = fixed.Point26_6{X: fixed.Int26_6((t.x*k - width/2) * 64), Y: fixed.Int26_6(t.y * k * 64)}
		if spacing == 0 {
			dr.DrawString(t.text)
			continue
		}
		for _, r := range t.text {
			dr.DrawString(string(r))
			dr.Dot.X += fixed.Int26_6(spacing * 64)
		}
	}
	return nil
}

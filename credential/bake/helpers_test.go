package bake_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"flag"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tohu-nz/tohu/errs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// readFixture reads a file from testdata/.
func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// wantCode fails unless err carries code (nil code: no error).
func wantCode(tb testing.TB, err error, code errs.Code) {
	tb.Helper()
	if code == "" {
		if err != nil {
			tb.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		tb.Fatalf("want *errs.Error with code %q, got %T %v", code, err, err)
	}
	if e.Code != code {
		tb.Fatalf("want code %q, got %q (%v)", code, e.Code, err)
	}
}

// A pngChunk is a chunk for building test PNGs.
type pngChunk struct {
	typ  string
	data []byte
}

// chunkBytes encodes one chunk with a correct CRC.
func chunkBytes(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// chunks lists the chunks of a PNG the test trusts (signature skipped, no
// checks beyond bounds).
func chunks(tb testing.TB, b []byte) []pngChunk {
	tb.Helper()
	var out []pngChunk
	b = b[8:]
	for len(b) >= 12 {
		n := int(binary.BigEndian.Uint32(b))
		if n > len(b)-12 {
			tb.Fatalf("chunk overruns the data")
		}
		out = append(out, pngChunk{string(b[4:8]), b[8 : 8+n]})
		if string(b[4:8]) == "IEND" {
			break
		}
		b = b[12+n:]
	}
	return out
}

// smallPNG encodes a tiny image with image/png: IHDR, IDAT, IEND.
func smallPNG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{0x1f, 0x5f, 0x8f, 0xff})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// insertBefore returns p with an extra chunk right before IEND.
func insertBeforeIEND(p []byte, chunk []byte) []byte {
	i := len(p) - 12 // IEND is always the last 12 bytes of the PNGs used here
	out := append([]byte{}, p[:i]...)
	out = append(out, chunk...)
	return append(out, p[i:]...)
}

// iTXt builds the data of an iTXt chunk.
func iTXt(keyword string, compressed bool, lang, translated string, text []byte) []byte {
	b := append([]byte(keyword), 0)
	if compressed {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		_, _ = w.Write(text)
		_ = w.Close()
		text = z.Bytes()
		b = append(b, 1, 0)
	} else {
		b = append(b, 0, 0)
	}
	b = append(b, lang...)
	b = append(b, 0)
	b = append(b, translated...)
	b = append(b, 0)
	return append(b, text...)
}

// countCredentialElements parses svg strictly with encoding/xml and counts
// the OB 3.0 credential elements; it fails the test if svg is not
// well-formed.
func countCredentialElements(tb testing.TB, svg []byte) int {
	tb.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	n := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return n
		}
		if err != nil {
			tb.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		if s, ok := tok.(xml.StartElement); ok && s.Name.Space == "https://purl.imsglobal.org/ob/v3p0" && s.Name.Local == "credential" {
			n++
		}
	}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

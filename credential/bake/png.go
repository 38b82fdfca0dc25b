package bake

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
	"unicode/utf8"

	"github.com/tohu-nz/tohu/errs"
)

// PNG (Third Edition) §5.2 "PNG signature".
var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// maxChunkLength is the largest length a chunk may declare, PNG §5.3
// "Chunk layout": "a PNG four-byte unsigned integer ... limited to 2^31-1".
const maxChunkLength = 1<<31 - 1

// A chunk is one PNG chunk, sliced out of the input (PNG §5.3): raw is the
// whole chunk (length, type, data, CRC), data its data field.
type chunk struct {
	typ  string
	data []byte
	raw  []byte
}

// walkPNG checks b is a PNG datastream and calls fn for each chunk from
// IHDR to IEND inclusive, in order. It checks the signature, each chunk's
// declared length against what is there, its type (four ASCII letters,
// PNG §5.4 "Chunk naming conventions") and its CRC (§5.5 "Cyclic
// Redundancy Code algorithm"), that IHDR comes first and that IEND is
// present. Bytes after IEND are ignored, as decoders do. Every failure is
// Invalid, and no chunk is handed to fn before its CRC is checked.
func walkPNG(b []byte, fn func(c chunk) error) error {
	if len(b) > MaxImageSize {
		return errs.E(errs.Invalid, "the PNG is larger than %d bytes", MaxImageSize)
	}
	if !bytes.HasPrefix(b, pngSignature) {
		return errs.E(errs.Invalid, "not a PNG image: bad signature")
	}
	rest := b[len(pngSignature):]
	for i := 0; ; i++ {
		if len(rest) < 12 {
			return errs.E(errs.Invalid, "the PNG is truncated: no IEND chunk")
		}
		n := binary.BigEndian.Uint32(rest)
		if n > maxChunkLength {
			return errs.E(errs.Invalid, "a PNG chunk declares an impossible length")
		}
		if uint64(n) > uint64(len(rest)-12) {
			return errs.E(errs.Invalid, "the PNG is truncated: a chunk is longer than the data left")
		}
		typ := rest[4:8]
		if !chunkTypeOK(typ) {
			return errs.E(errs.Invalid, "the PNG has a chunk with an invalid type")
		}
		end := 8 + int(n)
		c := chunk{typ: string(typ), data: rest[8:end], raw: rest[:end+4]}
		if binary.BigEndian.Uint32(rest[end:]) != crc32.ChecksumIEEE(rest[4:end]) {
			return errs.E(errs.Invalid, "the PNG chunk %s has a bad CRC", c.typ)
		}
		if i == 0 && c.typ != "IHDR" {
			return errs.E(errs.Invalid, "the PNG does not start with IHDR")
		}
		if err := fn(c); err != nil {
			return err
		}
		if c.typ == "IEND" {
			return nil
		}
		rest = rest[end+4:]
	}
}

func chunkTypeOK(t []byte) bool {
	for _, ch := range t {
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z') {
			return false
		}
	}
	return true
}

// textChunk is a parsed tEXt or iTXt chunk.
type textChunk struct {
	keyword    string
	compressed bool
	text       []byte // as stored: still compressed when compressed is set
}

// parseText parses a tEXt (PNG §11.3.3.2) or iTXt (§11.3.3.4) chunk's data
// far enough to read its keyword and text. ok is false for other chunks.
// When err is set, t.keyword is still set if the keyword itself was sound.
//
// iTXt layout: keyword (1-79 bytes), NUL, compression flag (1 byte),
// compression method (1 byte), language tag, NUL, translated keyword, NUL,
// text. tEXt layout: keyword, NUL, text.
func parseText(c chunk) (t textChunk, ok bool, err error) {
	if c.typ != "iTXt" && c.typ != "tEXt" {
		return t, false, nil
	}
	kw, rest, found := bytes.Cut(c.data, []byte{0})
	if !found || len(kw) == 0 || len(kw) > 79 {
		return t, true, errs.E(errs.Invalid, "the PNG has a %s chunk with a malformed keyword", c.typ)
	}
	t.keyword = string(kw)
	if c.typ == "tEXt" {
		t.text = rest
		return t, true, nil
	}
	if len(rest) < 2 {
		return t, true, errs.E(errs.Invalid, "the PNG has a truncated iTXt chunk")
	}
	flag, method := rest[0], rest[1]
	switch {
	case flag > 1:
		return t, true, errs.E(errs.Invalid, "the PNG has an iTXt chunk with an invalid compression flag")
	case flag == 1 && method != 0:
		return t, true, errs.E(errs.Invalid, "the PNG has an iTXt chunk with an unknown compression method")
	}
	t.compressed = flag == 1
	rest = rest[2:]
	for range 2 { // language tag, translated keyword
		_, rest, found = bytes.Cut(rest, []byte{0})
		if !found {
			return t, true, errs.E(errs.Invalid, "the PNG has a truncated iTXt chunk")
		}
	}
	t.text = rest
	return t, true, nil
}

// inflate decompresses a zlib stream (PNG §10.1, compression method 0),
// refusing to produce more than MaxCredentialSize bytes.
func inflate(z []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "the compressed credential in the PNG is corrupt")
	}
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, MaxCredentialSize+1))
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "the compressed credential in the PNG is corrupt")
	}
	if len(out) > MaxCredentialSize {
		return nil, errs.E(errs.Invalid, "the compressed credential in the PNG is larger than %d bytes", MaxCredentialSize)
	}
	return out, nil
}

// UnbakePNG returns the credential baked into a PNG: the text of the first
// iTXt chunk whose keyword is "openbadgecredential" (OB 3.0 §"Baked Badge":
// "scan the chunks for the first iTXt chunk with that keyword"). Tolerated
// beyond the letter of the spec: a compressed iTXt (inflated, capped at
// MaxCredentialSize) and, when there is no such iTXt, a tEXt chunk with the
// same keyword. The bytes are returned as stored.
//
// Returns Invalid for a broken PNG (bad signature, truncated or oversized
// chunks, bad CRC, malformed text chunk, text that is not UTF-8),
// Unsupported when it holds only an Open Badges 2.0 "openbadges" chunk, and
// NotFound when it holds no credential.
func UnbakePNG(png []byte) ([]byte, error) {
	var found, fallback *textChunk
	ob2 := false
	err := walkPNG(png, func(c chunk) error {
		t, ok, err := parseText(c)
		if !ok {
			return nil
		}
		if err != nil {
			if t.keyword == PNGKeyword {
				return err
			}
			return nil // someone else's broken text chunk is not our business
		}
		switch {
		case t.keyword == PNGKeyword && c.typ == "iTXt" && found == nil:
			found = &t
		case t.keyword == PNGKeyword && c.typ == "tEXt" && fallback == nil:
			fallback = &t
		case t.keyword == ob2PNGKeyword:
			ob2 = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		found = fallback
	}
	switch {
	case found == nil && ob2:
		return nil, errs.E(errs.Unsupported, "Open Badges 2.0 baked badge: tohu reads Open Badges 3.0 credentials only")
	case found == nil:
		return nil, errs.E(errs.NotFound, "the PNG carries no Open Badges credential")
	}
	text := found.text
	if found.compressed {
		if text, err = inflate(text); err != nil {
			return nil, err
		}
	}
	switch {
	case len(text) == 0:
		return nil, errs.E(errs.Invalid, "the PNG's openbadgecredential chunk is empty")
	case len(text) > MaxCredentialSize:
		return nil, errs.E(errs.Invalid, "the credential in the PNG is larger than %d bytes", MaxCredentialSize)
	case !utf8.Valid(text):
		return nil, errs.E(errs.Invalid, "the credential in the PNG is not UTF-8")
	}
	return bytes.Clone(text), nil
}

// BakePNG returns a copy of png carrying credential (a compact JWS or a
// JSON credential, verbatim) in one iTXt chunk, as OB 3.0 §"Baked Badge"
// specifies: keyword "openbadgecredential", compression flag 0, method 0,
// empty language tag and translated keyword. The chunk goes right before
// the first IDAT; any openbadgecredential iTXt or tEXt chunk already there
// is dropped, so the result carries exactly one. Every other chunk is
// copied byte for byte; bytes after IEND are dropped.
//
// Returns Invalid when png is not a well-formed PNG (see UnbakePNG) or has
// no IDAT, or when credential is empty, too large, not UTF-8, or neither a
// compact JWS nor a JSON object.
func BakePNG(png []byte, credential []byte) ([]byte, error) {
	if _, err := checkCredential(credential); err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(png)+len(credential)+len(PNGKeyword)+16)
	out = append(out, pngSignature...)
	inserted := false
	err := walkPNG(png, func(c chunk) error {
		if t, ok, _ := parseText(c); ok && t.keyword == PNGKeyword {
			return nil // replaced below
		}
		if c.typ == "IDAT" && !inserted {
			out = appendCredentialChunk(out, credential)
			inserted = true
		}
		if c.typ == "IEND" && !inserted {
			return errs.E(errs.Invalid, "the PNG has no image data (IDAT)")
		}
		out = append(out, c.raw...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// appendCredentialChunk appends the iTXt chunk carrying credential to b.
func appendCredentialChunk(b, credential []byte) []byte {
	// keyword NUL, flag 0, method 0, empty language tag NUL, empty
	// translated keyword NUL, text.
	n := len(PNGKeyword) + 5 + len(credential)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	start := len(b)
	b = append(b, "iTXt"...)
	b = append(b, PNGKeyword...)
	b = append(b, 0, 0, 0, 0, 0)
	b = append(b, credential...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// Package bake puts a signed credential into a badge image and takes it out
// again, as Open Badges 3.0 §"Baked Badge" (Badge Baking) specifies:
//
//   - PNG: one iTXt chunk with the keyword "openbadgecredential", not
//     compressed, empty language tag and translated keyword, whose text is
//     the compact JWS or the JSON credential.
//   - SVG: an <openbadges:credential> element, in the namespace
//     https://purl.imsglobal.org/ob/v3p0, right after the <svg> start tag;
//     the JWS goes in its verify attribute, a JSON credential in CDATA.
//
// The credential bytes are carried verbatim: a credential is stored and
// shared exactly as signed, never re-serialised. Every input is hostile:
// the parsers cap sizes, nesting and decompressed length, refuse XML entity
// declarations, and never panic. Errors are *errs.Error: Invalid for a
// broken or hostile image, NotFound when the image holds no credential,
// Unsupported for an Open Badges 2.0 baked badge.
package bake

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/tohu-nz/tohu/errs"
)

// Limits on what this package reads and writes.
const (
	// MaxCredentialSize bounds the credential text carried in an image
	// (and the output of decompressing a compressed iTXt chunk).
	MaxCredentialSize = 2 << 20 // 2 MiB
	// MaxImageSize bounds the PNG or SVG this package parses.
	MaxImageSize = 32 << 20 // 32 MiB
	// MaxSVGDepth bounds element nesting in an SVG.
	MaxSVGDepth = 256
)

// Kinds of image, as Unbake reports them.
const (
	KindPNG = "png"
	KindSVG = "svg"
)

// Names from OB 3.0 §"Baked Badge".
const (
	// PNGKeyword is the iTXt keyword of an OB 3.0 baked PNG.
	PNGKeyword = "openbadgecredential"
	// Namespace is the XML namespace of the SVG credential element.
	Namespace = "https://purl.imsglobal.org/ob/v3p0"
	// svgPrefix is the prefix OB 3.0 uses for Namespace when baking.
	svgPrefix = "openbadges"

	// Open Badges 2.0 baked the assertion under other names; tohu only
	// recognises them to say so clearly.
	ob2PNGKeyword = "openbadges"
	ob2Namespace  = "http://openbadges.org"
)

// Unbake takes the credential out of a baked PNG or SVG badge, telling the
// two apart by their first bytes. kind is KindPNG or KindSVG. It returns
// Invalid for input that is neither (or is broken), NotFound when the image
// carries no credential and Unsupported for an Open Badges 2.0 badge.
func Unbake(b []byte) (credential []byte, kind string, err error) {
	switch sniff(b) {
	case KindPNG:
		c, err := UnbakePNG(b)
		return c, KindPNG, err
	case KindSVG:
		c, err := UnbakeSVG(b)
		return c, KindSVG, err
	}
	return nil, "", errs.E(errs.Invalid, "not a PNG or SVG image")
}

// Extract has the shape of verifier.Extractor, so a verifier can be built
// with verifier.WithExtractor(bake.Extract). ok is false when b is not a
// PNG or SVG image (a JSON credential or a JWT, say); otherwise it reports
// what Unbake reports.
func Extract(b []byte) (inner []byte, format string, ok bool, err error) {
	if sniff(b) == "" {
		return nil, "", false, nil
	}
	inner, format, err = Unbake(b)
	return inner, format, true, err
}

// sniff says which image kind b looks like, or "" for neither. An SVG is
// any document starting with "<" after an optional byte order mark and
// white space; UnbakeSVG then insists on an <svg> root.
func sniff(b []byte) string {
	if bytes.HasPrefix(b, pngSignature) {
		return KindPNG
	}
	b = bytes.TrimPrefix(b, utf8BOM)
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) > 0 && b[0] == '<' {
		return KindSVG
	}
	return ""
}

var utf8BOM = []byte("\xef\xbb\xbf")

// checkCredential checks the credential handed to a Bake function: not
// empty, not too large, UTF-8 (iTXt text is UTF-8, PNG §11.3.3.4 "iTXt"),
// and either a compact JWS or a JSON object. It reports whether it is a JWS.
func checkCredential(c []byte) (jwt bool, err error) {
	switch {
	case len(c) == 0:
		return false, errs.E(errs.Invalid, "the credential is empty")
	case len(c) > MaxCredentialSize:
		return false, errs.E(errs.Invalid, "the credential is larger than %d bytes", MaxCredentialSize)
	case !utf8.Valid(c):
		return false, errs.E(errs.Invalid, "the credential is not UTF-8")
	case looksLikeJWS(c):
		return true, nil
	}
	t := bytes.TrimLeft(c, " \t\r\n")
	if len(t) == 0 || t[0] != '{' || !json.Valid(c) {
		return false, errs.E(errs.Invalid, "the credential is neither a compact JWS nor a JSON object")
	}
	return false, nil
}

// looksLikeJWS reports whether c has the shape of a compact JWS (RFC 7515
// §7.1): three non-empty base64url segments joined by dots. It does not
// decode anything; the verifier does that.
func looksLikeJWS(c []byte) bool {
	dots := 0
	prev := byte('.')
	for _, ch := range c {
		switch {
		case ch == '.':
			if prev == '.' {
				return false
			}
			dots++
		case ch >= 'A' && ch <= 'Z', ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '-', ch == '_':
		default:
			return false
		}
		prev = ch
	}
	return dots == 2 && prev != '.'
}

// Package statuslist encodes and decodes W3C Bitstring Status Lists
// (Bitstring Status List 1.0, §2 "Data Model" and §3 "Algorithms") and
// reads the status entries of a credential.
package statuslist

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"io"

	"github.com/tohu-nz/tohu/errs"
)

// MinBits is the smallest list size: BSL §3.1 "Bitstring Generation
// Algorithm" requires at least 16 KB (131,072 entries) so that one
// credential's status hides in the herd.
const MinBits = 131072

// MaxDecodedBytes caps what Decode will decompress (16 MiB, 134 million
// entries), so a small gzip bomb cannot exhaust memory.
const MaxDecodedBytes = 16 << 20

// List is a bitstring of 1-bit status entries. Index 0 is the most
// significant (left-most) bit of byte 0 (BSL §3.1). The zero value is not
// usable; call New or Decode. A List is not safe for concurrent writes.
type List struct {
	bits []byte
}

// New returns a list of bits entries, all 0. Returns Invalid unless bits is
// at least MinBits and a multiple of 8.
func New(bits int) (*List, error) {
	if bits < MinBits {
		return nil, errs.E(errs.Invalid, "a status list needs at least %d entries, not %d", MinBits, bits)
	}
	if bits%8 != 0 {
		return nil, errs.E(errs.Invalid, "a status list size must be a multiple of 8, not %d", bits)
	}
	if bits/8 > MaxDecodedBytes {
		return nil, errs.E(errs.Invalid, "a status list may have at most %d entries", MaxDecodedBytes*8)
	}
	return &List{bits: make([]byte, bits/8)}, nil
}

// Len returns the number of entries.
func (l *List) Len() int { return len(l.bits) * 8 }

func (l *List) check(i int) error {
	if i < 0 || i >= l.Len() {
		return errs.E(errs.Invalid, "status list index %d is out of range [0, %d)", i, l.Len())
	}
	return nil
}

// Set sets entry i to v. Returns Invalid when i is out of range.
func (l *List) Set(i int, v bool) error {
	if err := l.check(i); err != nil {
		return err
	}
	mask := byte(0x80) >> (i % 8)
	if v {
		l.bits[i/8] |= mask
	} else {
		l.bits[i/8] &^= mask
	}
	return nil
}

// Get returns entry i. Returns Invalid when i is out of range.
func (l *List) Get(i int) (bool, error) {
	if err := l.check(i); err != nil {
		return false, err
	}
	return l.bits[i/8]&(byte(0x80)>>(i%8)) != 0, nil
}

// Encode returns the encodedList value (BSL §2.2 "BitstringStatusList",
// §3.1): the multibase base64url prefix "u" followed by the unpadded
// base64url encoding of the GZIP-compressed bitstring.
func (l *List) Encode() (string, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", errs.Wrap(err, errs.Internal, "could not compress the status list")
	}
	if _, err := zw.Write(l.bits); err != nil {
		return "", errs.Wrap(err, errs.Internal, "could not compress the status list")
	}
	if err := zw.Close(); err != nil {
		return "", errs.Wrap(err, errs.Internal, "could not compress the status list")
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// Decode parses an encodedList value (BSL §3.2 "Bitstring Expansion
// Algorithm"). Returns Invalid for a multibase prefix other than "u", bad
// base64url, bad GZIP, a list decompressing to more than MaxDecodedBytes,
// or one shorter than MinBits (BSL §3.2 step 3 and §6.2: a verifier rejects
// lists below the minimum).
func Decode(encoded string) (*List, error) {
	if encoded == "" || encoded[0] != 'u' {
		return nil, errs.E(errs.Invalid, "encodedList must be multibase base64url (prefix \"u\")")
	}
	body := encoded[1:]
	// BSL uses unpadded base64url; tolerate padding, which some issuers add.
	for len(body) > 0 && body[len(body)-1] == '=' {
		body = body[:len(body)-1]
	}
	compressed, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "encodedList is not valid base64url")
	}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "encodedList is not GZIP data")
	}
	defer zr.Close()
	bits, err := io.ReadAll(io.LimitReader(zr, MaxDecodedBytes+1))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, errs.Wrap(err, errs.Invalid, "encodedList is not valid GZIP data")
	}
	if len(bits) > MaxDecodedBytes {
		return nil, errs.E(errs.Invalid, "encodedList decompresses to more than %d bytes", MaxDecodedBytes)
	}
	if len(bits)*8 < MinBits {
		return nil, errs.E(errs.Invalid, "the status list has %d entries; at least %d are required", len(bits)*8, MinBits)
	}
	return &List{bits: bits}, nil
}

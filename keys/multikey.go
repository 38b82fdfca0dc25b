package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"strings"

	"github.com/mr-tron/base58"

	"github.com/tohu-nz/tohu/errs"
)

// Multicodec prefixes (unsigned varints) of the public key types Multikey
// carries. Controlled Identifiers 1.0 §2.2.2 "Multikey" and the multicodec
// table: ed25519-pub 0xed, p256-pub 0x1200, p384-pub 0x1201.
var (
	codecEd25519 = []byte{0xed, 0x01}
	codecP256    = []byte{0x80, 0x24}
	codecP384    = []byte{0x81, 0x24}
)

// maxMultikeyLen bounds the input before decoding: a P-384 Multikey is 70
// characters, so anything much longer is not a key we know and is refused
// without spending time on base58 (which is quadratic).
const maxMultikeyLen = 128

// MultikeyFromPublic encodes pub as a Multikey publicKeyMultibase value:
// "z" + base58btc(multicodec prefix ‖ key bytes). Ed25519 keys carry the raw
// 32 bytes ("z6Mk…"); P-256 and P-384 keys carry the SEC1 compressed point
// ("zDn…", "z82…"), as Controlled Identifiers 1.0 §2.2.2 requires. Returns
// Unsupported for RSA and other keys, which have no Multikey form here.
func MultikeyFromPublic(pub crypto.PublicKey) (string, error) {
	kind, err := Kind(pub)
	if err != nil {
		return "", err
	}
	var raw []byte
	switch kind {
	case KindEd25519:
		raw = append(append(raw, codecEd25519...), pub.(ed25519.PublicKey)...)
	case KindP256:
		raw = append(append(raw, codecP256...), compressPoint(pub.(*ecdsa.PublicKey))...)
	case KindP384:
		raw = append(append(raw, codecP384...), compressPoint(pub.(*ecdsa.PublicKey))...)
	default:
		return "", errs.E(errs.Unsupported, "%s keys have no Multikey encoding in tohu; publish them as JsonWebKey", kind)
	}
	return "z" + base58.Encode(raw), nil
}

// PublicFromMultikey decodes a Multikey publicKeyMultibase value into an
// ed25519.PublicKey or *ecdsa.PublicKey. Returns Invalid for a base other
// than base58btc, bad base58, an unknown multicodec prefix, a wrong length or
// a point not on the curve. It never panics on hostile input.
func PublicFromMultikey(mb string) (crypto.PublicKey, error) {
	if mb == "" {
		return nil, errs.E(errs.Invalid, "publicKeyMultibase is empty")
	}
	if len(mb) > maxMultikeyLen {
		return nil, errs.E(errs.Invalid, "publicKeyMultibase is too long to be a supported key")
	}
	if mb[0] != 'z' {
		return nil, errs.E(errs.Invalid, "publicKeyMultibase must be base58btc (start with 'z')")
	}
	raw, err := base58.Decode(mb[1:])
	if err != nil || len(raw) < 2 {
		return nil, errs.E(errs.Invalid, "publicKeyMultibase is not valid base58btc")
	}
	switch {
	case bytes.HasPrefix(raw, codecEd25519):
		key := raw[len(codecEd25519):]
		if len(key) != ed25519.PublicKeySize {
			return nil, errs.E(errs.Invalid, "Ed25519 Multikey has %d key bytes, want 32", len(key))
		}
		return ed25519.PublicKey(bytes.Clone(key)), nil
	case bytes.HasPrefix(raw, codecP256):
		return decompressPoint(elliptic.P256(), raw[len(codecP256):])
	case bytes.HasPrefix(raw, codecP384):
		return decompressPoint(elliptic.P384(), raw[len(codecP384):])
	}
	return nil, errs.E(errs.Invalid, "publicKeyMultibase has an unsupported multicodec prefix (want Ed25519, P-256 or P-384)")
}

// compressPoint returns the SEC1 §2.3.3 compressed form of pub:
// 0x02 or 0x03 (parity of y) ‖ x.
func compressPoint(pub *ecdsa.PublicKey) []byte {
	// Bytes is the uncompressed form 0x04 ‖ x ‖ y (SEC1 §2.3.3).
	u, err := pub.Bytes()
	if err != nil {
		return nil
	}
	n := (len(u) - 1) / 2
	out := make([]byte, 1+n)
	out[0] = 0x02 | (u[len(u)-1] & 1)
	copy(out[1:], u[1:1+n])
	return out
}

// decompressPoint parses a SEC1 compressed point on curve.
func decompressPoint(curve elliptic.Curve, b []byte) (*ecdsa.PublicKey, error) {
	size := (curve.Params().BitSize + 7) / 8
	name := curve.Params().Name
	if len(b) != 1+size || (b[0] != 0x02 && b[0] != 0x03) {
		return nil, errs.E(errs.Invalid, "%s Multikey must hold a %d-byte compressed point", name, 1+size)
	}
	x, y := elliptic.UnmarshalCompressed(curve, b)
	if x == nil {
		return nil, errs.E(errs.Invalid, "%s Multikey is not a point on the curve", name)
	}
	u := make([]byte, 1+2*size)
	u[0] = 0x04
	x.FillBytes(u[1 : 1+size])
	y.FillBytes(u[1+size:])
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, u)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "%s Multikey is not a valid public key", name)
	}
	return pub, nil
}

// didKeyPrefix is the did:key method prefix (did:key Method v0.7 §3.1).
const didKeyPrefix = "did:key:"

// DIDKey returns the did:key identifier of pub and the id of its one
// verification method, "did:key:MB#MB" where MB is the Multikey value
// (did:key Method v0.7 §3.1.1, "Document Creation Algorithm"). Ed25519,
// P-256 and P-384 keys only; Unsupported for others.
func DIDKey(pub crypto.PublicKey) (did, vmID string, err error) {
	mb, err := MultikeyFromPublic(pub)
	if err != nil {
		return "", "", err
	}
	did = didKeyPrefix + mb
	return did, did + "#" + mb, nil
}

// parseDIDKey returns the Multikey value and public key of a did:key DID
// (no fragment). Returns Invalid when it is malformed.
func parseDIDKey(did string) (string, crypto.PublicKey, error) {
	mb, ok := strings.CutPrefix(did, didKeyPrefix)
	if !ok {
		return "", nil, errs.E(errs.Invalid, "not a did:key identifier")
	}
	pub, err := PublicFromMultikey(mb)
	if err != nil {
		return "", nil, err
	}
	return mb, pub, nil
}

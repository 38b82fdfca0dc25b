package keys

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"

	"github.com/tohu-nz/tohu/errs"
)

// MasterKeySize is the size of a master key: 256 bits for AES-256.
const MasterKeySize = 32

const redacted = "<redacted>"

// Layout of a sealed key (version 1):
//
//	0x01 ‖ check value (8) ‖ nonce (12) ‖ AES-256-GCM(PKCS#8 DER) with tag (16)
//
// The additional data authenticated by GCM is the 9-byte header followed by
// the caller's aad, so neither can be changed or swapped without Open
// failing (NIST SP 800-38D §5.2.1.1; nonces are random, 96 bits, which
// allows 2^32 seals per master key, §8.3).
const (
	sealVersion  = 1
	checkSize    = 8
	nonceSize    = 12
	headerSize   = 1 + checkSize
	minSealedLen = headerSize + nonceSize + 16
)

// Labels for the HKDF-derived subkeys (RFC 5869): the master key itself
// never touches AES or the check value directly.
const (
	labelAEAD  = "tohu keys: AES-256-GCM key wrapping v1"
	labelCheck = "tohu keys: master key check value v1"
)

// MasterKey encrypts private signing keys at rest with AES-256-GCM. Every
// way of printing it (fmt verbs, slog, JSON) gives "<redacted>"; Encode is
// the only way to get the key material back out.
type MasterKey struct {
	key   [MasterKeySize]byte
	aead  cipher.AEAD
	check [checkSize]byte
}

// NewMasterKey returns a new random master key.
func NewMasterKey() (*MasterKey, error) {
	var k [MasterKeySize]byte
	if _, err := rand.Read(k[:]); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not generate a master key")
	}
	return newMasterKey(k)
}

// ParseMasterKey parses a 32-byte master key written as hex (64 digits) or
// base64 (standard or URL alphabet, padded or not). Surrounding whitespace
// is ignored, so the contents of a key file can be passed as is. Returns
// Invalid otherwise; the message never repeats the input.
func ParseMasterKey(s string) (*MasterKey, error) {
	s = strings.TrimSpace(s)
	var raw []byte
	if len(s) == 2*MasterKeySize {
		raw, _ = hex.DecodeString(s)
	}
	if raw == nil {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(s); err == nil {
				raw = b
				break
			}
		}
	}
	if len(raw) != MasterKeySize {
		return nil, errs.E(errs.Invalid, "the master key must be 32 bytes written as base64 or hex (e.g. `openssl rand -base64 32`)")
	}
	var k [MasterKeySize]byte
	copy(k[:], raw)
	return newMasterKey(k)
}

func newMasterKey(k [MasterKeySize]byte) (*MasterKey, error) {
	m := &MasterKey{key: k}
	aeadKey, err := hkdf.Key(sha256.New, k[:], nil, labelAEAD, 32)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not derive the wrapping key")
	}
	check, err := hkdf.Key(sha256.New, k[:], nil, labelCheck, checkSize)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not derive the check value")
	}
	copy(m.check[:], check)
	block, err := aes.NewCipher(aeadKey)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not set up AES")
	}
	if m.aead, err = cipher.NewGCM(block); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not set up AES-GCM")
	}
	return m, nil
}

// Encode returns the key as standard padded base64, the form ParseMasterKey
// reads. Write it only to a 0600 file or a secret store.
func (m *MasterKey) Encode() string { return base64.StdEncoding.EncodeToString(m.key[:]) }

// CheckValue identifies the master key without revealing it (16 hex digits
// derived with HKDF). Store it next to the sealed keys: comparing it at start
// tells a wrong master key apart from corrupt data before any key is used.
func (m *MasterKey) CheckValue() string { return hex.EncodeToString(m.check[:]) }

// VerifyCheckValue returns Forbidden "master key does not match" unless
// check is this key's CheckValue.
func (m *MasterKey) VerifyCheckValue(check string) error {
	if subtle.ConstantTimeCompare([]byte(check), []byte(m.CheckValue())) != 1 {
		return errs.E(errs.Forbidden, "master key does not match the one the keys were sealed with")
	}
	return nil
}

// String returns "<redacted>".
func (m MasterKey) String() string { return redacted }

// GoString returns "<redacted>", for %#v.
func (m MasterKey) GoString() string { return redacted }

// Format writes "<redacted>" for every verb, so %x or %+v cannot leak the key.
func (m MasterKey) Format(f fmt.State, _ rune) { f.Write([]byte(redacted)) }

// LogValue keeps the key out of structured logs.
func (m MasterKey) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes the key as the string "<redacted>".
func (m MasterKey) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// Seal encrypts priv (as PKCS#8, RFC 5208) under the master key, bound to
// aad: pass the stored key's identity (for example its verification method
// id) so a sealed key copied to another row cannot be opened there.
func (m *MasterKey) Seal(priv crypto.Signer, aad []byte) ([]byte, error) {
	if m == nil || m.aead == nil {
		return nil, errs.E(errs.Invalid, "no master key")
	}
	if priv == nil {
		return nil, errs.E(errs.Invalid, "no private key")
	}
	if _, err := Kind(priv.Public()); err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, errs.Wrap(err, errs.Unsupported, "cannot encode a %T", priv)
	}
	out := make([]byte, headerSize+nonceSize, headerSize+nonceSize+len(der)+m.aead.Overhead())
	out[0] = sealVersion
	copy(out[1:headerSize], m.check[:])
	if _, err := rand.Read(out[headerSize:]); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not generate a nonce")
	}
	out = m.aead.Seal(out, out[headerSize:], der, sealAAD(out[:headerSize], aad))
	clear(der)
	return out, nil
}

// Open decrypts a key sealed by Seal with the same aad.
//
// Errors: Forbidden when the key was sealed under another master key
// (detected from the check value, before decrypting); Invalid when the data
// is truncated or fails authentication (tampered, or aad differs: the sealed
// key belongs to another record); Unsupported for an unknown format version.
func (m *MasterKey) Open(sealed, aad []byte) (crypto.Signer, error) {
	if m == nil || m.aead == nil {
		return nil, errs.E(errs.Invalid, "no master key")
	}
	if len(sealed) < minSealedLen {
		return nil, errs.E(errs.Invalid, "sealed key is truncated")
	}
	if sealed[0] != sealVersion {
		return nil, errs.E(errs.Unsupported, "sealed key format %d is not supported", sealed[0])
	}
	if subtle.ConstantTimeCompare(sealed[1:headerSize], m.check[:]) != 1 {
		return nil, errs.E(errs.Forbidden, "master key does not match the one this key was sealed with")
	}
	nonce := sealed[headerSize : headerSize+nonceSize]
	der, err := m.aead.Open(nil, nonce, sealed[headerSize+nonceSize:], sealAAD(sealed[:headerSize], aad))
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "sealed key failed authentication: it was altered or belongs to another record")
	}
	defer clear(der)
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "sealed key does not hold a PKCS#8 private key")
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errs.E(errs.Unsupported, "sealed key type %T cannot sign", k)
	}
	if _, err := Kind(s.Public()); err != nil {
		return nil, err
	}
	return s, nil
}

func sealAAD(header, aad []byte) []byte {
	out := make([]byte, 0, len(header)+len(aad))
	return append(append(out, header...), aad...)
}

// checkLabel is what a check token seals, and checkAAD what binds it: the
// AAD differs from any sealed key's, so a check token can never be passed
// off as a sealed private key nor the other way round.
const (
	checkLabel = "tohu: this database's master key"
	checkAAD   = "tohu keys: master key check token v1"
)

// SealCheck returns a new check token for this master key: a fixed label
// sealed with AES-256-GCM under a fresh random nonce, in the layout of a
// sealed key (version ‖ check value ‖ nonce ‖ ciphertext and tag). Stored
// beside the sealed keys, it tells at start whether a master key is the
// database's even before any signing key exists. It holds nothing secret:
// the label is public and the check value is an HKDF output of the key.
func (m *MasterKey) SealCheck() ([]byte, error) {
	if m == nil || m.aead == nil {
		return nil, errs.E(errs.Invalid, "no master key")
	}
	out := make([]byte, headerSize+nonceSize, headerSize+nonceSize+len(checkLabel)+m.aead.Overhead())
	out[0] = sealVersion
	copy(out[1:headerSize], m.check[:])
	if _, err := rand.Read(out[headerSize:]); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not generate a nonce")
	}
	return m.aead.Seal(out, out[headerSize:], []byte(checkLabel), sealAAD(out[:headerSize], []byte(checkAAD))), nil
}

// OpenCheck returns nil when token is a check token sealed by SealCheck
// under this master key. Errors: Forbidden for a token of another master
// key; Invalid for one that is truncated or fails authentication;
// Unsupported for an unknown format version. Messages never include the
// token or the key.
func (m *MasterKey) OpenCheck(token []byte) error {
	if m == nil || m.aead == nil {
		return errs.E(errs.Invalid, "no master key")
	}
	if len(token) < minSealedLen {
		return errs.E(errs.Invalid, "master key check token is truncated")
	}
	if token[0] != sealVersion {
		return errs.E(errs.Unsupported, "master key check token format %d is not supported", token[0])
	}
	if subtle.ConstantTimeCompare(token[1:headerSize], m.check[:]) != 1 {
		return errs.E(errs.Forbidden, "master key does not match the one this database was set up with")
	}
	label, err := m.aead.Open(nil, token[headerSize:headerSize+nonceSize], token[headerSize+nonceSize:], sealAAD(token[:headerSize], []byte(checkAAD)))
	if err != nil || string(label) != checkLabel {
		return errs.Wrap(err, errs.Invalid, "master key check token failed authentication: it was altered")
	}
	return nil
}

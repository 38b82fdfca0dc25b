package keys

import (
	"bytes"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/tohu-nz/tohu/errs"
)

// maxKeyFileBytes bounds a key file before it is parsed.
const maxKeyFileBytes = 64 << 10

// KeyFile is the private key file `tohu keys new --out FILE` writes: the key
// in JWK form (RFC 7517) together with the identifiers derived from it, so
// `tohu sign` can set the issuer and verification method without guessing.
//
// It holds the private key in clear: Save writes it with mode 0600, and
// LoadKeyFile does not check the mode (a group- or world-readable key file
// is the operator's mistake to fix; tohu reports it only in the CLI).
type KeyFile struct {
	// Type is the key kind: ed25519, p256, p384 or rsa.
	Type string `json:"type"`
	// DID is the controller's identifier (did:key or did:web).
	DID string `json:"did"`
	// VerificationMethod is the id of the key's verification method, the
	// value for a proof's verificationMethod and a JWT's "kid".
	VerificationMethod string `json:"verificationMethod"`
	// Controller is the verification method's controller; equal to DID.
	Controller string `json:"controller"`
	// PublicKeyMultibase is the Multikey encoding, for Ed25519, P-256 and
	// P-384 keys; empty for RSA.
	PublicKeyMultibase string          `json:"publicKeyMultibase,omitempty"`
	PublicKeyJWK       json.RawMessage `json:"publicKeyJwk"`
	PrivateKeyJWK      json.RawMessage `json:"privateKeyJwk"`

	priv crypto.Signer // parsed PrivateKeyJWK, set by NewKeyFile and LoadKeyFile
}

// NewKeyFile describes priv. With didWebURL empty the identifier is the
// key's did:key (Ed25519, P-256 and P-384 only; RSA needs a did:web and
// returns Invalid). With an https base URL such as
// "https://tohu.example/issuers/wintec" it is that URL's did:web (see DIDWeb)
// and the method id is DID + "#" + the key's RFC 7638 thumbprint.
func NewKeyFile(priv crypto.Signer, didWebURL string) (*KeyFile, error) {
	if priv == nil {
		return nil, errs.E(errs.Invalid, "no private key")
	}
	pub := priv.Public()
	kind, err := Kind(pub)
	if err != nil {
		return nil, err
	}
	kf := &KeyFile{Type: kind, priv: priv}
	if kind != KindRSA {
		if kf.PublicKeyMultibase, err = MultikeyFromPublic(pub); err != nil {
			return nil, err
		}
	}
	switch {
	case didWebURL != "":
		if kf.DID, err = DIDWeb(didWebURL); err != nil {
			return nil, err
		}
		tp, err := Thumbprint(pub)
		if err != nil {
			return nil, err
		}
		kf.VerificationMethod = kf.DID + "#" + tp
	case kind == KindRSA:
		return nil, errs.E(errs.Invalid, "RSA keys have no did:key form in tohu; give a did:web base URL")
	default:
		if kf.DID, kf.VerificationMethod, err = DIDKey(pub); err != nil {
			return nil, err
		}
	}
	kf.Controller = kf.DID
	pubJWK, err := PublicJWK(pub, kf.VerificationMethod)
	if err != nil {
		return nil, err
	}
	privJWK, err := PrivateJWK(priv, kf.VerificationMethod)
	if err != nil {
		return nil, err
	}
	if kf.PublicKeyJWK, err = pubJWK.MarshalJSON(); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not encode the public JWK")
	}
	if kf.PrivateKeyJWK, err = privJWK.MarshalJSON(); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not encode the private JWK")
	}
	return kf, nil
}

// LoadKeyFile reads and checks a key file written by Save. Every problem is
// an Invalid error with a one-line message that names the file and the
// member at fault (Field is its JSON pointer); a missing file is NotFound.
func LoadKeyFile(path string) (*KeyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errs.Wrap(err, errs.NotFound, "key file %s does not exist", path)
		}
		return nil, errs.Wrap(err, errs.Invalid, "key file %s cannot be read", path)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "key file %s cannot be read", path)
	}
	if len(data) > maxKeyFileBytes {
		return nil, errs.E(errs.Invalid, "key file %s is too large to be a key file", path)
	}
	kf, err := ParseKeyFile(data)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			return nil, &errs.Error{Code: e.Code, Field: e.Field, Message: fmt.Sprintf("key file %s: %s", path, e.Message), Err: e.Err}
		}
		return nil, err
	}
	return kf, nil
}

// ParseKeyFile parses and checks the JSON of a key file: all members
// present, no unknown members, the private key matching the public key, and
// the DID and method id matching the key (for did:key, the DID is derived
// from the key; for did:web the method must belong to the DID).
func ParseKeyFile(data []byte) (*KeyFile, error) {
	var kf KeyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&kf); err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "not a key file (%s)", oneLine(err))
	}
	if dec.More() {
		return nil, errs.E(errs.Invalid, "not a key file (data after the JSON object)")
	}
	required := []struct{ field, value string }{
		{"/type", kf.Type}, {"/did", kf.DID}, {"/verificationMethod", kf.VerificationMethod},
		{"/controller", kf.Controller}, {"/publicKeyJwk", string(kf.PublicKeyJWK)}, {"/privateKeyJwk", string(kf.PrivateKeyJWK)},
	}
	for _, r := range required {
		if r.value == "" || r.value == "null" {
			return nil, errs.F(errs.Invalid, r.field, "%s is missing", strings.TrimPrefix(r.field, "/"))
		}
	}
	priv, err := PrivateFromJWK(kf.PrivateKeyJWK)
	if err != nil {
		return nil, fieldErr("/privateKeyJwk", "privateKeyJwk: %s", err)
	}
	pub := priv.Public()
	filePub, err := PublicFromJWK(kf.PublicKeyJWK)
	if err != nil {
		return nil, fieldErr("/publicKeyJwk", "publicKeyJwk: %s", err)
	}
	if !samePublic(pub, filePub) {
		return nil, errs.F(errs.Invalid, "/publicKeyJwk", "publicKeyJwk does not match privateKeyJwk")
	}
	kind, err := Kind(pub)
	if err != nil {
		return nil, fieldErr("/privateKeyJwk", "privateKeyJwk: %s", err)
	}
	if kf.Type != kind {
		return nil, errs.F(errs.Invalid, "/type", "type is %q but the key is %s", kf.Type, kind)
	}
	if kf.PublicKeyMultibase != "" {
		mbPub, err := PublicFromMultikey(kf.PublicKeyMultibase)
		if err != nil {
			return nil, fieldErr("/publicKeyMultibase", "publicKeyMultibase: %s", err)
		}
		if !samePublic(pub, mbPub) {
			return nil, errs.F(errs.Invalid, "/publicKeyMultibase", "publicKeyMultibase does not match the key")
		}
	}
	if kf.Controller != kf.DID {
		return nil, errs.F(errs.Invalid, "/controller", "controller must equal did")
	}
	switch {
	case strings.HasPrefix(kf.DID, didKeyPrefix):
		did, vm, err := DIDKey(pub)
		if err != nil {
			return nil, fieldErr("/did", "did: %s", err)
		}
		if kf.DID != did {
			return nil, errs.F(errs.Invalid, "/did", "did is not this key's did:key")
		}
		if kf.VerificationMethod != vm {
			return nil, errs.F(errs.Invalid, "/verificationMethod", "verificationMethod must be %s", vm)
		}
	case strings.HasPrefix(kf.DID, didWebPrefix):
		if _, err := DIDWebURL(kf.DID); err != nil {
			return nil, fieldErr("/did", "did: %s", err)
		}
		base, frag, ok := strings.Cut(kf.VerificationMethod, "#")
		if !ok || base != kf.DID || frag == "" {
			return nil, errs.F(errs.Invalid, "/verificationMethod", "verificationMethod must be the did followed by #fragment")
		}
	default:
		return nil, errs.F(errs.Invalid, "/did", "did must be a did:key or did:web")
	}
	kf.priv = priv
	return &kf, nil
}

// Save writes the key file to path with mode 0600. It never overwrites:
// an existing file gives Conflict.
func (kf *KeyFile) Save(path string) error {
	if kf == nil || len(kf.PrivateKeyJWK) == 0 {
		return errs.E(errs.Invalid, "nothing to save: the key file holds no key")
	}
	data, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return errs.Wrap(err, errs.Internal, "could not encode the key file")
	}
	data = append(data, '\n')
	// O_EXCL: refuse to replace a key someone may still depend on.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errs.Wrap(err, errs.Conflict, "key file %s already exists; not overwriting it", path)
		}
		return errs.Wrap(err, errs.Invalid, "cannot create key file %s", path)
	}
	// The umask can only remove bits, but be explicit about the mode.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(path)
		return errs.Wrap(err, errs.Internal, "cannot set the mode of key file %s", path)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return errs.Wrap(err, errs.Internal, "cannot write key file %s", path)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return errs.Wrap(err, errs.Internal, "cannot write key file %s", path)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return errs.Wrap(err, errs.Internal, "cannot write key file %s", path)
	}
	return nil
}

// PrivateKey returns the key file's private key.
func (kf *KeyFile) PrivateKey() (crypto.Signer, error) {
	if kf == nil || kf.priv == nil {
		return nil, errs.E(errs.Invalid, "the key file holds no parsed key; use NewKeyFile or LoadKeyFile")
	}
	return kf.priv, nil
}

// Signer returns a Signer for the key whose KeyID is the file's
// verification method.
func (kf *KeyFile) Signer() (Signer, error) {
	priv, err := kf.PrivateKey()
	if err != nil {
		return nil, err
	}
	return NewSigner(priv, kf.VerificationMethod)
}

// DIDDocument returns the DID document for the file's key: the did:key
// document, or the did:web document to publish at DIDWebURL(kf.DID).
func (kf *KeyFile) DIDDocument() (map[string]any, error) {
	priv, err := kf.PrivateKey()
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(kf.DID, didKeyPrefix) {
		return didKeyDocument(kf.DID)
	}
	return DIDDocument(kf.DID, []VerificationMethod{{ID: kf.VerificationMethod, Controller: kf.Controller, PublicKey: priv.Public()}})
}

// samePublic reports whether two public keys are equal.
func samePublic(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

func fieldErr(field, format string, err error) error {
	return &errs.Error{Code: errs.Invalid, Field: field, Message: fmt.Sprintf(format, errs.ErrorMessage(err)), Err: err}
}

// oneLine keeps a decoder error to one line for the safe message.
func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

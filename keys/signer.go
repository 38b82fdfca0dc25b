package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"io"

	"github.com/tohu-nz/tohu/errs"
)

// Key kinds accepted by Generate and recorded in KeyFile.Type.
const (
	KindEd25519 = "ed25519"
	KindP256    = "p256"
	KindP384    = "p384"
	KindRSA     = "rsa" // RSA-2048
	KindRSA3072 = "rsa3072"
	KindRSA4096 = "rsa4096"
)

// JOSE algorithm names (RFC 7518 §3.1, RFC 8037 §3.1).
const (
	AlgEdDSA = "EdDSA"
	AlgES256 = "ES256"
	AlgES384 = "ES384"
	AlgRS256 = "RS256"
)

// minRSABits is the smallest RSA modulus tohu signs or verifies with
// (NIST SP 800-57 Part 1 Rev. 5, Table 2: 2048 bits for 112-bit security).
const minRSABits = 2048

// Signer is a crypto.Signer that also knows the verification method URL that
// identifies its public key and the JOSE algorithm it signs with. A KMS or HSM
// key can implement it; NewSigner wraps a local key.
type Signer interface {
	crypto.Signer
	// KeyID is the verification method URL, e.g. "did:key:z6Mk…#z6Mk…".
	KeyID() string
	// Algorithm is the JOSE alg: EdDSA, ES256, ES384 or RS256.
	Algorithm() string
}

// Generate creates a new private key of the given kind: "ed25519" (the
// default when kind is ""), "p256", "p384", "rsa" (2048 bits), "rsa3072" or
// "rsa4096". Returns Unsupported for any other kind.
func Generate(kind string) (crypto.Signer, error) {
	var (
		k   crypto.Signer
		err error
	)
	switch kind {
	case "", KindEd25519:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	case KindP256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case KindP384:
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case KindRSA:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case KindRSA3072:
		k, err = rsa.GenerateKey(rand.Reader, 3072)
	case KindRSA4096:
		k, err = rsa.GenerateKey(rand.Reader, 4096)
	default:
		return nil, errs.E(errs.Unsupported, "key type %q is not supported; use ed25519, p256, p384, rsa, rsa3072 or rsa4096", kind)
	}
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not generate a %s key", kind)
	}
	return k, nil
}

// Kind returns the key kind of a public key: "ed25519", "p256", "p384" or
// "rsa" (any RSA size of at least 2048 bits). Returns Unsupported otherwise.
func Kind(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", errs.E(errs.Invalid, "Ed25519 public key has %d bytes, want 32", len(k))
		}
		return KindEd25519, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return KindP256, nil
		case elliptic.P384():
			return KindP384, nil
		}
		return "", errs.E(errs.Unsupported, "ECDSA curve %s is not supported; use P-256 or P-384", k.Curve.Params().Name)
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return "", errs.E(errs.Unsupported, "RSA key of %d bits is too short; at least %d are required", k.N.BitLen(), minRSABits)
		}
		return KindRSA, nil
	}
	return "", errs.E(errs.Unsupported, "key type %T is not supported", pub)
}

// Algorithm returns the JOSE alg that signs with keys like pub: EdDSA for
// Ed25519 (RFC 8037 §3.1), ES256 for P-256, ES384 for P-384, RS256 for RSA
// (RFC 7518 §3.1). Returns Unsupported for other keys.
func Algorithm(pub crypto.PublicKey) (string, error) {
	kind, err := Kind(pub)
	if err != nil {
		return "", err
	}
	switch kind {
	case KindEd25519:
		return AlgEdDSA, nil
	case KindP256:
		return AlgES256, nil
	case KindP384:
		return AlgES384, nil
	default:
		return AlgRS256, nil
	}
}

// NewSigner wraps priv so it carries keyID (its verification method URL) and
// its JOSE algorithm, derived from the key type. Returns Invalid when keyID
// is empty and Unsupported for key types tohu does not sign with.
func NewSigner(priv crypto.Signer, keyID string) (Signer, error) {
	if priv == nil {
		return nil, errs.E(errs.Invalid, "no private key")
	}
	if keyID == "" {
		return nil, errs.E(errs.Invalid, "a signer needs a verification method id")
	}
	alg, err := Algorithm(priv.Public())
	if err != nil {
		return nil, err
	}
	return &signer{priv: priv, keyID: keyID, alg: alg}, nil
}

type signer struct {
	priv  crypto.Signer
	keyID string
	alg   string
}

func (s *signer) Public() crypto.PublicKey { return s.priv.Public() }
func (s *signer) KeyID() string            { return s.keyID }
func (s *signer) Algorithm() string        { return s.alg }

func (s *signer) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.priv.Sign(r, digest, opts)
}

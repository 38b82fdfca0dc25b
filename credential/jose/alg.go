package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"strings"

	gojose "github.com/go-jose/go-jose/v4"

	"github.com/tohu-nz/tohu/errs"
)

// The JWS algorithms (RFC 7518 §3.1, RFC 8037 §3.1) tohu signs and verifies.
const (
	AlgEdDSA = "EdDSA"
	AlgES256 = "ES256"
	AlgES384 = "ES384"
	AlgES512 = "ES512"
	AlgRS256 = "RS256"
)

// MinRSABits is the smallest RSA modulus tohu signs or verifies with.
// OB30 §8.2.1 "JSON Web Token Proof Format": RS256 keys are at least 2048 bits.
const MinRSABits = 2048

// DefaultAlgorithms is the allow-list Verify uses when none is given.
var DefaultAlgorithms = []string{AlgEdDSA, AlgES256, AlgES384, AlgES512, AlgRS256}

// neverAllowed reports whether alg may not appear in any allow-list: "none"
// (RFC 7518 §3.6, an unsecured JWS) and the HMAC family (RFC 7518 §3.2),
// whose shared secret would let anyone holding the issuer's public key forge
// a token (the key-confusion attack).
func neverAllowed(alg string) bool {
	a := strings.ToUpper(strings.TrimSpace(alg))
	return a == "NONE" || a == "" || strings.HasPrefix(a, "HS")
}

// supported reports whether tohu implements alg.
func supported(alg string) bool {
	switch alg {
	case AlgEdDSA, AlgES256, AlgES384, AlgES512, AlgRS256:
		return true
	}
	return false
}

// allowList turns the caller's allow-list into go-jose's type. An empty list
// means DefaultAlgorithms. Asking for "none" or an HMAC algorithm is a
// programming error reported as Invalid; an algorithm tohu does not implement
// is Unsupported.
func allowList(algs []string) ([]gojose.SignatureAlgorithm, error) {
	if len(algs) == 0 {
		algs = DefaultAlgorithms
	}
	out := make([]gojose.SignatureAlgorithm, 0, len(algs))
	for _, a := range algs {
		if neverAllowed(a) {
			return nil, errs.E(errs.Invalid, "algorithm %q can never be allowed", a)
		}
		if !supported(a) {
			return nil, errs.E(errs.Unsupported, "algorithm %q is not supported", a)
		}
		out = append(out, gojose.SignatureAlgorithm(a))
	}
	return out, nil
}

// algForKey returns the algorithm a public key signs with by default
// (Ed25519 → EdDSA, P-256 → ES256, P-384 → ES384, P-521 → ES512, RSA → RS256).
func algForKey(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return AlgEdDSA, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return AlgES256, nil
		case elliptic.P384():
			return AlgES384, nil
		case elliptic.P521():
			return AlgES512, nil
		}
		return "", errs.E(errs.Unsupported, "ECDSA curve %s is not supported", k.Curve.Params().Name)
	case *rsa.PublicKey:
		return AlgRS256, nil
	}
	return "", errs.E(errs.Unsupported, "key type %T is not supported", pub)
}

// checkKey reports whether pub is an acceptable key for alg: the right type
// and curve, and RSA moduli of at least MinRSABits. It guards against
// algorithm substitution independently of the JOSE library.
func checkKey(alg string, pub crypto.PublicKey) error {
	want, err := algForKey(pub)
	if err != nil {
		return err
	}
	if want != alg {
		return errs.E(errs.Invalid, "algorithm %s does not match the key (a %s key)", alg, want)
	}
	if k, ok := pub.(*rsa.PublicKey); ok && k.N.BitLen() < MinRSABits {
		return errs.E(errs.Invalid, "RSA key has %d bits; at least %d are required", k.N.BitLen(), MinRSABits)
	}
	return nil
}

// publicKey unwraps the forms a resolver may hand back into a plain
// crypto.PublicKey and refuses anything that is not an asymmetric public key
// (a []byte would turn the verifier into an HMAC verifier).
func publicKey(k crypto.PublicKey) (crypto.PublicKey, error) {
	switch v := k.(type) {
	case gojose.JSONWebKey:
		return publicKey(v.Key)
	case *gojose.JSONWebKey:
		if v == nil {
			return nil, errs.E(errs.Invalid, "no public key")
		}
		return publicKey(v.Key)
	case *ed25519.PublicKey:
		if v == nil {
			return nil, errs.E(errs.Invalid, "no public key")
		}
		return *v, nil
	case ed25519.PublicKey:
		if len(v) != ed25519.PublicKeySize {
			return nil, errs.E(errs.Invalid, "Ed25519 public key has %d bytes", len(v))
		}
		return v, nil
	case *ecdsa.PublicKey:
		if v == nil {
			return nil, errs.E(errs.Invalid, "no public key")
		}
		return v, nil
	case *rsa.PublicKey:
		if v == nil {
			return nil, errs.E(errs.Invalid, "no public key")
		}
		return v, nil
	}
	return nil, errs.E(errs.Unsupported, "key type %T is not supported", k)
}

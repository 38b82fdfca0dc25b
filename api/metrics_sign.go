package api

import (
	"crypto"
	"io"
	"time"

	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/keys"
)

// MeteredSealer wraps the issuer's Sealer so that every signer it opens
// records each signature's duration in m (tohu_sign_duration_seconds).
// It only wraps the crypto.Signer handle: no key material passes through
// api. A nil m returns s unchanged.
func MeteredSealer(s issuer.Sealer, m *Metrics) issuer.Sealer {
	if m == nil || s == nil {
		return s
	}
	return meteredSealer{s, m}
}

type meteredSealer struct {
	issuer.Sealer
	m *Metrics
}

func (s meteredSealer) Open(sealed, aad []byte) (crypto.Signer, error) {
	signer, err := s.Sealer.Open(sealed, aad)
	if err != nil || signer == nil {
		return signer, err
	}
	return meteredSigner{signer, s.m, algorithmOf(signer.Public())}, nil
}

type meteredSigner struct {
	crypto.Signer
	m   *Metrics
	alg string
}

func (s meteredSigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	start := time.Now()
	sig, err := s.Signer.Sign(rand, digest, opts)
	if err == nil {
		s.m.ObserveSign(s.alg, time.Since(start))
	}
	return sig, err
}

// algorithmOf names the key's algorithm for the label (a small, fixed set:
// EdDSA, ES256, ES384, RS256, other).
func algorithmOf(pub crypto.PublicKey) string {
	alg, err := keys.Algorithm(pub)
	if err != nil {
		return "other"
	}
	return alg
}

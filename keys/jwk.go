package keys

import (
	"crypto"
	_ "crypto/sha256" // registers SHA-256 for RFC 7638 thumbprints
	"encoding/base64"
	"encoding/json"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/tohu-nz/tohu/errs"
)

// maxJWKBytes bounds a JWK before parsing; an RSA-4096 private JWK is about
// 3.2 KB.
const maxJWKBytes = 16 << 10

// PublicJWK returns pub as a JSON Web Key (RFC 7517 §4; OKP keys per
// RFC 8037 §2), with "kid" set when kid is not empty. Only "kty", the key
// parameters and "kid" appear, so the value can go into a DID document's
// publicKeyJwk or a JWKS as is.
func PublicJWK(pub crypto.PublicKey, kid string) (jose.JSONWebKey, error) {
	if _, err := Kind(pub); err != nil {
		return jose.JSONWebKey{}, err
	}
	return jose.JSONWebKey{Key: pub, KeyID: kid}, nil
}

// PrivateJWK returns priv as a JSON Web Key including its private members
// ("d", and for RSA the CRT values). It is for the key file only: never
// publish it.
func PrivateJWK(priv crypto.Signer, kid string) (jose.JSONWebKey, error) {
	if priv == nil {
		return jose.JSONWebKey{}, errs.E(errs.Invalid, "no private key")
	}
	if _, err := Kind(priv.Public()); err != nil {
		return jose.JSONWebKey{}, err
	}
	return jose.JSONWebKey{Key: priv, KeyID: kid}, nil
}

// Thumbprint returns the RFC 7638 JWK thumbprint of pub (SHA-256,
// base64url without padding). It is stable across encodings of the same key,
// so tohu uses it for "kid"s and did:web verification method fragments.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	if _, err := Kind(pub); err != nil {
		return "", err
	}
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", errs.Wrap(err, errs.Internal, "could not compute the JWK thumbprint")
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// PublicFromJWK parses a public JSON Web Key (RFC 7517). Returns Invalid for
// malformed JSON, a key with private members (a publicKeyJwk must never
// carry them: Controlled Identifiers 1.0 §2.2.3 "JsonWebKey") or an
// inconsistent key, and Unsupported for key types tohu does not verify with.
func PublicFromJWK(data []byte) (crypto.PublicKey, error) {
	k, err := parseJWK(data)
	if err != nil {
		return nil, err
	}
	if !k.IsPublic() {
		return nil, errs.E(errs.Invalid, "publicKeyJwk must not contain private key members")
	}
	if _, err := Kind(k.Key); err != nil {
		return nil, err
	}
	return k.Key, nil
}

// PrivateFromJWK parses a private JSON Web Key into a crypto.Signer.
// Returns Invalid when the JWK is malformed or holds only a public key.
func PrivateFromJWK(data []byte) (crypto.Signer, error) {
	k, err := parseJWK(data)
	if err != nil {
		return nil, err
	}
	if k.IsPublic() {
		return nil, errs.E(errs.Invalid, "the JWK holds no private key")
	}
	s, ok := k.Key.(crypto.Signer)
	if !ok {
		return nil, errs.E(errs.Unsupported, "JWK key type %T cannot sign", k.Key)
	}
	if _, err := Kind(s.Public()); err != nil {
		return nil, err
	}
	return s, nil
}

func parseJWK(data []byte) (*jose.JSONWebKey, error) {
	if len(data) == 0 {
		return nil, errs.E(errs.Invalid, "JWK is empty")
	}
	if len(data) > maxJWKBytes {
		return nil, errs.E(errs.Invalid, "JWK is too large")
	}
	var k jose.JSONWebKey
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "JWK is not valid")
	}
	if !k.Valid() {
		return nil, errs.E(errs.Invalid, "JWK is not a valid key")
	}
	return &k, nil
}

package dataintegrity

import (
	"crypto/ed25519"

	"github.com/mr-tron/base58"

	"github.com/tohu-nz/tohu/errs"
)

// encodeProofValue returns the multibase base58-btc form of a signature:
// "z" followed by base58btc(sig) (EdDSA Cryptosuites 1.0, §3.2.1 "Create
// Proof (eddsa-rdfc-2022)", step 6).
func encodeProofValue(sig []byte) string { return "z" + base58.Encode(sig) }

// decodeProofValue decodes a proofValue that must be multibase base58-btc
// ("z" prefix) of exactly one 64-byte Ed25519 signature (EdDSA Cryptosuites
// 1.0, §3.2.2 "Verify Proof (eddsa-rdfc-2022)", step 3). The string must be
// the one canonical encoding of those bytes, so two different proofValue
// strings never stand for the same signature. field is the JSON pointer of
// the proofValue member. Errors are errs.Invalid.
func decodeProofValue(field, s string) ([]byte, *errs.Error) {
	if s == "" {
		return nil, errs.F(errs.Invalid, field, "proofValue is empty")
	}
	if s[0] != 'z' {
		return nil, errs.F(errs.Invalid, field, "proofValue must be multibase base58-btc (start with %q)", "z")
	}
	// A 64-byte value never needs more than 88 base58 characters; refuse
	// longer input before doing quadratic work on it.
	if len(s) > 1+90 {
		return nil, errs.F(errs.Invalid, field, "proofValue is too long to be an Ed25519 signature")
	}
	sig, err := base58.Decode(s[1:])
	if err != nil {
		return nil, &errs.Error{Code: errs.Invalid, Field: field, Message: "proofValue is not valid base58-btc", Err: err}
	}
	if len(sig) != ed25519.SignatureSize {
		return nil, errs.F(errs.Invalid, field, "proofValue decodes to %d bytes; an Ed25519 signature has %d", len(sig), ed25519.SignatureSize)
	}
	if base58.Encode(sig) != s[1:] {
		return nil, errs.F(errs.Invalid, field, "proofValue is not in canonical base58-btc form")
	}
	return sig, nil
}

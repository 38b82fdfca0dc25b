package jose

import (
	"crypto"

	"github.com/go-jose/go-jose/v4/cryptosigner"
)

// ReadsDecoded reports whether SignDecoded takes its claims from doc rather
// than reading the credential's bytes again (so a test can show that the
// decoded path, not the fallback, made the token it compares).
func ReadsDecoded(doc map[string]any) bool {
	_, plain := plainClaims(doc)
	return plain
}

// CompactSign is compactSign for a header of these members.
func CompactSign(alg, kid, typ, cty string, payload []byte, signer crypto.Signer) (string, error) {
	return compactSign(protectedHeader{Alg: alg, Kid: kid, Typ: typ, Cty: cty}, payload, cryptosigner.Opaque(signer))
}

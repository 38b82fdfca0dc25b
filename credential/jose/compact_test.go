package jose_test

import (
	"strings"
	"testing"

	gojose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"

	"github.com/tohu-nz/tohu/credential/jose"
)

// TestCompactSignMatchesGoJose: the compact JWS tohu writes is go-jose's
// (Signer.Sign then CompactSerialize) for every algorithm, both header
// shapes, key ids that JSON must escape, and payloads of each length
// modulo 3 (base64's three tails): the same token for the deterministic
// algorithms (EdDSA, RS256), and for ECDSA, whose signatures are
// randomised, the same header and payload segments and a signature
// go-jose verifies.
func TestCompactSignMatchesGoJose(t *testing.T) {
	keys := testKeys(t)
	kids := []string{
		"did:web:tohu.example.ac.nz:issuers:p1#key-1",
		"https://tohu.example/keys?a=1&b=<2>",
		`did:example:"quoted"\back`,
		"did:web:tōhu.example#kī\u2028\u00e9\x7f",
	}
	payloads := []string{`{}`, `{"a":1}`, `{"ab":1}`, `{"name":"Kōrero Tuatahi","n":[1,2,3]}` + strings.Repeat(" ", 7)}
	headers := []struct{ typ, cty string }{{"vc+jwt", "vc"}, {"JWT", ""}}
	for _, alg := range jose.DefaultAlgorithms {
		k, ok := keys[alg]
		if !ok {
			t.Fatalf("no test key for %s", alg)
		}
		for _, kid := range kids {
			for _, h := range headers {
				for _, p := range payloads {
					got, err := jose.CompactSign(alg, kid, h.typ, h.cty, []byte(p), k.signer)
					if err != nil {
						t.Fatalf("%s %q: %v", alg, kid, err)
					}
					so := (&gojose.SignerOptions{}).WithHeader("kid", kid).WithType(gojose.ContentType(h.typ))
					if h.cty != "" {
						so = so.WithContentType(gojose.ContentType(h.cty))
					}
					js, err := gojose.NewSigner(gojose.SigningKey{Algorithm: gojose.SignatureAlgorithm(alg), Key: cryptosigner.Opaque(k.signer)}, so)
					if err != nil {
						t.Fatal(err)
					}
					sig, err := js.Sign([]byte(p))
					if err != nil {
						t.Fatal(err)
					}
					want, err := sig.CompactSerialize()
					if err != nil {
						t.Fatal(err)
					}
					if alg == jose.AlgEdDSA || alg == jose.AlgRS256 {
						if got != want {
							t.Errorf("%s %q %s: token\n got %s\nwant %s", alg, kid, h.typ, got, want)
						}
						continue
					}
					if g, w := got[:strings.LastIndexByte(got, '.')], want[:strings.LastIndexByte(want, '.')]; g != w {
						t.Errorf("%s %q %s: signing input\n got %s\nwant %s", alg, kid, h.typ, g, w)
					}
					parsed, err := gojose.ParseSignedCompact(got, []gojose.SignatureAlgorithm{gojose.SignatureAlgorithm(alg)})
					if err != nil {
						t.Fatalf("%s: go-jose cannot parse the token: %v", alg, err)
					}
					out, err := parsed.Verify(k.signer.Public())
					if err != nil || string(out) != p {
						t.Errorf("%s %q: go-jose does not verify the token (%v) or reads another payload %q", alg, kid, err, out)
					}
				}
			}
		}
	}
}

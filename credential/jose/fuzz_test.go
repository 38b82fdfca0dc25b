package jose_test

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/jose"
)

// FuzzVerify feeds hostile tokens to Verify. Invariants: it never panics,
// it never returns both a result and an error, and whatever verifies is a
// credential tohu signed with the fuzz key (so no mutation forges one).
// Seeds: testdata/fuzz/FuzzVerify (the 1EdTech fixtures, garbled) plus the
// tokens signed below.
func FuzzVerify(f *testing.F) {
	key := fixedEd25519()
	did, vm := didKeyEd25519(key.Public().(ed25519.PublicKey))
	r := testKeyResolver{vm: {key.Public(), did, []string{credential.PurposeAssertion, credential.PurposeAuthentication}}}
	ctx := context.Background()

	signed := map[string]bool{}
	for _, form := range []string{jose.FormVCJOSE, jose.FormOBJWT} {
		cred := credentialJSON(did)
		tok, err := jose.Sign(ctx, cred, key, jose.SignOptions{KeyID: vm, Form: form})
		if err != nil {
			f.Fatal(err)
		}
		v, err := jose.Verify(ctx, tok, jose.VerifyOptions{Resolver: r})
		if err != nil {
			f.Fatal(err)
		}
		signed[string(v.Credential)] = true
		f.Add(tok)
		f.Add(tok[:len(tok)/2])
		f.Add(strings.Replace(tok, ".", "..", 1))
	}
	noKid := rawEdDSA(`{"alg":"EdDSA","typ":"vc+jwt"}`, string(credentialJSON(did)), key)
	signed[string(credentialJSON(did))] = true
	f.Add(noKid)

	f.Fuzz(func(t *testing.T, token string) {
		v, err := jose.Verify(ctx, token, jose.VerifyOptions{Resolver: r})
		if (v == nil) == (err == nil) {
			t.Fatalf("Verify returned result %v and error %v", v, err)
		}
		if err != nil {
			return
		}
		if !signed[string(v.Credential)] {
			// A token that verifies must carry a credential the key signed;
			// anything else would be a forgery.
			t.Fatalf("verified a credential the key never signed: %s", v.Credential)
		}
		jose.LooksLikeJWT([]byte(token))
	})
}

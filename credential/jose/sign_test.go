package jose_test

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/errs"
)

const (
	issuerDID  = "did:web:tohu.example:issuers:p1"
	otherDID   = "did:web:other.example"
	otherVM    = otherDID + "#key-1"
	learnerDID = "did:example:learner-1"
)

func vmFor(alg string) string { return issuerDID + "#key-" + strings.ToLower(alg) }

// fixture is the shared world of the tests: one issuer with a key per
// algorithm, a second issuer, and a resolver that knows them all.
type fixture struct {
	keys     map[string]testKey
	other    ed25519.PrivateKey
	resolver testKeyResolver
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{keys: testKeys(t), resolver: testKeyResolver{}}
	for alg, k := range f.keys {
		f.resolver[vmFor(alg)] = vmEntry{k.signer.Public(), issuerDID, []string{credential.PurposeAssertion}}
	}
	_, f.other, _ = ed25519.GenerateKey(rand.Reader)
	f.resolver[otherVM] = vmEntry{f.other.Public(), otherDID, []string{credential.PurposeAssertion}}
	return f
}

func (f *fixture) opts() jose.VerifyOptions { return jose.VerifyOptions{Resolver: f.resolver} }

// Every algorithm × both forms signs and verifies, and the payload is what
// the form's spec says it is.
func TestRoundTrip(t *testing.T) {
	f := newFixture(t)
	cred := credentialJSON(issuerDID)
	ctx := context.Background()
	for _, alg := range []string{"EdDSA", "ES256", "ES384", "ES512", "RS256"} {
		for _, form := range []string{jose.FormVCJOSE, jose.FormOBJWT} {
			t.Run("ok/"+alg+"/"+form, func(t *testing.T) {
				k := f.keys[alg]
				// Algorithm left empty: it must follow from the key type.
				token, err := jose.Sign(ctx, cred, k.signer, jose.SignOptions{KeyID: vmFor(alg), Form: form})
				if err != nil {
					t.Fatalf("Sign: %v", err)
				}
				if !jose.LooksLikeJWT([]byte(token)) {
					t.Fatal("LooksLikeJWT(signed token) = false")
				}
				v, err := jose.Verify(ctx, token, f.opts())
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if v.Algorithm != alg || v.Form != form || v.KeyID != vmFor(alg) || v.Controller != issuerDID || v.EmbeddedJWK {
					t.Fatalf("Verified = %+v", v)
				}
				if v.Header["alg"] != alg || v.Header["kid"] != vmFor(alg) {
					t.Fatalf("header = %v", v.Header)
				}
				switch form {
				case jose.FormVCJOSE:
					// VC-JOSE-COSE §3.1.1: typ vc+jwt, cty vc, payload = the credential bytes.
					if v.Header["typ"] != "vc+jwt" || v.Header["cty"] != "vc" {
						t.Fatalf("header = %v", v.Header)
					}
					if string(v.Credential) != string(cred) {
						t.Fatal("VC-JOSE payload is not the credential byte for byte")
					}
				case jose.FormOBJWT:
					// OB30 §8.2: typ JWT, no cty, the claims mirror the credential.
					if v.Header["typ"] != "JWT" || v.Header["cty"] != nil {
						t.Fatalf("header = %v", v.Header)
					}
					if !strings.HasPrefix(string(v.Credential), strings.TrimRight(strings.TrimSuffix(strings.TrimSpace(string(cred)), "}"), " \n")) {
						t.Fatal("OB VC-JWT payload does not keep the credential's bytes")
					}
					want := map[string]any{
						"iss": issuerDID, "jti": "urn:uuid:5b1c1e0a-8a8c-4c7e-9a51-0c3c3f4e9f10", "sub": learnerDID,
						"nbf": float64(1769904000), "exp": float64(1927670400),
					}
					for name, w := range want {
						if v.Claims[name] != w {
							t.Errorf("claim %s = %v, want %v", name, v.Claims[name], w)
						}
					}
				}
			})
		}
	}
}

// A credential with no optional fields gets only iss; an empty-bodied object
// does not get a stray comma.
func TestSignOBClaimsMinimal(t *testing.T) {
	f := newFixture(t)
	k := f.keys["EdDSA"]
	cred := `{"issuer":"` + issuerDID + `"}`
	token, err := jose.Sign(context.Background(), []byte(cred), k.signer, jose.SignOptions{KeyID: vmFor("EdDSA"), Form: jose.FormOBJWT})
	if err != nil {
		t.Fatal(err)
	}
	payload := unb64(t, strings.Split(token, ".")[1])
	if want := `{"issuer":"` + issuerDID + `","iss":"` + issuerDID + `"}`; string(payload) != want {
		t.Fatalf("payload = %s, want %s", payload, want)
	}
	if _, err := jose.Verify(context.Background(), token, f.opts()); err != nil {
		t.Fatal(err)
	}
}

// signerOnly hides the concrete key type, as a KMS-backed crypto.Signer does.
type signerOnly struct{ s crypto.Signer }

func (o signerOnly) Public() crypto.PublicKey { return o.s.Public() }
func (o signerOnly) Sign(r io.Reader, d []byte, opts crypto.SignerOpts) ([]byte, error) {
	return o.s.Sign(r, d, opts)
}

func TestSignWithOpaqueSigner(t *testing.T) {
	f := newFixture(t)
	for _, alg := range []string{"EdDSA", "ES256", "RS256"} {
		t.Run("ok/"+alg, func(t *testing.T) {
			token, err := jose.Sign(context.Background(), credentialJSON(issuerDID), signerOnly{f.keys[alg].signer}, jose.SignOptions{KeyID: vmFor(alg), Algorithm: alg})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jose.Verify(context.Background(), token, f.opts()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSignErrors(t *testing.T) {
	f := newFixture(t)
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ed := f.keys["EdDSA"].signer
	good := credentialJSON(issuerDID)
	contradicting := strings.Replace(string(good), `"name": "Whaka`, `"iss": "did:example:someone-else", "name": "Whaka`, 1)
	tests := map[string]struct {
		cred      string
		signer    crypto.Signer
		opts      jose.SignOptions
		wantErr   errs.Code
		wantField string
	}{
		"ok/EdDSA explicit":              {string(good), ed, jose.SignOptions{KeyID: "k", Algorithm: "EdDSA"}, "", ""},
		"error/not a JSON object":        {`["a"]`, ed, jose.SignOptions{KeyID: "k"}, errs.Invalid, ""},
		"error/not JSON":                 {`{"issuer":`, ed, jose.SignOptions{KeyID: "k"}, errs.Invalid, ""},
		"error/no issuer":                {`{"id":"x"}`, ed, jose.SignOptions{KeyID: "k"}, errs.Invalid, "/issuer"},
		"error/issuer not a string":      {`{"issuer":7}`, ed, jose.SignOptions{KeyID: "k"}, errs.Invalid, "/issuer"},
		"error/no key id":                {string(good), ed, jose.SignOptions{}, errs.Invalid, ""},
		"error/no signer":                {string(good), nil, jose.SignOptions{KeyID: "k"}, errs.Invalid, ""},
		"error/RSA 1024":                 {string(good), rsa1024, jose.SignOptions{KeyID: "k"}, errs.Invalid, ""},
		"error/alg does not fit the key": {string(good), ed, jose.SignOptions{KeyID: "k", Algorithm: "ES256"}, errs.Invalid, ""},
		"error/HS256":                    {string(good), ed, jose.SignOptions{KeyID: "k", Algorithm: "HS256"}, errs.Unsupported, ""},
		"error/none":                     {string(good), ed, jose.SignOptions{KeyID: "k", Algorithm: "none"}, errs.Unsupported, ""},
		"error/PS256 not offered":        {string(good), f.keys["RS256"].signer, jose.SignOptions{KeyID: "k", Algorithm: "PS256"}, errs.Unsupported, ""},
		"error/unknown form":             {string(good), ed, jose.SignOptions{KeyID: "k", Form: "sd-jwt"}, errs.Unsupported, ""},
		"error/OB claim contradicts":     {contradicting, ed, jose.SignOptions{KeyID: "k", Form: jose.FormOBJWT}, errs.Invalid, "/iss"},
		"ok/VC-JOSE leaves claims alone": {contradicting, ed, jose.SignOptions{KeyID: "k", Form: jose.FormVCJOSE}, "", ""},
		"error/bad validFrom":            {strings.Replace(string(good), "2026-02-01T00:00:00Z", "1 Feb 2026", 1), ed, jose.SignOptions{KeyID: "k", Form: jose.FormOBJWT}, errs.Invalid, "/validFrom"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := jose.Sign(context.Background(), []byte(tc.cred), tc.signer, tc.opts)
			if errs.ErrorCode(err) != tc.wantErr || errs.ErrorField(err) != tc.wantField {
				t.Fatalf("err = %v (field %q), want %q at %q", err, errs.ErrorField(err), tc.wantErr, tc.wantField)
			}
		})
	}
}

// A payload's claims come out as numbers, not strings (RFC 7519 §2 NumericDate).
func TestOBClaimTypes(t *testing.T) {
	f := newFixture(t)
	token, err := jose.Sign(context.Background(), credentialJSON(issuerDID), f.keys["EdDSA"].signer, jose.SignOptions{KeyID: vmFor("EdDSA"), Form: jose.FormOBJWT})
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(unb64(t, strings.Split(token, ".")[1]), &p); err != nil {
		t.Fatal(err)
	}
	if string(p["nbf"]) != "1769904000" || string(p["exp"]) != "1927670400" {
		t.Fatalf("nbf = %s, exp = %s", p["nbf"], p["exp"])
	}
}

package jose_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential/jose"
)

// decodeUseNumber is the decoding SignDecoded expects (the builder's).
func decodeUseNumber(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSignDecoded: SignDecoded with the credential's decoding gives the
// token Sign gives from the bytes alone — the same header and payload
// bytes, and for the deterministic algorithms (EdDSA, RS256 PKCS #1 v1.5)
// the same token; ES256 signatures are randomised, so there the signing
// input must match and the token must verify — or the same error, for every
// form, and leaves doc unchanged. decoded says whether the decoded path
// made the token (the rest fall back to reading the bytes).
func TestSignDecoded(t *testing.T) {
	f := newFixture(t)
	base := string(credentialJSON(issuerDID))
	edit := func(old, new string) string {
		if !strings.Contains(base, old) {
			t.Fatalf("fixture has no %q", old)
		}
		return strings.Replace(base, old, new, 1)
	}
	issuerObj := `{"id": "` + issuerDID + `", "type": ["Profile"], "name": "Te Pūkenga Example"}`
	tests := []struct {
		name    string
		cred    string
		decoded bool
	}{
		{"builder shape", base, true},
		{"issuer as a string", edit(issuerObj, `"`+issuerDID+`"`), true},
		{"no id, no subject id, no validUntil", strings.NewReplacer(
			`"id": "urn:uuid:5b1c1e0a-8a8c-4c7e-9a51-0c3c3f4e9f10",`, "",
			`"id": "did:example:learner-1",`, "",
			`"validUntil": "2031-02-01T00:00:00Z",`, "").Replace(base), true},
		{"fractional seconds and an offset", edit(`"2026-02-01T00:00:00Z"`, `"2026-02-01T12:00:00.75+13:00"`), true},
		{"validFrom null", edit(`"2026-02-01T00:00:00Z"`, `null`), true},
		{"empty id", edit(`"urn:uuid:5b1c1e0a-8a8c-4c7e-9a51-0c3c3f4e9f10"`, `""`), true},
		{"VC 1.1 dates", strings.NewReplacer(
			`"https://www.w3.org/ns/credentials/v2"`, `"https://www.w3.org/2018/credentials/v1"`,
			`"validFrom"`, `"issuanceDate"`, `"validUntil"`, `"expirationDate"`).Replace(base), true},
		{"VC 1.1 context, VC 2.0 dates", edit(`"https://www.w3.org/ns/credentials/v2"`, `"https://www.w3.org/2018/credentials/v1"`), true},
		{"@context a string", edit(`["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]`, `"https://www.w3.org/2018/credentials/v1"`), true},
		{"subject list", strings.NewReplacer(`"credentialSubject": {`, `"credentialSubject": [{"id": "did:example:other"}, {`,
			`{"narrative": "Ako."}}`+"\n  }", `{"narrative": "Ako."}}`+"\n  }]").Replace(base), false},
		{"subject a string", strings.Replace(base, base[strings.Index(base, `"credentialSubject"`):strings.LastIndex(base, "}")], `"credentialSubject": "did:example:learner-1"`+"\n", 1), false},
		{"jti already there, same", edit(`"type": ["VerifiableCredential"`, `"jti": "urn:uuid:5b1c1e0a-8a8c-4c7e-9a51-0c3c3f4e9f10", "type": ["VerifiableCredential"`), false},
		{"nbf already there, different", edit(`"type": ["VerifiableCredential"`, `"nbf": 12, "type": ["VerifiableCredential"`), false},
		{"iss null", edit(`"type": ["VerifiableCredential"`, `"iss": null, "type": ["VerifiableCredential"`), true},
		{"validFrom not a date", edit(`"2026-02-01T00:00:00Z"`, `"1 February 2026"`), false},
		{"validUntil a number", edit(`"2031-02-01T00:00:00Z"`, `1927000000`), false},
		{"no issuer", edit(`"issuer": `+issuerObj+",", ""), false},
		{"issuer id a number", edit(`"id": "`+issuerDID+`"`, `"id": 7`), false},
		{"issuer without id", edit(`"id": "`+issuerDID+`", `, ""), false},
		{"id an object", edit(`"urn:uuid:5b1c1e0a-8a8c-4c7e-9a51-0c3c3f4e9f10"`, `{"x": 1}`), false},
		{"subject id a number", edit(`"did:example:learner-1"`, `42`), false},
	}
	ctx := context.Background()
	for _, tc := range tests {
		raw := []byte(tc.cred)
		doc := decodeUseNumber(t, raw)
		if got := jose.ReadsDecoded(doc); got != tc.decoded {
			t.Errorf("%s: decoded path = %v, want %v", tc.name, got, tc.decoded)
		}
		for _, alg := range []string{"EdDSA", "ES256", "RS256"} {
			for _, form := range []string{jose.FormOBJWT, jose.FormVCJOSE} {
				t.Run(tc.name+"/"+alg+"/"+form, func(t *testing.T) {
					opts := jose.SignOptions{KeyID: vmFor(alg), Algorithm: alg, Form: form}
					signer := f.keys[alg].signer
					want, wantErr := jose.Sign(ctx, raw, signer, opts)
					got, err := jose.SignDecoded(ctx, raw, doc, signer, opts)
					if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
						t.Fatalf("SignDecoded error %v, Sign error %v", err, wantErr)
					}
					if !reflect.DeepEqual(doc, decodeUseNumber(t, raw)) {
						t.Fatal("SignDecoded changed doc")
					}
					if err != nil {
						return
					}
					if alg == "ES256" {
						input := func(tok string) string { return tok[:strings.LastIndex(tok, ".")] }
						if input(got) != input(want) {
							t.Fatalf("signing input differs:\n got %s\nwant %s", input(got), input(want))
						}
						// RFC 7518 §3.4: R ‖ S over SHA-256 of the signing input.
						sig := unb64(t, got[strings.LastIndex(got, ".")+1:])
						h := sha256.Sum256([]byte(input(got)))
						pub := signer.Public().(*ecdsa.PublicKey)
						if len(sig) != 64 || !ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
							t.Fatal("the ES256 signature of SignDecoded's token does not verify")
						}
						return
					}
					if got != want {
						t.Fatalf("token differs:\n got %s\nwant %s", got, want)
					}
				})
			}
		}
	}
}

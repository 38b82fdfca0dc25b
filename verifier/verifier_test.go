package verifier_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// TestVerifyFresh signs the test credential afresh in every format tohu
// speaks, with real keys, and expects each to verify.
func TestVerifyFresh(t *testing.T) {
	ed := newIssuerKey(t, keys.KindEd25519)
	p256 := newIssuerKey(t, keys.KindP256)
	p384 := newIssuerKey(t, keys.KindP384)
	tests := map[string]struct {
		input      func(t *testing.T) []byte
		wantFormat string
	}{
		"ok/data integrity eddsa-rdfc-2022": {
			input:      func(t *testing.T) []byte { return ed.signDI(t, ed.unsigned(t, nil)) },
			wantFormat: "vc2+ld",
		},
		"ok/vc+jwt EdDSA": {
			input:      func(t *testing.T) []byte { return ed.signJWT(t, ed.unsigned(t, nil), jose.FormVCJOSE) },
			wantFormat: jose.FormVCJOSE,
		},
		"ok/OB VC-JWT ES256": {
			input:      func(t *testing.T) []byte { return p256.signJWT(t, p256.unsigned(t, nil), jose.FormOBJWT) },
			wantFormat: jose.FormOBJWT,
		},
		"ok/vc+jwt ES384": {
			input:      func(t *testing.T) []byte { return p384.signJWT(t, p384.unsigned(t, nil), jose.FormVCJOSE) },
			wantFormat: jose.FormVCJOSE,
		},
		"ok/JWT as a JSON string": {
			input: func(t *testing.T) []byte {
				b, _ := json.Marshal(string(ed.signJWT(t, ed.unsigned(t, nil), jose.FormVCJOSE)))
				return b
			},
			wantFormat: jose.FormVCJOSE,
		},
		"ok/enveloped vc+jwt": {
			input: func(t *testing.T) []byte {
				tok := ed.signJWT(t, ed.unsigned(t, nil), jose.FormVCJOSE)
				return encode(t, map[string]any{
					"@context": []any{"https://www.w3.org/ns/credentials/v2"},
					"id":       "data:application/vc+jwt," + string(tok),
					"type":     "EnvelopedVerifiableCredential",
				})
			},
			wantFormat: "enveloped/" + jose.FormVCJOSE,
		},
		"ok/macrons survive": {
			input: func(t *testing.T) []byte {
				return ed.signDI(t, ed.unsigned(t, func(m map[string]any) {
					m["name"] = "Pūkenga Whakahaere Wai — Ōtautahi"
				}))
			},
			wantFormat: "vc2+ld",
		},
	}
	v := newVerifier(nil)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := v.Verify(context.Background(), tc.input(t))
			if r.Result != verifier.Verified {
				t.Fatalf("result %s, want verified\n%s", r.Result, dump(r))
			}
			if r.Format != tc.wantFormat {
				t.Errorf("format %q, want %q", r.Format, tc.wantFormat)
			}
			for _, id := range []string{verifier.CheckProof, verifier.CheckIssuerKey, verifier.CheckSchema, verifier.CheckTerms, verifier.CheckContexts} {
				if st, _ := checkStatus(r, id); st != verifier.Passed {
					t.Errorf("check %s is %q, want passed", id, st)
				}
			}
			if r.Subject == nil || r.Subject.Level != "4" || r.Subject.CreditsEarned != "15" {
				t.Errorf("subject summary %+v, want level 4 and 15 credits", r.Subject)
			}
			if r.Issuer == nil || !strings.HasPrefix(r.Issuer.ID, "did:key:") || r.Issuer.Name == "" {
				t.Errorf("issuer summary %+v", r.Issuer)
			}
		})
	}
}

// TestVerifyStates covers genuine credentials in a state other than valid,
// and the checks that name a problem.
func TestVerifyStates(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	other := newIssuerKey(t, keys.KindEd25519)
	set := func(key string, val any) func(map[string]any) {
		return func(m map[string]any) { m[key] = val }
	}
	tests := map[string]struct {
		input     func(t *testing.T) []byte
		want      verifier.Result
		check     string // the check that decides
		status    string
		code      string
		msgSubstr string
	}{
		"error/expired": {
			input: func(t *testing.T) []byte {
				return k.signDI(t, k.unsigned(t, set("validUntil", "2026-01-01T00:00:00Z")))
			},
			want: verifier.Expired, check: verifier.CheckValidUntil, status: verifier.Failed, code: "valid_until.passed",
		},
		"ok/expiry within clock skew": {
			input: func(t *testing.T) []byte {
				return k.signDI(t, k.unsigned(t, set("validUntil", testNow.Add(-2*time.Minute).Format(time.RFC3339))))
			},
			want: verifier.Verified, check: verifier.CheckValidUntil, status: verifier.Passed, code: "valid_until.ok",
		},
		"error/not yet valid": {
			input: func(t *testing.T) []byte { return k.signDI(t, k.unsigned(t, set("validFrom", "2027-01-01T00:00:00Z"))) },
			want:  verifier.NotYetValid, check: verifier.CheckValidFrom, status: verifier.Failed, code: "valid_from.in_future",
		},
		"error/malformed date": {
			input: func(t *testing.T) []byte { return k.signDI(t, k.unsigned(t, set("validFrom", "yesterday"))) },
			want:  verifier.NotVerified, check: verifier.CheckValidFrom, status: verifier.Failed, code: "date.malformed",
		},
		"error/signed by another key than the issuer's": {
			input: func(t *testing.T) []byte { return other.signDI(t, k.unsigned(t, nil)) },
			want:  verifier.NotVerified, check: verifier.CheckIssuerKey, status: verifier.Failed, code: "issuer_key.mismatch",
		},
		"error/jwt signed by another key than the issuer's": {
			input: func(t *testing.T) []byte { return other.signJWT(t, k.unsigned(t, nil), jose.FormVCJOSE) },
			want:  verifier.NotVerified, check: verifier.CheckIssuerKey, status: verifier.Failed, code: "issuer_key.mismatch",
		},
		"error/unknown context is named": {
			input: func(t *testing.T) []byte {
				m := decode(t, k.signDI(t, k.unsigned(t, nil)))
				m["@context"] = append(m["@context"].([]any), "https://example.org/my-context.json")
				return encode(t, m)
			},
			want: verifier.NotVerified, check: verifier.CheckContexts, status: verifier.Failed, code: "contexts.unknown",
			msgSubstr: "https://example.org/my-context.json",
		},
		"error/first context not VC": {
			input: func(t *testing.T) []byte {
				m := decode(t, k.signDI(t, k.unsigned(t, nil)))
				c := m["@context"].([]any)
				c[0], c[1] = c[1], c[0]
				return encode(t, m)
			},
			want: verifier.NotVerified, check: verifier.CheckContexts, status: verifier.Failed, code: "contexts.wrong_base",
		},
		"error/undefined term is named (added after signing)": {
			input: func(t *testing.T) []byte {
				m := decode(t, k.signDI(t, k.unsigned(t, nil)))
				m["credentialSubject"].(map[string]any)["favouriteColour"] = "kākāriki"
				return encode(t, m)
			},
			want: verifier.NotVerified, check: verifier.CheckTerms, status: verifier.Failed, code: "terms.undefined",
			msgSubstr: "favouriteColour",
		},
		"error/undefined term in a JWT is named": {
			input: func(t *testing.T) []byte {
				return k.signJWT(t, k.unsigned(t, set("shoeSize", "9")), jose.FormVCJOSE)
			},
			want: verifier.NotVerified, check: verifier.CheckTerms, status: verifier.Failed, code: "terms.undefined",
			msgSubstr: "shoeSize",
		},
		"error/no proof": {
			input: func(t *testing.T) []byte { return k.unsigned(t, nil) },
			want:  verifier.NotVerified, check: verifier.CheckProof, status: verifier.Failed, code: "proof.missing",
		},
		"error/subject without id or identifier": {
			input: func(t *testing.T) []byte {
				return k.signDI(t, k.unsigned(t, func(m map[string]any) { delete(m["credentialSubject"].(map[string]any), "id") }))
			},
			want: verifier.NotVerified, check: verifier.CheckRequiredFields, status: verifier.Failed, code: "required_fields.missing",
		},
		"error/declared schema not met": {
			input: func(t *testing.T) []byte {
				return k.signDI(t, k.unsigned(t, func(m map[string]any) {
					m["@context"] = append(m["@context"].([]any), "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
					m["credentialSchema"] = []any{map[string]any{
						"id":   "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
						"type": "1EdTechJsonSchemaValidator2019",
					}}
					m["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["achievementType"] = "Trophy"
				}))
			},
			want: verifier.NotVerified, check: verifier.CheckSchema, status: verifier.Failed, code: "schema.invalid",
			msgSubstr: "/credentialSubject/achievement/achievementType",
		},
		"ok/undeclared schema mismatch is reported, not failed": {
			input: func(t *testing.T) []byte {
				return k.signDI(t, k.unsigned(t, func(m map[string]any) {
					m["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["achievementType"] = "Trophy"
				}))
			},
			want: verifier.Verified, check: verifier.CheckSchema, status: verifier.Skipped, code: "schema.undeclared_mismatch",
		},
		"error/status entry but no status fetcher": {
			input: func(t *testing.T) []byte {
				return k.signDI(t, k.unsigned(t, set("credentialStatus", statusEntry("https://status.example/1", "revocation", 7))))
			},
			want: verifier.CouldNotCheck, check: verifier.CheckStatus, status: verifier.CouldNotRun, code: "status.no_fetcher",
		},
	}
	v := newVerifier(nil)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := v.Verify(context.Background(), tc.input(t))
			if r.Result != tc.want {
				t.Fatalf("result %s, want %s\n%s", r.Result, tc.want, dump(r))
			}
			c, ok := r.Check(tc.check)
			if !ok || c.Status != tc.status || c.Code != tc.code {
				t.Fatalf("check %s = %+v, want %s/%s\n%s", tc.check, c, tc.status, tc.code, dump(r))
			}
			if !strings.Contains(c.Message, tc.msgSubstr) {
				t.Errorf("message %q does not name %q", c.Message, tc.msgSubstr)
			}
			if r.Summary == "" {
				t.Error("no summary")
			}
		})
	}
}

// TestTamper changes one field class at a time in a signed credential:
// every change must fail verification with the proof (or issuer_key) check
// failed, in both the Data Integrity and the JWT form.
func TestTamper(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	other := newIssuerKey(t, keys.KindEd25519)
	subj := func(m map[string]any) map[string]any { return m["credentialSubject"].(map[string]any) }
	ach := func(m map[string]any) map[string]any { return subj(m)["achievement"].(map[string]any) }
	proof := func(m map[string]any) map[string]any {
		if p, ok := m["proof"].(map[string]any); ok {
			return p
		}
		return m["proof"].([]any)[0].(map[string]any)
	}
	tests := map[string]struct {
		edit      func(m map[string]any)
		wantCheck string
		jwtToo    bool
	}{
		"error/credential name":  {edit: func(m map[string]any) { m["name"] = "Advanced Freshwater Monitoring" }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/achievement name": {edit: func(m map[string]any) { ach(m)["name"] = "Te Tiaki Wai (Honours)" }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/description":      {edit: func(m map[string]any) { ach(m)["description"] = "Something else." }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/issuer name":      {edit: func(m map[string]any) { m["issuer"].(map[string]any)["name"] = "Another Polytechnic" }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/issuer id":        {edit: func(m map[string]any) { m["issuer"].(map[string]any)["id"] = other.kf.DID }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/validFrom":        {edit: func(m map[string]any) { m["validFrom"] = "2025-02-01T00:00:00Z" }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/validUntil":       {edit: func(m map[string]any) { m["validUntil"] = "2045-03-01T00:00:00Z" }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/creditsEarned":    {edit: func(m map[string]any) { subj(m)["creditsEarned"] = json.Number("40") }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/creditsAvailable": {edit: func(m map[string]any) { ach(m)["creditsAvailable"] = json.Number("15.5") }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/level alignment":  {edit: func(m map[string]any) { ach(m)["alignment"].([]any)[0].(map[string]any)["targetCode"] = "7" }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/result value":     {edit: func(m map[string]any) { subj(m)["result"].([]any)[0].(map[string]any)["value"] = "Merit" }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/subject id":       {edit: func(m map[string]any) { subj(m)["id"] = "did:example:someone-else" }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/macron removed":   {edit: func(m map[string]any) { m["name"] = strings.Replace(m["name"].(string), "—", "-", 1) }, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/macron decomposed": {edit: func(m map[string]any) {
			ach(m)["description"] = strings.Replace(ach(m)["description"].(string), "ā", "a\u0304", 1)
		}, wantCheck: verifier.CheckProof, jwtToo: true},
		"error/proof created":       {edit: func(m map[string]any) { proof(m)["created"] = "2020-01-01T00:00:00Z" }, wantCheck: verifier.CheckProof},
		"error/proof method":        {edit: func(m map[string]any) { proof(m)["verificationMethod"] = other.kf.VerificationMethod }, wantCheck: verifier.CheckProof},
		"error/proofValue":          {edit: func(m map[string]any) { proof(m)["proofValue"] = flipBase58(proof(m)["proofValue"].(string)) }, wantCheck: verifier.CheckProof},
		"error/proofValue not z":    {edit: func(m map[string]any) { proof(m)["proofValue"] = "u" + proof(m)["proofValue"].(string)[1:] }, wantCheck: verifier.CheckProof},
		"error/proofValue bad b58":  {edit: func(m map[string]any) { proof(m)["proofValue"] = "z0OIl" }, wantCheck: verifier.CheckProof},
		"error/cryptosuite renamed": {edit: func(m map[string]any) { proof(m)["cryptosuite"] = "eddsa-2022" }, wantCheck: verifier.CheckProof},
	}
	v := newVerifier(nil)
	signed := k.signDI(t, k.unsigned(t, nil))
	for name, tc := range tests {
		t.Run(name+"/di", func(t *testing.T) {
			m := decode(t, signed)
			tc.edit(m)
			r := v.Verify(context.Background(), encode(t, m))
			if r.Result != verifier.NotVerified {
				t.Fatalf("result %s, want not_verified\n%s", r.Result, dump(r))
			}
			if st, _ := checkStatus(r, tc.wantCheck); st != verifier.Failed {
				t.Fatalf("check %s is %q, want failed\n%s", tc.wantCheck, st, dump(r))
			}
		})
		if !tc.jwtToo {
			continue
		}
		t.Run(name+"/jwt", func(t *testing.T) {
			tok := string(k.signJWT(t, k.unsigned(t, nil), jose.FormVCJOSE))
			parts := strings.Split(tok, ".")
			m := decode(t, mustB64(t, parts[1]))
			tc.edit(m)
			parts[1] = b64(encode(t, m))
			r := v.Verify(context.Background(), []byte(strings.Join(parts, ".")))
			if r.Result != verifier.NotVerified {
				t.Fatalf("result %s, want not_verified\n%s", r.Result, dump(r))
			}
			if st, code := checkStatus(r, verifier.CheckProof); st != verifier.Failed || code != "proof.bad_signature" {
				t.Fatalf("proof check %s/%s, want failed/proof.bad_signature\n%s", st, code, dump(r))
			}
		})
	}
}

// TestMalformed feeds inputs that are not credentials at all: each must be
// not_verified with a failed format check, and never panic.
func TestMalformed(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	tok := string(k.signJWT(t, k.unsigned(t, nil), jose.FormVCJOSE))
	parts := strings.Split(tok, ".")
	tests := map[string]struct {
		input string
		code  string
	}{
		"error/empty":                {"", "format.empty"},
		"error/whitespace":           {" \n\t", "format.empty"},
		"error/truncated JSON":       {`{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": [`, "format.bad_json"},
		"error/JSON with trailing":   {`{"type":"VerifiableCredential"} {}`, "format.bad_json"},
		"error/JSON array":           {`[{"type":"VerifiableCredential"}]`, "format.not_object"},
		"error/not a credential":     {`{"hello":"world"}`, "format.not_credential"},
		"error/deep nesting":         {strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200), "format.bad_json"},
		"error/plain text":           {"kia ora", "format.unrecognised"},
		"error/jwt bad base64":       {parts[0] + ".!!!!." + parts[2], "format.bad_jwt"},
		"error/jwt payload not json": {parts[0] + "." + b64([]byte("not json")) + "." + parts[2], "format.bad_jwt"},
		"error/jwt header not json":  {b64([]byte("{")) + "." + parts[1] + "." + parts[2], "format.bad_jwt"},
		"error/jwt empty signature":  {parts[0] + "." + parts[1] + ".", "format.bad_jwt"},
		"error/jwt two parts":        {parts[0] + "." + parts[1], "format.unrecognised"},
		"error/enveloped not data":   {`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"EnvelopedVerifiableCredential","id":"https://example.com/x"}`, "format.bad_envelope"},
		"error/binary":               {"\x89PNG\r\n\x1a\n\x00\x00", "format.unrecognised"},
	}
	v := newVerifier(nil, verifier.WithMaxSize(4096))
	tests["error/too large"] = struct {
		input string
		code  string
	}{`{"x":"` + strings.Repeat("a", 5000) + `"}`, "format.too_large"}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := v.Verify(context.Background(), []byte(tc.input))
			if r.Result != verifier.NotVerified {
				t.Fatalf("result %s, want not_verified\n%s", r.Result, dump(r))
			}
			if st, code := checkStatus(r, verifier.CheckFormat); st != verifier.Failed || code != tc.code {
				t.Fatalf("format check %s/%s, want failed/%s\n%s", st, code, tc.code, dump(r))
			}
		})
	}
}

// TestJWTSignatureMalformed covers a JWT whose parts decode but whose
// signature is garbage: the format is fine, the proof fails.
func TestJWTSignatureMalformed(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	tok := string(k.signJWT(t, k.unsigned(t, nil), jose.FormVCJOSE))
	parts := strings.Split(tok, ".")
	for name, sig := range map[string]string{"error/short signature": "AAAA", "error/flipped signature": flipB64(parts[2])} {
		t.Run(name, func(t *testing.T) {
			r := newVerifier(nil).Verify(context.Background(), []byte(parts[0]+"."+parts[1]+"."+sig))
			if r.Result != verifier.NotVerified {
				t.Fatalf("result %s\n%s", r.Result, dump(r))
			}
			if st, _ := checkStatus(r, verifier.CheckProof); st != verifier.Failed {
				t.Fatalf("proof check %q, want failed\n%s", st, dump(r))
			}
		})
	}
}

// TestJWTAlgorithmsRefused: alg none and HMAC (the key-confusion attack:
// HS256 keyed with the issuer's public key) are never verified, whatever
// the token carries; the proof check names the algorithm.
func TestJWTAlgorithmsRefused(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	payload := strings.Split(string(k.signJWT(t, k.unsigned(t, nil), jose.FormVCJOSE)), ".")[1]
	hmacJWT := func(alg string, h func() hash.Hash) string {
		in := b64([]byte(`{"alg":"`+alg+`","typ":"vc+jwt","kid":"`+k.kf.VerificationMethod+`"}`)) + "." + payload
		m := hmac.New(h, []byte(k.kf.PublicKeyMultibase))
		m.Write([]byte(in))
		return in + "." + b64(m.Sum(nil))
	}
	for name, tc := range map[string]struct{ tok, alg string }{
		"error/alg none with a signature": {b64([]byte(`{"alg":"none","typ":"vc+jwt"}`)) + "." + payload + ".AAAA", "none"},
		"error/HS256 with the public key": {hmacJWT("HS256", sha256.New), "HS256"},
		"error/HS512 with the public key": {hmacJWT("HS512", sha512.New), "HS512"},
	} {
		t.Run(name, func(t *testing.T) {
			r := newVerifier(nil).Verify(context.Background(), []byte(tc.tok))
			c, _ := r.Check(verifier.CheckProof)
			if r.Result != verifier.NotVerified || c.Status != verifier.Failed || c.Code != "proof.unsupported" {
				t.Fatalf("result %s, proof %+v\n%s", r.Result, c, dump(r))
			}
			if !strings.Contains(c.Message, `"`+tc.alg+`"`) {
				t.Errorf("proof message %q does not name %s", c.Message, tc.alg)
			}
		})
	}
}

// TestKeyUnavailable: a did:web key that cannot be fetched is "could not
// check", never "not verified" or "verified".
func TestKeyUnavailable(t *testing.T) {
	n := newLoopNet(t)
	priv, err := keys.Generate(keys.KindEd25519)
	if err != nil {
		t.Fatal(err)
	}
	kf, err := keys.NewKeyFile(priv, "https://issuer.example/issuers/polytech")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := kf.Signer()
	k := &issuerKey{kf: kf, signer: s}
	signed := k.signDI(t, k.unsigned(t, nil))
	didURL, err := keys.DIDWebURL(kf.DID)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := kf.DIDDocument()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("error/unreachable", func(t *testing.T) {
		r := newVerifier(n).Verify(context.Background(), signed)
		if r.Result != verifier.CouldNotCheck {
			t.Fatalf("result %s, want could_not_check\n%s", r.Result, dump(r))
		}
		if st, code := checkStatus(r, verifier.CheckProof); st != verifier.CouldNotRun || code != "proof.key_unavailable" {
			t.Fatalf("proof %s/%s\n%s", st, code, dump(r))
		}
	})
	t.Run("error/offline", func(t *testing.T) {
		r := newVerifier(nil).Verify(context.Background(), signed)
		if r.Result != verifier.CouldNotCheck {
			t.Fatalf("result %s, want could_not_check\n%s", r.Result, dump(r))
		}
	})
	t.Run("ok/published", func(t *testing.T) {
		n.put(didURL, encode(t, doc))
		r := newVerifier(n).Verify(context.Background(), signed)
		if r.Result != verifier.Verified {
			t.Fatalf("result %s, want verified\n%s", r.Result, dump(r))
		}
	})
}

// TestNeverPanics: a nil and a huge input are reports, not panics.
func TestNeverPanics(t *testing.T) {
	v := verifier.New()
	for _, in := range [][]byte{nil, []byte("{"), []byte(`"`), []byte(`"a.b.c"`)} {
		if r := v.Verify(context.Background(), in); r == nil || r.Result != verifier.NotVerified {
			t.Fatalf("Verify(%q) = %+v", in, r)
		}
	}
}

// TestProofSet: one valid proof from the issuer is enough; each proof is
// reported.
func TestProofSet(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	other := newIssuerKey(t, keys.KindEd25519)
	once := k.signDI(t, k.unsigned(t, nil))
	twice, err := dataintegrity.Sign(context.Background(), once, other.signer, dataintegrity.SignOptions{
		VerificationMethod: other.kf.VerificationMethod, Created: testNow.Add(-time.Minute).Truncate(time.Second), ProofPurpose: "assertionMethod",
	})
	if err != nil {
		t.Fatal(err)
	}
	r := newVerifier(nil).Verify(context.Background(), twice)
	if r.Result != verifier.Verified {
		t.Fatalf("result %s\n%s", r.Result, dump(r))
	}
	if len(r.Proofs) != 2 || !r.Proofs[0].Verified || !r.Proofs[1].Verified {
		t.Fatalf("proofs %+v, want two verified", r.Proofs)
	}
	if r.Proofs[0].Controller != k.kf.DID {
		t.Errorf("first proof controller %s, want %s", r.Proofs[0].Controller, k.kf.DID)
	}
}

// TestDuplicateMembers: JSON that names a member twice in one object is
// refused before anything is checked: readers differ on which value counts
// (encoding/json and JSON.parse keep the last, others the first), so what a
// person is shown could differ from what the proof was checked over. The
// message names the member and where it is.
func TestDuplicateMembers(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	signed := string(k.signDI(t, k.unsigned(t, nil)))
	jwt := strings.Split(string(k.signJWT(t, k.unsigned(t, nil), jose.FormVCJOSE)), ".")
	payload := string(mustB64(t, jwt[1]))
	tests := map[string]struct {
		old, new string // replaced once in signed
		input    string // instead of old/new
		code     string // format check code; "format.ok" = read fine
		names    string
	}{
		"error/top-level member twice": {
			old: `"description": "Awarded`, new: `"description": "Forged", "description": "Awarded`,
			code: "format.bad_json", names: `"description" appears twice in one object (at /description)`,
		},
		"error/nested, spelt with an escape": {
			old: `"creditsEarned": 15`, new: `"creditsEarned": 40, "credits\u0045arned": 15`,
			code: "format.bad_json", names: "(at /credentialSubject/creditsEarned)",
		},
		"error/inside an array element": {
			old: `"targetCode": "4"`, new: `"targetCode": "7", "targetCode": "4"`,
			code: "format.bad_json", names: "(at /credentialSubject/achievement/alignment/0/targetCode)",
		},
		"error/in a JWT payload": {
			input: jwt[0] + "." + b64([]byte(strings.Replace(payload, `"name":`, `"name": "Forged", "name":`, 1))) + "." + jwt[2],
			code:  "format.bad_jwt", names: `"name" appears twice`,
		},
		"ok/duplicate only inside a string": {
			old: `"narrative": "`, new: `"narrative": "\"name\": 1, \"name\": 2 `,
			code: "format.ok",
		},
		"ok/same name in different objects": {code: "format.ok"},
	}
	v := newVerifier(nil)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := tc.input
			if in == "" {
				in = strings.Replace(signed, tc.old, tc.new, 1)
				if tc.old != "" && in == signed {
					t.Fatal("mutation did not apply")
				}
			}
			r := v.Verify(context.Background(), []byte(in))
			c, _ := r.Check(verifier.CheckFormat)
			if c.Code != tc.code || !strings.Contains(c.Message, tc.names) {
				t.Fatalf("format %+v; want %s naming %s\n%s", c, tc.code, tc.names, dump(r))
			}
			if tc.code != "format.ok" && r.Result != verifier.NotVerified {
				t.Fatalf("result %s", r.Result)
			}
		})
	}
}

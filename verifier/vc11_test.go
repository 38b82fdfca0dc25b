package verifier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// vc11 is a VC 1.1 credential (VCDM 1.1 §4: issuanceDate, expirationDate)
// issued by k. A Data Integrity proof needs the data-integrity context,
// which credentials/v1 does not include.
func (k *issuerKey) vc11(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"@context":          []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/data-integrity/v2"},
		"id":                "urn:uuid:3c1d9f0e-7b2a-4e55-8d61-0a9b8c7d6e5f",
		"type":              []any{"VerifiableCredential"},
		"issuer":            k.kf.DID,
		"issuanceDate":      "2025-03-01T00:00:00Z",
		"expirationDate":    "2035-03-01T00:00:00Z",
		"credentialSubject": map[string]any{"id": "did:example:learner-5521"},
	}
	if edit != nil {
		edit(m)
	}
	return encode(t, m)
}

// vc11JWT secures a VC 1.1 credential as a JWT with the credential in the
// vc claim and iss/jti/sub/nbf/exp beside it (VCDM 1.1 §6.3.1).
func (k *issuerKey) vc11JWT(t *testing.T, doc []byte) []byte {
	t.Helper()
	vc := decode(t, doc)
	payload := map[string]any{"iss": vc["issuer"], "jti": vc["id"], "sub": "did:example:learner-5521",
		"nbf": time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).Unix(), "exp": time.Date(2035, 3, 1, 0, 0, 0, 0, time.UTC).Unix()}
	for _, c := range []string{"issuer", "id", "issuanceDate", "expirationDate"} {
		delete(vc, c)
	}
	delete(vc["credentialSubject"].(map[string]any), "id")
	payload["vc"] = vc
	return k.rawJWT(t, "JWT", encode(t, payload))
}

// vp11 is a VC 1.1 presentation held by holder.
func vp11(t *testing.T, holder string, creds ...any) []byte {
	return encode(t, map[string]any{
		"@context":             []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/data-integrity/v2"},
		"type":                 []any{"VerifiablePresentation"},
		"holder":               holder,
		"verifiableCredential": creds,
	})
}

// TestVC11: older credentials and presentations (VC Data Model 1.1) verify
// with their own date names, and a presentation's challenge and domain are
// enforced as in VC 2.0.
func TestVC11(t *testing.T) {
	iss := newIssuerKey(t, keys.KindEd25519)
	holder := newIssuerKey(t, keys.KindEd25519)
	other := newIssuerKey(t, keys.KindEd25519)
	signedVC := func(t *testing.T) any { return decode(t, iss.signDI(t, iss.vc11(t, nil))) }
	set := func(k, v string) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
	tests := map[string]struct {
		input             func(t *testing.T) []byte
		challenge, domain string
		want              verifier.Result
		format            string
		check, status     string
	}{
		"ok/credential with Data Integrity proof": {
			input: func(t *testing.T) []byte { return iss.signDI(t, iss.vc11(t, nil)) },
			want:  verifier.Verified, format: "vc1.1+ld", check: verifier.CheckIssuerKey, status: verifier.Passed,
		},
		"ok/credential as a JWT (vc claim)": {
			input: func(t *testing.T) []byte { return iss.vc11JWT(t, iss.vc11(t, nil)) },
			want:  verifier.Verified, format: jose.FormVCJWT11, check: verifier.CheckProof, status: verifier.Passed,
		},
		"error/expirationDate passed": {
			input: func(t *testing.T) []byte {
				return iss.signDI(t, iss.vc11(t, set("expirationDate", "2026-01-01T00:00:00Z")))
			},
			want: verifier.Expired, format: "vc1.1+ld", check: verifier.CheckValidUntil, status: verifier.Failed,
		},
		"error/issuanceDate in the future": {
			input: func(t *testing.T) []byte {
				return iss.signDI(t, iss.vc11(t, set("issuanceDate", "2027-01-01T00:00:00Z")))
			},
			want: verifier.NotYetValid, format: "vc1.1+ld", check: verifier.CheckValidFrom, status: verifier.Failed,
		},
		"error/credential tampered": {
			input: func(t *testing.T) []byte {
				m := decode(t, iss.signDI(t, iss.vc11(t, nil)))
				m["credentialSubject"].(map[string]any)["id"] = "did:example:someone-else"
				return encode(t, m)
			},
			want: verifier.NotVerified, format: "vc1.1+ld", check: verifier.CheckProof, status: verifier.Failed,
		},
		"error/credential signed by another key": {
			input: func(t *testing.T) []byte { return other.signDI(t, iss.vc11(t, nil)) },
			want:  verifier.NotVerified, format: "vc1.1+ld", check: verifier.CheckIssuerKey, status: verifier.Failed,
		},
		"ok/presentation with challenge and domain": {
			input: func(t *testing.T) []byte {
				return holder.signVP(t, vp11(t, holder.kf.DID, signedVC(t)), "nonce-11", "verifier.example")
			},
			challenge: "nonce-11", domain: "verifier.example",
			want: verifier.Verified, format: "vp+ld", check: verifier.CheckChallenge, status: verifier.Passed,
		},
		"error/presentation for another challenge": {
			input: func(t *testing.T) []byte {
				return holder.signVP(t, vp11(t, holder.kf.DID, signedVC(t)), "nonce-10", "verifier.example")
			},
			challenge: "nonce-11", domain: "verifier.example",
			want: verifier.NotVerified, format: "vp+ld", check: verifier.CheckChallenge, status: verifier.Failed,
		},
		"error/presentation for another domain": {
			input: func(t *testing.T) []byte {
				return holder.signVP(t, vp11(t, holder.kf.DID, signedVC(t)), "nonce-11", "elsewhere.example")
			},
			challenge: "nonce-11", domain: "verifier.example",
			want: verifier.NotVerified, format: "vp+ld", check: verifier.CheckChallenge, status: verifier.Failed,
		},
		"error/presentation signed by someone other than the holder": {
			input: func(t *testing.T) []byte {
				return other.signVP(t, vp11(t, holder.kf.DID, signedVC(t)), "nonce-11", "verifier.example")
			},
			challenge: "nonce-11", domain: "verifier.example",
			want: verifier.NotVerified, format: "vp+ld", check: verifier.CheckPresentationProof, status: verifier.Failed,
		},
		"error/presentation's credential tampered": {
			input: func(t *testing.T) []byte {
				vc := signedVC(t).(map[string]any)
				vc["expirationDate"] = "2045-03-01T00:00:00Z"
				return holder.signVP(t, vp11(t, holder.kf.DID, vc), "nonce-11", "verifier.example")
			},
			challenge: "nonce-11", domain: "verifier.example",
			want: verifier.NotVerified, format: "vp+ld", check: verifier.CheckPresentationProof, status: verifier.Passed,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := newVerifier(nil, verifier.WithChallenge(tc.challenge), verifier.WithDomain(tc.domain))
			r := v.Verify(context.Background(), tc.input(t))
			if r.Result != tc.want {
				t.Fatalf("result %s, want %s\n%s", r.Result, tc.want, dump(r))
			}
			if r.Format != tc.format {
				t.Errorf("format %q, want %q", r.Format, tc.format)
			}
			if st, _ := checkStatus(r, tc.check); st != tc.status {
				t.Fatalf("check %s is %q, want %q\n%s", tc.check, st, tc.status, dump(r))
			}
		})
	}
}

// TestPresentationDomain: the domain a verifier asks for must be the one
// the holder signed, in a Data Integrity proof (domain) and in a vp+jwt
// (aud); the challenge alone is not enough.
func TestPresentationDomain(t *testing.T) {
	iss := newIssuerKey(t, keys.KindEd25519)
	holder := newIssuerKey(t, keys.KindEd25519)
	vc := func(t *testing.T) any { return decode(t, iss.signDI(t, iss.unsigned(t, nil))) }
	vpJWTAud := func(t *testing.T, aud string) []byte {
		m := decode(t, presentation(t, holder.kf.DID, map[string]any{
			"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "type": "EnvelopedVerifiableCredential",
			"id": "data:application/vc+jwt," + string(iss.signJWT(t, iss.unsigned(t, nil), jose.FormVCJOSE)),
		}))
		m["nonce"], m["aud"] = "n-1", aud
		return holder.rawJWT(t, "vp+jwt", encode(t, m))
	}
	tests := map[string]struct {
		input  func(t *testing.T) []byte
		want   verifier.Result
		status string
	}{
		"ok/data integrity, same domain": {
			input: func(t *testing.T) []byte {
				return holder.signVP(t, presentation(t, holder.kf.DID, vc(t)), "n-1", "verifier.example")
			},
			want: verifier.Verified, status: verifier.Passed,
		},
		"error/data integrity, other domain": {
			input: func(t *testing.T) []byte {
				return holder.signVP(t, presentation(t, holder.kf.DID, vc(t)), "n-1", "evil.example")
			},
			want: verifier.NotVerified, status: verifier.Failed,
		},
		"error/data integrity, no domain": {
			input: func(t *testing.T) []byte {
				return holder.signVP(t, presentation(t, holder.kf.DID, vc(t)), "n-1", "")
			},
			want: verifier.NotVerified, status: verifier.Failed,
		},
		"ok/vp+jwt, aud is the domain": {
			input: func(t *testing.T) []byte { return vpJWTAud(t, "verifier.example") },
			want:  verifier.Verified, status: verifier.Passed,
		},
		"error/vp+jwt, aud is another domain": {
			input: func(t *testing.T) []byte { return vpJWTAud(t, "evil.example") },
			want:  verifier.NotVerified, status: verifier.Failed,
		},
	}
	v := newVerifier(nil, verifier.WithChallenge("n-1"), verifier.WithDomain("verifier.example"))
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := v.Verify(context.Background(), tc.input(t))
			if r.Result != tc.want {
				t.Fatalf("result %s, want %s\n%s", r.Result, tc.want, dump(r))
			}
			if st, _ := checkStatus(r, verifier.CheckChallenge); st != tc.status {
				t.Fatalf("challenge check %q, want %q\n%s", st, tc.status, dump(r))
			}
		})
	}
}

// TestProofChain: a second proof chained to the issuer's (previousProof,
// VC Data Integrity 1.0 §4.2) verifies with it; replacing the issuer's
// proof value breaks both, since the chained proof covers it.
func TestProofChain(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	witness := newIssuerKey(t, keys.KindEd25519)
	created := testNow.Add(-time.Minute).Truncate(time.Second)
	first, err := dataintegrity.Sign(context.Background(), k.unsigned(t, nil), k.signer, dataintegrity.SignOptions{
		VerificationMethod: k.kf.VerificationMethod, Created: created, ID: "urn:uuid:issuer-proof",
	})
	if err != nil {
		t.Fatal(err)
	}
	chained, err := dataintegrity.Sign(context.Background(), first, witness.signer, dataintegrity.SignOptions{
		VerificationMethod: witness.kf.VerificationMethod, Created: created, PreviousProof: "urn:uuid:issuer-proof",
	})
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(nil)

	r := v.Verify(context.Background(), chained)
	if r.Result != verifier.Verified || len(r.Proofs) != 2 || !r.Proofs[0].Verified || !r.Proofs[1].Verified {
		t.Fatalf("chain: result %s, proofs %+v\n%s", r.Result, r.Proofs, dump(r))
	}
	if r.Proofs[0].Controller != k.kf.DID || r.Proofs[1].Controller != witness.kf.DID {
		t.Fatalf("controllers %q, %q", r.Proofs[0].Controller, r.Proofs[1].Controller)
	}

	// The issuer's proofValue replaced by a well-formed signature over
	// something else: the issuer's proof fails, and so does the chained
	// one, which covers it; nothing from the issuer verifies.
	m := decode(t, chained)
	p0 := m["proof"].([]any)[0].(map[string]any)
	p0["proofValue"] = flipBase58(p0["proofValue"].(string))
	r = v.Verify(context.Background(), encode(t, m))
	if r.Result != verifier.NotVerified || r.Proofs[0].Verified || r.Proofs[1].Verified {
		t.Fatalf("broken chain: result %s, proofs %+v\n%s", r.Result, r.Proofs, dump(r))
	}
	if st, code := checkStatus(r, verifier.CheckProof); st != verifier.Failed || code != "proof.bad_signature" {
		t.Fatalf("proof check %s/%s\n%s", st, code, dump(r))
	}

	// The witness's proof removed from a chain leaves the issuer's intact.
	m = decode(t, chained)
	m["proof"] = m["proof"].([]any)[:1]
	if r = v.Verify(context.Background(), encode(t, m)); r.Result != verifier.Verified {
		t.Fatalf("issuer proof alone: %s\n%s", r.Result, dump(r))
	}

	// The W3C chain vector: every signature holds, but its did:key signers
	// are not the issuer https://vc.example/issuers/5678.
	r = v.Verify(context.Background(), readFile(t, "w3c/signedProofChain2.json"))
	if st, _ := checkStatus(r, verifier.CheckProof); st != verifier.Passed {
		t.Fatalf("W3C chain proof %s\n%s", st, dump(r))
	}
	for i, p := range r.Proofs {
		if !p.Verified {
			t.Errorf("W3C chain proof %d not verified: %+v", i, p)
		}
	}
	if st, _ := checkStatus(r, verifier.CheckIssuerKey); st != verifier.Failed || r.Result != verifier.NotVerified {
		t.Fatalf("W3C chain issuer_key %s, result %s", st, r.Result)
	}
}

// TestVerifyDIDWebJWT: issuers with a did:web key (the only form for RSA)
// verify in both JWT forms with every algorithm tohu signs with, RS256
// included (OB 3.0 certification requires it); the key comes from the
// issuer's published DID document.
func TestVerifyDIDWebJWT(t *testing.T) {
	n := newLoopNet(t)
	for _, kind := range []string{keys.KindRSA, keys.KindP256, keys.KindP384, keys.KindEd25519} {
		priv, err := keys.Generate(kind)
		if err != nil {
			t.Fatal(err)
		}
		kf, err := keys.NewKeyFile(priv, "https://issuer.example/issuers/"+kind)
		if err != nil {
			t.Fatal(err)
		}
		s, err := kf.Signer()
		if err != nil {
			t.Fatal(err)
		}
		doc, err := kf.DIDDocument()
		if err != nil {
			t.Fatal(err)
		}
		u, err := keys.DIDWebURL(kf.DID)
		if err != nil {
			t.Fatal(err)
		}
		n.put(u, encode(t, doc))
		k := &issuerKey{kf: kf, signer: s}
		for _, form := range []string{jose.FormOBJWT, jose.FormVCJOSE} {
			t.Run("ok/"+kind+" "+form, func(t *testing.T) {
				r := newVerifier(n).Verify(context.Background(), k.signJWT(t, k.unsigned(t, nil), form))
				if r.Result != verifier.Verified || r.Format != form {
					t.Fatalf("result %s, format %s\n%s", r.Result, r.Format, dump(r))
				}
				c, _ := r.Check(verifier.CheckProof)
				if want := "(" + s.Algorithm() + ")"; !strings.Contains(c.Message, want) {
					t.Errorf("proof message %q does not name %s", c.Message, want)
				}
			})
		}
	}
}

package verifier_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// endorsementDoc is an unsigned EndorsementCredential by endorser about
// subjectID (OB30 Appendix "EndorsementCredential").
func endorsementDoc(t testing.TB, endorser *issuerKey, subjectID string, n int) []byte {
	t.Helper()
	return encode(t, map[string]any{
		"@context":  []any{"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"},
		"id":        fmt.Sprintf("urn:uuid:5b0f6c2e-8d1a-4a57-b0c4-%012d", n),
		"type":      []any{"VerifiableCredential", "EndorsementCredential"},
		"name":      "Tautoko — Aotearoa Skills Council endorsement",
		"issuer":    map[string]any{"id": endorser.kf.DID, "type": []any{"Profile"}, "name": "Aotearoa Skills Council"},
		"validFrom": "2026-01-01T00:00:00Z",
		"credentialSubject": map[string]any{
			"id":                 subjectID,
			"type":               []any{"EndorsementSubject"},
			"endorsementComment": "Ka pai: this micro-credential meets the council's standard.",
		},
	})
}

// tamper changes a signed JSON credential after signing.
func tamper(t testing.TB, signed []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	m := decode(t, signed)
	edit(m)
	return encode(t, m)
}

// placed puts endorsements (JSON objects or JWT strings) on a holder of the
// test credential: "credential", "issuer", "achievement" or "creator".
func placed(where, member string, items ...any) func(m map[string]any) {
	return func(m map[string]any) {
		var holder map[string]any
		switch where {
		case "credential":
			holder = m
		case "issuer":
			holder = m["issuer"].(map[string]any)
		case "achievement":
			holder = m["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
		case "creator":
			a := m["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
			c, _ := a["creator"].(map[string]any)
			if c == nil {
				c = map[string]any{"id": "https://provider.example.nz/profile", "type": []any{"Profile"}, "name": "Kura Pūkenga"}
				a["creator"] = c
			}
			holder = c
		}
		holder[member] = append(asAnyList(holder[member]), items...)
	}
}

func asAnyList(v any) []any {
	l, _ := v.([]any)
	return l
}

func both(edits ...func(m map[string]any)) func(m map[string]any) {
	return func(m map[string]any) {
		for _, e := range edits {
			e(m)
		}
	}
}

// TestEndorsements: OB30 Verification step 6 with freshly signed
// endorsements from another did:key.
func TestEndorsements(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	e := newIssuerKey(t, keys.KindEd25519)
	p := newIssuerKey(t, keys.KindP256)
	subj := "urn:uuid:0b7c52a4-6f0e-4d8e-9c3a-2e51d7a9c6f3"
	endDI := decode(t, e.signDI(t, endorsementDoc(t, e, subj, 1)))
	endDI2 := decode(t, e.signDI(t, endorsementDoc(t, e, k.kf.DID, 2)))
	endJWT := string(p.signJWT(t, endorsementDoc(t, p, subj, 3), jose.FormVCJOSE))
	tampered := decode(t, tamper(t, e.signDI(t, endorsementDoc(t, e, subj, 4)), func(m map[string]any) {
		m["credentialSubject"].(map[string]any)["endorsementComment"] = "Not up to standard."
	}))
	// A badge, validly signed, passed off as an endorsement.
	notEndorsement := decode(t, e.signDI(t, e.unsigned(t, nil)))
	flippedJWT := func() string {
		parts := strings.Split(string(p.signJWT(t, endorsementDoc(t, p, subj, 5), jose.FormVCJOSE)), ".")
		parts[2] = flipB64(parts[2])
		return strings.Join(parts, ".")
	}()
	// An endorsement whose issuer profile carries an endorsement of its own.
	nested := decode(t, e.signDI(t, func() []byte {
		m := decode(t, endorsementDoc(t, e, subj, 6))
		m["issuer"].(map[string]any)["endorsement"] = []any{decode(t, k.signDI(t, endorsementDoc(t, k, e.kf.DID, 7)))}
		return encode(t, m)
	}()))

	tests := map[string]struct {
		edit      func(m map[string]any)
		forge     bool // change the main credential after signing
		jwt       bool // sign the main credential as a JWT
		want      verifier.Result
		status    string
		code      string
		subs      int
		msg       string          // in the endorsements check message
		summary   string          // in the summary
		subResult verifier.Result // of the first failing sub-report, if any
		subCheck  [2]string       // id, code of a check in the first sub-report
		more      func(*verifier.Report) string
	}{
		"ok/DI endorsement by another did:key on the credential": {
			edit: placed("credential", "endorsement", endDI),
			want: verifier.Verified, status: verifier.Passed, code: "endorsements.ok", subs: 1, msg: "1 endorsement verified.",
			subCheck: [2]string{verifier.CheckEndorsementType, "endorsement_type.ok"},
		},
		"ok/endorsement JWT (ES256) on the achievement": {
			edit: placed("achievement", "endorsementJwt", endJWT),
			want: verifier.Verified, status: verifier.Passed, code: "endorsements.ok", subs: 1,
			subCheck: [2]string{verifier.CheckProof, "proof.ok"},
		},
		"ok/issuer and achievement creator, in a JWT credential": {
			edit: both(placed("issuer", "endorsement", endDI2), placed("creator", "endorsementJwt", endJWT)),
			jwt:  true,
			want: verifier.Verified, status: verifier.Passed, code: "endorsements.ok", subs: 2, msg: "2 endorsements verified.",
		},
		"ok/endorsement of an endorsement": {
			edit: placed("credential", "endorsement", nested),
			want: verifier.Verified, status: verifier.Passed, code: "endorsements.ok", subs: 1,
			more: func(r *verifier.Report) string {
				if st, code := checkStatus(&r.Endorsements[0], verifier.CheckEndorsements); st != verifier.Passed || len(r.Endorsements[0].Endorsements) != 1 {
					return "nested endorsement not verified: " + st + " " + code
				}
				return ""
			},
		},
		"error/tampered endorsement: credential still verified, check failed": {
			edit: placed("issuer", "endorsement", endDI, tampered),
			want: verifier.Verified, status: verifier.Failed, code: "endorsements.failed", subs: 2,
			msg: "1 of the credential's 2 endorsements did not verify: endorsement 2 (of the issuer, by Aotearoa Skills Council", summary: "did not verify",
			subResult: verifier.NotVerified,
		},
		"error/flipped endorsement JWT": {
			edit: placed("achievement", "endorsementJwt", flippedJWT),
			want: verifier.Verified, status: verifier.Failed, code: "endorsements.failed", subs: 1,
			subResult: verifier.NotVerified, subCheck: [2]string{verifier.CheckProof, "proof.bad_signature"},
		},
		"error/a badge is not an endorsement": {
			edit: placed("credential", "endorsement", notEndorsement),
			want: verifier.Verified, status: verifier.Failed, code: "endorsements.failed", subs: 1, msg: "not an endorsement",
			subResult: verifier.NotVerified, subCheck: [2]string{verifier.CheckEndorsementType, "endorsement_type.wrong"},
		},
		"error/endorsementJwt entry that is no JWT": {
			edit: placed("credential", "endorsementJwt", "not-a-jwt"),
			want: verifier.Verified, status: verifier.Failed, code: "endorsements.failed", subs: 1, msg: "not a compact JWS",
			subResult: verifier.NotVerified,
		},
		"error/forged credential: endorsements not checked": {
			edit:  placed("credential", "endorsement", endDI),
			forge: true,
			want:  verifier.NotVerified, status: verifier.Skipped, code: "endorsements.not_run", subs: 0,
		},
		"error/too many endorsements": {
			edit: func(m map[string]any) {
				var l []any
				for range 17 {
					l = append(l, endDI)
				}
				m["endorsement"] = l
			},
			want: verifier.Verified, status: verifier.CouldNotRun, code: "endorsements.too_many", subs: 16, msg: "1 more was not checked",
		},
	}
	v := newVerifier(nil)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			doc := k.unsigned(t, tc.edit)
			var in []byte
			if tc.jwt {
				in = k.signJWT(t, doc, jose.FormOBJWT)
			} else {
				in = k.signDI(t, doc)
			}
			if tc.forge {
				in = tamper(t, in, func(m map[string]any) { m["name"] = "Forged" })
			}
			r := v.Verify(context.Background(), in)
			if r.Result != tc.want {
				t.Fatalf("result %s, want %s\n%s", r.Result, tc.want, dump(r))
			}
			c, _ := r.Check(verifier.CheckEndorsements)
			if c.Status != tc.status || c.Code != tc.code {
				t.Fatalf("endorsements %s/%s, want %s/%s\n%s", c.Status, c.Code, tc.status, tc.code, dump(r))
			}
			if len(r.Endorsements) != tc.subs {
				t.Fatalf("%d endorsement reports, want %d", len(r.Endorsements), tc.subs)
			}
			if !strings.Contains(c.Message, tc.msg) {
				t.Errorf("message %q does not contain %q", c.Message, tc.msg)
			}
			if !strings.Contains(r.Summary, tc.summary) {
				t.Errorf("summary %q does not contain %q", r.Summary, tc.summary)
			}
			if tc.status == verifier.Failed && !strings.Contains(r.Summary, c.Message) {
				t.Errorf("summary %q does not repeat the failed endorsements check", r.Summary)
			}
			if tc.subResult != "" {
				found := false
				for _, s := range r.Endorsements {
					if s.Result == tc.subResult {
						found = true
					}
				}
				if !found {
					t.Errorf("no endorsement report with result %s", tc.subResult)
				}
			}
			if id := tc.subCheck[0]; id != "" {
				last := &r.Endorsements[len(r.Endorsements)-1]
				if _, code := checkStatus(last, id); code != tc.subCheck[1] {
					t.Errorf("endorsement check %s code %q, want %q\n%s", id, code, tc.subCheck[1], dump(last))
				}
			}
			if tc.more != nil {
				if msg := tc.more(r); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

// TestEndorsementFixtures: the 1EdTech validator's endorsement fixtures,
// verified on their own (as the validator's EndorsementInspector does) and
// embedded in a freshly signed credential. The State Department's key is the
// Multikey its verification method id carries, served as its controller
// document. endorsement-valid.json verifies; endorsement-err-schema-status-
// refresh.json (invalid for the validator too) does not: its
// Ed25519Signature2020 proof does not match the document under the key its
// verification method names (proof.bad_signature), and its
// refresh URL is not followed. Embedded, a broken endorsement makes the
// endorsements check fail while the credential that carries it verifies.
func TestEndorsementFixtures(t *testing.T) {
	n := fixtureNet(t)
	const stateGov = "https://state.gov/issuers/565049"
	// Both Multikeys the two fixtures name, in one controller document.
	var doc map[string]any
	for _, mb := range []string{"z6MkoMGF38Ck9xkdqrbZt4h9eHb1qc3GhAAkoSWa4Vy3SHRN", "z6MkmQ49FhpMN7V11B7Qzc6WC6Q3ymVW4xmHUsHBR2MWMMo1"} {
		pub, err := keys.PublicFromMultikey(mb)
		if err != nil {
			t.Fatal(err)
		}
		d := decode(t, controllerDoc(t, stateGov, pub))
		if doc == nil {
			doc = d
			continue
		}
		for _, k := range []string{"verificationMethod", "assertionMethod", "authentication"} {
			doc[k] = append(doc[k].([]any), d[k].([]any)...)
		}
	}
	n.put(stateGov, encode(t, doc))
	v := newVerifier(n)

	valid := readFile(t, "validator/endorsement-valid.json")
	bad := readFile(t, "validator/endorsement-err-schema-status-refresh.json")
	t.Run("ok/endorsement-valid alone", func(t *testing.T) {
		r := v.Verify(context.Background(), valid)
		if r.Result != verifier.Verified {
			t.Fatalf("result %s\n%s", r.Result, dump(r))
		}
	})
	t.Run("error/endorsement-err-schema-status-refresh alone", func(t *testing.T) {
		r := v.Verify(context.Background(), bad)
		if r.Result != verifier.NotVerified {
			t.Fatalf("result %s\n%s", r.Result, dump(r))
		}
		if st, code := checkStatus(r, verifier.CheckProof); st != verifier.Failed || code != "proof.bad_signature" {
			t.Fatalf("proof %s/%s\n%s", st, code, dump(r))
		}
		// Its refresh URL is not fetched for a credential that did not verify.
		if st, code := checkStatus(r, verifier.CheckRefresh); st != verifier.Skipped || code != "refresh.not_run" {
			t.Fatalf("refresh %s/%s\n%s", st, code, dump(r))
		}
	})

	k := newIssuerKey(t, keys.KindEd25519)
	t.Run("ok/endorsement-valid embedded on the issuer", func(t *testing.T) {
		r := v.Verify(context.Background(), k.signDI(t, k.unsigned(t, placed("issuer", "endorsement", decode(t, valid)))))
		if r.Result != verifier.Verified {
			t.Fatalf("result %s\n%s", r.Result, dump(r))
		}
		if st, code := checkStatus(r, verifier.CheckEndorsements); st != verifier.Passed {
			t.Fatalf("endorsements %s/%s\n%s", st, code, dump(r))
		}
	})
	// endorsement-err-schema-status-refresh.json is a VC 1.1 document: its
	// context redefines protected VC 2.0 terms, so it cannot be embedded in a
	// VC 2.0 credential at all (signing refuses). Its defect, a document that
	// no longer matches its signature, is reproduced on endorsement-valid.
	t.Run("error/altered endorsement-valid embedded beside the original", func(t *testing.T) {
		altered := decode(t, valid)
		altered["credentialSubject"].(map[string]any)["endorsementComment"] = "1EdTech University is not in good standing"
		r := v.Verify(context.Background(), k.signDI(t, k.unsigned(t, placed("issuer", "endorsement", decode(t, valid), altered))))
		if r.Result != verifier.Verified {
			t.Fatalf("result %s\n%s", r.Result, dump(r))
		}
		c, _ := r.Check(verifier.CheckEndorsements)
		if c.Status != verifier.Failed || c.Code != "endorsements.failed" || !strings.Contains(c.Message, "endorsement 2 (of the issuer, by State Department of Education (https://state.gov/issuers/565049)): the signature does not match") {
			t.Fatalf("endorsements %+v\n%s", c, dump(r))
		}
		if r.Endorsements[0].Result != verifier.Verified || r.Endorsements[1].Result != verifier.NotVerified {
			t.Fatalf("endorsement results %s, %s", r.Endorsements[0].Result, r.Endorsements[1].Result)
		}
	})
}

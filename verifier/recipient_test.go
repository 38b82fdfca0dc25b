package verifier_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// identified replaces the test credential's subject id with identifiers.
func identified(keepID bool, ids ...any) func(m map[string]any) {
	return func(m map[string]any) {
		s := m["credentialSubject"].(map[string]any)
		if !keepID {
			delete(s, "id")
		}
		s["identifier"] = ids
	}
}

func identityMap(t testing.TB, o credential.IdentityObject) map[string]any {
	t.Helper()
	return decode(t, encode(t, o))
}

// TestRecipient: OB30 Verification step 5 through WithRecipient.
func TestRecipient(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	const email = "Aroha.Ngata@example.ac.nz"
	hashed := identityMap(t, credential.NewEmailIdentity(email, credential.NewSalt()))
	// The spec's check vector (NOTES §2): a@example.com salted "Kosher".
	vector := map[string]any{"type": "IdentityObject", "hashed": true, "identityType": "emailAddress", "salt": "Kosher",
		"identityHash": "sha256$B5809D8A92F8858436D7E6B87C12EBC0AE1EAC4BAECC2C0B913AEE2C922EF399"}
	plainEmail := map[string]any{"type": "IdentityObject", "hashed": false, "identityType": "emailAddress", "identityHash": "aroha.ngata@example.ac.nz"}
	student := map[string]any{"type": "IdentityObject", "hashed": false, "identityType": "studentId", "identityHash": "20241234"}
	md5 := map[string]any{"type": "IdentityObject", "hashed": true, "identityType": "emailAddress", "salt": "x", "identityHash": "md5$00000000000000000000000000000000"}

	tests := map[string]struct {
		edit       func(m map[string]any)
		identifier string
		kind       string
		jwt        bool
		forge      bool
		want       verifier.Result
		status     string
		code       string
	}{
		"ok/hashed email, typed differently": {
			edit: identified(false, hashed), identifier: "  aroha.ngata@EXAMPLE.ac.nz ", kind: credential.IdentityTypeEmail,
			want: verifier.Verified, status: verifier.Passed, code: "recipient.ok",
		},
		"ok/spec vector, upper-case hex, in a JWT": {
			edit: identified(false, vector), identifier: "a@example.com", kind: credential.IdentityTypeEmail, jwt: true,
			want: verifier.Verified, status: verifier.Passed, code: "recipient.ok",
		},
		"ok/plain-text email": {
			edit: identified(false, student, plainEmail), identifier: email, kind: credential.IdentityTypeEmail,
			want: verifier.Verified, status: verifier.Passed, code: "recipient.ok",
		},
		"ok/subject id": {
			edit: nil, identifier: "did:example:learner-2f9c", kind: "",
			want: verifier.Verified, status: verifier.Passed, code: "recipient.ok",
		},
		"ok/any type when none is given": {
			edit: identified(false, student), identifier: "20241234", kind: "",
			want: verifier.Verified, status: verifier.Passed, code: "recipient.ok",
		},
		"error/another email": {
			edit: identified(false, hashed), identifier: "someone.else@example.ac.nz", kind: credential.IdentityTypeEmail,
			want: verifier.NotVerified, status: verifier.Failed, code: "recipient.mismatch",
		},
		"error/right value, wrong identity type": {
			edit: identified(false, student), identifier: "20241234", kind: credential.IdentityTypeEmail,
			want: verifier.NotVerified, status: verifier.Failed, code: "recipient.mismatch",
		},
		"error/another subject id": {
			edit: nil, identifier: "did:example:someone-else", kind: "",
			want: verifier.NotVerified, status: verifier.Failed, code: "recipient.mismatch",
		},
		"error/md5 hash cannot be checked": {
			edit: identified(false, md5), identifier: email, kind: credential.IdentityTypeEmail,
			want: verifier.CouldNotCheck, status: verifier.CouldNotRun, code: "recipient.unsupported_hash",
		},
		"error/forged credential: not compared": {
			edit: identified(false, hashed), identifier: email, kind: credential.IdentityTypeEmail, forge: true,
			want: verifier.NotVerified, status: verifier.Skipped, code: "recipient.not_run",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			doc := k.unsigned(t, func(m map[string]any) {
				m["credentialSubject"].(map[string]any)["id"] = "did:example:learner-2f9c"
				if tc.edit != nil {
					tc.edit(m)
				}
			})
			var in []byte
			if tc.jwt {
				in = k.signJWT(t, doc, jose.FormOBJWT)
			} else {
				in = k.signDI(t, doc)
			}
			if tc.forge {
				in = tamper(t, in, func(m map[string]any) { m["name"] = "Forged" })
			}
			r := newVerifier(nil).VerifyWith(context.Background(), in, verifier.WithRecipient(tc.identifier, tc.kind))
			if r.Result != tc.want {
				t.Fatalf("result %s, want %s\n%s", r.Result, tc.want, dump(r))
			}
			c, _ := r.Check(verifier.CheckRecipient)
			if c.Status != tc.status || c.Code != tc.code {
				t.Fatalf("recipient %s/%s, want %s/%s\n%s", c.Status, c.Code, tc.status, tc.code, dump(r))
			}
			if strings.Contains(strings.ToLower(c.Message), strings.ToLower(strings.TrimSpace(tc.identifier))) {
				t.Errorf("the message repeats the identifier: %q", c.Message)
			}
		})
	}
	t.Run("ok/no recipient asked, no check", func(t *testing.T) {
		r := newVerifier(nil).Verify(context.Background(), k.signDI(t, k.unsigned(t, nil)))
		if _, ok := r.Check(verifier.CheckRecipient); ok || r.Result != verifier.Verified {
			t.Fatalf("unexpected recipient check\n%s", dump(r))
		}
	})
}

// TestApplyRecipient: the check added after the fact equals the one
// WithRecipient makes, for a credential and inside a presentation.
func TestApplyRecipient(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	in := k.signDI(t, k.unsigned(t, identified(false, identityMap(t, credential.NewEmailIdentity("tama@example.ac.nz", "s4lt")))))
	v := newVerifier(nil)
	for _, tc := range []struct {
		email string
		want  verifier.Result
	}{{"tama@example.ac.nz", verifier.Verified}, {"mere@example.ac.nz", verifier.NotVerified}} {
		direct := v.VerifyWith(context.Background(), in, verifier.WithRecipient(tc.email, credential.IdentityTypeEmail))
		later := v.Verify(context.Background(), in)
		later.ApplyRecipient(tc.email, credential.IdentityTypeEmail)
		dc, _ := direct.Check(verifier.CheckRecipient)
		lc, _ := later.Check(verifier.CheckRecipient)
		if direct.Result != tc.want || later.Result != tc.want || dc != lc || later.Summary != direct.Summary {
			t.Fatalf("%s: direct %s %+v, later %s %+v", tc.email, direct.Result, dc, later.Result, lc)
		}
		vp := encode(t, map[string]any{
			"@context":             []any{"https://www.w3.org/ns/credentials/v2"},
			"type":                 []any{"VerifiablePresentation"},
			"verifiableCredential": []any{decode(t, in)},
		})
		pr := v.Verify(context.Background(), vp)
		pr.ApplyRecipient(tc.email, credential.IdentityTypeEmail)
		if pr.Result != tc.want {
			t.Fatalf("%s: presentation %s\n%s", tc.email, pr.Result, dump(pr))
		}
	}
}

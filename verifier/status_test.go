package verifier_test

import (
	"context"
	"testing"

	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/credential/statuslist"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// statusList builds an unsigned status list credential with the given bits
// set.
func statusList(t *testing.T, url, issuer, purpose string, set ...int) []byte {
	t.Helper()
	l, err := statuslist.New(statuslist.MinBits)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range set {
		if err := l.Set(i, true); err != nil {
			t.Fatal(err)
		}
	}
	b, err := statuslist.ListCredential(url, issuer, purpose, l, testNow.AddDate(0, -1, 0))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStatus checks revocation and suspension through freshly signed
// status lists served over loopback HTTPS.
func TestStatus(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	other := newIssuerKey(t, keys.KindEd25519)
	const (
		revURL = "https://status.example/lists/rev"
		susURL = "https://status.example/lists/sus"
	)
	tests := map[string]struct {
		entries []any
		serve   map[string][]byte
		jwt     bool
		want    verifier.Result
		status  string
		code    string
	}{
		"ok/bit clear": {
			entries: []any{statusEntry(revURL, "revocation", 41)},
			serve:   map[string][]byte{revURL: k.signDI(t, statusList(t, revURL, k.kf.DID, "revocation", 40, 42))},
			want:    verifier.Verified, status: verifier.Passed, code: "status.ok",
		},
		"error/revoked": {
			entries: []any{statusEntry(revURL, "revocation", 41)},
			serve:   map[string][]byte{revURL: k.signDI(t, statusList(t, revURL, k.kf.DID, "revocation", 41))},
			want:    verifier.Revoked, status: verifier.Failed, code: "status.revoked",
		},
		"error/suspended": {
			entries: []any{statusEntry(revURL, "revocation", 5), statusEntry(susURL, "suspension", 6)},
			serve: map[string][]byte{
				revURL: k.signDI(t, statusList(t, revURL, k.kf.DID, "revocation")),
				susURL: k.signDI(t, statusList(t, susURL, k.kf.DID, "suspension", 6)),
			},
			want: verifier.Suspended, status: verifier.Failed, code: "status.suspended",
		},
		"error/revoked outranks suspended": {
			entries: []any{statusEntry(susURL, "suspension", 6), statusEntry(revURL, "revocation", 5)},
			serve: map[string][]byte{
				revURL: k.signDI(t, statusList(t, revURL, k.kf.DID, "revocation", 5)),
				susURL: k.signDI(t, statusList(t, susURL, k.kf.DID, "suspension", 6)),
			},
			want: verifier.Revoked, status: verifier.Failed, code: "status.revoked",
		},
		"error/JWT credential, JWT list revoked": {
			entries: []any{statusEntry(revURL, "revocation", 9)},
			serve:   map[string][]byte{revURL: k.signJWT(t, statusList(t, revURL, k.kf.DID, "revocation", 9), jose.FormVCJOSE)},
			jwt:     true,
			want:    verifier.Revoked, status: verifier.Failed, code: "status.revoked",
		},
		"error/list unreachable": {
			entries: []any{statusEntry(revURL, "revocation", 41)},
			want:    verifier.CouldNotCheck, status: verifier.CouldNotRun, code: "status.unreachable",
		},
		"error/list from another issuer": {
			entries: []any{statusEntry(revURL, "revocation", 41)},
			serve:   map[string][]byte{revURL: other.signDI(t, statusList(t, revURL, other.kf.DID, "revocation"))},
			want:    verifier.NotVerified, status: verifier.Failed, code: "status.list_wrong_issuer",
		},
		"error/list tampered": {
			entries: []any{statusEntry(revURL, "revocation", 41)},
			serve: map[string][]byte{revURL: func() []byte {
				signed := k.signDI(t, statusList(t, revURL, k.kf.DID, "revocation", 41))
				m := decode(t, signed)
				clear := decode(t, statusList(t, revURL, k.kf.DID, "revocation"))
				m["credentialSubject"] = clear["credentialSubject"]
				return encode(t, m)
			}()},
			want: verifier.NotVerified, status: verifier.Failed, code: "status.list_not_verified",
		},
		"error/list purpose differs": {
			entries: []any{statusEntry(revURL, "revocation", 41)},
			serve:   map[string][]byte{revURL: k.signDI(t, statusList(t, revURL, k.kf.DID, "suspension"))},
			want:    verifier.NotVerified, status: verifier.Failed, code: "status.list_wrong_purpose",
		},
		"error/unknown status type": {
			entries: []any{map[string]any{"id": "https://status.example/x", "type": "1EdTechRevocationList"}},
			want:    verifier.CouldNotCheck, status: verifier.CouldNotRun, code: "status.unsupported_type",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n := newLoopNet(t)
			for u, b := range tc.serve {
				n.put(u, b)
			}
			doc := k.unsigned(t, func(m map[string]any) {
				m["credentialStatus"] = tc.entries
				if tc.entries[0].(map[string]any)["type"] == "1EdTechRevocationList" {
					m["@context"] = append(m["@context"].([]any), "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
				}
			})
			var in []byte
			if tc.jwt {
				in = k.signJWT(t, doc, jose.FormVCJOSE)
			} else {
				in = k.signDI(t, doc)
			}
			r := newVerifier(n).Verify(context.Background(), in)
			if r.Result != tc.want {
				t.Fatalf("result %s, want %s\n%s", r.Result, tc.want, dump(r))
			}
			if st, code := checkStatus(r, verifier.CheckStatus); st != tc.status || code != tc.code {
				t.Fatalf("status check %s/%s, want %s/%s\n%s", st, code, tc.status, tc.code, dump(r))
			}
		})
	}
}

// TestStatusNotFetchedForForgery: a credential whose proof fails causes no
// status-list request.
func TestStatusNotFetchedForForgery(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	n := newLoopNet(t)
	const u = "https://status.example/lists/rev"
	n.put(u, k.signDI(t, statusList(t, u, k.kf.DID, "revocation")))
	m := decode(t, k.signDI(t, k.unsigned(t, func(m map[string]any) { m["credentialStatus"] = statusEntry(u, "revocation", 3) })))
	m["name"] = "changed"
	r := newVerifier(n).Verify(context.Background(), encode(t, m))
	if r.Result != verifier.NotVerified {
		t.Fatalf("result %s", r.Result)
	}
	if n.hits[u] != 0 {
		t.Fatalf("status list fetched %d times for a forged credential", n.hits[u])
	}
}

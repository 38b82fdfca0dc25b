package verifier_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

const obExtensions = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

// withRefresh gives the test credential a 1EdTechCredentialRefresh service
// at url (the type is defined in the OB extensions context) and a name.
func withRefresh(url, name string, more ...func(m map[string]any)) func(m map[string]any) {
	return func(m map[string]any) {
		m["@context"] = append(m["@context"].([]any), obExtensions)
		m["refreshService"] = map[string]any{"id": url, "type": "1EdTechCredentialRefresh"}
		m["name"] = name
		for _, f := range more {
			f(m)
		}
	}
}

// TestRefresh: OB30 Verification step 3, the refreshed copy served over
// loopback HTTPS.
func TestRefresh(t *testing.T) {
	k := newIssuerKey(t, keys.KindEd25519)
	other := newIssuerKey(t, keys.KindEd25519)
	const (
		url     = "https://provider.example.nz/credentials/3732/refresh"
		again   = "https://provider.example.nz/credentials/3732/refresh-again"
		listURL = "https://provider.example.nz/status/rev"
	)
	// The newer copy: same id and issuer, a later name, and a refresh service
	// of its own that must not be followed.
	fresh := k.signDI(t, k.unsigned(t, withRefresh(again, "Refreshed copy")))

	tests := map[string]struct {
		serve    map[string][]byte
		jwt      bool
		forge    bool
		opts     func(n *loopNet) []verifier.Option // nil: newVerifier(n)
		want     verifier.Result
		status   string
		code     string
		name     string // the credential the report is about
		fetched  int    // requests for url
		summary  string
		moreWant func(t *testing.T, r *verifier.Report, n *loopNet)
	}{
		"ok/refreshed copy verified and reported": {
			serve: map[string][]byte{url: fresh},
			want:  verifier.Verified, status: verifier.Passed, code: "refresh.ok", name: "Refreshed copy", fetched: 1,
			moreWant: func(t *testing.T, r *verifier.Report, n *loopNet) {
				if n.hits[again] != 0 {
					t.Errorf("the refreshed copy's own refresh service was followed")
				}
			},
		},
		"ok/JWT credential refreshed to an embedded-proof copy": {
			serve: map[string][]byte{url: fresh},
			jwt:   true,
			want:  verifier.Verified, status: verifier.Passed, code: "refresh.ok", name: "Refreshed copy", fetched: 1,
		},
		"ok/refreshed copy as a JWT through WithRefreshFetcher only": {
			serve: map[string][]byte{url: k.signJWT(t, k.unsigned(t, withRefresh(again, "Refreshed copy")), jose.FormVCJOSE)},
			opts: func(n *loopNet) []verifier.Option {
				return []verifier.Option{verifier.WithRefreshFetcher(n)}
			},
			want: verifier.Verified, status: verifier.Passed, code: "refresh.ok", name: "Refreshed copy", fetched: 1,
		},
		"ok/refreshed copy is revoked: the report says so": {
			serve: map[string][]byte{
				url: k.signDI(t, k.unsigned(t, withRefresh(again, "Refreshed copy", func(m map[string]any) {
					m["credentialStatus"] = statusEntry(listURL, "revocation", 7)
				}))),
				listURL: k.signDI(t, statusList(t, listURL, k.kf.DID, "revocation", 7)),
			},
			want: verifier.Revoked, status: verifier.Passed, code: "refresh.ok", name: "Refreshed copy", fetched: 1,
		},
		"error/unreachable: original reported, not failed": {
			want: verifier.Verified, status: verifier.CouldNotRun, code: "refresh.unreachable", name: "Original", fetched: 1,
			summary: "could not be fetched",
		},
		"error/offline: skipped with a sentence": {
			opts: func(*loopNet) []verifier.Option { return []verifier.Option{} },
			want: verifier.Verified, status: verifier.Skipped, code: "refresh.no_fetcher", name: "Original", fetched: 0,
		},
		"error/copy signed by someone else": {
			serve: map[string][]byte{url: other.signDI(t, k.unsigned(t, withRefresh(again, "Refreshed copy")))},
			want:  verifier.Verified, status: verifier.Failed, code: "refresh.not_verified", name: "Original", fetched: 1,
			summary: "did not verify",
		},
		"error/copy tampered": {
			serve: map[string][]byte{url: tamper(t, fresh, func(m map[string]any) { m["name"] = "Tampered copy" })},
			want:  verifier.Verified, status: verifier.Failed, code: "refresh.not_verified", name: "Original", fetched: 1,
		},
		"error/copy is another credential": {
			serve: map[string][]byte{url: k.signDI(t, k.unsigned(t, withRefresh(again, "Someone else's", func(m map[string]any) {
				m["id"] = "urn:uuid:6f1e4c1d-0000-4000-8000-000000000001"
			})))},
			want: verifier.Verified, status: verifier.Failed, code: "refresh.mismatch", name: "Original", fetched: 1,
		},
		"error/copy from another issuer": {
			serve: map[string][]byte{url: other.signDI(t, other.unsigned(t, withRefresh(again, "Refreshed copy")))},
			want:  verifier.Verified, status: verifier.Failed, code: "refresh.mismatch", name: "Original", fetched: 1,
		},
		"error/not JSON at the URL": {
			serve: map[string][]byte{url: []byte("<html>moved</html>")},
			want:  verifier.Verified, status: verifier.Failed, code: "refresh.not_verified", name: "Original", fetched: 1,
		},
		"error/forged original: refresh not fetched": {
			serve: map[string][]byte{url: fresh},
			forge: true,
			want:  verifier.NotVerified, status: verifier.Skipped, code: "refresh.not_run", name: "Forged", fetched: 0,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n := newLoopNet(t)
			for u, b := range tc.serve {
				n.put(u, b)
			}
			doc := k.unsigned(t, withRefresh(url, "Original"))
			var in []byte
			if tc.jwt {
				in = k.signJWT(t, doc, jose.FormOBJWT)
			} else {
				in = k.signDI(t, doc)
			}
			if tc.forge {
				in = tamper(t, in, func(m map[string]any) { m["name"] = "Forged" })
			}
			v := newVerifier(n)
			if tc.opts != nil {
				v = newVerifier(nil, tc.opts(n)...)
			}
			r := v.Verify(context.Background(), in)
			if r.Result != tc.want {
				t.Fatalf("result %s, want %s\n%s", r.Result, tc.want, dump(r))
			}
			c, _ := r.Check(verifier.CheckRefresh)
			if c.Status != tc.status || c.Code != tc.code {
				t.Fatalf("refresh %s/%s, want %s/%s\n%s", c.Status, c.Code, tc.status, tc.code, dump(r))
			}
			if got := decode(t, r.Credential)["name"]; got != tc.name {
				t.Errorf("report is about %q, want %q", got, tc.name)
			}
			if n.hits[url] != tc.fetched {
				t.Errorf("refresh URL fetched %d times, want %d", n.hits[url], tc.fetched)
			}
			if !strings.Contains(r.Summary, tc.summary) {
				t.Errorf("summary %q does not contain %q", r.Summary, tc.summary)
			}
			if tc.moreWant != nil {
				tc.moreWant(t, r, n)
			}
		})
	}
}

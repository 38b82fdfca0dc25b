package main

import (
	"context"
	"crypto"
	"testing"

	"github.com/tohu-nz/tohu/errs"
)

// which records which side a lookup went to.
type which struct{ got string }

func (w *which) DIDDocument(_ context.Context, slug string) (map[string]any, error) {
	w.got = "records:" + slug
	return nil, errs.E(errs.NotFound, "stub")
}

func (w *which) StatusListCredential(_ context.Context, slug, purpose string) ([]byte, error) {
	w.got = "records:" + slug + "/" + purpose
	return nil, nil
}

func (w *which) Fetch(_ context.Context, u string) ([]byte, error) {
	w.got = "network"
	return nil, nil
}

func (w *which) PublicKey(context.Context, string, string) (crypto.PublicKey, string, error) {
	w.got = "network"
	return nil, "", nil
}

// TestOwnRecordsRouting: only the service's own providers' DID methods and
// status list URLs are answered from its records; look-alikes (another
// port, a longer host, a nested path, an unknown purpose) go to the network
// side, where the safe fetcher decides.
func TestOwnRecordsRouting(t *testing.T) {
	const base = "http://127.0.0.1:8080"
	w := &which{}
	status := newOwnStatus(base, w, w)
	keyr := newOwnKeys(base, w, w)
	statusTests := map[string]struct{ url, want string }{
		"ok/own revocation list":  {base + "/issuers/kura/status/revocation", "records:kura/revocation"},
		"ok/own suspension list":  {base + "/issuers/kura/status/suspension", "records:kura/suspension"},
		"error/other port":        {"http://127.0.0.1:8081/issuers/kura/status/revocation", "network"},
		"error/longer host":       {"http://127.0.0.1:8080.evil.example/issuers/kura/status/revocation", "network"},
		"error/unknown purpose":   {base + "/issuers/kura/status/refresh", "network"},
		"error/nested slug":       {base + "/issuers/a/b/status/revocation", "network"},
		"error/query":             {base + "/issuers/kura?x=/status/revocation", "network"},
		"error/empty slug":        {base + "/issuers//status/revocation", "network"},
		"error/not a status list": {base + "/issuers/kura/did.json", "network"},
	}
	for name, tc := range statusTests {
		t.Run("status/"+name, func(t *testing.T) {
			w.got = ""
			_, _ = status.Fetch(t.Context(), tc.url)
			if w.got != tc.want {
				t.Fatalf("%s went to %q, want %q", tc.url, w.got, tc.want)
			}
		})
	}
	keyTests := map[string]struct{ vm, want string }{
		"ok/own provider":     {"did:web:127.0.0.1%3A8080:issuers:kura#k1", "records:kura"},
		"error/other port":    {"did:web:127.0.0.1%3A8081:issuers:kura#k1", "network"},
		"error/nested":        {"did:web:127.0.0.1%3A8080:issuers:kura:more#k1", "network"},
		"error/host-level":    {"did:web:127.0.0.1%3A8080#k1", "network"},
		"error/other did":     {"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "network"},
		"error/longer prefix": {"did:web:127.0.0.1%3A80801:issuers:kura#k1", "network"},
	}
	for name, tc := range keyTests {
		t.Run("keys/"+name, func(t *testing.T) {
			w.got = ""
			_, _, _ = keyr.PublicKey(t.Context(), tc.vm, "")
			if w.got != tc.want {
				t.Fatalf("%s went to %q, want %q", tc.vm, w.got, tc.want)
			}
		})
	}
}

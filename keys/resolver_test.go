package keys_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/fetch"
	"github.com/tohu-nz/tohu/keys"
)

func equalKey(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

func TestResolverDIDKey(t *testing.T) {
	ed, _ := keys.Generate("ed25519")
	p256, _ := keys.Generate("p256")
	edDID, edVM, _ := keys.DIDKey(ed.Public())
	pDID, pVM, _ := keys.DIDKey(p256.Public())
	r := keys.NewResolver() // offline
	tests := map[string]struct {
		vmID, purpose string
		wantKey       crypto.PublicKey
		wantCode      errs.Code
	}{
		"ok/ed25519 assertion":        {edVM, "assertionMethod", ed.Public(), ""},
		"ok/default purpose":          {edVM, "", ed.Public(), ""},
		"ok/authentication":           {edVM, "authentication", ed.Public(), ""},
		"ok/bare did:key":             {edDID, "assertionMethod", ed.Public(), ""},
		"ok/p256":                     {pVM, "assertionMethod", p256.Public(), ""},
		"ok/w3c vector":               {"did:key:" + w3cPublicKey + "#" + w3cPublicKey, "assertionMethod", nil, ""},
		"error/other fragment":        {edDID + "#key-1", "assertionMethod", nil, errs.NotFound},
		"error/fragment of other key": {edDID + "#" + strings.TrimPrefix(pDID, "did:key:"), "assertionMethod", nil, errs.NotFound},
		"error/not listed":            {edVM, "capabilityInvocation", nil, errs.Invalid},
		"error/unknown purpose":       {edVM, "sayAnything", nil, errs.Invalid},
		"error/bad multibase":         {"did:key:z6MkBAD#z6MkBAD", "assertionMethod", nil, errs.Invalid},
		"error/empty":                 {"", "assertionMethod", nil, errs.Invalid},
		"error/other method":          {"did:ion:abc#k", "assertionMethod", nil, errs.Unsupported},
		"error/not a did or url":      {"urn:uuid:1#k", "assertionMethod", nil, errs.Unsupported},
		"error/did:web offline":       {"did:web:tohu.example#k", "assertionMethod", nil, errs.Unavailable},
		"error/https offline":         {"https://tohu.example/p#k", "assertionMethod", nil, errs.Unavailable},
		"error/did:web no fragment":   {"did:web:tohu.example", "assertionMethod", nil, errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pub, controller, err := r.PublicKey(context.Background(), tc.vmID, tc.purpose)
			if tc.wantCode != "" {
				if errs.ErrorCode(err) != tc.wantCode {
					t.Fatalf("err = %v, want %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantKey != nil && !equalKey(pub, tc.wantKey) {
				t.Fatalf("wrong key")
			}
			if want, _, _ := strings.Cut(tc.vmID, "#"); controller != want {
				t.Fatalf("controller %q, want %q", controller, want)
			}
		})
	}
}

func TestDIDKeyDocument(t *testing.T) {
	did := "did:key:" + vectorMultikey
	doc, err := keys.NewResolver().Document(context.Background(), did)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(doc)
	vm := did + "#" + vectorMultikey
	want := `{"@context":["https://www.w3.org/ns/did/v1","https://w3id.org/security/multikey/v1"],` +
		`"assertionMethod":["` + vm + `"],"authentication":["` + vm + `"],"id":"` + did + `",` +
		`"verificationMethod":[{"controller":"` + did + `","id":"` + vm + `","publicKeyMultibase":"` + vectorMultikey + `","type":"Multikey"}]}`
	if string(got) != want {
		t.Fatalf("document\n got %s\nwant %s", got, want)
	}
}

// webHost fakes remote controllers: each path serves one document.
type webHost struct {
	srv    *httptest.Server
	docs   map[string]string // path → body
	hits   atomic.Int64
	mu     sync.Mutex
	prefix string // did:web:127.0.0.1%3APORT
}

func newWebHost(t *testing.T) *webHost {
	h := &webHost{docs: map[string]string{}}
	h.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.hits.Add(1)
		h.mu.Lock()
		body, ok := h.docs[r.URL.Path]
		h.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/did+json")
		w.Write([]byte(body))
	}))
	t.Cleanup(h.srv.Close)
	h.prefix = "did:web:" + strings.Replace(strings.TrimPrefix(h.srv.URL, "https://"), ":", "%3A", 1)
	return h
}

func (h *webHost) set(path string, doc any) {
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	h.mu.Lock()
	h.docs[path] = string(b)
	h.mu.Unlock()
}

func (h *webHost) fetcher() *fetch.Fetcher {
	p := x509.NewCertPool()
	p.AddCert(h.srv.Certificate())
	return fetch.New(fetch.WithRootCAs(p), fetch.WithTrusted(h.srv.URL))
}

func mustDoc(t *testing.T, did string, vms ...keys.VerificationMethod) map[string]any {
	t.Helper()
	doc, err := keys.DIDDocument(did, vms)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestResolverDIDWeb(t *testing.T) {
	h := newWebHost(t)
	ed, _ := keys.Generate("ed25519")
	old, _ := keys.Generate("ed25519")
	p256, _ := keys.Generate("p256")
	rsaKey, _ := keys.Generate("rsa")
	other, _ := keys.Generate("ed25519")
	did := func(slug string) string { return h.prefix + ":issuers:" + slug }

	h.set("/issuers/ok/did.json", mustDoc(t, did("ok"),
		keys.VerificationMethod{ID: "#key-2", PublicKey: ed.Public()},
		keys.VerificationMethod{ID: "#key-1", PublicKey: old.Public(), Retired: true},
		keys.VerificationMethod{ID: "#p256", PublicKey: p256.Public()},
		keys.VerificationMethod{ID: "#rsa", PublicKey: rsaKey.Public()},
		keys.VerificationMethod{ID: "#p256-multikey", Type: keys.TypeMultikey, PublicKey: p256.Public()},
	))
	mb, _ := keys.MultikeyFromPublic(ed.Public())
	jwk, _ := keys.PublicJWK(p256.Public(), "")
	jwkJSON, _ := jwk.MarshalJSON()
	var jwkMap map[string]any
	json.Unmarshal(jwkJSON, &jwkMap)
	// Older documents: relative ids, embedded methods, 2020 suites.
	h.set("/issuers/legacy/did.json", map[string]any{
		"id": did("legacy"),
		"verificationMethod": []any{
			map[string]any{"id": "#ed", "type": "Ed25519VerificationKey2020", "controller": did("legacy"), "publicKeyMultibase": mb},
		},
		"assertionMethod": []any{"#ed", map[string]any{"id": did("legacy") + "#jwk", "type": "JsonWebKey2020", "controller": did("legacy"), "publicKeyJwk": jwkMap}},
	})
	h.set("/issuers/wrong-id/did.json", mustDoc(t, "did:web:evil.example", keys.VerificationMethod{ID: "#k", PublicKey: ed.Public()}))
	h.set("/issuers/foreign/did.json", mustDoc(t, did("foreign"), keys.VerificationMethod{ID: "#k", Controller: "did:web:evil.example", PublicKey: other.Public()}))
	unlisted := mustDoc(t, did("unlisted"), keys.VerificationMethod{ID: "#k", PublicKey: ed.Public()})
	unlisted["assertionMethod"] = []any{}
	h.set("/issuers/unlisted/did.json", unlisted)
	privJWK, _ := keys.PrivateJWK(p256, "")
	privJSON, _ := privJWK.MarshalJSON()
	var privMap map[string]any
	json.Unmarshal(privJSON, &privMap)
	h.set("/issuers/leaky/did.json", map[string]any{"id": did("leaky"), "verificationMethod": []any{
		map[string]any{"id": "#k", "type": "JsonWebKey", "controller": did("leaky"), "publicKeyJwk": privMap}}, "assertionMethod": []any{"#k"}})
	h.set("/issuers/odd/did.json", map[string]any{"id": did("odd"), "verificationMethod": []any{
		map[string]any{"id": "#k", "type": "EcdsaSecp256k1VerificationKey2019", "controller": did("odd"), "publicKeyHex": "02"}}, "assertionMethod": []any{"#k"}})
	h.mu.Lock()
	h.docs["/issuers/notjson/did.json"] = "<html>"
	h.mu.Unlock()
	// An https controller document (Controlled Identifiers 1.0), as OB 3.0
	// issuers with a profile URL publish.
	profile := h.srv.URL + "/profiles/wintec"
	cdoc := map[string]any{"id": profile, "verificationMethod": []any{map[string]any{"id": profile + "#k", "type": "Multikey", "controller": profile, "publicKeyMultibase": mb}}, "assertionMethod": []any{profile + "#k"}}
	h.set("/profiles/wintec", cdoc)

	r := keys.NewResolver(keys.WithFetcher(h.fetcher()))
	tests := map[string]struct {
		vmID, purpose string
		wantKey       crypto.PublicKey
		wantCode      errs.Code
	}{
		"ok/multikey":                      {did("ok") + "#key-2", "assertionMethod", ed.Public(), ""},
		"ok/multikey authentication":       {did("ok") + "#key-2", "authentication", ed.Public(), ""},
		"ok/retired key still asserts":     {did("ok") + "#key-1", "assertionMethod", old.Public(), ""},
		"ok/p256 JsonWebKey":               {did("ok") + "#p256", "assertionMethod", p256.Public(), ""},
		"ok/p256 Multikey":                 {did("ok") + "#p256-multikey", "assertionMethod", p256.Public(), ""},
		"ok/rsa JsonWebKey":                {did("ok") + "#rsa", "assertionMethod", rsaKey.Public(), ""},
		"ok/Ed25519VerificationKey2020":    {did("legacy") + "#ed", "assertionMethod", ed.Public(), ""},
		"ok/embedded JsonWebKey2020":       {did("legacy") + "#jwk", "assertionMethod", p256.Public(), ""},
		"ok/https controller document":     {profile + "#k", "assertionMethod", ed.Public(), ""},
		"error/retired key cannot authn":   {did("ok") + "#key-1", "authentication", nil, errs.Invalid},
		"error/no such method":             {did("ok") + "#key-9", "assertionMethod", nil, errs.NotFound},
		"error/document id differs":        {did("wrong-id") + "#k", "assertionMethod", nil, errs.Invalid},
		"error/controlled by someone else": {did("foreign") + "#k", "assertionMethod", nil, errs.Invalid},
		"error/not under assertionMethod":  {did("unlisted") + "#k", "assertionMethod", nil, errs.Invalid},
		"error/private jwk published":      {did("leaky") + "#k", "assertionMethod", nil, errs.Invalid},
		"error/unknown key type":           {did("odd") + "#k", "assertionMethod", nil, errs.Unsupported},
		"error/not json":                   {did("notjson") + "#k", "assertionMethod", nil, errs.Invalid},
		"error/no document":                {did("gone") + "#k", "assertionMethod", nil, errs.Unavailable},
		"error/private host refused":       {"did:web:10.0.0.7:issuers:x#k", "assertionMethod", nil, errs.Unavailable},
		"error/http controller document":   {strings.Replace(profile, "https", "http", 1) + "#k", "assertionMethod", nil, errs.Unsupported},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pub, controller, err := r.PublicKey(context.Background(), tc.vmID, tc.purpose)
			if tc.wantCode != "" {
				if errs.ErrorCode(err) != tc.wantCode {
					t.Fatalf("err = %v, want %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !equalKey(pub, tc.wantKey) {
				t.Fatalf("wrong key %T", pub)
			}
			if want, _, _ := strings.Cut(tc.vmID, "#"); controller != want {
				t.Fatalf("controller %q, want %q", controller, want)
			}
		})
	}
}

func TestResolverCache(t *testing.T) {
	h := newWebHost(t)
	ed, _ := keys.Generate("")
	did := h.prefix + ":issuers:c"
	h.set("/issuers/c/did.json", mustDoc(t, did, keys.VerificationMethod{ID: "#k", PublicKey: ed.Public()}))
	r := keys.NewResolver(keys.WithFetcher(h.fetcher()), keys.WithTTL(300*time.Millisecond))

	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if _, _, err := r.PublicKey(context.Background(), did+"#k", ""); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := h.hits.Load(); n != 1 {
		t.Fatalf("%d fetches for 32 concurrent lookups, want 1", n)
	}
	// The caller's copy is its own.
	doc, _ := r.Document(context.Background(), did)
	doc["id"] = "did:web:evil.example"
	if _, _, err := r.PublicKey(context.Background(), did+"#k", ""); err != nil {
		t.Fatalf("cached document was changed through Document's result: %v", err)
	}
	if n := h.hits.Load(); n != 1 {
		t.Fatalf("%d fetches within the TTL, want 1", n)
	}
	// After the TTL the document is fetched again, so a rotated key shows.
	rotated, _ := keys.Generate("")
	h.set("/issuers/c/did.json", mustDoc(t, did, keys.VerificationMethod{ID: "#k", PublicKey: rotated.Public()}))
	time.Sleep(350 * time.Millisecond)
	pub, _, err := r.PublicKey(context.Background(), did+"#k", "")
	if err != nil || !equalKey(pub, rotated.Public()) || h.hits.Load() != 2 {
		t.Fatalf("after TTL: err %v, hits %d, rotated key seen %t", err, h.hits.Load(), equalKey(pub, rotated.Public()))
	}
}

// clock is a settable time for resolvers under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestResolverRefetchOnMissingKey: a did:web document whose keys change
// (rotations) while a copy is cached. A key missing from the copy makes
// the resolver fetch the document again, so a credential signed with the
// new key verifies at once; made-up keys cause at most one refetch per DID
// per interval (counted at the server), however many requests name them;
// a failed refetch answers Unavailable and keeps the cached copy.
func TestResolverRefetchOnMissingKey(t *testing.T) {
	h := newWebHost(t)
	did := h.prefix + ":issuers:rotating"
	path := "/issuers/rotating/did.json"
	k1, _ := keys.Generate("")
	k2, _ := keys.Generate("")
	k3, _ := keys.Generate("")
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	r := keys.NewResolver(keys.WithFetcher(h.fetcher()), keys.WithClock(clk.now))
	lookup := func(frag string) (crypto.PublicKey, error) {
		pub, _, err := r.PublicKey(context.Background(), did+"#"+frag, "")
		return pub, err
	}
	concurrently := func(n int, frag string, want errs.Code) {
		t.Helper()
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, err := lookup(frag); errs.ErrorCode(err) != want {
					t.Errorf("%s: %v, want %q", frag, err, want)
				}
			})
		}
		wg.Wait()
	}
	hits := func(want int64) {
		t.Helper()
		if n := h.hits.Load(); n != want {
			t.Fatalf("%d fetches of the document, want %d", n, want)
		}
	}

	h.set(path, mustDoc(t, did, keys.VerificationMethod{ID: "#key-1", PublicKey: k1.Public()}))
	if pub, err := lookup("key-1"); err != nil || !equalKey(pub, k1.Public()) {
		t.Fatalf("key-1: %v", err)
	}
	hits(1)

	// A rotation within the TTL: the new key is found by one refetch, shared
	// by concurrent lookups.
	h.set(path, mustDoc(t, did,
		keys.VerificationMethod{ID: "#key-2", PublicKey: k2.Public()},
		keys.VerificationMethod{ID: "#key-1", PublicKey: k1.Public(), Retired: true}))
	concurrently(16, "key-2", "")
	if pub, err := lookup("key-2"); err != nil || !equalKey(pub, k2.Public()) {
		t.Fatalf("key-2 after the rotation: %v", err)
	}
	hits(2)
	// A forger's made-up keys right after: no refetch.
	concurrently(20, "key-666", errs.NotFound)
	hits(2)
	clk.add(29 * time.Second)
	concurrently(5, "key-667", errs.NotFound)
	hits(2)

	// Past the interval: one refetch again, for a made-up key or a new one.
	clk.add(2 * time.Second)
	h.set(path, mustDoc(t, did,
		keys.VerificationMethod{ID: "#key-3", PublicKey: k3.Public()},
		keys.VerificationMethod{ID: "#key-2", PublicKey: k2.Public(), Retired: true},
		keys.VerificationMethod{ID: "#key-1", PublicKey: k1.Public(), Retired: true}))
	concurrently(20, "key-668", errs.NotFound)
	hits(3)
	if pub, err := lookup("key-3"); err != nil || !equalKey(pub, k3.Public()) {
		t.Fatalf("key-3 (already fetched by the made-up key's refetch): %v", err)
	}
	hits(3)

	// A refetch that fails: Unavailable, the attempt counts, the copy stays.
	clk.add(31 * time.Second)
	h.mu.Lock()
	delete(h.docs, path)
	h.mu.Unlock()
	if _, err := lookup("key-4"); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("refetch of a vanished document: %v, want unavailable", err)
	}
	hits(4)
	if _, err := lookup("key-4"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("second lookup after a failed refetch: %v, want not found", err)
	}
	if _, err := lookup("key-3"); err != nil {
		t.Fatalf("the cached copy was dropped after a failed refetch: %v", err)
	}
	hits(4)

	// After the TTL a plain fetch, as before.
	clk.add(keys.DefaultTTL)
	if _, err := lookup("key-3"); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("after the TTL with the document gone: %v, want unavailable", err)
	}
	hits(5)
}

// TestResolverRefetchOff: with the refetch interval at zero a cached copy
// is used until the TTL ends, missing keys and all.
func TestResolverRefetchOff(t *testing.T) {
	h := newWebHost(t)
	did := h.prefix + ":issuers:still"
	path := "/issuers/still/did.json"
	k1, _ := keys.Generate("")
	k2, _ := keys.Generate("")
	r := keys.NewResolver(keys.WithFetcher(h.fetcher()), keys.WithRefetchInterval(0))
	h.set(path, mustDoc(t, did, keys.VerificationMethod{ID: "#key-1", PublicKey: k1.Public()}))
	if _, _, err := r.PublicKey(context.Background(), did+"#key-1", ""); err != nil {
		t.Fatal(err)
	}
	h.set(path, mustDoc(t, did, keys.VerificationMethod{ID: "#key-2", PublicKey: k2.Public()}))
	if _, _, err := r.PublicKey(context.Background(), did+"#key-2", ""); !errs.Is(err, errs.NotFound) {
		t.Fatalf("key-2 with refetch off: %v, want not found", err)
	}
	if n := h.hits.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
}

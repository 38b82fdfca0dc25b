package main

import (
	"context"
	"crypto"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

// didDocuments returns a provider's current DID document by slug
// (issuer.Service.DIDDocument).
type didDocuments func(ctx context.Context, slug string) (map[string]any, error)

// ownKeys resolves verification methods of the service's own providers
// (did:web:<base>:issuers:<slug>#…) from its database, uncached, and every
// other one through next (the network resolver, which caches documents for
// keys.DefaultTTL). Without this, the service's own verifier would hold a
// provider's DID document from before a key rotation for up to five minutes,
// and credentials signed with the new key would fail verification on the
// very server that issued them.
type ownKeys struct {
	prefix string // did:web of BaseURL/issuers/, ending in ":"
	own    *keys.Resolver
	next   credential.KeyResolver
}

// newOwnKeys wraps next; it returns next itself when the base URL has no
// did:web form (then no provider of this service has a did:web either).
func newOwnKeys(baseURL string, docs didDocuments, next credential.KeyResolver) credential.KeyResolver {
	did, err := keys.DIDWeb(strings.TrimRight(baseURL, "/") + "/issuers/x")
	if err != nil || docs == nil {
		return next
	}
	return ownKeys{
		prefix: strings.TrimSuffix(did, "x"),
		own:    keys.NewResolver(keys.WithTTL(0), keys.WithLoopbackHTTP(), keys.WithFetcher(storeFetcher(docs))),
		next:   next,
	}
}

func (r ownKeys) PublicKey(ctx context.Context, vmID, purpose string) (crypto.PublicKey, string, error) {
	if base, _, _ := strings.Cut(vmID, "#"); strings.HasPrefix(base, r.prefix) && !strings.Contains(base[len(r.prefix):], ":") {
		return r.own.PublicKey(ctx, vmID, purpose)
	}
	return r.next.PublicKey(ctx, vmID, purpose)
}

// storeFetcher serves …/issuers/{slug}/did.json from the database instead of
// the network: the only URLs the own resolver asks for.
type storeFetcher didDocuments

func (f storeFetcher) Fetch(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errs.E(errs.Invalid, "malformed DID document URL")
	}
	rest, ok := strings.CutSuffix(u.Path, "/did.json")
	i := strings.LastIndex(rest, "/issuers/")
	if !ok || i < 0 {
		return nil, errs.E(errs.NotFound, "not a provider's DID document: %s", raw)
	}
	doc, err := f(ctx, rest[i+len("/issuers/"):])
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

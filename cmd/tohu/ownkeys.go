package main

import (
	"context"
	"crypto"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// ownRecords is what the service's verifier reads about its own providers
// straight from the database (issuer.Service).
type ownRecords interface {
	DIDDocument(ctx context.Context, slug string) (map[string]any, error)
	StatusListCredential(ctx context.Context, slug, purpose string) ([]byte, error)
}

// The service's verifier answers questions about its own providers from its
// records instead of over the network:
//
//   - keys: the network resolver caches a DID document for keys.DefaultTTL,
//     so after a rotation credentials signed with the new key would fail
//     verification on the very server that issued them for five minutes;
//   - status lists: fetching its own base URL fails when the service's TLS
//     certificate is one it does not itself trust (a private CA), and costs
//     an HTTP round trip per verification anyway.
//
// Everything else (other issuers) goes through the safe, cached fetcher.

// ownKeys resolves did:web:<base>:issuers:<slug>#… methods uncached from
// the records, every other one through next.
type ownKeys struct {
	prefix string // did:web of BaseURL/issuers/, ending in ":"
	own    *keys.Resolver
	next   credential.KeyResolver
}

// newOwnKeys wraps next; it returns next itself when the base URL has no
// did:web form (then no provider of this service has a did:web either).
func newOwnKeys(baseURL string, own ownRecords, next credential.KeyResolver) credential.KeyResolver {
	did, err := keys.DIDWeb(strings.TrimRight(baseURL, "/") + "/issuers/x")
	if err != nil || own == nil {
		return next
	}
	return ownKeys{
		prefix: strings.TrimSuffix(did, "x"),
		own:    keys.NewResolver(keys.WithTTL(0), keys.WithLoopbackHTTP(), keys.WithFetcher(recordsFetcher{own})),
		next:   next,
	}
}

func (r ownKeys) PublicKey(ctx context.Context, vmID, purpose string) (crypto.PublicKey, string, error) {
	if base, _, _ := strings.Cut(vmID, "#"); strings.HasPrefix(base, r.prefix) && !strings.Contains(base[len(r.prefix):], ":") {
		return r.own.PublicKey(ctx, vmID, purpose)
	}
	return r.next.PublicKey(ctx, vmID, purpose)
}

// recordsFetcher serves …/issuers/{slug}/did.json from the records: the only
// URLs the own resolver asks for.
type recordsFetcher struct{ own ownRecords }

func (f recordsFetcher) Fetch(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errs.E(errs.Invalid, "malformed DID document URL")
	}
	rest, ok := strings.CutSuffix(u.Path, "/did.json")
	i := strings.LastIndex(rest, "/issuers/")
	if !ok || i < 0 {
		return nil, errs.E(errs.NotFound, "not a provider's DID document: %s", raw)
	}
	doc, err := f.own.DIDDocument(ctx, rest[i+len("/issuers/"):])
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

// ownStatus serves BaseURL/issuers/{slug}/status/{purpose} (the URL
// issuer.Service.StatusListURL writes into credentials) from the records and
// fetches every other URL through next.
type ownStatus struct {
	prefix string // BaseURL + "/issuers/"
	own    ownRecords
	next   verifier.Fetcher
}

func newOwnStatus(baseURL string, own ownRecords, next verifier.Fetcher) verifier.Fetcher {
	if own == nil {
		return next
	}
	return ownStatus{prefix: strings.TrimRight(baseURL, "/") + "/issuers/", own: own, next: next}
}

func (f ownStatus) Fetch(ctx context.Context, u string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(u, f.prefix); ok {
		slug, purpose, ok := strings.Cut(rest, "/status/")
		if ok && slug != "" && !strings.ContainsAny(slug, "/?#") && (purpose == issuer.StatusRevocation || purpose == issuer.StatusSuspension) {
			return f.own.StatusListCredential(ctx, slug, purpose)
		}
	}
	return f.next.Fetch(ctx, u)
}

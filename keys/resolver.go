package keys

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mr-tron/base58"

	"github.com/tohu-nz/tohu/errs"
)

// Fetcher fetches a document by URL. fetch.Fetcher implements it with the
// timeouts, size cap and address checks every network fetch in tohu needs.
type Fetcher interface {
	Fetch(ctx context.Context, url string) ([]byte, error)
}

// ResolverOption configures a Resolver.
type ResolverOption func(*Resolver)

// WithFetcher turns on network resolution of did:web DIDs and https
// controller documents through f. Without it the Resolver is offline.
func WithFetcher(f Fetcher) ResolverOption { return func(r *Resolver) { r.fetcher = f } }

// WithTTL sets how long fetched documents are cached (default 5 minutes;
// zero or less disables the cache).
func WithTTL(d time.Duration) ResolverOption { return func(r *Resolver) { r.ttl = d } }

// WithLoopbackHTTP makes did:web DIDs and controller documents on
// localhost or 127.0.0.1 resolve over plain http instead of https. It is for
// a development server on http://127.0.0.1:8080; the did:web specification
// (§3.3) requires https everywhere else, and the Fetcher must still allow
// the address (fetch.WithTrusted or fetch.WithAllowLoopback).
func WithLoopbackHTTP() ResolverOption { return func(r *Resolver) { r.loopbackHTTP = true } }

// WithRefetchInterval sets the least time between two fetches of one
// document caused by a verification method missing from its cached copy
// (default 30 s). Zero or less turns such refetches off.
func WithRefetchInterval(d time.Duration) ResolverOption {
	return func(r *Resolver) { r.refetchEvery = d }
}

// WithClock sets the resolver's clock (default time.Now), for the cache's
// and the refetch interval's times.
func WithClock(now func() time.Time) ResolverOption { return func(r *Resolver) { r.now = now } }

// DefaultTTL is how long a Resolver caches a fetched document by default.
const DefaultTTL = 5 * time.Minute

// DefaultRefetchInterval is the default least time between two refetches
// of one document for a missing verification method.
const DefaultRefetchInterval = 30 * time.Second

// maxCacheEntries bounds the document cache so hostile input naming many
// DIDs cannot grow it without limit.
const maxCacheEntries = 4096

// maxIDLen bounds verification method ids before any parsing.
const maxIDLen = 2048

// Resolver resolves verification method URLs to public keys. did:key is
// always resolved locally; did:web and https controller documents only
// through the Fetcher given WithFetcher. Fetched documents are cached for the
// TTL and concurrent requests for one document share a single fetch. A
// verification method missing from a cached document makes the resolver
// fetch the document again, at most once per refetch interval, before it
// answers NotFound: a key added by a rotation is found at once, yet a
// forger naming made-up keys of a real DID cannot make tohu fetch that
// DID's document on every request. It is safe for concurrent use.
type Resolver struct {
	fetcher      Fetcher
	ttl          time.Duration
	refetchEvery time.Duration
	loopbackHTTP bool
	now          func() time.Time

	mu       sync.Mutex
	cache    map[string]cached
	inflight map[string]*call
}

type cached struct {
	doc     map[string]any
	expires time.Time
	// refetched is when a missing verification method last caused a
	// refetch of this document (zero if never); kept across refetches.
	refetched time.Time
}

type call struct {
	done chan struct{}
	doc  map[string]any
	err  error
}

// NewResolver returns a Resolver; with no options it is offline (did:key
// only).
func NewResolver(opts ...ResolverOption) *Resolver {
	r := &Resolver{ttl: DefaultTTL, refetchEvery: DefaultRefetchInterval, now: time.Now,
		cache: map[string]cached{}, inflight: map[string]*call{}}
	for _, o := range opts {
		o(r)
	}
	return r
}

// PublicKey returns the public key of the verification method vmID and its
// controller, after checking that the controller's document lists the method
// under purpose (VC Data Integrity §"Retrieve Verification Method";
// Controlled Identifiers 1.0 §3.3). purpose is a verification relationship
// such as "assertionMethod" (the default when empty) or "authentication".
// Methods may be listed by full id, by "#fragment" relative to the
// document, or embedded.
//
// Errors: Invalid for a malformed id, a method not listed under purpose, a
// controller that is not the document's subject, or a malformed key;
// NotFound when the document has no such method; Unavailable when the
// document could not be fetched (or network resolution is off); Unsupported
// for other DID methods and key types. It satisfies credential.KeyResolver.
func (r *Resolver) PublicKey(ctx context.Context, vmID, purpose string) (crypto.PublicKey, string, error) {
	if purpose == "" {
		purpose = RelAssertionMethod
	}
	switch purpose {
	case RelAssertionMethod, RelAuthentication, "capabilityInvocation", "capabilityDelegation", "keyAgreement":
	default:
		return nil, "", errs.E(errs.Invalid, "unknown proof purpose %q", purpose)
	}
	if vmID == "" || len(vmID) > maxIDLen {
		return nil, "", errs.E(errs.Invalid, "verification method id is empty or too long")
	}
	base, frag, hasFrag := strings.Cut(vmID, "#")
	if strings.HasPrefix(base, didKeyPrefix) && !hasFrag {
		// A bare did:key names its one key (did:key v0.7 §3.1.1).
		frag = strings.TrimPrefix(base, didKeyPrefix)
		vmID = base + "#" + frag
	} else if !hasFrag || frag == "" {
		return nil, "", errs.E(errs.Invalid, "verification method id %q has no #fragment", vmID)
	}
	doc, cachedCopy, err := r.document(ctx, base, false)
	if err != nil {
		return nil, "", err
	}
	subject, _ := doc["id"].(string)
	vm := findMethod(doc, subject, vmID)
	if vm == nil && cachedCopy {
		// Perhaps the key is newer than our copy (a rotation since it was
		// fetched): fetch again if the refetch interval allows, else look in
		// the copy as it is now (another request may have just refetched
		// it). A failed refetch answers Unavailable: whether the key exists
		// cannot be told now.
		if doc, _, err = r.document(ctx, base, true); err != nil {
			return nil, "", err
		}
		subject, _ = doc["id"].(string)
		vm = findMethod(doc, subject, vmID)
	}
	if vm == nil {
		return nil, "", errs.E(errs.NotFound, "%s does not publish the verification method %s", subject, vmID)
	}
	if !listed(doc, subject, purpose, vmID) {
		return nil, "", errs.E(errs.Invalid, "verification method %s is not listed under %s of %s", vmID, purpose, subject)
	}
	controller, _ := vm["controller"].(string)
	if controller != subject {
		// Controlled Identifiers 1.0 §3.3: the method's controller must be the
		// document that lists it, or anyone could claim another's key.
		return nil, "", errs.E(errs.Invalid, "verification method %s is controlled by %q, not by %s", vmID, controller, subject)
	}
	pub, err := methodKey(vm)
	if err != nil {
		return nil, "", err
	}
	return pub, controller, nil
}

// Document returns the DID document of did (did:key built locally, did:web
// fetched) or the controller document at an https URL. The caller gets its
// own copy. Errors as for PublicKey.
func (r *Resolver) Document(ctx context.Context, did string) (map[string]any, error) {
	doc, _, err := r.document(ctx, did, false)
	if err != nil {
		return nil, err
	}
	return deepCopy(doc).(map[string]any), nil
}

// document returns a cached or freshly resolved document, and whether it
// is a cached copy; it must not be modified. With refetch it fetches the
// document again if the refetch interval allows (see fetchDocument).
func (r *Resolver) document(ctx context.Context, id string, refetch bool) (map[string]any, bool, error) {
	if id == "" || len(id) > maxIDLen {
		return nil, false, errs.E(errs.Invalid, "identifier is empty or too long")
	}
	var docURL string
	switch {
	case strings.HasPrefix(id, didKeyPrefix):
		doc, err := didKeyDocument(id)
		return doc, false, err
	case strings.HasPrefix(id, didWebPrefix):
		scheme := "https"
		if r.loopbackHTTP && isLoopbackHost(webHost(id)) {
			scheme = "http"
		}
		u, err := didWebURL(id, scheme)
		if err != nil {
			return nil, false, err
		}
		docURL = u
	case strings.HasPrefix(id, "did:"):
		m, _, _ := strings.Cut(strings.TrimPrefix(id, "did:"), ":")
		return nil, false, errs.E(errs.Unsupported, "DID method %q is not supported; tohu resolves did:key and did:web", m)
	case strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://"):
		u, err := url.Parse(id)
		if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
			return nil, false, errs.E(errs.Invalid, "controller document URL %q is malformed", id)
		}
		if u.Scheme == "http" && !(r.loopbackHTTP && isLoopbackHost(u.Hostname())) {
			return nil, false, errs.E(errs.Unsupported, "controller documents are fetched over https only")
		}
		docURL = id
	default:
		return nil, false, errs.E(errs.Unsupported, "cannot resolve %q: not a did:key, did:web or https URL", id)
	}
	if r.fetcher == nil {
		return nil, false, errs.E(errs.Unavailable, "cannot resolve %s: network resolution is not enabled", id)
	}
	return r.fetchDocument(ctx, id, docURL, refetch)
}

// fetchDocument returns the cached copy of id's document, or joins a fetch
// of it in flight, or fetches it. With refetch (a verification method was
// missing from the copy) it joins a fetch in flight, else fetches again
// when no refetch of id has been made within the refetch interval, else
// returns the copy as it is now. Deciding and registering the fetch under
// one lock means concurrent lookups share one refetch and wait for it, and
// however many requests name unknown methods, and whether or not the fetch
// succeeds, the document is refetched at most once per interval.
func (r *Resolver) fetchDocument(ctx context.Context, id, docURL string, refetch bool) (map[string]any, bool, error) {
	r.mu.Lock()
	c, cachedOK := r.cache[id]
	fresh := cachedOK && r.now().Before(c.expires)
	if fresh && !refetch {
		r.mu.Unlock()
		return c.doc, true, nil
	}
	if f, ok := r.inflight[id]; ok {
		r.mu.Unlock()
		select {
		case <-f.done:
			return f.doc, false, f.err
		case <-ctx.Done():
			return nil, false, errs.Wrap(ctx.Err(), errs.Unavailable, "gave up resolving %s", id)
		}
	}
	if fresh { // refetch
		now := r.now()
		if r.refetchEvery <= 0 || (!c.refetched.IsZero() && now.Sub(c.refetched) < r.refetchEvery) {
			r.mu.Unlock()
			return c.doc, true, nil
		}
		c.refetched = now
		r.cache[id] = c
	}
	f := &call{done: make(chan struct{})}
	r.inflight[id] = f
	r.mu.Unlock()

	f.doc, f.err = r.load(ctx, id, docURL)

	r.mu.Lock()
	delete(r.inflight, id)
	if f.err == nil && r.ttl > 0 {
		r.store(id, f.doc)
	}
	r.mu.Unlock()
	close(f.done)
	return f.doc, false, f.err
}

// store adds a document to the cache, keeping the time of its last
// refetch; r.mu is held.
func (r *Resolver) store(id string, doc map[string]any) {
	now := r.now()
	refetched := r.cache[id].refetched
	if len(r.cache) >= maxCacheEntries {
		for k, v := range r.cache {
			if !now.Before(v.expires) {
				delete(r.cache, k)
			}
		}
		for k := range r.cache {
			if len(r.cache) < maxCacheEntries {
				break
			}
			delete(r.cache, k)
		}
	}
	r.cache[id] = cached{doc: doc, expires: now.Add(r.ttl), refetched: refetched}
}

func (r *Resolver) load(ctx context.Context, id, docURL string) (map[string]any, error) {
	body, err := r.fetcher.Fetch(ctx, docURL)
	if err != nil {
		// NOTES §8: a document that cannot be fetched means "cannot verify",
		// never "invalid".
		return nil, errs.Wrap(err, errs.Unavailable, "could not fetch the document of %s: %s", id, errs.ErrorMessage(err))
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, errs.E(errs.Invalid, "the document of %s is not a JSON object", id)
	}
	// did:web §3.3 and Controlled Identifiers 1.0 §3.3: the document's id
	// must be exactly the identifier that was resolved.
	if got, _ := doc["id"].(string); got != id {
		return nil, errs.E(errs.Invalid, "the document fetched for %s has id %q", id, got)
	}
	return doc, nil
}

// findMethod returns the verification method object with id vmID, from
// verificationMethod or embedded in a relationship.
func findMethod(doc map[string]any, subject, vmID string) map[string]any {
	for _, rel := range []string{RelVerificationMethod, RelAssertionMethod, RelAuthentication, "capabilityInvocation", "capabilityDelegation", "keyAgreement"} {
		for _, v := range asList(doc[rel]) {
			if m, ok := v.(map[string]any); ok {
				if id, _ := m["id"].(string); absID(subject, id) == vmID {
					return m
				}
			}
		}
	}
	return nil
}

// listed reports whether vmID appears under the relationship rel, by
// reference or embedded.
func listed(doc map[string]any, subject, rel, vmID string) bool {
	for _, v := range asList(doc[rel]) {
		var id string
		switch x := v.(type) {
		case string:
			id = x
		case map[string]any:
			id, _ = x["id"].(string)
		}
		if absID(subject, id) == vmID {
			return true
		}
	}
	return false
}

func absID(subject, id string) string {
	if strings.HasPrefix(id, "#") {
		return subject + id
	}
	return id
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case nil:
		return nil
	default:
		return []any{x}
	}
}

// methodKey extracts the public key of a verification method.
func methodKey(vm map[string]any) (crypto.PublicKey, error) {
	typ, _ := vm["type"].(string)
	switch typ {
	case TypeMultikey, TypeEd25519VerificationKey2020:
		mb, _ := vm["publicKeyMultibase"].(string)
		pub, err := PublicFromMultikey(mb)
		if err != nil {
			return nil, err
		}
		if _, ok := pub.(ed25519.PublicKey); !ok && typ == TypeEd25519VerificationKey2020 {
			return nil, errs.E(errs.Invalid, "an Ed25519VerificationKey2020 must hold an Ed25519 key")
		}
		return pub, nil
	case TypeEd25519VerificationKey2018:
		s, _ := vm["publicKeyBase58"].(string)
		raw, err := base58.Decode(s)
		if err != nil || len(raw) != ed25519.PublicKeySize || len(s) > 64 {
			return nil, errs.E(errs.Invalid, "publicKeyBase58 is not a 32-byte Ed25519 key")
		}
		return ed25519.PublicKey(raw), nil
	case TypeJsonWebKey, TypeJsonWebKey2020:
		jwk, ok := vm["publicKeyJwk"].(map[string]any)
		if !ok {
			return nil, errs.E(errs.Invalid, "a %s needs a publicKeyJwk object", typ)
		}
		raw, err := json.Marshal(jwk)
		if err != nil {
			return nil, errs.E(errs.Invalid, "publicKeyJwk is malformed")
		}
		return PublicFromJWK(raw)
	}
	return nil, errs.E(errs.Unsupported, "verification method type %q is not supported", typ)
}

// webHost returns the host of a did:web DID, without the port.
func webHost(did string) string {
	h, _, _ := strings.Cut(strings.TrimPrefix(did, didWebPrefix), ":")
	h, _, _ = strings.Cut(h, "%3A")
	h, _, _ = strings.Cut(h, "%3a")
	return strings.ToLower(h)
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}

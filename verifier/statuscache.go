package verifier

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/tohu-nz/tohu/credential/statuslist"
)

// A status list credential is the same few kilobytes for every credential
// it covers, and verifying it (RDFC-1.0 canonicalization, key resolution,
// the signature, gunzip) cost more than half as much again as verifying the
// credential itself. listCache keeps lists that verified, keyed on the exact
// bytes fetched: a revocation re-signs the list, so its new bytes miss and
// are verified afresh at once. A kept list is reused only for the same
// issuer and purpose (what verifyList compared it with), for at most
// listCacheTTL (so a key removed from the issuer's DID document stops
// vouching for it soon after) and never past the list's own validUntil,
// expirationDate or a proof's expires, after which the uncached path
// reports it as before.
const (
	listCacheTTL = 30 * time.Second
	listCacheMax = 256
)

type listCache struct {
	mu sync.Mutex
	m  map[listKey]listEntry
}

type listKey struct {
	sum     [sha256.Size]byte
	issuer  string
	purpose string
}

type listEntry struct {
	list  *statuslist.List // read only (Get) once kept
	until time.Time        // not valid at or after this instant
}

func newListCache() *listCache { return &listCache{m: map[listKey]listEntry{}} }

func keyOf(body []byte, issuer, purpose string) listKey {
	return listKey{sum: sha256.Sum256(body), issuer: issuer, purpose: purpose}
}

// get returns the kept list for k if it is still valid at now.
func (c *listCache) get(k listKey, now time.Time) *statuslist.List {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return nil
	}
	if !now.Before(e.until) {
		delete(c.m, k)
		return nil
	}
	return e.list
}

// put keeps list until until. When full it first drops what has lapsed,
// then (a flood of distinct lists) everything: a miss only costs a verify.
func (c *listCache) put(k listKey, list *statuslist.List, now, until time.Time) {
	if c == nil || !now.Before(until) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= listCacheMax {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= listCacheMax {
			clear(c.m)
		}
	}
	c.m[k] = listEntry{list: list, until: until}
}

// keepUntil is how long a list verified at now (with its decoded document
// doc) may be reused: listCacheTTL, cut short by the list's validUntil and
// expirationDate (plus the clock skew verifyList allows) and by any proof's
// expires. ok is false when a proof's expires cannot be read.
func (v *Verifier) keepUntil(doc map[string]any, now time.Time) (until time.Time, ok bool) {
	until = now.Add(listCacheTTL)
	for _, name := range []string{"validUntil", "expirationDate"} {
		if s := str(doc, name); s != "" {
			if t, ok := parseDate(s); ok && t.Add(v.skew).Before(until) {
				until = t.Add(v.skew)
			}
		}
	}
	var proofs []any
	switch p := doc["proof"].(type) {
	case map[string]any:
		proofs = []any{p}
	case []any:
		proofs = p
	}
	for _, p := range proofs {
		m, _ := p.(map[string]any)
		if m == nil {
			return until, false
		}
		if s, present := m["expires"]; present {
			ss, _ := s.(string)
			t, ok := parseDate(ss)
			if !ok {
				return until, false
			}
			if t.Before(until) {
				until = t
			}
		}
	}
	return until, true
}

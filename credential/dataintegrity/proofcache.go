package dataintegrity

import (
	"encoding/json"
	"sync"
	"unicode/utf8"
)

// Issuing a cohort signs hundreds of credentials a second with one key, so
// one proof configuration (type, cryptosuite, verification method, purpose,
// the second it was created, the document's @context) is canonicalized over
// and over with the same result. RDFC-1.0 with the pinned contexts is a
// function of the document alone, so the last few results are kept, keyed
// by the configuration's complete JSON encoding. Only configurations whose
// encoding determines them exactly are kept: strings (valid UTF-8, so the
// encoding does not replace a byte), booleans, null, arrays and objects —
// no numbers, whose JSON text does not tell json.Number from float64.
// Only the default canonicalizer's results are kept (another loader could
// resolve a context differently), and only successes.

const proofCacheSize = 8

type proofCanonCache struct {
	mu      sync.Mutex
	next    int
	entries [proofCacheSize]struct {
		key string
		out []byte
	}
}

var proofCanons proofCanonCache

// canonicalProofConfig is c.document(cfg), from the cache when it can be.
// The bytes returned are shared: the caller must not change them.
func (c canonicalizer) canonicalProofConfig(cfg map[string]any) ([]byte, error) {
	if c.c != defaultCanonicalizer || !exactlyEncoded(cfg) {
		return c.document(cfg)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return c.document(cfg)
	}
	key := string(b)
	if out, ok := proofCanons.get(key); ok {
		return out, nil
	}
	out, err := c.document(cfg)
	if err == nil {
		proofCanons.put(key, out)
	}
	return out, err
}

func (p *proofCanonCache) get(key string) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.entries {
		if e.out != nil && e.key == key {
			return e.out, true
		}
	}
	return nil, false
}

func (p *proofCanonCache) put(key string, out []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.entries[p.next].key, p.entries[p.next].out = key, out
	p.next = (p.next + 1) % proofCacheSize
}

// exactlyEncoded reports whether v's JSON encoding tells it apart from
// every other value (see above).
func exactlyEncoded(v any) bool {
	switch t := v.(type) {
	case string:
		return utf8.ValidString(t)
	case bool, nil:
		return true
	case []any:
		for _, e := range t {
			if !exactlyEncoded(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for k, e := range t {
			if !utf8.ValidString(k) || !exactlyEncoded(e) {
				return false
			}
		}
		return true
	}
	return false
}

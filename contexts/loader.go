// Package contexts embeds the pinned JSON-LD contexts and serves them to
// json-gold through an offline document loader.
//
// tohu never fetches a context from the network: a context URL that is not
// pinned here is an error that names the URL. That keeps canonicalization
// deterministic (a context edited upstream cannot change what a signature
// covers) and closes a request-forgery path through attacker-chosen @context.
package contexts

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/piprate/json-gold/ld"

	"github.com/tohu-nz/tohu/errs"
)

//go:embed files/*
var files embed.FS

// Bytes returns the pinned bytes served for url (or one of its aliases), and
// whether url is pinned at all. Opt-in contexts are included.
func Bytes(url string) ([]byte, bool) {
	p, ok := lookup(url)
	if !ok {
		return nil, false
	}
	b, err := files.ReadFile("files/" + p.File)
	if err != nil {
		return nil, false
	}
	return b, true
}

func lookup(url string) (Pinned, bool) {
	for _, p := range manifest {
		if p.URL == url {
			return p, true
		}
		for _, a := range p.Aliases {
			if a == url {
				return p, true
			}
		}
	}
	return Pinned{}, false
}

// Loader is an ld.DocumentLoader that serves only the pinned contexts. It
// parses each context once and hands json-gold the same parsed value
// afterwards; json-gold treats loaded documents as read-only.
type Loader struct {
	optIn bool
	mu    sync.RWMutex
	docs  map[string]*ld.RemoteDocument
}

// Option configures a Loader.
type Option func(*Loader)

// WithOptIn lets the loader serve contexts marked OptIn (the VC
// undefined-terms context). Use only where undefined terms are acceptable.
func WithOptIn() Option { return func(l *Loader) { l.optIn = true } }

// NewLoader returns an offline loader over the pinned contexts.
func NewLoader(opts ...Option) *Loader {
	l := &Loader{docs: make(map[string]*ld.RemoteDocument)}
	for _, o := range opts {
		o(l)
	}
	return l
}

var defaultLoader = sync.OnceValue(func() *Loader { return NewLoader() })

// Default returns the process-wide default loader (no opt-in contexts). It
// is safe for concurrent use and caches parsed contexts, which is why it is
// shared rather than rebuilt per call.
func Default() *Loader { return defaultLoader() }

// LoadDocument implements ld.DocumentLoader. It returns an *errs.Error with
// code Unsupported naming the URL when the context is not pinned.
func (l *Loader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	l.mu.RLock()
	d, ok := l.docs[u]
	l.mu.RUnlock()
	if ok {
		return d, nil
	}
	p, ok := lookup(u)
	if !ok {
		return nil, errs.E(errs.Unsupported, "JSON-LD context %q is not one tohu has pinned; tohu loads no context from the network", u)
	}
	if p.OptIn && !l.optIn {
		return nil, errs.E(errs.Unsupported, "JSON-LD context %q is refused: it defines every term (@vocab), which would hide undefined terms", u)
	}
	b, err := files.ReadFile("files/" + p.File)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "pinned context %q is missing from the binary", u)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "pinned context %q is not JSON", u)
	}
	d = &ld.RemoteDocument{DocumentURL: u, Document: doc}
	l.mu.Lock()
	l.docs[u] = d
	l.mu.Unlock()
	return d, nil
}

// IsPinned reports whether url names a pinned context this loader serves.
func (l *Loader) IsPinned(url string) bool {
	p, ok := lookup(url)
	return ok && (!p.OptIn || l.optIn)
}

var _ ld.DocumentLoader = (*Loader)(nil)

// String is for debugging.
func (p Pinned) String() string { return fmt.Sprintf("%s (%s)", p.URL, p.File) }

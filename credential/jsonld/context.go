package jsonld

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/piprate/json-gold/ld"

	"github.com/tohu-nz/tohu/errs"
)

// This file is tohu's own JSON-LD 1.1 context processing (JSON-LD 1.1
// Processing Algorithms §4.1 "Context Processing" and §4.2 "Create Term
// Definition"), limited to the features the pinned VC / OB contexts use.
//
// Why not json-gold's: json-gold re-processes every context on every call
// and deep-copies the whole term map each time a type- or property-scoped
// context applies (OB 3.0 has one per class), which was half the time of a
// canonicalization. Active contexts here are immutable once built, so a
// processed context, and every scoped context derived from it, can be
// cached and shared between goroutines. json-gold stays the reference: the
// differential tests prove the two give identical expansions.

// termDef is an expanded term definition (JSON-LD 1.1 §4.2). Immutable.
type termDef struct {
	id        string // IRI, blank node or keyword; "" when the term is mapped to null
	typ       string // "@id", "@vocab", "@json", "@none", a datatype IRI, or ""
	list      bool   // @container @list
	set       bool   // @container @set
	graph     bool   // @container @graph
	ctx       any    // scoped context (raw JSON), when hasCtx
	hasCtx    bool
	lang      *string // @language mapping (nil = null) when hasLang
	hasLang   bool
	protected bool
	prefix    bool
	// raw is the definition as written, for the @protected equality check.
	raw any
}

// activeCtx is an active context. It is never modified once built, which is
// what makes caching and sharing it safe.
type activeCtx struct {
	terms    map[string]*termDef
	vocab    string
	hasVocab bool
	lang     string
	hasLang  bool
	previous *activeCtx // set by a non-propagated (type-scoped) context
	nprot    int        // number of protected terms
	// ephemeral marks a context built from a document's own context
	// definitions (an inline context object, or an embedded @context): it
	// lives for one call, so what is derived from it does not count against
	// the Canonicalizer-wide cache bound (a stream of such documents must
	// not use up the cache the pinned contexts rely on).
	ephemeral bool

	// derived caches the result of applying one scoped context (identified
	// by the term definition carrying it) to this context.
	derived sync.Map // derivedKey -> *activeCtx
}

type derivedKey struct {
	td       *termDef
	property bool // property-scoped (overrides protection) vs type-scoped
}

// maxDerived bounds how many derived contexts one Canonicalizer caches, so
// a hostile document nesting scoped contexts cannot grow memory without
// bound. Real credentials derive a few dozen.
const maxDerived = 4096

func (a *activeCtx) clone() *activeCtx {
	n := &activeCtx{
		terms:     make(map[string]*termDef, len(a.terms)+8),
		vocab:     a.vocab,
		hasVocab:  a.hasVocab,
		lang:      a.lang,
		hasLang:   a.hasLang,
		previous:  a.previous,
		nprot:     a.nprot,
		ephemeral: a.ephemeral,
	}
	for k, v := range a.terms {
		n.terms[k] = v
	}
	return n
}

// revert returns the context before a type-scoped context applied (JSON-LD
// 1.1 §5.1.2 step 7).
func (a *activeCtx) revert() *activeCtx {
	if a.previous != nil {
		return a.previous
	}
	return a
}

// ctxProcessor processes contexts for one Canonicalizer.
type ctxProcessor struct {
	loader   ld.DocumentLoader
	mu       sync.Mutex
	roots    map[string]*activeCtx // keyed by the canonical JSON of an all-URL @context
	nDerived int
	empty    *activeCtx
}

func newCtxProcessor(loader ld.DocumentLoader) *ctxProcessor {
	return &ctxProcessor{loader: loader, roots: make(map[string]*activeCtx), empty: &activeCtx{terms: map[string]*termDef{}}}
}

// maxRoots bounds the root-context cache; credentials use a handful of
// @context lists.
const maxRoots = 256

// root processes a document's top-level @context against the empty context.
// A @context made only of URLs (every real credential) is cached, because
// only pinned files can be behind it. When inline context objects follow
// URLs (["https://www.w3.org/ns/credentials/v2", {...}]), the leading URLs
// come from the cache and the rest is processed afresh on top of them, as
// an ephemeral context, so a document cannot fill the cache.
func (p *ctxProcessor) root(local any, ptr string) (*activeCtx, error) {
	key, cacheable := rootKey(local)
	if cacheable {
		p.mu.Lock()
		a, ok := p.roots[key]
		p.mu.Unlock()
		if ok {
			return a, nil
		}
		a, err := p.parse(p.empty, local, true, false, 0, ptr)
		if err != nil {
			return nil, err
		}
		p.mu.Lock()
		if len(p.roots) < maxRoots {
			p.roots[key] = a
		}
		p.mu.Unlock()
		return a, nil
	}
	list, _ := local.([]any)
	n := 0
	for n < len(list) {
		if _, ok := list[n].(string); !ok {
			break
		}
		n++
	}
	base := p.empty
	if n > 0 {
		var err error
		if base, err = p.root(list[:n], ptr); err != nil {
			return nil, err
		}
		// list[0] is a URL, so @propagate (read from the first entry) is
		// the default, true, for the rest as well.
		local = list[n:]
	}
	a, err := p.parseList(base, local, true, false, 0, ptr, true)
	if err != nil {
		return nil, err
	}
	return a, nil
}

func rootKey(local any) (string, bool) {
	switch v := local.(type) {
	case string:
		return v, true
	case []any:
		var b strings.Builder
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", false
			}
			b.WriteString(s)
			b.WriteByte(' ') // a space cannot occur inside a pinned URL
		}
		return b.String(), true
	}
	return "", false
}

// scoped applies the scoped context carried by td to a, from the cache when
// possible. property selects property-scoped semantics (propagates,
// overrides protection) over type-scoped (does not propagate).
func (p *ctxProcessor) scoped(a *activeCtx, td *termDef, property bool, ptr string) (*activeCtx, error) {
	if td.ctx == nil && property {
		// Property-scoped @context null: override protected is true for a
		// property-scoped context, so protected terms may be cleared, and
		// the result is the initial context (§4.1.2 step 5.1.2). Returning
		// the shared empty context lets the embedded document's own
		// @context come from the root cache.
		return p.empty, nil
	}
	k := derivedKey{td, property}
	if v, ok := a.derived.Load(k); ok {
		return v.(*activeCtx), nil
	}
	n, err := p.parse(a, td.ctx, property, property, 0, ptr)
	if err != nil {
		return nil, err
	}
	if a.ephemeral {
		// Lives as long as a; bounded by the document's own definitions.
		n.ephemeral = true
		if v, loaded := a.derived.LoadOrStore(k, n); loaded {
			return v.(*activeCtx), nil
		}
		return n, nil
	}
	p.mu.Lock()
	ok := p.nDerived < maxDerived
	if ok {
		p.nDerived++
	}
	p.mu.Unlock()
	if ok {
		if v, loaded := a.derived.LoadOrStore(k, n); loaded {
			return v.(*activeCtx), nil
		}
	}
	return n, nil
}

// maxRemoteDepth bounds context documents that reference other context
// documents.
const maxRemoteDepth = 8

func ctxErr(ptr, format string, args ...any) error {
	return errs.F(errs.Invalid, ptr, format, args...)
}

func unsupported(ptr, format string, args ...any) error {
	return errs.F(errs.Unsupported, ptr, format, args...)
}

// parse is the Context Processing algorithm (JSON-LD 1.1 §4.1.2).
func (p *ctxProcessor) parse(active *activeCtx, local any, propagate, overrideProtected bool, depth int, ptr string) (*activeCtx, error) {
	return p.parseList(active, local, propagate, overrideProtected, depth, ptr, false)
}

// parseList is parse; ephemeral marks the result as built from the
// document's own definitions (see activeCtx.ephemeral).
func (p *ctxProcessor) parseList(active *activeCtx, local any, propagate, overrideProtected bool, depth int, ptr string, ephemeral bool) (*activeCtx, error) {
	list, isList := local.([]any)
	if !isList {
		list = []any{local}
	}
	if len(list) > 0 {
		if m, ok := unwrapCtx(list[0]).(map[string]any); ok {
			if v, ok := m["@propagate"].(bool); ok {
				propagate = v
			}
		}
	}
	result := active.clone()
	if ephemeral {
		result.ephemeral = true
	}
	if !propagate && result.previous == nil {
		result.previous = active
	}
	for _, c := range list {
		switch c := c.(type) {
		case nil:
			if !overrideProtected && result.nprot != 0 {
				return nil, ctxErr(ptr, "a @context null would remove protected term definitions")
			}
			n := &activeCtx{terms: map[string]*termDef{}, ephemeral: result.ephemeral}
			if !propagate {
				n.previous = result
			}
			result = n
		case string:
			if depth >= maxRemoteDepth {
				return nil, ctxErr(ptr, "context %q nests other contexts too deeply", c)
			}
			rd, err := p.loader.LoadDocument(c)
			if err != nil {
				if e, ok := asErrs(err); ok {
					return nil, &errs.Error{Code: e.Code, Field: ptr, Message: e.Message, Err: e.Err}
				}
				return nil, errs.Wrap(err, errs.Unsupported, "JSON-LD context %q could not be loaded", c)
			}
			doc, _ := rd.Document.(map[string]any)
			inner, ok := doc["@context"]
			if !ok {
				return nil, ctxErr(ptr, "context document %q has no @context", c)
			}
			// A remote context is processed with the caller's propagation
			// and protection flags (§4.1.2 step 5.2.6).
			r, err := p.parse(result, inner, true, overrideProtected, depth+1, ptr)
			if err != nil {
				return nil, err
			}
			r.previous = result.previous
			result = r
		case map[string]any:
			if w, ok := c["@context"]; ok {
				// {"@context": {...}} as a context entry: jsonld.js and
				// JSON-LD 1.1's context processing (§4.1.2 step 5.4,
				// "dereference @context") take the inner definition; json-gold
				// refuses it. Only that exact shape is accepted: jsonld.js
				// silently ignores any other member of the wrapper and
				// refuses a URL or array inside it.
				inner, ok := w.(map[string]any)
				if !ok || len(c) != 1 {
					return nil, ctxErr(ptr, "a wrapped context entry must be {\"@context\": {...}} with a context definition object and nothing else")
				}
				c = inner
			}
			if err := p.processMap(result, c, overrideProtected, depth, ptr); err != nil {
				return nil, err
			}
		default:
			return nil, ctxErr(ptr, "a @context entry must be a URL, an object or null")
		}
	}
	return result, nil
}

// unwrapCtx returns the definition inside a wrapped context entry
// ({"@context": {...}}), or c.
func unwrapCtx(c any) any {
	if m, ok := c.(map[string]any); ok && len(m) == 1 {
		if inner, ok := m["@context"].(map[string]any); ok {
			return inner
		}
	}
	return c
}

func (p *ctxProcessor) processMap(result *activeCtx, m map[string]any, overrideProtected bool, depth int, ptr string) error {
	if v, ok := m["@import"]; ok {
		merged, err := p.imported(v, m, depth, ptr)
		if err != nil {
			return err
		}
		m = merged
	}
	if v, ok := m["@version"]; ok {
		if n, ok := v.(json.Number); !ok || n.String() != "1.1" {
			if f, ok := v.(float64); !ok || f != 1.1 {
				return ctxErr(ptr, "@version must be 1.1")
			}
		}
	}
	for _, k := range []string{"@base", "@direction"} {
		if _, ok := m[k]; ok {
			// @direction here is a default base direction for every string
			// in scope; credentials state it on each value object instead
			// (VCDM 2.0 §11.1), which is supported.
			return unsupported(ptr, "contexts using %s are not supported", k)
		}
	}
	if v, ok := m["@vocab"]; ok {
		switch v := v.(type) {
		case nil:
			result.vocab, result.hasVocab = "", false
		case string:
			if !ld.IsAbsoluteIri(v) {
				return unsupported(ptr, "a relative @vocab (%q) is not supported", v)
			}
			result.vocab, result.hasVocab = v, true
		default:
			return ctxErr(ptr, "@vocab must be a string or null")
		}
	}
	if v, ok := m["@language"]; ok {
		switch v := v.(type) {
		case nil:
			result.lang, result.hasLang = "", false
		case string:
			result.lang, result.hasLang = strings.ToLower(v), true
		default:
			return ctxErr(ptr, "@language must be a string or null")
		}
	}
	if v, ok := m["@propagate"]; ok {
		if _, ok := v.(bool); !ok {
			return ctxErr(ptr, "@propagate must be a boolean")
		}
	}
	protectedDefault := false
	if v, ok := m["@protected"]; ok {
		b, ok := v.(bool)
		if !ok {
			return ctxErr(ptr, "@protected must be a boolean")
		}
		protectedDefault = b
	}
	defined := make(map[string]bool, len(m))
	for term := range m {
		switch term {
		case "@version", "@vocab", "@language", "@propagate", "@protected", "@import":
			continue
		}
		if err := p.define(result, m, term, defined, protectedDefault, overrideProtected, ptr); err != nil {
			return err
		}
	}
	return nil
}

// imported is @import (JSON-LD 1.1 §4.1.2 step 5.6): the context the URL
// names, loaded only through the pinned loader, with m's own entries
// overriding it. The imported context must be a single object without
// @import of its own.
func (p *ctxProcessor) imported(v any, m map[string]any, depth int, ptr string) (map[string]any, error) {
	u, ok := v.(string)
	if !ok {
		return nil, ctxErr(ptr, "@import must be a URL")
	}
	if depth >= maxRemoteDepth {
		return nil, ctxErr(ptr, "context %q nests other contexts too deeply", u)
	}
	rd, err := p.loader.LoadDocument(u)
	if err != nil {
		if e, ok := asErrs(err); ok {
			return nil, &errs.Error{Code: e.Code, Field: ptr, Message: e.Message, Err: e.Err}
		}
		return nil, errs.Wrap(err, errs.Unsupported, "JSON-LD context %q (@import) could not be loaded", u)
	}
	doc, _ := rd.Document.(map[string]any)
	ic, ok := doc["@context"].(map[string]any)
	if !ok {
		return nil, ctxErr(ptr, "the context %q named by @import must be a single context object", u)
	}
	if _, ok := ic["@import"]; ok {
		return nil, ctxErr(ptr, "the context %q named by @import must not use @import itself", u)
	}
	for k := range ic {
		switch k {
		case "@vocab", "@language", "@base", "@direction", "@propagate", "@version":
			// jsonld.js 9 handles @import after these keywords, so from an
			// imported context it refuses them ("keywords cannot be
			// overridden") where json-gold and JSON-LD 1.1 apply them:
			// the processors would not agree on what is signed.
			return nil, unsupported(ptr, "@import of %q, which sets %s, is not supported (JSON-LD processors disagree on it)", u, k)
		}
	}
	// A new map: the loaded document is shared and must not change.
	merged := make(map[string]any, len(ic)+len(m))
	for k, v := range ic {
		merged[k] = v
	}
	for k, v := range m {
		if k != "@import" {
			merged[k] = v
		}
	}
	return merged, nil
}

var keywords = map[string]bool{
	"@base": true, "@container": true, "@context": true, "@default": true, "@direction": true,
	"@embed": true, "@explicit": true, "@graph": true, "@id": true, "@import": true,
	"@included": true, "@index": true, "@json": true, "@language": true, "@list": true,
	"@nest": true, "@none": true, "@omitDefault": true, "@prefix": true, "@preserve": true,
	"@protected": true, "@requireAll": true, "@reverse": true, "@set": true, "@type": true,
	"@value": true, "@version": true, "@vocab": true, "@propagate": true,
}

func isKeyword(s string) bool { return len(s) > 1 && s[0] == '@' && keywords[s] }

// keywordLike is the JSON-LD 1.1 reserved form "@" + letters, which
// processors ignore (§4.2.2 step 4, §5.2.2 step 1).
func keywordLike(s string) bool {
	if len(s) < 2 || s[0] != '@' {
		return false
	}
	for _, r := range s[1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// iriLikeTerm reports whether a term looks like an IRI (contains ":x" or
// "/"), in which case its mapping must agree with its own expansion.
func iriLikeTerm(t string) bool {
	if strings.Contains(t, "/") {
		return true
	}
	for i := 0; i+1 < len(t); i++ {
		if t[i] == ':' && t[i+1] != ':' {
			return true
		}
	}
	return false
}

// absoluteIRI matches json-gold's IsAbsoluteIri (a blank node identifier or
// something net/url parses as absolute) so the two agree on what is
// dropped.
func absoluteIRI(v string) bool {
	if strings.HasPrefix(v, "_:") {
		return true
	}
	// Fast path for the common shapes; url.Parse would say the same.
	if i := strings.IndexByte(v, ':'); i > 0 {
		ok := true
		for j := 0; j < i; j++ {
			c := v[j]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
				ok = false
				break
			}
		}
		if !ok {
			return false
		}
		u, err := url.Parse(v)
		return err == nil && u.IsAbs()
	}
	return false
}

// define is Create Term Definition (JSON-LD 1.1 §4.2.2) on result, which the
// caller owns and has not yet shared.
func (p *ctxProcessor) define(result *activeCtx, local map[string]any, term string, defined map[string]bool, protectedDefault, overrideProtected bool, ptr string) error {
	if d, ok := defined[term]; ok {
		if d {
			return nil
		}
		return ctxErr(ptr, "term %q is defined in a cycle", term)
	}
	defined[term] = false
	value := local[term]
	prev := result.terms[term]

	vm, isMap := value.(map[string]any)
	if idv, hasID := vm["@id"]; value == nil || (isMap && hasID && idv == nil) {
		// json-gold stores a null definition without the @protected check;
		// tohu refuses instead, since nulling a protected term is how a
		// document would hide a signed field.
		if prev != nil && prev.protected && !overrideProtected {
			return ctxErr(ptr, "term %q is protected and cannot be redefined", term)
		}
		if prev != nil && prev.protected {
			result.nprot--
		}
		result.terms[term] = &termDef{raw: value}
		defined[term] = true
		return nil
	}
	simple := false
	if s, ok := value.(string); ok {
		vm = map[string]any{"@id": s}
		simple, isMap = true, true
	}
	if !isMap {
		return ctxErr(ptr, "the definition of term %q must be a string, an object or null", term)
	}
	if isKeyword(term) {
		return unsupported(ptr, "redefining keyword %q is not supported", term)
	}
	if keywordLike(term) {
		delete(defined, term)
		return nil
	}
	for k := range vm {
		switch k {
		case "@id", "@type", "@container", "@context", "@language", "@protected", "@prefix":
		case "@reverse", "@direction", "@index", "@nest":
			return unsupported(ptr, "term %q uses %s, which tohu does not support", term, k)
		default:
			return ctxErr(ptr, "the definition of term %q must not contain %s", term, k)
		}
	}
	td := &termDef{protected: protectedDefault, raw: value}
	if v, ok := vm["@protected"]; ok {
		b, ok := v.(bool)
		if !ok {
			return ctxErr(ptr, "@protected of term %q must be a boolean", term)
		}
		td.protected = b
	}
	if v, ok := vm["@type"]; ok {
		s, ok := v.(string)
		if !ok {
			return ctxErr(ptr, "@type of term %q must be a string", term)
		}
		t, err := p.expandCtxIRI(result, local, s, defined, ptr)
		if err != nil {
			return err
		}
		switch {
		case t == "@id" || t == "@vocab" || t == "@none":
		case t == "@json":
			// Accepted in a context (credentials/v2 defines some); using such
			// a term in a document is rejected during expansion.
		case !absoluteIRI(t) || strings.HasPrefix(t, "_:"):
			return ctxErr(ptr, "@type of term %q must be an absolute IRI", term)
		}
		td.typ = t
	}
	colon := strings.IndexByte(term, ':')
	if v, ok := vm["@id"]; ok && v != term {
		s, ok := v.(string)
		if !ok {
			return ctxErr(ptr, "@id of term %q must be a string", term)
		}
		if !isKeyword(s) && keywordLike(s) {
			delete(defined, term)
			return nil
		}
		id, err := p.expandCtxIRI(result, local, s, defined, ptr)
		if err != nil {
			return err
		}
		if !isKeyword(id) && !absoluteIRI(id) {
			return ctxErr(ptr, "term %q must map to an absolute IRI, a blank node or a keyword", term)
		}
		if id == "@context" {
			return ctxErr(ptr, "term %q cannot alias @context", term)
		}
		td.id = id
		if iriLikeTerm(term) {
			defined[term] = true
			self, err := p.expandCtxIRI(result, local, term, defined, ptr)
			if err != nil {
				return err
			}
			if self != id {
				return ctxErr(ptr, "term %q looks like an IRI but maps to %q", term, id)
			}
			delete(defined, term)
		}
		if n := len(id); n > 0 && colon <= 0 && simple {
			switch id[n-1] {
			case ':', '/', '?', '#', '[', ']', '@':
				td.prefix = true
			}
		}
	} else if colon > 0 {
		prefix, suffix := term[:colon], term[colon+1:]
		if _, ok := local[prefix]; ok {
			if err := p.define(result, local, prefix, defined, protectedDefault, overrideProtected, ptr); err != nil {
				return err
			}
		}
		if pd := result.terms[prefix]; pd != nil && pd.id != "" {
			td.id = pd.id + suffix
		} else {
			td.id = term
		}
	} else if strings.Contains(term, "/") {
		return unsupported(ptr, "relative IRI term %q is not supported", term)
	} else if result.hasVocab {
		td.id = result.vocab + term
	} else {
		return ctxErr(ptr, "term %q has no IRI mapping and no @vocab applies", term)
	}
	if v, ok := vm["@container"]; ok {
		var cs []string
		switch v := v.(type) {
		case string:
			cs = []string{v}
		case []any:
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					return ctxErr(ptr, "@container of term %q must be strings", term)
				}
				cs = append(cs, s)
			}
		default:
			return ctxErr(ptr, "@container of term %q must be a string or an array", term)
		}
		for _, c := range cs {
			switch c {
			case "@set":
				td.set = true
			case "@list":
				td.list = true
			case "@graph":
				td.graph = true
			default:
				return unsupported(ptr, "term %q uses @container %s, which tohu does not support", term, c)
			}
		}
		if td.list && (td.set || td.graph) {
			return ctxErr(ptr, "@container @list of term %q cannot be combined", term)
		}
	}
	if v, ok := vm["@context"]; ok {
		// A null scoped context is kept (ctx nil, hasCtx true): applied as a
		// property-scoped context it resets the active context to the
		// initial one (§4.1.2 step 5.1), which is how credentials/v2 lets
		// each credential in verifiableCredential bring its own @context.
		td.ctx, td.hasCtx = v, true
	}
	if v, ok := vm["@language"]; ok {
		switch v := v.(type) {
		case nil:
			td.hasLang = true
		case string:
			s := strings.ToLower(v)
			td.lang, td.hasLang = &s, true
		default:
			return ctxErr(ptr, "@language of term %q must be a string or null", term)
		}
	}
	if v, ok := vm["@prefix"]; ok {
		b, ok := v.(bool)
		if !ok {
			return ctxErr(ptr, "@prefix of term %q must be a boolean", term)
		}
		if colon > 0 || strings.Contains(term, "/") {
			return ctxErr(ptr, "term %q cannot be a prefix", term)
		}
		td.prefix = b
	}
	if prev != nil && prev.protected && !overrideProtected {
		if !sameDef(prev, td) {
			return ctxErr(ptr, "term %q is protected and cannot be redefined", term)
		}
		td = prev
	}
	if prev != nil && prev.protected {
		result.nprot--
	}
	if td.protected {
		result.nprot++
	}
	result.terms[term] = td
	defined[term] = true
	return nil
}

// sameDef compares two definitions ignoring @protected (JSON-LD 1.1 §4.2.2
// step 27.1).
func sameDef(a, b *termDef) bool {
	return a.id == b.id && a.typ == b.typ && a.list == b.list && a.set == b.set && a.graph == b.graph &&
		a.hasCtx == b.hasCtx && a.hasLang == b.hasLang && a.prefix == b.prefix &&
		((a.lang == nil) == (b.lang == nil)) && (a.lang == nil || *a.lang == *b.lang) &&
		reflect.DeepEqual(a.ctx, b.ctx)
}

// expandCtxIRI is IRI Expansion (§5.2.2) during context processing with
// vocab=true, defining terms of local on demand.
func (p *ctxProcessor) expandCtxIRI(result *activeCtx, local map[string]any, v string, defined map[string]bool, ptr string) (string, error) {
	if isKeyword(v) {
		return v, nil
	}
	if keywordLike(v) {
		return "", nil
	}
	if _, ok := local[v]; ok && !defined[v] {
		if err := p.define(result, local, v, defined, false, false, ptr); err != nil {
			return "", err
		}
	}
	if td, ok := result.terms[v]; ok {
		return td.id, nil
	}
	if i := strings.IndexByte(v, ':'); i > 0 {
		prefix, suffix := v[:i], v[i+1:]
		if prefix == "_" || strings.HasPrefix(suffix, "//") {
			return v, nil
		}
		if _, ok := local[prefix]; ok && !defined[prefix] {
			if err := p.define(result, local, prefix, defined, false, false, ptr); err != nil {
				return "", err
			}
		}
		if td := result.terms[prefix]; td != nil && td.id != "" && td.prefix {
			return td.id + suffix, nil
		}
		if absoluteIRI(v) {
			return v, nil
		}
	}
	if result.hasVocab {
		return result.vocab + v, nil
	}
	return "", ctxErr(ptr, "%q is not an absolute IRI", v)
}

// expandIRI is IRI Expansion (§5.2.2) against a finished active context.
// vocab selects vocabulary-relative expansion (property names, types);
// otherwise the value is document-relative and, tohu having no base IRI,
// stays relative. ok is false when the result is not absolute.
func (a *activeCtx) expandIRI(v string, vocab bool) (string, bool) {
	if isKeyword(v) {
		return v, true
	}
	if keywordLike(v) {
		return "", false
	}
	if vocab {
		if td, ok := a.terms[v]; ok {
			return td.id, td.id != ""
		}
	}
	// Results below are checked with absoluteIRI: json-gold returns
	// "000://0" or "prefix:%zz" as they are, then drops them at toRDF
	// because net/url cannot parse them (found by FuzzCanonicalizeStrict).
	if i := strings.IndexByte(v, ':'); i > 0 {
		prefix, suffix := v[:i], v[i+1:]
		if prefix == "_" || strings.HasPrefix(suffix, "//") {
			return v, absoluteIRI(v)
		}
		if td := a.terms[prefix]; td != nil && td.id != "" && td.prefix {
			r := td.id + suffix
			return r, absoluteIRI(r)
		}
		if absoluteIRI(v) {
			return v, true
		}
	}
	if vocab && a.hasVocab {
		r := a.vocab + v
		return r, absoluteIRI(r)
	}
	return v, false
}

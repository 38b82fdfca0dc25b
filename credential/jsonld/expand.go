package jsonld

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tohu-nz/tohu/errs"
)

// This file is JSON-LD 1.1 Expansion (JSON-LD 1.1 Processing Algorithms
// §5.1.2) with tohu's strictness built in. Because it walks the input, it
// knows the JSON pointer of every member, so an undefined term is reported
// where it is rather than silently dropped as json-gold does (NOTES §15.4).
// The output has exactly the shape json-gold's expansion produces; the
// differential tests compare the two.

type expander struct {
	p      *ctxProcessor
	iri    *iriCheck
	dir    bool    // a value object with @direction was expanded
	shared *Shared // objects whose expansion may be reused, or nil
	// vals, when set, gives the value objects (valueObject): the caller
	// drops the expansion once it is turned into RDF and releases vals.
	// keep: the expansion being made is kept (a shared object's), so its
	// value objects are the heap's.
	vals *valueArena
	keep bool
}

// valueArena holds value objects ({"@value": …}, {"@id": …}) for reuse
// from one document to the next: they were a ninth of the bytes a bulk
// award allocated, each a map used for microseconds.
type valueArena struct {
	maps []map[string]any
	n    int // maps[:n] are in use
}

var valueArenas = sync.Pool{New: func() any { return &valueArena{} }}

// maxPooledValues bounds the value objects an arena keeps.
const maxPooledValues = 4096

// release empties the arena's value objects and returns it to the pool.
// Nothing may use them after.
func (a *valueArena) release() {
	for _, m := range a.maps[:a.n] {
		clear(m)
	}
	a.n = 0
	if len(a.maps) <= maxPooledValues {
		valueArenas.Put(a)
	}
}

// valueObject returns an empty map for a value object.
func (x *expander) valueObject() map[string]any {
	a := x.vals
	if a == nil || x.keep {
		return make(map[string]any, 2)
	}
	if a.n == len(a.maps) {
		a.maps = append(a.maps, make(map[string]any, 2))
	}
	m := a.maps[a.n]
	a.n++
	return m
}

// valueOf returns the value object {key: v}.
func (x *expander) valueOf(key string, v any) map[string]any {
	m := x.valueObject()
	m[key] = v
	return m
}

// checkIRI refuses an IRI that json-gold's toRDF would silently drop
// (NOTES §15.4): what is dropped is not signed.
func (x *expander) checkIRI(iri, ptr string) error {
	if !x.iri.valid(iri) {
		return errs.F(errs.Invalid, ptr, "%q is not a valid IRI; JSON-LD processing would drop it from what is signed", iri)
	}
	return nil
}

// validLanguage matches json-gold's language-tag check ([a-zA-Z]+ then
// -[a-zA-Z0-9]+ subtags); literals failing it are dropped by toRDF.
func validLanguage(s string) bool {
	first := true
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-':
			if n == 0 {
				return false
			}
			first, n = false, 0
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			n++
		case c >= '0' && c <= '9' && !first:
			n++
		default:
			return false
		}
	}
	return n > 0
}

func child(ptr, key string) string {
	return ptr + "/" + errs.PointerToken(key)
}

func index(ptr string, i int) string { return ptr + "/" + strconv.Itoa(i) }

func undefinedTerm(ptr, term string) error {
	return errs.F(errs.Invalid, ptr, "term %q is not defined by any @context of the document, so a signature would not cover it", term)
}

// expandDoc expands a whole document. The result is always an array (the
// top-level node objects), as json-gold's Expand returns it.
func (x *expander) expandDoc(doc any) ([]any, error) {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, errs.E(errs.Invalid, "a credential must be a JSON object")
	}
	if _, ok := m["@context"]; !ok {
		return nil, errs.F(errs.Invalid, "/@context", "the document has no @context")
	}
	if _, ok := m["@graph"]; ok {
		return nil, errs.F(errs.Unsupported, "/@graph", "a top-level @graph is not supported")
	}
	v, err := x.element(x.p.empty, "", nil, doc, "", nil)
	if err != nil {
		return nil, err
	}
	r, _ := v.(map[string]any)
	if len(r) == 0 {
		return nil, errs.E(errs.Invalid, "the document expands to nothing: it has no data a signature could cover")
	}
	return []any{r}, nil
}

// element expands one JSON value. prop is the active property (""
// at the top) and ptd its definition in ctx (nil when undefined or "").
func (x *expander) element(ctx *activeCtx, prop string, ptd *termDef, el any, ptr string, tsc *activeCtx) (any, error) {
	switch el := el.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]any, 0, len(el))
		for i, item := range el {
			if _, nested := item.([]any); nested && ptd != nil && ptd.list {
				return nil, errs.F(errs.Unsupported, index(ptr, i), "lists of lists are not supported")
			}
			v, err := x.element(ctx, prop, ptd, item, index(ptr, i), tsc)
			if err != nil {
				return nil, err
			}
			switch v := v.(type) {
			case nil:
			case []any:
				out = append(out, v...)
			default:
				out = append(out, v)
			}
		}
		return out, nil
	case map[string]any:
		return x.object(ctx, prop, ptd, el, ptr, tsc)
	default:
		if prop == "" {
			return nil, errs.F(errs.Invalid, ptr, "a bare value here is dropped by JSON-LD expansion")
		}
		return x.value(ctx, prop, el, ptr)
	}
}

// value is Value Expansion (§5.3.2) of a scalar under property prop.
func (x *expander) value(ctx *activeCtx, prop string, v any, ptr string) (any, error) {
	if err := checkScalar(v, ptr); err != nil {
		return nil, err
	}
	td := ctx.terms[prop]
	if td != nil && (td.typ == "@id" || td.typ == "@vocab") {
		if s, ok := v.(string); ok {
			id, ok := ctx.expandIRI(s, td.typ == "@vocab")
			if !ok {
				return nil, errs.F(errs.Invalid, ptr, "%q is not an absolute IRI, and a relative one would be dropped from what is signed", s)
			}
			if err := x.checkIRI(id, ptr); err != nil {
				return nil, err
			}
			return x.valueOf("@id", id), nil
		}
		return x.valueOf("@value", v), nil
	}
	if td != nil && td.typ == "@json" {
		return nil, errs.F(errs.Unsupported, ptr, "JSON literals (@type @json) are not supported")
	}
	r := x.valueOf("@value", v)
	if td != nil && td.typ != "" && td.typ != "@none" {
		if err := x.checkIRI(td.typ, ptr); err != nil {
			return nil, err
		}
		r["@type"] = td.typ
		return r, nil
	}
	if _, ok := v.(string); ok {
		if td != nil && td.hasLang {
			if td.lang != nil {
				r["@language"] = *td.lang
			}
		} else if ctx.hasLang {
			r["@language"] = ctx.lang
		}
		if l, ok := r["@language"].(string); ok && !validLanguage(l) {
			return nil, errs.F(errs.Invalid, ptr, "language tag %q is not valid; JSON-LD processing would drop this value", l)
		}
	}
	return r, nil
}

// checkScalar rejects numbers json-gold cannot turn into RDF: a json.Number
// that does not fit a float64 makes json-gold's toRDF panic, and a float64
// NaN/Inf has no lexical form.
func checkScalar(v any, ptr string) error {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return errs.F(errs.Invalid, ptr, "number %s is out of range", n.String())
		}
	case float64:
		if math.IsInf(n, 0) || math.IsNaN(n) {
			return errs.F(errs.Invalid, ptr, "number is not finite")
		}
	case string:
		if i := strings.IndexFunc(n, nonInteropControl); i >= 0 {
			return errs.F(errs.Invalid, ptr, "the text contains control character U+%04X, which JSON-LD libraries canonicalize differently, so a signature over it would not verify everywhere", n[i])
		}
	case bool:
	default:
		return errs.F(errs.Invalid, ptr, "unexpected JSON value of type %T", v)
	}
	return nil
}

// nonInteropControl reports the control characters json-gold and
// jsonld.js escape differently in N-Quads (all but TAB, LF and CR).
func nonInteropControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (x *expander) object(ctx *activeCtx, prop string, ptd *termDef, el map[string]any, ptr string, tsc *activeCtx) (any, error) {
	if o := x.shared.source(el); o != nil {
		return x.expandShared(o, ctx, prop, ptd, el, ptr, tsc)
	}
	return x.objectUnshared(ctx, prop, ptd, el, ptr, tsc)
}

// objectUnshared is object without looking in x.shared.
func (x *expander) objectUnshared(ctx *activeCtx, prop string, ptd *termDef, el map[string]any, ptr string, tsc *activeCtx) (any, error) {
	keys := sortedKeys(el)
	// Property-scoped context of the active property, looked up before any
	// reverting (§5.1.2 step 3).
	var pscope *termDef
	if ptd != nil && ptd.hasCtx {
		pscope = ptd
	}
	if tsc == nil && ctx.previous != nil {
		tsc = ctx
	}
	elCtx, hasCtx := el["@context"]
	revert := true
	if tsc != nil && len(keys) <= 2 && !hasCtx {
		for _, k := range keys {
			ek, _ := tsc.expandIRI(k, true)
			if ek == "@value" {
				revert = false
				ctx = tsc
				break
			}
			if ek == "@id" && len(keys) == 1 {
				revert = false
				break
			}
		}
	}
	if revert {
		ctx = ctx.revert()
	}
	var err error
	if pscope != nil {
		if ctx, err = x.p.scoped(ctx, pscope, true, ptr); err != nil {
			return nil, err
		}
	}
	if hasCtx {
		cp := child(ptr, "@context")
		if ctx == x.p.empty {
			// The document itself, or one embedded under a null scoped
			// context (a credential in a presentation): the same cached
			// processing as a top-level @context.
			ctx, err = x.p.root(elCtx, cp)
		} else {
			ctx, err = x.p.parseList(ctx, elCtx, true, false, 0, cp, true)
		}
		if err != nil {
			return nil, err
		}
	}
	tsc = ctx
	// Type-scoped contexts, in lexicographical order of the types.
	for _, k := range keys {
		if ek, _ := ctx.expandIRI(k, true); ek != "@type" {
			continue
		}
		var types []string
		switch v := el[k].(type) {
		case string:
			types = []string{v}
		case []any:
			for i, t := range v {
				s, ok := t.(string)
				if !ok {
					return nil, errs.F(errs.Invalid, index(child(ptr, k), i), "a type must be a string")
				}
				types = append(types, s)
			}
			sort.Strings(types)
		default:
			return nil, errs.F(errs.Invalid, child(ptr, k), "type must be a string or an array of strings")
		}
		for _, t := range types {
			// Report an undefined type at the type itself, before its
			// missing scoped context makes the node's properties look
			// undefined too.
			if e, ok := tsc.expandIRI(t, true); !ok || e == "" {
				return nil, errs.F(errs.Invalid, typePointer(child(ptr, k), el[k], t), "term %q is not defined by any @context of the document, so a signature would not cover this type", t)
			}
			if td := tsc.terms[t]; td != nil && td.hasCtx {
				if ctx, err = x.p.scoped(ctx, td, false, child(ptr, k)); err != nil {
					return nil, err
				}
			}
		}
	}

	res := make(map[string]any, len(keys))
	for _, k := range keys {
		if k == "@context" {
			continue
		}
		kp := child(ptr, k)
		v := el[k]
		if k == "" {
			// With an @vocab, "" would expand to the vocabulary IRI itself;
			// json-gold mishandles it (found by FuzzCanonicalizeStrict).
			return nil, errs.F(errs.Invalid, kp, "a member with an empty name is not allowed")
		}
		ek, ok := ctx.expandIRI(k, true)
		if !ok || ek == "" || (!strings.Contains(ek, ":") && !isKeyword(ek)) {
			return nil, undefinedTerm(kp, k)
		}
		if isKeyword(ek) {
			if err := x.keyword(ctx, tsc, prop, ek, k, v, kp, res); err != nil {
				return nil, err
			}
			continue
		}
		if strings.HasPrefix(ek, "_:") {
			return nil, errs.F(errs.Invalid, kp, "property %q expands to a blank node, which RDF drops", k)
		}
		if err := x.checkIRI(ek, kp); err != nil {
			return nil, err
		}
		termCtx := ctx
		td := ctx.terms[k]
		if td != nil && td.hasCtx {
			if termCtx, err = x.p.scoped(ctx, td, true, kp); err != nil {
				return nil, err
			}
		}
		ttd := termCtx.terms[k]
		if ttd != nil && ttd.typ == "@json" || td != nil && td.typ == "@json" {
			return nil, errs.F(errs.Unsupported, kp, "JSON literals (@type @json, term %q) are not supported", k)
		}
		// The container mapping is the key's in the active context (§5.1.2
		// step 13.5; jsonld.js does so). json-gold reads it from the term
		// context instead, which only matters when a scoped context changes
		// the term's own container: for @context null (verifiableCredential
		// in credentials/v2) the term context is empty and json-gold loses
		// the @graph container, putting the embedded credential's quads in
		// the default graph, unlike every other implementation. tohu follows
		// the specification there and refuses the other cases, where
		// json-gold (the reference) and the specification would disagree.
		ctr := ttd
		nullScope := td != nil && td.hasCtx && td.ctx == nil
		if nullScope {
			ctr = td
			if err := embeddedObjects(v, kp); err != nil {
				return nil, err
			}
		} else if td != nil && td.hasCtx && !sameContainer(td, ttd) {
			return nil, errs.F(errs.Unsupported, kp, "the scoped context of term %q changes the term's own container, which JSON-LD processors handle differently", k)
		}
		ev, err := x.element(termCtx, k, ttd, v, kp, nil)
		if err != nil {
			return nil, err
		}
		if ev == nil {
			continue
		}
		if nullScope {
			for i, e := range arrayify(ev) {
				if !hasData(e) {
					return nil, errs.F(errs.Invalid, embeddedPointer(kp, v, i), "this embedded document has no data a signature could cover")
				}
			}
		}
		ttd = ctr
		if ttd != nil && ttd.list {
			if m, ok := ev.(map[string]any); !ok || m["@list"] == nil {
				if a, ok := ev.([]any); ok {
					ev = map[string]any{"@list": a}
				} else {
					ev = map[string]any{"@list": []any{ev}}
				}
			}
		}
		if ttd != nil && ttd.graph {
			evs := arrayify(ev)
			out := make([]any, 0, len(evs))
			for _, e := range evs {
				out = append(out, map[string]any{"@graph": arrayify(e)})
			}
			ev = out
		}
		cur, _ := res[ek].([]any)
		if a, ok := ev.([]any); ok {
			cur = append(cur, a...)
		} else {
			cur = append(cur, ev)
		}
		if cur == nil {
			cur = []any{}
		}
		res[ek] = cur
	}

	// Post-processing (§5.1.2 steps 15-20).
	if rv, ok := res["@value"]; ok {
		for k := range res {
			switch k {
			case "@value", "@language", "@type", "@index", "@direction":
			default:
				return nil, errs.F(errs.Invalid, ptr, "a value object cannot have other members")
			}
		}
		_, hasLang := res["@language"]
		_, hasDir := res["@direction"]
		t, hasType := res["@type"]
		if hasLang && hasType {
			return nil, errs.F(errs.Invalid, ptr, "a value object cannot have both @type and @language")
		}
		if hasDir && hasType {
			return nil, errs.F(errs.Invalid, ptr, "a value object cannot have both @type and @direction")
		}
		if rv == nil {
			return nil, nil
		}
		if _, ok := rv.(string); hasDir && !ok {
			// JSON-LD keeps the direction of a number or boolean nowhere in
			// RDF, so it would not be signed.
			return nil, errs.F(errs.Invalid, ptr, "only strings can have a @direction")
		}
		if hasLang {
			if _, ok := rv.(string); !ok {
				return nil, errs.F(errs.Invalid, ptr, "only strings can have a language")
			}
			if l, _ := res["@language"].(string); !validLanguage(l) {
				return nil, errs.F(errs.Invalid, ptr, "language tag %q is not valid; JSON-LD processing would drop this value", l)
			}
		} else if hasType {
			ts, ok := t.(string)
			if !ok || !absoluteIRI(ts) || strings.HasPrefix(ts, "_:") {
				return nil, errs.F(errs.Invalid, ptr, "the @type of a value must be an absolute IRI")
			}
			if err := x.checkIRI(ts, ptr); err != nil {
				return nil, err
			}
		}
	} else if t, ok := res["@type"]; ok {
		if _, ok := t.([]any); !ok {
			res["@type"] = []any{t}
		}
	}
	if _, ok := res["@language"]; ok && len(res) == 1 {
		return nil, errs.F(errs.Invalid, ptr, "an object with only @language is dropped by JSON-LD expansion")
	}
	if _, ok := res["@direction"]; ok {
		if _, ok := res["@value"]; !ok {
			return nil, errs.F(errs.Invalid, ptr, "@direction belongs in a value object (with @value); here JSON-LD processing would drop it")
		}
	}
	if prop == "" {
		_, hasValue := res["@value"]
		_, hasID := res["@id"]
		if len(res) == 0 || hasValue || (hasID && len(res) == 1) {
			return nil, errs.F(errs.Invalid, ptr, "this object is dropped by JSON-LD expansion: it has no properties")
		}
	}
	return res, nil
}

func sameContainer(a, b *termDef) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.list == b.list && a.set == b.set && a.graph == b.graph
}

// embeddedObjects requires the value of a term with a null scoped context
// (verifiableCredential in credentials/v2) to be objects: each is a
// document of its own, with its own @context. A string there would expand
// to a plain literal in an empty graph, covering nothing.
func embeddedObjects(v any, ptr string) error {
	if a, ok := v.([]any); ok {
		for i, e := range a {
			if _, ok := e.(map[string]any); !ok {
				return errs.F(errs.Invalid, index(ptr, i), "an embedded credential must be an object with its own @context")
			}
		}
		return nil
	}
	if _, ok := v.(map[string]any); !ok && v != nil {
		return errs.F(errs.Invalid, ptr, "an embedded credential must be an object with its own @context")
	}
	return nil
}

// hasData reports whether an expanded embedded document is a node object
// with something besides its @id.
func hasData(e any) bool {
	m, ok := e.(map[string]any)
	if !ok {
		return false
	}
	if _, ok := m["@value"]; ok {
		return false
	}
	if _, ok := m["@list"]; ok {
		return false
	}
	for k := range m {
		if k != "@id" {
			return true
		}
	}
	return false
}

func embeddedPointer(ptr string, v any, i int) string {
	if _, ok := v.([]any); ok {
		return index(ptr, i)
	}
	return ptr
}

// typePointer is the pointer of type t within the type member v at ptr.
func typePointer(ptr string, v any, t string) string {
	if a, ok := v.([]any); ok {
		for i, e := range a {
			if e == t {
				return index(ptr, i)
			}
		}
	}
	return ptr
}

func arrayify(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	return []any{v}
}

// keyword expands one member whose key expands to a keyword.
func (x *expander) keyword(ctx, tsc *activeCtx, prop, ek, k string, v any, kp string, res map[string]any) error {
	_ = prop
	if _, dup := res[ek]; dup && ek != "@type" {
		return errs.F(errs.Invalid, kp, "%s appears twice (through an alias)", ek)
	}
	switch ek {
	case "@id":
		s, ok := v.(string)
		if !ok {
			return errs.F(errs.Invalid, kp, "an id must be a string")
		}
		id, ok := ctx.expandIRI(s, false)
		if !ok {
			return errs.F(errs.Invalid, kp, "id %q is not an absolute IRI; a relative id would be dropped from what is signed", s)
		}
		if err := x.checkIRI(id, kp); err != nil {
			return err
		}
		res["@id"] = id
	case "@type":
		expand := func(s, p string) (string, error) {
			t, ok := tsc.expandIRI(s, true)
			if !ok || t == "" {
				return "", errs.F(errs.Invalid, p, "term %q is not defined by any @context of the document, so a signature would not cover this type", s)
			}
			return t, x.checkIRI(t, p)
		}
		switch v := v.(type) {
		case string:
			t, err := expand(v, kp)
			if err != nil {
				return err
			}
			if cur, ok := res["@type"]; ok {
				res["@type"] = append(arrayify(cur), t)
			} else {
				res["@type"] = t
			}
		case []any:
			out := make([]any, 0, len(v))
			for i, e := range v {
				s, ok := e.(string)
				if !ok {
					return errs.F(errs.Invalid, index(kp, i), "a type must be a string")
				}
				t, err := expand(s, index(kp, i))
				if err != nil {
					return err
				}
				out = append(out, t)
			}
			// json-gold replaces rather than merges an array-valued alias;
			// documents with two type keys are refused above for every other
			// keyword, and here too so the two processors cannot disagree.
			if _, ok := res["@type"]; ok {
				return errs.F(errs.Invalid, kp, "@type appears twice (through an alias)")
			}
			res["@type"] = out
		default:
			return errs.F(errs.Invalid, kp, "type must be a string or an array of strings")
		}
	case "@value":
		if v == nil {
			res["@value"] = nil
			return nil
		}
		if err := checkScalar(v, kp); err != nil {
			return err
		}
		res["@value"] = v
	case "@language":
		s, ok := v.(string)
		if !ok {
			return errs.F(errs.Invalid, kp, "@language must be a string")
		}
		res["@language"] = strings.ToLower(s)
	case "@direction":
		// JSON-LD 1.1 §5.1.2 step 13.4.8 (VCDM 2.0 §11.1): "ltr" or "rtl",
		// exactly; only meaningful in a value object (checked below).
		s, ok := v.(string)
		if !ok || s != "ltr" && s != "rtl" {
			return errs.F(errs.Invalid, kp, "@direction must be \"ltr\" or \"rtl\"")
		}
		res["@direction"] = s
		x.dir = true
	default:
		return errs.F(errs.Unsupported, kp, "keyword %s is not supported in credentials", ek)
	}
	return nil
}

package jsonld

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/piprate/json-gold/ld"

	"github.com/tohu-nz/tohu/errs"
)

// This file is Deserialize JSON-LD to RDF (JSON-LD 1.1 Processing
// Algorithms §7.1-7.3) over the expanded form, emitting quads directly
// instead of building json-gold's node map first. RDF datasets are sets, so
// duplicate quads (the node map's merging) are removed here. Blank node
// labels are whatever comes first: RDFC-1.0 relabels canonically, so they
// cannot change the output.

type rdfBuilder struct {
	n      int
	labels map[string]string
	graphs map[string][]*ld.Quad
	// seen is the set of quads emitted so far (emit), by key: the key
	// strings are views of keys, which only grows while the builder is in
	// use, so they never change; release clears seen before keys is reused.
	seen map[string]struct{}
	keys []byte
	key  []byte // emit's working buffer, reused
	// The quads are made in chunks, kept for the next document: chunks[ci]
	// is the one being filled, those before it are full.
	chunks [][]ld.Quad
	ci     int
	// texts maps subject, predicate, graph, text and language of each plain
	// or language-tagged string to its @direction ("" for none), to find
	// values jsonld.js would merge (see direction).
	texts   map[string]string
	err     error
	checkJS bool // the document has @direction: run direction

	shared  *Shared       // nodes whose quads may be replayed, or nil
	rec     *rdfRecording // the shared node being converted the first time, or nil
	replays []replay      // the shared subtrees in the dataset
}

// rdfBuilders keeps released builders: a bulk award's dataset allocated a
// string per quad for the set and a quad at a time; a builder reused keeps
// its maps, key buffer and chunks of quads.
var rdfBuilders = sync.Pool{New: func() any {
	return &rdfBuilder{
		labels: make(map[string]string),
		graphs: map[string][]*ld.Quad{"@default": make([]*ld.Quad, 0, 64)},
		seen:   make(map[string]struct{}, 64),
	}
}}

// newRDFBuilder returns an empty builder; release it once its dataset is
// no longer used.
func newRDFBuilder() *rdfBuilder { return rdfBuilders.Get().(*rdfBuilder) }

// release empties b and returns it to the pool. Nothing of its dataset may
// be used after: its quads are overwritten by the next document's.
func (b *rdfBuilder) release() {
	if cap(b.keys) > maxPooledScratch {
		return // a huge document's memory goes with it
	}
	def := b.graphs["@default"]
	clear(def)
	clear(b.graphs)
	b.graphs["@default"] = def[:0]
	clear(b.labels)
	clear(b.seen)
	if b.texts != nil {
		clear(b.texts)
	}
	for i := range b.chunks[:min(b.ci+1, len(b.chunks))] {
		clear(b.chunks[i])
		b.chunks[i] = b.chunks[i][:0]
	}
	clear(b.replays)
	b.ci, b.keys, b.replays = 0, b.keys[:0], b.replays[:0]
	b.n, b.err, b.checkJS, b.shared, b.rec = 0, nil, false, nil, nil
	rdfBuilders.Put(b)
}

// newQuad is ld.NewQuad, from the builder's chunks of quads.
func (b *rdfBuilder) newQuad(s, p, o ld.Node, graph string) *ld.Quad {
	for b.ci < len(b.chunks) && len(b.chunks[b.ci]) == cap(b.chunks[b.ci]) {
		b.ci++
	}
	if b.ci == len(b.chunks) {
		b.chunks = append(b.chunks, make([]ld.Quad, 0, 64))
	}
	c := b.chunks[b.ci]
	c = c[:len(c)+1]
	b.chunks[b.ci] = c
	q := &c[len(c)-1]
	*q = ld.Quad{Subject: s, Predicate: p, Object: o}
	if graph != "" && graph != "@default" {
		if strings.HasPrefix(graph, "_:") {
			q.Graph = ld.NewBlankNode(graph)
		} else {
			q.Graph = ld.NewIRI(graph)
		}
	}
	return q
}

func (b *rdfBuilder) fresh() string {
	s := blankLabel(b.n)
	b.n++
	return s
}

// blankLabels are the labels _:b0 … _:b1023, made once: a credential has
// a few dozen blank nodes, each labelled afresh for every document.
var blankLabels = func() []string {
	l := make([]string, 1024)
	for i := range l {
		l[i] = "_:b" + strconv.Itoa(i)
	}
	return l
}()

// blankLabel is the label of fresh blank node n.
func blankLabel(n int) string {
	if n < len(blankLabels) {
		return blankLabels[n]
	}
	return "_:b" + strconv.Itoa(n)
}

// blank relabels a document blank node identifier, so it cannot collide
// with the fresh ones.
func (b *rdfBuilder) blank(id string) string {
	if b.rec != nil {
		b.rec.bad = true // it may name a node outside the subtree
	}
	if l, ok := b.labels[id]; ok {
		return l
	}
	l := b.fresh()
	b.labels[id] = l
	return l
}

func (b *rdfBuilder) iriOrBlank(id string) ld.Node {
	if strings.HasPrefix(id, "_:") {
		return ld.NewBlankNode(b.blank(id))
	}
	return ld.NewIRI(id)
}

func (b *rdfBuilder) emit(s, p, o ld.Node, graph string) {
	k := b.key[:0]
	for _, n := range [...]ld.Node{s, p, o} {
		switch n := n.(type) {
		case ld.IRI:
			k = append(append(k, '<'), n.Value...)
		case ld.BlankNode:
			k = append(append(k, '_'), n.Attribute...)
		case ld.Literal:
			k = append(append(k, '"'), n.Value...)
			k = append(append(k, '^'), n.Datatype...)
			k = append(append(k, '@'), n.Language...)
		}
		k = append(k, 0)
	}
	k = append(k, graph...)
	b.key = k
	if b.rec != nil {
		b.rec.record(s, p, o) // before duplicates are removed: a replay must emit them all
	}
	if _, dup := b.seen[string(k)]; dup {
		return
	}
	start := len(b.keys)
	b.keys = append(b.keys, k...)
	b.seen[unsafe.String(&b.keys[start], len(k))] = struct{}{}
	b.graphs[graph] = append(b.graphs[graph], b.newQuad(s, p, o, graph))
}

var rdfType = ld.NewIRI(ld.RDFType)

// node emits the quads of one node object in graph and returns its subject.
func (b *rdfBuilder) node(m map[string]any, graph string) ld.Node {
	var subj ld.Node
	if id, ok := m["@id"].(string); ok {
		subj = b.iriOrBlank(id)
	} else {
		subj = ld.NewBlankNode(b.fresh())
	}
	if g, ok := m["@graph"].([]any); ok {
		if b.rec != nil {
			b.rec.bad = true
		}
		name := subj.GetValue()
		if _, ok := b.graphs[name]; !ok {
			b.graphs[name] = make([]*ld.Quad, 0, 16)
		}
		for _, e := range g {
			if em, ok := e.(map[string]any); ok {
				b.node(em, name)
			}
		}
	}
	if ts, ok := m["@type"].([]any); ok {
		for _, t := range ts {
			b.emit(subj, rdfType, b.iriOrBlank(t.(string)), graph)
		}
	}
	for p, vs := range m {
		if p[0] == '@' {
			continue
		}
		pred := ld.NewIRI(p)
		for _, v := range vs.([]any) {
			if o := b.object(v, graph); o != nil {
				if b.checkJS {
					b.direction(subj, p, v, graph)
				}
				b.emit(subj, pred, o, graph)
			}
		}
	}
	return subj
}

// direction refuses two string values of one property of one node that
// differ only in @direction (one may have none): jsonld.js's node map
// compares values without @direction (util.compareValues) and keeps only
// the first, so it would sign one of them where tohu signs both, and the
// signature would not verify there.
func (b *rdfBuilder) direction(subj ld.Node, pred string, v any, graph string) {
	m, ok := v.(map[string]any)
	if !ok || b.err != nil {
		return
	}
	val, ok := m["@value"].(string)
	if !ok {
		return
	}
	if _, typed := m["@type"]; typed {
		return
	}
	lang, _ := m["@language"].(string)
	dir, _ := m["@direction"].(string)
	k := graph + "\x00" + subj.GetValue() + "\x00" + pred + "\x00" + lang + "\x00" + val
	if b.texts == nil {
		b.texts = make(map[string]string)
	}
	prev, seen := b.texts[k]
	if !seen {
		b.texts[k] = dir
		return
	}
	if prev != dir {
		b.err = errs.F(errs.Invalid, "", "the text %q is given twice for <%s> with different @direction; JSON-LD processors such as jsonld.js keep only one of them, so a signature would not verify everywhere", val, pred)
	}
}

var (
	rdfFirst = ld.NewIRI(ld.RDFFirst)
	rdfRest  = ld.NewIRI(ld.RDFRest)
	rdfNil   = ld.NewIRI(ld.RDFNil)
)

// object converts one expanded value to an RDF term (§7.3 Object to RDF),
// emitting the quads of nested nodes and lists.
func (b *rdfBuilder) object(v any, graph string) ld.Node {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if val, ok := m["@value"]; ok {
		if dir, ok := m["@direction"].(string); ok {
			return directional(val, m["@language"], dir)
		}
		return literal(val, m["@type"], m["@language"])
	}
	if l, ok := m["@list"].([]any); ok {
		if len(l) == 0 {
			return rdfNil
		}
		head := ld.NewBlankNode(b.fresh())
		cur := head
		for i, item := range l {
			if o := b.object(item, graph); o != nil {
				b.emit(cur, rdfFirst, o, graph)
			}
			if i == len(l)-1 {
				b.emit(cur, rdfRest, rdfNil, graph)
			} else {
				next := ld.NewBlankNode(b.fresh())
				b.emit(cur, rdfRest, next, graph)
				cur = next
			}
		}
		return head
	}
	if b.shared != nil && b.rec == nil && !b.checkJS && graph == "@default" {
		if o := b.shared.ofExpanded(m); o != nil {
			return b.nodeShared(o, m, graph)
		}
	}
	return b.node(m, graph)
}

// literal follows json-gold's objectToRDF exactly (the reference), which
// matches jsonld.js: booleans and integral numbers keep their integer form,
// other numbers and any xsd:double get the canonical double form.
func literal(val, typ, lang any) ld.Node {
	dt, hasType := typ.(string)
	switch v := val.(type) {
	case bool:
		if !hasType {
			dt = ld.XSDBoolean
		}
		return ld.NewLiteral(strconv.FormatBool(v), dt, "")
	case json.Number, float64:
		var f float64
		if n, ok := v.(json.Number); ok {
			f, _ = n.Float64() // range checked during expansion
		} else {
			f = v.(float64)
		}
		isInteger := f == float64(int64(f))
		if !isInteger || dt == ld.XSDDouble {
			if !hasType {
				dt = ld.XSDDouble
			}
			return ld.NewLiteral(ld.GetCanonicalDouble(f), dt, "")
		}
		if !hasType {
			dt = ld.XSDInteger
		}
		return ld.NewLiteral(fmt.Sprintf("%d", int64(f)), dt, "")
	case string:
		if l, ok := lang.(string); ok {
			return ld.NewLiteral(v, ld.RDFLangString, l)
		}
		if !hasType {
			dt = ld.XSDString
		}
		return ld.NewLiteral(v, dt, "")
	}
	return nil
}

// i18nBase is the namespace of the rdfDirection "i18n-datatype" datatypes
// (JSON-LD 1.1 Processing Algorithms §7.3 step 13).
const i18nBase = "https://www.w3.org/ns/i18n#"

// directional is a string value with a base direction as JSON-LD's
// rdfDirection "i18n-datatype" represents it: the lexical form typed
// https://www.w3.org/ns/i18n#{language}_{direction} (language lower case,
// empty when there is none). This is what Digital Bazaar's
// eddsa-rdfc-2022 / ecdsa-rdfc-2019 cryptosuites and jsonld-signatures
// (since 11.5) pass to toRDF, so the direction is covered by the proof. With
// rdfDirection unset (json-gold, jsonld.js's default) the direction is
// dropped, and jsonld.js in safe mode refuses the document. Expansion has
// checked that val is a string and dir is "ltr" or "rtl".
func directional(val, lang any, dir string) ld.Node {
	l, _ := lang.(string)
	return ld.NewLiteral(val.(string), i18nBase+strings.ToLower(l)+"_"+dir, "")
}

// iriCheck remembers json-gold's IRI validity verdicts. json-gold drops, at
// toRDF, any quad with an http(s) IRI its URL pattern rejects; tohu refuses
// such a document instead, and must agree with json-gold on which IRIs those
// are. The pattern costs tens of microseconds, and a credential repeats
// the same IRIs (vocabulary, issuer, achievement), so verdicts are cached,
// up to a bound. Those that are not (the URLs unique to one credential) are
// mostly plain ones, which plainURLVerdict decides without the pattern.
type iriCheck struct {
	mu sync.RWMutex
	ok map[string]bool
}

const maxIRICache = 1 << 14

func (c *iriCheck) valid(iri string) bool {
	if !strings.HasPrefix(iri, "http://") && !strings.HasPrefix(iri, "https://") {
		return true
	}
	c.mu.RLock()
	v, hit := c.ok[iri]
	c.mu.RUnlock()
	if hit {
		return v
	}
	v, known := plainURLVerdict(iri)
	if !known {
		v = ld.IsURL(iri)
	}
	c.mu.Lock()
	if c.ok == nil {
		c.ok = make(map[string]bool)
	}
	if len(c.ok) < maxIRICache {
		c.ok[iri] = v
	}
	c.mu.Unlock()
	return v
}

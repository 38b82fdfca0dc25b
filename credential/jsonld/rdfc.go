package jsonld

import (
	"bytes"
	"crypto/sha256"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/piprate/json-gold/ld"
)

// This file is RDFC-1.0 (W3C RDF Dataset Canonicalization, which json-gold
// calls URDNA2015) for the case credentials almost always are: every blank
// node's first-degree hash (§4.6) is unique, so the canonical identifiers
// are issued in the order of those hashes (§4.4.3 step 5) and the N-degree
// algorithm (§4.8) is never needed. json-gold's Normalize was some 40% of
// a sign; most of it was string building and map churn this avoids.
//
// json-gold stays the reference: a dataset where two or more blank nodes
// share a first-degree hash (two identical blank nodes, an embedded
// credential given twice) goes to gold below, unchanged, rather than to a
// second N-degree implementation that would need its own proof. The
// differential tests (rdfc_test.go) compare both on every document and
// vector in the repository and on generated datasets.

// rdfcQuad is a quad with its graph name as Normalize sees it and the
// blank node index of each blank component (-1 when it is not one).
type rdfcQuad struct {
	q       *ld.Quad
	g       ld.Node
	s, o, n int32
}

// span is one N-Quads line in a shared buffer.
type span struct{ start, end int }

var (
	// The first-degree hash names the blank node being hashed _:a and
	// every other _:z (§4.6 step 3.1.1).
	bnodeA ld.Node = ld.NewBlankNode("_:a")
	bnodeZ ld.Node = ld.NewBlankNode("_:z")
)

// canonicalNative returns the RDFC-1.0 canonical N-Quads of the dataset,
// or false when some first-degree hash is shared and the caller must use
// canonicalGold. It only reads the quads, so they can still be handed to
// gold. graphs is keyed as ld.RDFDataset.Graphs ("@default" for the
// default graph).
func canonicalNative(graphs map[string][]*ld.Quad, known *rdfBuilder) ([]byte, bool) {
	sc := labelDataset(graphs, known)
	defer sc.release()
	if sc == nil {
		return nil, false
	}
	return sc.appendTo(make([]byte, 0, len(sc.buf))), true
}

// hashNative is the SHA-256 of canonicalNative's result, without making
// it: the sorted lines go straight to the hash.
func hashNative(graphs map[string][]*ld.Quad, known *rdfBuilder) ([sha256.Size]byte, bool) {
	sc := labelDataset(graphs, known)
	defer sc.release()
	if sc == nil {
		return [sha256.Size]byte{}, false
	}
	var sum [sha256.Size]byte
	sumLines(sc.h, sc.buf, sc.lines, &sum) // sc.h is done with the first-degree hashes
	return sum, true
}

// sumLines sets sum to the SHA-256 of lines (in their order), by h.
func sumLines(h hash.Hash, buf []byte, lines []span, sum *[sha256.Size]byte) {
	h.Reset()
	for _, l := range lines {
		h.Write(buf[l.start:l.end])
	}
	h.Sum(sum[:0])
}

// rdfcScratch is the working memory of labelDataset, kept in a pool: a
// bulk award's canonicalization allocated a third of its signing's bytes
// in these buffers, each used for microseconds. After labelDataset, buf
// holds the canonical N-Quads lines and lines their sorted order.
type rdfcScratch struct {
	quads  []rdfcQuad
	ids    map[string]int32
	names  []string // the blank node labels by index
	first  []int
	next   []int
	refs   []int32
	hashes [][sha256.Size]byte
	order  []int32
	labels []ld.Node
	buf    []byte
	lines  []span
	h      hash.Hash // SHA-256, for the first-degree hashes
}

var rdfcScratchPool = sync.Pool{New: func() any { return &rdfcScratch{ids: map[string]int32{}, h: sha256.New()} }}

// maxPooledScratch bounds the buffer a scratch returns to the pool with,
// so one huge document does not keep its memory alive.
const maxPooledScratch = 1 << 20

func (sc *rdfcScratch) release() {
	if sc == nil || cap(sc.buf) > maxPooledScratch {
		return
	}
	clear(sc.ids)
	clear(sc.names)
	sc.names = sc.names[:0]
	clear(sc.labels) // the labels' strings, so the pool keeps no document's
	sc.quads = sc.quads[:0]
	clear(sc.quads[:cap(sc.quads)])
	rdfcScratchPool.Put(sc)
}

// appendTo appends the canonical N-Quads (the sorted lines) to b.
func (sc *rdfcScratch) appendTo(b []byte) []byte {
	for _, l := range sc.lines {
		b = append(b, sc.buf[l.start:l.end]...)
	}
	return b
}

// grow returns s with length n, reusing its array when large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// labelDataset labels the dataset's blank nodes by RDFC-1.0 and writes its
// relabelled lines, sorted (sc.buf, sc.lines); nil when some first-degree
// hash is shared (release the scratch it returns). known, the builder of
// the dataset or nil, gives the first-degree hashes of the blank nodes of
// replayed shared subtrees, which are the same in every document
// (sharedRDF.firstDegree): a cohort award's Achievement has two thirds of
// its blank nodes.
func labelDataset(graphs map[string][]*ld.Quad, known *rdfBuilder) *rdfcScratch {
	n := 0
	for _, qs := range graphs {
		n += len(qs)
	}
	sc := rdfcScratchPool.Get().(*rdfcScratch)
	quads := slices.Grow(sc.quads[:0], n)
	ids := sc.ids
	index := func(t ld.Node) int32 {
		b, ok := t.(ld.BlankNode)
		if !ok {
			return -1
		}
		i, ok := ids[b.Attribute]
		if !ok {
			i = int32(len(ids))
			ids[b.Attribute] = i
			sc.names = append(sc.names, b.Attribute)
		}
		return i
	}
	for name, qs := range graphs {
		// Normalize takes a named graph's name from the dataset's key and
		// leaves the Graph of a default-graph quad as it is; so here.
		var g ld.Node
		if name != "@default" {
			if strings.HasPrefix(name, "_:") {
				g = ld.NewBlankNode(name)
			} else {
				g = ld.NewIRI(name)
			}
		}
		for _, q := range qs {
			qg := g
			if name == "@default" {
				qg = q.Graph
			}
			quads = append(quads, rdfcQuad{q: q, g: qg, s: index(q.Subject), o: index(q.Object), n: index(qg)})
		}
	}

	// The blank node to quads map (§4.4.3 step 2), flattened: the quads of
	// blank node i are refs[first[i]:first[i+1]]. A quad is listed once for
	// each blank node in it, even one that holds two of its positions
	// (_:x <p> _:x .), as the specification says ("for each blank node that
	// is a component of Q, add a reference to Q") and rdf-canonize
	// (jsonld.js) does. json-gold lists such a quad twice, so on those
	// datasets it is not the reference (TestSelfReferenceJSONLDJS).
	nb := len(ids)
	first := grow(sc.first, nb+1)
	for _, q := range quads {
		for _, i := range q.blanks() {
			if i >= 0 {
				first[i+1]++
			}
		}
	}
	for i := 1; i <= nb; i++ {
		first[i] += first[i-1]
	}
	refs := grow(sc.refs, first[nb])
	next := append(sc.next[:0], first[:nb]...)
	for qi, q := range quads {
		for _, i := range q.blanks() {
			if i >= 0 {
				refs[next[i]] = int32(qi)
				next[i]++
			}
		}
	}

	// Hash First Degree Quads (§4.6) for each blank node. Hashes are kept
	// as bytes: their byte order is the order of the lower-case hex the
	// algorithm sorts.
	buf, lines := sc.buf[:0], sc.lines[:0]
	hashes := grow(sc.hashes, nb)
	h := sc.h
	for i := range nb {
		if fd := known.knownFirstDegree(sc.names[i]); fd != nil {
			hashes[i] = *fd
			continue
		}
		buf, lines = buf[:0], lines[:0]
		for _, qi := range refs[first[i]:first[i+1]] {
			q := &quads[qi]
			start := len(buf)
			buf = appendQuad(buf, firstDegree(q.q.Subject, q.s, i), q.q.Predicate, firstDegree(q.q.Object, q.o, i), firstDegree(q.g, q.n, i))
			lines = append(lines, span{start, len(buf)})
		}
		sortLines(buf, lines)
		sumLines(h, buf, lines, &hashes[i])
	}

	// Issue c14n identifiers in hash order (§4.4.3 step 5) when every hash
	// names one blank node; otherwise the N-degree steps are needed.
	order := grow(sc.order, nb)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return bytes.Compare(hashes[a][:], hashes[b][:]) })
	sc.quads, sc.first, sc.next, sc.refs, sc.hashes, sc.order, sc.buf, sc.lines = quads, first, next, refs, hashes, order, buf, lines
	for k := 1; k < nb; k++ {
		if hashes[order[k]] == hashes[order[k-1]] {
			sc.release()
			return nil
		}
	}
	labels := grow(sc.labels, nb)
	for rank, i := range order {
		labels[i] = ld.NewBlankNode("_:c14n" + strconv.Itoa(rank))
	}

	// The relabelled quads, serialized and sorted (§4.4.3 step 7; the
	// canonical form of the dataset is its sorted N-Quads lines).
	buf, lines = slices.Grow(buf[:0], 128*len(quads)), lines[:0]
	for _, q := range quads {
		start := len(buf)
		buf = appendQuad(buf, relabel(q.q.Subject, q.s, labels), q.q.Predicate, relabel(q.q.Object, q.o, labels), relabel(q.g, q.n, labels))
		lines = append(lines, span{start, len(buf)})
	}
	sortLines(buf, lines)
	sc.labels, sc.buf, sc.lines = labels, buf, lines
	return sc
}

// blanks are the distinct blank nodes of q (-1 for none), each once.
func (q *rdfcQuad) blanks() [3]int32 {
	b := [3]int32{q.s, q.o, q.n}
	if b[1] == b[0] {
		b[1] = -1
	}
	if b[2] == b[0] || b[2] == b[1] {
		b[2] = -1
	}
	return b
}

// selfReferencing reports whether a quad of graphs holds one blank node in
// two positions (a graph's name counting as one), where json-gold's
// URDNA2015 and the specification disagree (see canonicalNative).
func selfReferencing(graphs map[string][]*ld.Quad) bool {
	for name, qs := range graphs {
		for _, q := range qs {
			var terms [3]string
			n := 0
			for _, t := range [...]ld.Node{q.Subject, q.Object} {
				if b, ok := t.(ld.BlankNode); ok {
					terms[n], n = b.Attribute, n+1
				}
			}
			if strings.HasPrefix(name, "_:") {
				terms[n], n = name, n+1
			} else if b, ok := q.Graph.(ld.BlankNode); ok && name == "@default" {
				terms[n], n = b.Attribute, n+1
			}
			for i := 0; i < n; i++ {
				for j := i + 1; j < n; j++ {
					if terms[i] == terms[j] {
						return true
					}
				}
			}
		}
	}
	return false
}

// firstDegree is term t (blank node index i, -1 if none) as the
// first-degree hash of blank node ref writes it.
func firstDegree(t ld.Node, i int32, ref int) ld.Node {
	switch {
	case i < 0:
		return t
	case int(i) == ref:
		return bnodeA
	}
	return bnodeZ
}

func relabel(t ld.Node, i int32, labels []ld.Node) ld.Node {
	if i < 0 {
		return t
	}
	return labels[i]
}

// sortLines sorts lines by their bytes in buf (code point order, which
// for UTF-8 is byte order, as json-gold's sort.Strings).
func sortLines(buf []byte, lines []span) {
	if len(lines) < 2 {
		return
	}
	slices.SortFunc(lines, func(a, b span) int {
		return bytes.Compare(buf[a.start:a.end], buf[b.start:b.end])
	})
}

// canonicalGold is RDFC-1.0 by json-gold's URDNA2015, the reference, for
// every dataset (CanonicalizeStrict uses it when canonicalNative cannot
// decide). It relabels the quads in place.
func canonicalGold(graphs map[string][]*ld.Quad) []byte {
	ds := ld.NewRDFDataset()
	for g, qs := range graphs {
		ds.Graphs[g] = qs
	}
	// RDFC-1.0 is URDNA2015; json-gold's default is URGNA2012 (NOTES §15.1).
	na := ld.NewNormalisationAlgorithm(ld.AlgorithmURDNA2015)
	na.Normalize(ds)
	// Normalize leaves the quads relabelled and sorted by their N-Quads
	// form. They are serialized here rather than through Main, which joins
	// the lines by repeated string concatenation (quadratic; it was three
	// quarters of the allocation).
	return appendNQuads(nil, na.Quads())
}

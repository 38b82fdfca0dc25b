package jsonld

import (
	"crypto/sha256"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/piprate/json-gold/ld"
)

// Shared names JSON objects that many documents embed unchanged, so that
// canonicalizing each of those documents expands such an object and turns
// it into RDF once rather than every time. Every award of a cohort carries
// the same Achievement, about two thirds of the credential and of the work
// of canonicalizing it.
//
// An object is known by its identity (the map itself, not its content):
// whoever adds it promises that neither it nor anything under it changes
// while the Shared is in use, and the Shared keeps it alive, so its
// address cannot be reused by another map. Results are reused only where
// they cannot differ from processing the object afresh:
//
//   - expansion: under the same active context, active property and term
//     definition (contexts are immutable once processed and cached, so the
//     same pointers mean the same definitions); otherwise it is expanded
//     as usual;
//   - RDF: only for a node object in the default graph whose subtree has no
//     blank node identifiers of its own (which could name a node outside
//     it), no named graph, and no @direction (whose check looks across the
//     document). Its quads are replayed with fresh blank node labels, and
//     through the same duplicate removal as any other quad.
//
// The canonical form cannot tell the difference (TestSharedSameBytes
// compares with and without over generated documents). A Shared is safe
// for concurrent use.
type Shared struct {
	mu   sync.RWMutex
	objs map[unsafe.Pointer]*sharedObj
	// expanded maps an expanded form this Shared produced back to its
	// entry, so the RDF step knows it.
	expanded map[unsafe.Pointer]*sharedObj

	expReused, rdfReused atomic.Int64 // for tests: how often work was reused
}

type sharedObj struct {
	src map[string]any // the JSON object, kept alive
	exp atomic.Pointer[sharedExp]
	rdf atomic.Pointer[sharedRDF]
}

// sharedExp is an object's expansion and what it was expanded under.
type sharedExp struct {
	ctx, tsc *activeCtx
	prop     string
	ptd      *termDef
	out      map[string]any // never changed after: later steps only read it
	dir      bool           // the subtree has @direction values
}

// sharedRDF is a node object's quads: blank nodes are numbered from 0 in
// the order they were made, and given fresh labels on each replay.
type sharedRDF struct {
	quads  []sharedQuad
	subj   sharedTerm
	blanks int
	// fd[k] is RDFC-1.0's first-degree hash (§4.6) of blank node k, for
	// every blank node of the subtree but a blank subject, which quads
	// outside the subtree name too (see firstDegree, keepsFirstDegree).
	fd [][sha256.Size]byte
}

// keepsFirstDegree reports whether r.fd holds blank node k's hash: all
// but a blank subject's.
func (r *sharedRDF) keepsFirstDegree(k int) bool { return r.subj.node != nil || r.subj.blank != k }

type sharedQuad struct{ s, p, o sharedTerm }

// sharedTerm is an RDF term, or (node nil) the blank node numbered blank.
type sharedTerm struct {
	node  ld.Node
	blank int
}

// NewShared returns an empty Shared.
func NewShared() *Shared {
	return &Shared{objs: map[unsafe.Pointer]*sharedObj{}, expanded: map[unsafe.Pointer]*sharedObj{}}
}

// Add names m as shared. Neither m nor anything under it may change after.
func (s *Shared) Add(m map[string]any) {
	if m == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := mapPointer(m)
	if _, ok := s.objs[p]; !ok {
		s.objs[p] = &sharedObj{src: m}
	}
}

func mapPointer(m map[string]any) unsafe.Pointer { return reflect.ValueOf(m).UnsafePointer() }

// source returns the entry of a JSON object added to s, or nil.
func (s *Shared) source(m map[string]any) *sharedObj {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	o := s.objs[mapPointer(m)]
	s.mu.RUnlock()
	return o
}

// ofExpanded returns the entry whose expansion is m, or nil.
func (s *Shared) ofExpanded(m map[string]any) *sharedObj {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	o := s.expanded[mapPointer(m)]
	s.mu.RUnlock()
	return o
}

// expandShared is expander.object for an object of x.shared: the kept
// expansion when it was made under the same arguments, else a fresh one,
// kept if it is the first.
func (x *expander) expandShared(o *sharedObj, ctx *activeCtx, prop string, ptd *termDef, el map[string]any, ptr string, tsc *activeCtx) (any, error) {
	if e := o.exp.Load(); e != nil {
		if e.ctx == ctx && e.tsc == tsc && e.prop == prop && e.ptd == ptd {
			x.dir = x.dir || e.dir
			x.shared.expReused.Add(1)
			return e.out, nil
		}
		return x.objectUnshared(ctx, prop, ptd, el, ptr, tsc)
	}
	outer, keep := x.dir, x.keep
	x.dir, x.keep = false, true // kept: its value objects must outlive the document
	v, err := x.objectUnshared(ctx, prop, ptd, el, ptr, tsc)
	dir := x.dir
	x.dir, x.keep = outer || dir, keep
	out, ok := v.(map[string]any)
	if err != nil || !ok {
		return v, err
	}
	if o.exp.CompareAndSwap(nil, &sharedExp{ctx: ctx, tsc: tsc, prop: prop, ptd: ptd, out: out, dir: dir}) {
		x.shared.mu.Lock()
		x.shared.expanded[mapPointer(out)] = o
		x.shared.mu.Unlock()
	}
	return out, nil
}

// rdfRecording collects the quads of a shared node object's subtree while
// it is converted the first time.
type rdfRecording struct {
	first int // b.n when it started: blank nodes made since are the subtree's
	quads []sharedQuad
	bad   bool // the subtree cannot be replayed (see Shared)
}

// nodeShared is rdfBuilder.node for the expansion of a shared object.
func (b *rdfBuilder) nodeShared(o *sharedObj, m map[string]any, graph string) ld.Node {
	if r := o.rdf.Load(); r != nil {
		base := b.n
		b.n += r.blanks
		term := func(t sharedTerm) ld.Node {
			if t.node != nil {
				return t.node
			}
			return ld.NewBlankNode(blankLabel(base + t.blank))
		}
		for _, q := range r.quads {
			b.emit(term(q.s), q.p.node, term(q.o), graph)
		}
		b.replays = append(b.replays, replay{base: base, r: r})
		b.shared.rdfReused.Add(1)
		return term(r.subj)
	}
	rec := &rdfRecording{first: b.n}
	b.rec = rec
	subj := b.node(m, graph)
	b.rec = nil
	if rec.bad || b.err != nil {
		return subj
	}
	r := &sharedRDF{quads: rec.quads, blanks: b.n - rec.first}
	var ok bool
	if r.subj, ok = rec.term(subj); !ok {
		return subj
	}
	r.firstDegree()
	o.rdf.CompareAndSwap(nil, r)
	b.replays = append(b.replays, replay{base: rec.first, r: r})
	return subj
}

// replay is a shared node's subtree in a dataset: its blank nodes are
// _:b<base> to _:b<base+r.blanks-1>.
type replay struct {
	base int
	r    *sharedRDF
}

// firstDegree sets r.fd. The first-degree hash of a blank node depends
// only on the quads that name it, and a blank node made inside a replayed
// subtree (but its subject) is named by none outside: its label is fresh
// (a document's own blank node identifiers are relabelled, and a subtree
// naming one is never replayed), and the subtree's node returns only its
// subject. A quad naming it can only repeat another of the subtree, so the
// distinct quads of the recording are exactly those the dataset holds for
// it, and so its hash is the same in every document the subtree is
// replayed into (TestSharedFirstDegree compares it with the hash labelled
// afresh).
func (r *sharedRDF) firstDegree() {
	distinct := make([]sharedQuad, 0, len(r.quads))
	seen := make(map[sharedQuad]struct{}, len(r.quads))
	for _, q := range r.quads {
		if _, dup := seen[q]; !dup {
			seen[q] = struct{}{}
			distinct = append(distinct, q)
		}
	}
	r.fd = make([][sha256.Size]byte, r.blanks)
	h := sha256.New()
	var buf []byte
	var lines []span
	for k := range r.blanks {
		if !r.keepsFirstDegree(k) {
			continue
		}
		term := func(t sharedTerm) ld.Node {
			switch {
			case t.node != nil:
				return t.node
			case t.blank == k:
				return bnodeA
			}
			return bnodeZ
		}
		buf, lines = buf[:0], lines[:0]
		for _, q := range distinct {
			if (q.s.node == nil && q.s.blank == k) || (q.o.node == nil && q.o.blank == k) {
				start := len(buf)
				buf = appendQuad(buf, term(q.s), q.p.node, term(q.o), nil)
				lines = append(lines, span{start, len(buf)})
			}
		}
		sortLines(buf, lines)
		sumLines(h, buf, lines, &r.fd[k])
	}
}

// knownFirstDegree returns the kept first-degree hash of the blank node
// labelled label, or nil when it is not one of a replayed subtree's.
func (b *rdfBuilder) knownFirstDegree(label string) *[sha256.Size]byte {
	if b == nil || len(b.replays) == 0 || !strings.HasPrefix(label, "_:b") {
		return nil
	}
	n, err := strconv.Atoi(label[3:])
	if err != nil {
		return nil
	}
	for _, rp := range b.replays {
		if k := n - rp.base; k >= 0 && k < rp.r.blanks {
			if rp.r.keepsFirstDegree(k) {
				return &rp.r.fd[k]
			}
			return nil
		}
	}
	return nil
}

// record notes a quad the subtree being recorded emits.
func (r *rdfRecording) record(s, p, o ld.Node) {
	st, ok1 := r.term(s)
	ot, ok2 := r.term(o)
	if !ok1 || !ok2 {
		r.bad = true
		return
	}
	r.quads = append(r.quads, sharedQuad{s: st, p: sharedTerm{node: p}, o: ot})
}

// term numbers a blank node made inside the recorded subtree; one made
// before it (a reference to a node outside) cannot be replayed.
func (r *rdfRecording) term(n ld.Node) (sharedTerm, bool) {
	bn, ok := n.(ld.BlankNode)
	if !ok {
		return sharedTerm{node: n}, true
	}
	i, err := strconv.Atoi(strings.TrimPrefix(bn.Attribute, "_:b"))
	if err != nil || !strings.HasPrefix(bn.Attribute, "_:b") || i < r.first {
		return sharedTerm{}, false
	}
	return sharedTerm{blank: i - r.first}, true
}

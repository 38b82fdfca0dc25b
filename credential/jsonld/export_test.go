package jsonld

import (
	"bytes"
	"maps"
	"slices"

	"github.com/piprate/json-gold/ld"
)

// Labelling is one dataset canonicalized both ways (rdfc.go).
type Labelling struct {
	Native   []byte // canonicalNative's result; nil when it handed over
	NativeOK bool   // every first-degree hash was unique
	Gold     []byte // json-gold's URDNA2015, the reference
	Mutated  bool   // canonicalNative changed the quads it was given
	SelfRef  bool   // a quad holds one blank node twice: json-gold is not the reference
}

// StrictLabelling expands doc strictly, as CanonicalizeStrict does, and
// canonicalizes its dataset natively and by json-gold.
func (c *Canonicalizer) StrictLabelling(doc any) (l Labelling, err error) {
	defer recoverInvalid(&err)
	x := expander{p: c.ctxs, iri: c.iris}
	expanded, err := x.expandDoc(doc)
	if err != nil {
		return l, err
	}
	ds, err := toRDF(expanded, x.dir, nil)
	if err != nil {
		return l, err
	}
	defer ds.release()
	return DatasetLabelling(ds.graphs), nil
}

// DatasetLabelling canonicalizes graphs (keyed as ld.RDFDataset.Graphs)
// natively, then by json-gold, which relabels the quads in place.
func DatasetLabelling(graphs map[string][]*ld.Quad) Labelling {
	before := snapshot(graphs)
	var l Labelling
	l.Native, l.NativeOK = canonicalNative(graphs, nil)
	l.Mutated = !bytes.Equal(before, snapshot(graphs))
	l.SelfRef = selfReferencing(graphs)
	l.Gold = canonicalGold(graphs)
	return l
}

// snapshot serializes graphs, keys and each quad's own Graph included.
func snapshot(graphs map[string][]*ld.Quad) []byte {
	var b []byte
	for _, k := range slices.Sorted(maps.Keys(graphs)) {
		b = append(append(b, k...), '\n')
		b = appendNQuads(b, graphs[k])
	}
	return b
}

// SharedReused reports how often s reused an expansion and a node's quads.
func SharedReused(s *Shared) (expansions, nodes int64) {
	return s.expReused.Load(), s.rdfReused.Load()
}

// NQuads is appendNQuads, for tests.
func NQuads(quads []*ld.Quad) []byte { return appendNQuads(nil, quads) }

// FirstDegreeKept canonicalizes doc's dataset (built with shared) twice,
// hashing every blank node afresh and taking the kept hashes of replayed
// subtrees, and reports how many hashes were kept and how many of those
// differ from the fresh ones (mismatch), or that only one way found the
// hashes unique (split).
func (c *Canonicalizer) FirstDegreeKept(doc any, shared *Shared) (kept, mismatch int, split bool, err error) {
	defer recoverInvalid(&err)
	ds, err := c.strictDataset(doc, shared)
	if err != nil {
		return 0, 0, false, err
	}
	defer ds.release()
	fresh := labelDataset(ds.graphs, nil)
	defer fresh.release()
	known := labelDataset(ds.graphs, ds)
	defer known.release()
	if (fresh == nil) != (known == nil) {
		return 0, 0, true, nil
	}
	if fresh == nil {
		return 0, 0, false, nil
	}
	for i, name := range known.names {
		if ds.knownFirstDegree(name) == nil {
			continue
		}
		kept++
		j := fresh.ids[name]
		if known.hashes[i] != fresh.hashes[j] {
			mismatch++
		}
	}
	return kept, mismatch, false, nil
}

package jsonld

import (
	"crypto/sha256"
	"fmt"

	"github.com/piprate/json-gold/ld"

	"github.com/tohu-nz/tohu/contexts"
	"github.com/tohu-nz/tohu/errs"
)

// Canonicalizer canonicalizes JSON-LD documents. It is safe for concurrent use.
type Canonicalizer struct {
	loader ld.DocumentLoader
	ctxs   *ctxProcessor // processed contexts, cached; immutable once built
	iris   *iriCheck
}

// New returns a Canonicalizer that loads contexts only through loader
// (contexts.Default() when nil).
func New(loader ld.DocumentLoader) *Canonicalizer {
	if loader == nil {
		loader = contexts.Default()
	}
	return &Canonicalizer{loader: &goldLoader{inner: loader}, ctxs: newCtxProcessor(loader), iris: &iriCheck{}}
}

func (c *Canonicalizer) options() *ld.JsonLdOptions {
	opts := ld.NewJsonLdOptions("")
	// json-gold defaults to URGNA2012, which differs from RDFC-1.0 on inputs
	// with blank nodes; every other implementation uses URDNA2015.
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.Format = "application/n-quads"
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.DocumentLoader = c.loader
	opts.ProduceGeneralizedRdf = false
	return opts
}

// Canonicalize returns the RDFC-1.0 canonical N-Quads of doc, a JSON value as
// decoded by encoding/json (use json.Decoder.UseNumber so numbers keep their
// lexical form). Errors are *errs.Error with code Invalid or Unsupported.
func (c *Canonicalizer) Canonicalize(doc any) (b []byte, err error) {
	defer recoverInvalid(&err)
	out, err := ld.NewJsonLdProcessor().Normalize(goldContexts(doc), c.options())
	if err != nil {
		return nil, wrapLD(err)
	}
	s, _ := out.(string)
	return []byte(s), nil
}

// wrapLD turns a json-gold error into an *errs.Error, keeping one that is
// already ours (the loader's "context not pinned").
func wrapLD(err error) error {
	if e, ok := asErrs(err); ok {
		return e
	}
	return errs.Wrap(err, errs.Invalid, "the document is not valid JSON-LD: %s", err.Error())
}

// recoverInvalid turns a panic inside JSON-LD processing into errs.Invalid.
// json-gold panics on some malformed input (e.g. a number too large for a
// float64 reaching toRDF: objectToRDF then asserts it is a string); a
// hostile credential must get an error, not crash the verifier.
func recoverInvalid(err *error) {
	if r := recover(); r != nil {
		*err = errs.Wrap(fmt.Errorf("panic: %v", r), errs.Invalid, "the document could not be processed as JSON-LD")
	}
}

// CheckTerms reports, as an *errs.Error with code Invalid and the JSON
// pointer of the offending member, the first part of doc that JSON-LD
// processing would silently drop and a signature would therefore not
// cover: a property no @context defines (and no @vocab catches), a type
// value that is not defined, a relative @id or IRI value, a value that
// expansion discards, or an IRI / language tag that RDF conversion drops.
// JSON literals (@type @json) and JSON-LD features credentials do not use
// (@reverse, @index / @language / @id / @type containers, @nest, @included,
// a top-level @graph) give code Unsupported. A context that is not pinned
// gives Unsupported naming its URL.
func (c *Canonicalizer) CheckTerms(doc any) (err error) {
	defer recoverInvalid(&err)
	_, err = c.expand(doc)
	return err
}

// CanonicalizeStrict is CheckTerms and Canonicalize in one pass: the
// document is expanded once, by tohu's strict expander, and the expanded
// form is turned into RDF and canonicalized with RDFC-1.0 (URDNA2015). The
// result is byte-identical to Canonicalize for every document CheckTerms
// accepts (the differential tests prove it against json-gold), with one
// deliberate exception: in a VC 2.0 presentation json-gold 0.9 loses the
// @graph container of verifiableCredential (its scoped context is null)
// and puts the credentials in the default graph; here, as in JSON-LD 1.1
// and jsonld.js, each is a named graph (see presentation_test.go). Use it
// to sign and to verify.
func (c *Canonicalizer) CanonicalizeStrict(doc any) (b []byte, err error) {
	return c.CanonicalizeStrictShared(doc, nil)
}

// CanonicalizeStrictShared is CanonicalizeStrict reusing the work done on
// the objects of shared (nil: none) in earlier documents; the result is
// the same.
func (c *Canonicalizer) CanonicalizeStrictShared(doc any, shared *Shared) (b []byte, err error) {
	defer recoverInvalid(&err)
	ds, err := c.strictDataset(doc, shared)
	if err != nil {
		return nil, err
	}
	defer ds.release()
	if out, ok := canonicalNative(ds.graphs, ds); ok {
		return out, nil
	}
	return canonicalFallback(ds.graphs)
}

// HashStrictShared is the SHA-256 of CanonicalizeStrictShared's result,
// which it does not keep: what signing and verifying a Data Integrity
// proof need, for less memory.
func (c *Canonicalizer) HashStrictShared(doc any, shared *Shared) (sum [sha256.Size]byte, err error) {
	defer recoverInvalid(&err)
	ds, err := c.strictDataset(doc, shared)
	if err != nil {
		return sum, err
	}
	defer ds.release()
	if sum, ok := hashNative(ds.graphs, ds); ok {
		return sum, nil
	}
	out, err := canonicalFallback(ds.graphs)
	if err != nil {
		return sum, err
	}
	return sha256.Sum256(out), nil
}

func (c *Canonicalizer) expand(doc any) ([]any, error) {
	x := expander{p: c.ctxs, iri: c.iris}
	return x.expandDoc(doc)
}

// strictDataset expands doc strictly (reusing shared's objects, nil:
// none) and converts it to its RDF dataset (the builder's graphs; release
// it after).
func (c *Canonicalizer) strictDataset(doc any, shared *Shared) (*rdfBuilder, error) {
	// The expansion is dropped once it is RDF, so its value objects are
	// reused (valueArena): the quads keep their strings, not the maps.
	x := expander{p: c.ctxs, iri: c.iris, shared: shared, vals: valueArenas.Get().(*valueArena)}
	defer x.vals.release()
	expanded, err := x.expandDoc(doc)
	if err != nil {
		return nil, err
	}
	return toRDF(expanded, x.dir, shared)
}

// canonicalFallback canonicalizes a dataset canonicalNative cannot label
// (two blank nodes with one first-degree hash) by json-gold.
func canonicalFallback(graphs map[string][]*ld.Quad) ([]byte, error) {
	if selfReferencing(graphs) {
		// json-gold, the only N-degree implementation here, counts such
		// a quad twice where the specification and jsonld.js count it
		// once: tohu would sign what other verifiers canonicalize
		// differently.
		return nil, errs.E(errs.Unsupported, "the document has a blank node that refers to itself and blank nodes that only RDFC-1.0's N-degree step tells apart; JSON-LD processors canonicalize that differently, so a signature would not verify everywhere (give the nodes an id)")
	}
	return canonicalGold(graphs), nil
}

// toRDF is the dataset of an expanded document: the returned builder's
// graphs, keyed as ld.RDFDataset.Graphs. Release the builder once done
// with them.
func toRDF(expanded []any, hasDirection bool, shared *Shared) (*rdfBuilder, error) {
	b := newRDFBuilder()
	b.checkJS, b.shared = hasDirection, shared
	for _, n := range expanded {
		if m, ok := n.(map[string]any); ok {
			b.node(m, "@default")
		}
	}
	if err := b.err; err != nil {
		b.release()
		return nil, err
	}
	return b, nil
}

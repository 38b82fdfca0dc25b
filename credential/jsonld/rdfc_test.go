package jsonld_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/piprate/json-gold/ld"

	"github.com/tohu-nz/tohu/credential/jsonld"
)

// The native RDFC-1.0 labelling (rdfc.go) against json-gold's URDNA2015,
// the reference, on the same quads: wherever the native path answers it
// must give json-gold's bytes, and wherever it hands over (a shared
// first-degree hash) CanonicalizeStrict must give json-gold's bytes too.

// checkLabelling fails unless l is consistent: native equal to gold when
// native answered, the quads untouched by native, and strict (what
// CanonicalizeStrict returned, nil to skip) equal to gold.
func checkLabelling(t *testing.T, name string, l jsonld.Labelling, strict []byte) {
	t.Helper()
	if l.Mutated {
		t.Fatalf("%s: the native labelling changed the quads it was given", name)
	}
	if l.SelfRef {
		// json-gold lists a quad holding one blank node twice twice; the
		// specification and jsonld.js once (TestSelfReferenceJSONLDJS
		// holds the reference there).
		return
	}
	if l.NativeOK && !bytes.Equal(l.Native, l.Gold) {
		t.Fatalf("%s: native and json-gold differ\nnative: %s\n  gold: %s", name, l.Native, l.Gold)
	}
	if !l.NativeOK && l.Native != nil {
		t.Fatalf("%s: native handed over but returned output", name)
	}
	if strict != nil && !bytes.Equal(strict, l.Gold) {
		t.Fatalf("%s: CanonicalizeStrict and json-gold differ\nstrict: %s\n  gold: %s", name, strict, l.Gold)
	}
}

// specVectors is the shared copy of the published vectors (OB 3.0, W3C
// vc-di-eddsa); the repository holds copies of those the tests use, so
// this is an extra source when present.
const specVectors = "/work/shared/spec/vectors"

// labelledDocs are the JSON documents of every testdata directory under
// credential/ and of specVectors: each document, and for a signed one the
// document without its proof and each proof's options document (what
// eddsa-rdfc-2022 canonicalizes). Top-level arrays give their objects.
func labelledDocs(t *testing.T) map[string]any {
	t.Helper()
	docs := make(map[string]any)
	add := func(root string) {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".json") || !strings.Contains(filepath.ToSlash(p), "testdata/") && root != specVectors {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			var v any
			if dec.Decode(&v) != nil {
				return nil // a fixture of malformed JSON
			}
			items := []any{v}
			if a, ok := v.([]any); ok {
				items = a
			}
			for i, it := range items {
				m, ok := it.(map[string]any)
				if !ok {
					continue
				}
				name := fmt.Sprintf("%s#%d", p, i)
				docs[name] = m
				proofs := m["proof"]
				if proofs == nil {
					continue
				}
				unsigned := make(map[string]any, len(m))
				for k, e := range m {
					if k != "proof" {
						unsigned[k] = e
					}
				}
				docs[name+"/unsigned"] = unsigned
				list, ok := proofs.([]any)
				if !ok {
					list = []any{proofs}
				}
				for j, pr := range list {
					pm, ok := pr.(map[string]any)
					if !ok {
						continue
					}
					pc := map[string]any{"@context": m["@context"]}
					for k, e := range pm {
						if k != "proofValue" {
							pc[k] = e
						}
					}
					docs[fmt.Sprintf("%s/proof%d", name, j)] = pc
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	add("..")
	if _, err := os.Stat(specVectors); err == nil {
		add(specVectors)
	} else {
		t.Logf("%s: %v (only the repository's copies are used)", specVectors, err)
	}
	return docs
}

// TestNativeLabellingFiles: every document and vector the repository's
// tests use, and their proof options.
func TestNativeLabellingFiles(t *testing.T) {
	c := jsonld.New(nil)
	var native, fallback, refused int
	for name, doc := range labelledDocs(t) {
		strict, err := c.CanonicalizeStrict(doc)
		if err != nil {
			refused++ // invalid fixtures, schemas, key files
			continue
		}
		l, err := c.StrictLabelling(doc)
		if err != nil {
			t.Fatalf("%s: CanonicalizeStrict accepted it, StrictLabelling: %v", name, err)
		}
		checkLabelling(t, name, l, strict)
		if l.NativeOK {
			native++
		} else {
			fallback++
		}
	}
	t.Logf("%d native, %d json-gold (shared first-degree hash), %d refused by the strict expander", native, fallback, refused)
	if native < 100 {
		t.Fatalf("only %d documents took the native path", native)
	}
}

// decorate gives some name, description and narrative strings a language,
// a base direction (signed as i18n-datatype literals) or a datatype.
func decorate(r *rand.Rand, v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			s, ok := e.(string)
			if !ok || (k != "name" && k != "description" && k != "narrative") {
				x[k] = decorate(r, e)
				continue
			}
			switch r.Intn(6) {
			case 0:
				x[k] = map[string]any{"@value": s, "@language": []string{"mi", "en-NZ", "EN"}[r.Intn(3)]}
			case 1:
				x[k] = map[string]any{"@value": s, "@language": "ar", "@direction": "rtl"}
			case 2:
				x[k] = map[string]any{"@value": s, "@direction": "ltr"}
			case 3:
				x[k] = map[string]any{"@value": s, "@type": "https://tohu.example.nz/ns#text"}
			}
		}
	case []any:
		for i, e := range x {
			x[i] = decorate(r, e)
		}
	}
	return v
}

// TestNativeLabellingGenerated: generated credentials (blank nodes, lists,
// escapes, numbers, dates, proofs in named graphs, value objects with
// languages, directions and datatypes) and presentations (credentials in
// blank named graphs, the same one twice). Identical alignments or a
// credential given twice share a first-degree hash, so the json-gold path
// is exercised too.
func TestNativeLabellingGenerated(t *testing.T) {
	n := 600
	if testing.Short() {
		n = 120
	}
	g := gen{rand.New(rand.NewSource(20250709))}
	c := jsonld.New(nil)
	var native, fallback, refused int
	for i := 0; i < 2*n; i++ {
		var doc any
		switch {
		case i%2 == 1:
			doc = g.presentation(i, i%8 == 7)
		case i%4 == 0:
			doc = decorate(g.r, g.credential(i, false))
		default:
			doc = g.credential(i, i%8 == 6)
		}
		in, b := roundTrip(t, doc)
		strict, err := c.CanonicalizeStrict(in)
		if err != nil {
			refused++
			continue
		}
		l, err := c.StrictLabelling(in)
		if err != nil {
			t.Fatal(err)
		}
		checkLabelling(t, fmt.Sprintf("doc %d %s", i, b), l, strict)
		if l.NativeOK {
			native++
		} else {
			fallback++
		}
	}
	t.Logf("%d native, %d json-gold, %d refused", native, fallback, refused)
	if fallback == 0 || native < n || refused > n/10 {
		t.Fatalf("want both paths and few refusals: %d native, %d json-gold, %d refused", native, fallback, refused)
	}
}

// dataset builds a random dataset from seed (the same one for the same
// seed, with blank node labels passed through rename): blank nodes as
// subject, object and graph name (one also used as a node), self-loops,
// IRIs and literals with escapes, language tags, datatypes and duplicate
// quads (reported: a dataset is a set, and with a duplicate json-gold's
// N-degree result can depend on the labels). json-gold leaves a label starting _:c14n alone when relabelling,
// so none is used.
func dataset(seed int64, rename func(string) string) (graphs map[string][]*ld.Quad, dups bool) {
	r := rand.New(rand.NewSource(seed))
	nb := 1 + r.Intn(6)
	bnode := func() ld.Node { return ld.NewBlankNode(rename(fmt.Sprintf("_:n%d", r.Intn(nb)))) }
	// Few distinct terms in some datasets, so blank nodes often look alike.
	iris := []string{"https://ex.example/a", "urn:uuid:1", `https://ex.example/q"\x`, "did:example:b"}[:1+r.Intn(4)]
	lits := texts[:1+r.Intn(len(texts))]
	iri := func() ld.Node { return ld.NewIRI(iris[r.Intn(len(iris))]) }
	lit := func() ld.Node {
		v := lits[r.Intn(len(lits))]
		switch r.Intn(5) {
		case 0:
			return ld.NewLiteral(v, ld.RDFLangString, []string{"mi", "en-NZ"}[r.Intn(2)])
		case 1:
			return ld.NewLiteral("12", ld.XSDInteger, "")
		case 2:
			return ld.NewLiteral(v, "https://www.w3.org/ns/i18n#ar_rtl", "")
		}
		return ld.NewLiteral(v, ld.XSDString, "")
	}
	preds := []ld.Node{ld.NewIRI("https://ex.example/p"), ld.NewIRI("https://ex.example/q"), ld.NewIRI(ld.RDFType)}
	graphNames := []string{"@default", "@default", "https://ex.example/g", rename("_:n0"), rename("_:g")}
	graphs = map[string][]*ld.Quad{}
	for range 1 + r.Intn(12) {
		var s, o ld.Node
		if r.Intn(3) == 0 {
			s = iri()
		} else {
			s = bnode()
		}
		switch r.Intn(3) {
		case 0:
			o = bnode()
		case 1:
			o = iri()
		default:
			o = lit()
		}
		gn := graphNames[r.Intn(len(graphNames))]
		q := ld.NewQuad(s, preds[r.Intn(len(preds))], o, gn)
		graphs[gn] = append(graphs[gn], q)
		if r.Intn(6) == 0 { // a duplicate, as a dataset not made by rdfBuilder may hold
			graphs[gn] = append(graphs[gn], ld.NewQuad(q.Subject, q.Predicate, q.Object, gn))
			dups = true
		}
	}
	if r.Intn(4) == 0 {
		// A twin of _:n0: its quads again with another blank node, so the
		// two share a first-degree hash.
		n0, twin := rename("_:n0"), rename("_:t")
		swap := func(n ld.Node) ld.Node {
			if b, ok := n.(ld.BlankNode); ok && b.Attribute == n0 {
				return ld.NewBlankNode(twin)
			}
			return n
		}
		for _, gn := range slices.Sorted(maps.Keys(graphs)) {
			for _, q := range graphs[gn] {
				tg := gn
				if gn == n0 {
					tg = twin
				}
				if tg != gn || swap(q.Subject) != q.Subject || swap(q.Object) != q.Object {
					graphs[tg] = append(graphs[tg], ld.NewQuad(swap(q.Subject), q.Predicate, swap(q.Object), tg))
				}
			}
		}
	}
	return graphs, dups
}

// TestNativeLabellingDatasets: random datasets, and the same datasets
// with their blank nodes renamed, which must canonicalize alike. (With a
// duplicate quad json-gold's N-degree result can change with the labels;
// rdfBuilder never emits one, and the native result must not change.)
func TestNativeLabellingDatasets(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 3000
	}
	id := func(s string) string { return s }
	renamed := func(s string) string { return "_:x" + strings.Repeat("y", len(s)) + s[2:] }
	var native, fallback int
	for seed := int64(0); seed < int64(n); seed++ {
		ds, dups := dataset(seed, id)
		l := jsonld.DatasetLabelling(ds)
		name := fmt.Sprintf("seed %d", seed)
		checkLabelling(t, name, l, nil)
		ds, _ = dataset(seed, renamed)
		r := jsonld.DatasetLabelling(ds)
		checkLabelling(t, name+" renamed", r, nil)
		if l.SelfRef {
			if l.NativeOK != r.NativeOK || l.NativeOK && !bytes.Equal(l.Native, r.Native) {
				t.Fatalf("%s: renaming blank nodes changed the native result\n%s\n%s", name, l.Native, r.Native)
			}
		} else if l.NativeOK != r.NativeOK || (l.NativeOK || !dups) && !bytes.Equal(l.Gold, r.Gold) {
			t.Fatalf("%s: renaming blank nodes changed the result (native %v, %v)\n%s\n%s", name, l.NativeOK, r.NativeOK, l.Gold, r.Gold)
		}
		if l.NativeOK {
			native++
		} else {
			fallback++
		}
	}
	t.Logf("%d native, %d json-gold", native, fallback)
	if native < n/10 || fallback < n/10 {
		t.Fatalf("want both paths: %d native, %d json-gold", native, fallback)
	}
}

// TestNativeLabellingHandsOver: blank nodes with identical quads share a
// first-degree hash; the native path must hand over and the result is
// json-gold's, through the strict path and through Canonicalize.
func TestNativeLabellingHandsOver(t *testing.T) {
	c := jsonld.New(nil)
	ev := `{"type": ["Evidence"], "narrative": "Observed \"in class\"\n"}`
	doc := obDoc(t, "", "", "", `, "evidence": [`+ev+`, `+ev+`]`)
	l, err := c.StrictLabelling(doc)
	if err != nil {
		t.Fatal(err)
	}
	if l.NativeOK {
		t.Fatal("two identical evidence nodes: the native path answered")
	}
	strict, err := c.CanonicalizeStrict(doc)
	if err != nil {
		t.Fatal(err)
	}
	checkLabelling(t, "identical evidence", l, strict)
	gold, err := c.Canonicalize(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(strict, gold) {
		t.Fatalf("strict and Canonicalize differ\nstrict: %s\n  gold: %s", strict, gold)
	}
	if !bytes.Contains(strict, []byte("_:c14n1")) {
		t.Fatalf("want both evidence nodes kept:\n%s", strict)
	}

	s, p := ld.NewIRI("https://ex.example/s"), ld.NewIRI("https://ex.example/p")
	twins := map[string][]*ld.Quad{"@default": {
		ld.NewQuad(s, p, ld.NewBlankNode("_:x"), "@default"),
		ld.NewQuad(s, p, ld.NewBlankNode("_:y"), "@default"),
	}}
	if l := jsonld.DatasetLabelling(twins); l.NativeOK {
		t.Fatal("two blank nodes with the same quads: the native path answered")
	} else {
		checkLabelling(t, "twins", l, nil)
	}
}

// TestNativeLabellingCommon: what tohu signs every day takes the native
// path, document and proof options both: the NZ micro-credential the
// builder makes (its golden file) and the jsbench sample.
func TestNativeLabellingCommon(t *testing.T) {
	c := jsonld.New(nil)
	for _, f := range []string{"../testdata/nz-microcredential.golden.json", "../testdata/nz-microcredential-macrons.unsigned.json", "../testdata/jsbench-sample-credential.json", "testdata/sample-credential.json"} {
		doc := readJSON(t, f)
		for name, d := range map[string]any{f: doc, f + " proof options": proofConfig(doc)} {
			l, err := c.StrictLabelling(d)
			if err != nil {
				t.Fatal(err)
			}
			strict, err := c.CanonicalizeStrict(d)
			if err != nil {
				t.Fatal(err)
			}
			checkLabelling(t, name, l, strict)
			if !l.NativeOK {
				t.Errorf("%s: took the json-gold path", name)
			}
		}
	}
}

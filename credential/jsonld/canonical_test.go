package jsonld_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/errs"
)

func readJSON(t testing.TB, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCanonicalizeVectors reproduces the published canonical N-Quads of the
// W3C eddsa-rdfc-2022 vectors and the 1EdTech OB 3.0 implementation guide.
func TestCanonicalizeVectors(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"w3c/eddsa-rdfc-2022": {"testdata/w3c-eddsa-rdfc-2022/unsigned.json", "testdata/w3c-eddsa-rdfc-2022/canonDocDataInt.txt"},
		"1edtech/obv3p0":      {"testdata/1edtech-obv3p0/credential-unsigned.json", "testdata/1edtech-obv3p0/document-canon.nq"},
	}
	c := jsonld.New(nil)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := c.Canonicalize(readJSON(t, tc.in))
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Fatalf("canonical N-Quads differ\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

func TestCanonicalizeUnknownContext(t *testing.T) {
	doc := map[string]any{"@context": []any{"https://evil.example/ctx"}, "name": "x"}
	_, err := jsonld.New(nil).Canonicalize(doc)
	if errs.ErrorCode(err) != errs.Unsupported {
		t.Fatalf("err = %v, want unsupported", err)
	}
	if !bytes.Contains([]byte(err.Error()), []byte("https://evil.example/ctx")) {
		t.Fatalf("error does not name the URL: %v", err)
	}
	_ = filepath.Join
}

// TestHashStrictShared: HashStrictShared is the SHA-256 of what
// CanonicalizeStrictShared returns, or the same error, on every
// repository document (credentials, presentations, refused ones), on
// documents the native labelling hands to json-gold (twin blank nodes),
// and with every object shared, twice (kept, then replayed).
func TestHashStrictShared(t *testing.T) {
	c := jsonld.New(nil)
	var docs []any
	files := append(validFiles(t), presentationFiles(t)...)
	invalid, err := filepath.Glob("testdata/invalid/*.json")
	if err != nil || len(invalid) == 0 {
		t.Fatal("no testdata/invalid files")
	}
	for _, p := range append(files, invalid...) {
		docs = append(docs, readJSON(t, p))
	}
	ctx := map[string]any{"knows": map[string]any{"@id": "http://example.org/knows", "@type": "@id"}, "name": "http://example.org/name", "rel": "http://example.org/rel"}
	twins := map[string]any{"@context": ctx, "@id": "https://example.org/root", "rel": []any{
		map[string]any{"knows": map[string]any{"name": "x"}, "name": "same"},
		map[string]any{"knows": map[string]any{"name": "x"}, "name": "same"}}}
	selfTwins := map[string]any{"@context": ctx, "@id": "https://example.org/root", "rel": []any{
		map[string]any{"@id": "_:a", "knows": "_:a", "name": "same"},
		map[string]any{"@id": "_:b", "knows": "_:b", "name": "same"}}}
	docs = append(docs, twins, selfTwins)
	if l, err := c.StrictLabelling(twins); err != nil || l.NativeOK {
		t.Fatalf("the twins document is labelled natively (%v); it no longer tests the fallback", err)
	}
	accepted, refused := 0, 0
	for i, doc := range docs {
		shared := jsonld.NewShared()
		shareAll(shared, doc, true)
		for pass, sh := range []*jsonld.Shared{nil, shared, shared} {
			want, werr := c.CanonicalizeStrictShared(doc, sh)
			got, gerr := c.HashStrictShared(doc, sh)
			switch {
			case werr != nil || gerr != nil:
				if werr == nil || gerr == nil || werr.Error() != gerr.Error() {
					t.Errorf("doc %d, pass %d: errors differ: %v / %v", i, pass, werr, gerr)
				}
				refused++
			case got != sha256.Sum256(want):
				t.Errorf("doc %d, pass %d: hash %x, want SHA-256 of the canonical form %x", i, pass, got, sha256.Sum256(want))
			default:
				accepted++
			}
		}
	}
	if accepted == 0 || refused == 0 {
		t.Fatalf("%d accepted, %d refused: the documents test too little", accepted, refused)
	}
}

// TestPooledMemoryNotShared: canonicalization reuses pooled memory (the
// labelling's scratch, the RDF builder, the expansion's value objects);
// what a call returns stays as it
// was while other documents go through the pool at the same time, and
// every result equals one computed alone.
func TestPooledMemoryNotShared(t *testing.T) {
	c := jsonld.New(nil)
	var docs []any
	for _, p := range append(validFiles(t), presentationFiles(t)...) {
		docs = append(docs, readJSON(t, p))
	}
	want := make([][]byte, len(docs))
	for i, d := range docs {
		b, err := c.CanonicalizeStrict(d)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = bytes.Clone(b)
	}
	const workers, rounds = 8, 20
	got := make([][][]byte, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				i := (w*7 + r) % len(docs)
				b, err := c.CanonicalizeStrict(docs[i])
				if err != nil {
					t.Error(err)
					return
				}
				if sum, err := c.HashStrictShared(docs[(i+1)%len(docs)], nil); err != nil || sum != sha256.Sum256(want[(i+1)%len(docs)]) {
					t.Errorf("hash of doc %d = %x, %v", (i+1)%len(docs), sum, err)
				}
				got[w] = append(got[w], b)
			}
		}()
	}
	wg.Wait()
	for w := range workers {
		for r, b := range got[w] {
			if i := (w*7 + r) % len(docs); !bytes.Equal(b, want[i]) {
				t.Fatalf("worker %d round %d: doc %d's result changed after other documents were canonicalized", w, r, i)
			}
		}
	}
}

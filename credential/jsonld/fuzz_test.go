package jsonld_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"os"
	"testing"

	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/errs"
)

// FuzzCanonicalizeStrict: any JSON input gives canonical N-Quads or an
// *errs.Error with a client code, never a panic; and whatever the strict
// path accepts, json-gold canonicalizes to the same bytes, and the native
// RDFC-1.0 labelling (rdfc.go) agrees with json-gold's on its quads. Seeds are the
// vectors plus testdata/fuzz/FuzzCanonicalizeStrict (truncated and garbled
// variants) and the presentations, whose reference is composed from
// json-gold's output (see goldPresentation).
func FuzzCanonicalizeStrict(f *testing.F) {
	seeds := append(validFiles(f), "testdata/invalid/ob30-simple-err-type.json")
	for _, p := range append(seeds, presentationFiles(f)...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	c := jsonld.New(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var doc any
		if dec.Decode(&doc) != nil {
			return
		}
		got, err := c.CanonicalizeStrict(doc)
		if err != nil {
			if code := errs.ErrorCode(err); code != errs.Invalid && code != errs.Unsupported {
				t.Fatalf("code %q: %v", code, err)
			}
			return
		}
		// The native labelling against json-gold's on the same quads (and
		// what CanonicalizeStrict returned, whichever path it took).
		l, err := c.StrictLabelling(doc)
		if err != nil {
			t.Fatalf("CanonicalizeStrict accepted it, StrictLabelling: %v", err)
		}
		checkLabelling(t, "fuzz", l, got)
		// Every object below the top named shared: the first pass keeps
		// expansions and quads, the second reuses them; both must give
		// the same bytes (jsonld.Shared).
		shared := jsonld.NewShared()
		shareAll(shared, doc, true)
		for pass := range 2 {
			again, err := c.CanonicalizeStrictShared(doc, shared)
			if err != nil || !bytes.Equal(again, got) {
				t.Fatalf("with every object shared, pass %d: %v\n got: %s\nwant: %s", pass, err, again, got)
			}
			if sum, err := c.HashStrictShared(doc, shared); err != nil || sum != sha256.Sum256(got) {
				t.Fatalf("with every object shared, pass %d: HashStrictShared = %x, %v; want the SHA-256 of %s", pass, sum, err, got)
			}
		}
		if n, bad, split, err := c.FirstDegreeKept(doc, shared); err != nil || bad > 0 || split {
			t.Fatalf("with every object shared: %d of %d kept first-degree hashes differ from fresh ones, split %v (%v)", bad, n, split, err)
		}
		if l.SelfRef {
			return // json-gold is not the reference there (TestSelfReferenceJSONLDJS)
		}
		if m, ok := doc.(map[string]any); ok && hasV2(m) && m["verifiableCredential"] != nil {
			// json-gold loses verifiableCredential's @graph container; the
			// reference is composed from its output (goldPresentation).
			if want := reference(t, c, doc); !bytes.Equal(got, want) {
				t.Fatalf("strict and the json-gold reference differ\n got: %s\nwant: %s", got, want)
			}
			return
		}
		want, err := c.Canonicalize(doc)
		if err != nil {
			t.Fatalf("strict accepted what json-gold refuses: %v", err)
		}
		if !bytes.Equal(got, want) && nestedCredentials(doc, 0) {
			// verifiableCredential below the top (a nested presentation):
			// json-gold loses its @graph container there too, and there is
			// no composed reference for it. Any other difference fails.
			t.Skip("nested verifiableCredential: json-gold is wrong there (NOTES-canon finding 7)")
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("strict and json-gold differ\n got: %s\nwant: %s", got, want)
		}
	})
}

// shareAll names every JSON object in v, except v itself when top, in s.
func shareAll(s *jsonld.Shared, v any, top bool) {
	switch x := v.(type) {
	case map[string]any:
		if !top {
			s.Add(x)
		}
		for _, e := range x {
			shareAll(s, e, false)
		}
	case []any:
		for _, e := range x {
			shareAll(s, e, false)
		}
	}
}

// nestedCredentials reports whether a verifiableCredential member occurs
// in v below the top-level object (depth > 0).
func nestedCredentials(v any, depth int) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if (k == "verifiableCredential" && depth > 0) || nestedCredentials(e, depth+1) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if nestedCredentials(e, depth+1) {
				return true
			}
		}
	}
	return false
}

// FuzzNativeLabelling: random datasets (see dataset: blank nodes in every
// position, twins, duplicates, escapes) canonicalized natively and by
// json-gold, with the blank nodes as generated and renamed.
func FuzzNativeLabelling(f *testing.F) {
	for seed := range int64(16) {
		f.Add(seed)
	}
	renamed := func(s string) string { return "_:r" + s[2:] }
	f.Fuzz(func(t *testing.T, seed int64) {
		ds, _ := dataset(seed, func(s string) string { return s })
		l := jsonld.DatasetLabelling(ds)
		checkLabelling(t, "dataset", l, nil)
		ds, _ = dataset(seed, renamed)
		r := jsonld.DatasetLabelling(ds)
		checkLabelling(t, "renamed", r, nil)
		if l.NativeOK != r.NativeOK || l.NativeOK && !bytes.Equal(l.Native, r.Native) {
			t.Fatalf("renaming blank nodes changed the native result\n%s\n%s", l.Native, r.Native)
		}
	})
}

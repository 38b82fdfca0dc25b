package jsonld_test

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/errs"
)

// @direction (VCDM 2.0 §11.1) is canonicalized as JSON-LD's rdfDirection
// "i18n-datatype" represents it ("…"^^<https://www.w3.org/ns/i18n#ar_rtl>),
// which is what Digital Bazaar's eddsa-rdfc-2022 cryptosuite passes to
// jsonld.js, so the direction is signed. json-gold has no rdfDirection: it
// drops the direction, as jsonld.js does with rdfDirection unset (and then
// refuses the document in safe mode). The json-gold reference for such
// documents is therefore json-gold on the same document with each
// directional string written as the typed literal i18n-datatype makes of it.

const i18n = "https://www.w3.org/ns/i18n#"

// goldEquivalent rewrites doc into what json-gold can canonicalize to the
// i18n-datatype result: value objects with @direction become typed
// literals, and wrapped context entries ({"@context": {...}}, which
// json-gold refuses) are unwrapped.
func goldEquivalent(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if dir, ok := v["@direction"].(string); ok {
			lang, _ := v["@language"].(string)
			return map[string]any{"@value": v["@value"], "@type": i18n + strings.ToLower(lang) + "_" + dir}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			if k == "@context" {
				out[k] = unwrapContexts(e)
				continue
			}
			out[k] = goldEquivalent(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = goldEquivalent(e)
		}
		return out
	}
	return v
}

func unwrapContexts(c any) any {
	list, ok := c.([]any)
	if !ok {
		return c
	}
	out := make([]any, len(list))
	for i, e := range list {
		if m, ok := e.(map[string]any); ok && len(m) == 1 {
			if inner, ok := m["@context"].(map[string]any); ok {
				out[i] = inner
				continue
			}
		}
		out[i] = e
	}
	return out
}

// TestDirectionAndInlineContextsMatchJSONLDJS: the committed N-Quads were
// produced by jsonld.js 9 / rdf-canonize with testdata/jsonld-js/canon.mjs
// (safe mode, rdfDirection i18n-datatype as the cryptosuite sets it).
func TestDirectionAndInlineContextsMatchJSONLDJS(t *testing.T) {
	c := jsonld.New(nil)
	for _, name := range []string{"direction", "inline-context"} {
		t.Run(name, func(t *testing.T) {
			doc := readJSON(t, "testdata/jsonld-js/"+name+".json")
			want, err := os.ReadFile("testdata/jsonld-js/" + name + ".nq")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.CheckTerms(doc); err != nil {
				t.Fatalf("CheckTerms: %v", err)
			}
			got, err := c.CanonicalizeStrict(doc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("differs from jsonld.js\n got: %s\nwant: %s", got, want)
			}
			ref, err := c.Canonicalize(goldEquivalent(doc))
			if err != nil {
				t.Fatalf("json-gold: %v", err)
			}
			if !bytes.Equal(got, ref) {
				t.Fatalf("differs from the json-gold reference\n got: %s\nwant: %s", got, ref)
			}
		})
	}
}

// TestJSONGoldDropsDirection records json-gold's behaviour: the direction
// is not in its output, which equals jsonld.js's with rdfDirection unset
// (safe mode off). A credential canonicalized that way would not verify
// with Digital Bazaar's cryptosuite, and flipping rtl/ltr would not break
// its signature; never sign with Canonicalize.
func TestJSONGoldDropsDirection(t *testing.T) {
	c := jsonld.New(nil)
	doc := readJSON(t, "testdata/jsonld-js/direction.json")
	gold, err := c.Canonicalize(doc)
	if err != nil {
		t.Fatal(err)
	}
	unset, err := os.ReadFile("testdata/jsonld-js/direction.rdfdirection-unset.nq")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gold, unset) {
		t.Fatalf("json-gold no longer matches jsonld.js without rdfDirection\n got: %s\nwant: %s", gold, unset)
	}
	strict, err := c.CanonicalizeStrict(doc)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(gold, strict) {
		t.Fatal("json-gold now represents @direction; revisit the i18n-datatype reference")
	}
	flipped := readJSON(t, "testdata/jsonld-js/direction.json")
	flipped.(map[string]any)["name"].(map[string]any)["@direction"] = "ltr"
	f, err := c.CanonicalizeStrict(flipped)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(f, strict) {
		t.Fatal("the direction is not covered by the canonical form")
	}
}

func TestDirectionAndInlineContextErrors(t *testing.T) {
	c := jsonld.New(nil)
	tests := map[string]struct {
		doc   any
		code  errs.Code
		field string
		names string
	}{
		"ok/rtl without language": {doc: obDoc(t, "", "", "", `, "description": {"@value": "שלום", "@direction": "rtl"}`)},
		"ok/inline context object": {
			doc: obDoc(t, `, {"colour": "https://tohu.example.nz/vocab#colour"}`, "", "", `, "colour": "blue"`)},
		"ok/wrapped inline context": {
			doc: obDoc(t, `, {"@context": {"colour": "https://tohu.example.nz/vocab#colour"}}`, "", "", `, "colour": "blue"`)},
		"ok/inline scoped context with a pinned URL": {
			doc: obDoc(t, `, {"extra": {"@id": "https://tohu.example.nz/vocab#extra", "@context": "https://www.w3.org/ns/credentials/examples/v2"}}`, "", "", `, "extra": {"anything": 1}`)},
		"error/direction upper case": {
			doc: obDoc(t, "", "", "", `, "description": {"@value": "x", "@direction": "RTL"}`), code: errs.Invalid, field: "/description/@direction", names: "ltr"},
		"error/direction unknown": {
			doc: obDoc(t, "", "", "", `, "description": {"@value": "x", "@direction": "up"}`), code: errs.Invalid, field: "/description/@direction"},
		"error/direction null": {
			doc: obDoc(t, "", "", "", `, "description": {"@value": "x", "@direction": null}`), code: errs.Invalid, field: "/description/@direction"},
		"error/direction with type": {
			doc: obDoc(t, "", "", "", `, "description": {"@value": "x", "@direction": "rtl", "@type": "http://www.w3.org/2001/XMLSchema#string"}`), code: errs.Invalid, field: "/description", names: "@direction"},
		"error/direction on a number": {
			doc: obDoc(t, "", "", "", `, "description": {"@value": 5, "@direction": "rtl"}`), code: errs.Invalid, field: "/description", names: "@direction"},
		"error/direction on a node": {
			doc: obDoc(t, "", "", "", `, "issuer": {"id": "did:web:tohu.example.nz", "@direction": "rtl"}`), code: errs.Invalid, field: "/issuer", names: "@direction"},
		"error/same text with two directions": {
			doc: obDoc(t, "", "", "", `, "description": [{"@value": "x", "@language": "ar", "@direction": "rtl"}, {"@value": "x", "@language": "ar", "@direction": "ltr"}]`), code: errs.Invalid, names: "different @direction"},
		"error/same text with and without direction": {
			doc: obDoc(t, "", "", "", `, "description": ["x", {"@value": "x", "@direction": "rtl"}]`), code: errs.Invalid, names: "different @direction"},
		"ok/same text, directions in different languages": {
			doc: obDoc(t, "", "", "", `, "description": [{"@value": "x", "@language": "ar", "@direction": "rtl"}, {"@value": "x", "@language": "he", "@direction": "ltr"}]`)},
		"error/default direction in a context": {
			doc: obDoc(t, `, {"@direction": "rtl"}`, "", "", ""), code: errs.Unsupported, field: "/@context", names: "@direction"},
		"error/direction in a term definition": {
			doc: obDoc(t, `, {"colour": {"@id": "https://tohu.example.nz/vocab#colour", "@direction": "rtl"}}`, "", "", ""), code: errs.Unsupported, field: "/@context", names: "@direction"},
		"error/undefined term next to an inline context": {
			doc: obDoc(t, `, {"colour": "https://tohu.example.nz/vocab#colour"}`, "", "", `, "color": "blue"`), code: errs.Invalid, field: "/color", names: "color"},
		"error/inline context redefines a protected term": {
			doc: obDoc(t, `, {"VerifiableCredential": "https://evil.example/VC"}`, "", "", ""), code: errs.Invalid, field: "/@context", names: "VerifiableCredential"},
		"error/wrapped context with other members": {
			doc: obDoc(t, `, {"@context": {"colour": "https://tohu.example.nz/vocab#colour"}, "x": "https://x.example/"}`, "", "", ""), code: errs.Invalid, field: "/@context"},
		"error/wrapped URL": {
			doc: obDoc(t, `, {"@context": "https://www.w3.org/ns/credentials/examples/v2"}`, "", "", ""), code: errs.Invalid, field: "/@context"},
		"error/unpinned URL in an inline scoped context": {
			doc:  obDoc(t, `, {"extra": {"@id": "https://tohu.example.nz/vocab#extra", "@context": "https://evil.example/ctx.json"}}`, "", "", `, "extra": {"anything": 1}`),
			code: errs.Unsupported, field: "/extra", names: "https://evil.example/ctx.json"},
		"error/unpinned @import": {
			doc: obDoc(t, `, {"@import": "https://evil.example/ctx.json"}`, "", "", ""), code: errs.Unsupported, field: "/@context", names: "https://evil.example/ctx.json"},
		"error/@import of a context with @vocab": {
			doc: obDoc(t, `, {"@import": "https://www.w3.org/ns/credentials/examples/v2"}`, "", "", ""), code: errs.Unsupported, field: "/@context", names: "@vocab"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := c.CheckTerms(tc.doc)
			_, serr := c.CanonicalizeStrict(tc.doc)
			if strings.Contains(tc.names, "different @direction") {
				// Found while building RDF: CheckTerms does not build it.
				if err != nil {
					t.Fatalf("CheckTerms: %v", err)
				}
				err = serr
			}
			if strings.HasPrefix(name, "ok/") {
				if err != nil || serr != nil {
					t.Fatalf("CheckTerms: %v, CanonicalizeStrict: %v", err, serr)
				}
				return
			}
			for _, e := range []error{err, serr} {
				if !errs.Is(e, tc.code) {
					t.Fatalf("got %v, want code %v", e, tc.code)
				}
				if f := errs.ErrorField(e); f != tc.field {
					t.Fatalf("field %q, want %q (%v)", f, tc.field, e)
				}
				if !strings.Contains(e.Error(), tc.names) {
					t.Fatalf("%v does not name %q", e, tc.names)
				}
			}
		})
	}
}

var directionLangs = []string{"ar", "he", "en-NZ", "", "mi", "FA-ir"}

// withI18n rewrites some texts of a generated credential into value
// objects with @direction (and a language or none), and sometimes adds an
// inline context object, plain or wrapped, defining a term the credential
// then uses.
func (g gen) withI18n(doc map[string]any) map[string]any {
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				switch k {
				case "name", "description", "narrative", "tag":
					if s, ok := e.(string); ok && g.r.Intn(3) > 0 {
						v[k] = g.directional(s)
						continue
					}
					if a, ok := e.([]any); ok {
						for i, x := range a {
							if s, ok := x.(string); ok && g.coin() {
								a[i] = g.directional(s)
							}
						}
						continue
					}
				}
				if k != "@context" {
					v[k] = walk(e)
				}
			}
		case []any:
			for i, e := range v {
				v[i] = walk(e)
			}
		}
		return v
	}
	walk(doc)
	switch g.r.Intn(3) {
	case 0:
	case 1:
		doc["@context"] = append(doc["@context"].([]any), map[string]any{"tohuLevel": "https://tohu.example.nz/vocab#level"})
		doc["tohuLevel"] = g.directional("Level 4")
	case 2:
		doc["@context"] = append(doc["@context"].([]any), map[string]any{"@context": map[string]any{
			"tohuLevel": map[string]any{"@id": "https://tohu.example.nz/vocab#level", "@type": "http://www.w3.org/2001/XMLSchema#integer"}}})
		doc["tohuLevel"] = g.number()
	}
	return doc
}

func (g gen) directional(s string) map[string]any {
	m := map[string]any{"@value": s, "@direction": []string{"ltr", "rtl"}[g.r.Intn(2)]}
	if l := directionLangs[g.r.Intn(len(directionLangs))]; l != "" {
		m["@language"] = l
	}
	return m
}

// TestDifferentialDirectionInline: generated credentials with @direction
// values and inline contexts, against the json-gold reference (see
// goldEquivalent); with TOHU_JSONLDJS=1, against jsonld.js as well.
func TestDifferentialDirectionInline(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	g := gen{rand.New(rand.NewSource(20260311))}
	c := jsonld.New(nil)
	js := os.Getenv("TOHU_JSONLDJS") != ""
	dir := t.TempDir()
	var files []string
	var want [][]byte
	refused := 0
	defer func() {
		if refused > n/5 {
			t.Errorf("%d of %d generated documents refused for duplicate directions; the generator tests too little", refused, n)
		}
	}()
	for i := 0; i < n; i++ {
		in, b := roundTrip(t, g.withI18n(g.credential(i, i%4 == 3)))
		got, err := c.CanonicalizeStrict(in)
		if err != nil && strings.Contains(err.Error(), "different @direction") && errs.Is(err, errs.Invalid) {
			// The same text twice with different directions (the generator
			// repeats tags): refused, see TestDirectionDuplicatesJSONLDJS.
			refused++
			continue
		}
		if err != nil {
			t.Fatalf("doc %d: strict: %v\n%s", i, err, b)
		}
		ref, err := c.Canonicalize(goldEquivalent(in))
		if err != nil {
			t.Fatalf("doc %d: json-gold: %v\n%s", i, err, b)
		}
		if !bytes.Equal(got, ref) {
			t.Fatalf("doc %d differs from the json-gold reference\n got: %s\nwant: %s\ndoc: %s", i, got, ref, b)
		}
		if js {
			f := filepath.Join(dir, fmt.Sprintf("vc%03d.json", i))
			if err := os.WriteFile(f, b, 0o600); err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
			want = append(want, got)
		}
	}
	if !js {
		return
	}
	cmd := exec.Command("node", append([]string{"testdata/jsonld-js/canon.mjs"}, files...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	for i, f := range files {
		out, err := os.ReadFile(f + ".js.nq")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, want[i]) {
			doc, _ := os.ReadFile(f)
			t.Fatalf("doc %d differs from jsonld.js\n got: %s\n  js: %s\ndoc: %s", i, want[i], out, doc)
		}
	}
}

// TestDirectionDuplicatesJSONLDJS records why two values differing only in
// @direction are refused: jsonld.js keeps one of them (TOHU_JSONLDJS=1).
func TestDirectionDuplicatesJSONLDJS(t *testing.T) {
	if os.Getenv("TOHU_JSONLDJS") == "" {
		t.Skip("set TOHU_JSONLDJS=1 to run jsonld.js")
	}
	_, b := roundTrip(t, obDoc(t, "", "", "", `, "description": [{"@value": "x", "@language": "ar", "@direction": "rtl"}, {"@value": "x", "@language": "ar", "@direction": "ltr"}]`))
	f := filepath.Join(t.TempDir(), "dup.json")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("node", "testdata/jsonld-js/canon.mjs", f).CombinedOutput(); err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	out, err := os.ReadFile(f + ".js.nq")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), `"x"^^<https://www.w3.org/ns/i18n#ar_`); n != 1 {
		t.Fatalf("jsonld.js kept %d of the two directional values (tohu refuses because it keeps one); revisit rdfBuilder.direction\n%s", n, out)
	}
}

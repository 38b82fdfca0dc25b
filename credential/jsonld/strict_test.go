package jsonld_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/piprate/json-gold/ld"

	"github.com/tohu-nz/tohu/contexts"
	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/errs"
)

func parseJSON(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// validFiles are real credentials (1EdTech implementation guide, validator
// fixtures that are not about undefined terms, the peers' samples).
func validFiles(t testing.TB) []string {
	t.Helper()
	more, err := filepath.Glob("testdata/valid/*.json")
	if err != nil || len(more) == 0 {
		t.Fatal("no testdata/valid files")
	}
	return append([]string{
		"testdata/1edtech-obv3p0/credential-unsigned.json",
		"testdata/w3c-eddsa-rdfc-2022/unsigned.json",
		"testdata/sample-credential.json",
		"testdata/jsonld-js/blank-nodes.json",
		"testdata/jsonld-js/numbers-dates.json",
	}, more...)
}

// ob is a minimal OB 3.0 credential; tests change one member at a time.
const ob = `{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"%s],
  "id": "urn:uuid:5f1a0c1e-0000-4000-8000-000000000001",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "name": "Te Reo Māori Level 4",
  "issuer": {"id": "did:web:tohu.example.nz", "type": ["Profile"], "name": "Tohu"},
  "validFrom": "2025-01-15T09:30:00Z",
  "credentialSubject": {
    "type": ["AchievementSubject"],
    "achievement": {
      "id": "https://tohu.example.nz/achievements/1",
      "type": ["Achievement"],
      "name": "Te Reo Māori",
      "description": "Kōrero Māori",
      "criteria": {"narrative": "Pass"}%s
    }%s
  }%s
}`

func obDoc(t testing.TB, extraCtx, inAchievement, inSubject, top string) any {
	return parseJSON(t, fmtOB(extraCtx, inAchievement, inSubject, top))
}

func fmtOB(extraCtx, inAchievement, inSubject, top string) string {
	r := strings.NewReplacer("%s", "\x00")
	parts := strings.Split(r.Replace(ob), "\x00")
	return parts[0] + extraCtx + parts[1] + inAchievement + parts[2] + inSubject + parts[3] + top + parts[4]
}

const schemaMember = `, "credentialSchema": [{"id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json", "type": "1EdTechJsonSchemaValidator2019"}]`

func TestCheckTerms(t *testing.T) {
	c := jsonld.New(nil)
	tests := map[string]struct {
		doc   any
		code  errs.Code
		field string
		names string // the message must name this (the term or URL)
	}{
		"ok/minimal": {doc: obDoc(t, "", "", "", "")},
		"ok/schema validator type with OB extensions context": {
			doc: obDoc(t, `, "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"`, "", "", schemaMember)},
		"ok/examples context @vocab defines every term": {
			doc: obDoc(t, `, "https://www.w3.org/ns/credentials/examples/v2"`, `, "anything": "x"`, "", `, "whatever": {"nested": 1}`)},
		"error/undefined top-level term": {
			doc: obDoc(t, "", "", "", `, "colour": "blue"`), code: errs.Invalid, field: "/colour", names: "colour"},
		"error/undefined term deep in achievement": {
			doc: obDoc(t, "", `, "creditz": 15`, "", ""), code: errs.Invalid, field: "/credentialSubject/achievement/creditz", names: "creditz"},
		"error/undefined term in array element": {
			doc:  obDoc(t, "", `, "alignment": [{"type": ["Alignment"], "targetName": "a", "targetUrl": "https://x.example/a"}, {"type": ["Alignment"], "targetName": "b", "targetUrl": "https://x.example/b", "targetColour": "red"}]`, "", ""),
			code: errs.Invalid, field: "/credentialSubject/achievement/alignment/1/targetColour", names: "targetColour"},
		"error/term of another class (achievement term on subject)": {
			doc: obDoc(t, "", "", `, "creditsAvailable": 5`, ""), code: errs.Invalid, field: "/credentialSubject/creditsAvailable", names: "creditsAvailable"},
		"error/undefined type value": {
			doc:  parseJSON(t, strings.Replace(fmtOB("", "", "", ""), `"OpenBadgeCredential"]`, `"OpenBadgeCredential", "Foo"]`, 1)),
			code: errs.Invalid, field: "/type/2", names: "Foo"},
		"error/undefined single type value in subject": {
			doc:  parseJSON(t, strings.Replace(fmtOB("", "", "", ""), `["AchievementSubject"]`, `"Learner"`, 1)),
			code: errs.Invalid, field: "/credentialSubject/type", names: "Learner"},
		"error/schema validator type without OB extensions context": {
			doc: obDoc(t, "", "", "", schemaMember), code: errs.Invalid, field: "/credentialSchema/0/type", names: "1EdTechJsonSchemaValidator2019"},
		"error/unknown context URL": {
			doc: obDoc(t, `, "https://evil.example/ctx.json"`, "", "", ""), code: errs.Unsupported, field: "/@context", names: "https://evil.example/ctx.json"},
		"error/opt-in undefined-terms context refused": {
			doc: obDoc(t, `, "https://www.w3.org/ns/credentials/undefined-terms/v2"`, "", "", ""), code: errs.Unsupported, field: "/@context", names: "undefined-terms"},
		"error/JSON literal": {
			doc: obDoc(t, "", "", "", `, "credentialSchema": [{"id": "https://x.example/s", "type": "JsonSchema", "jsonSchema": {"a": 1}}]`), code: errs.Unsupported, field: "/credentialSchema/0/jsonSchema", names: "jsonSchema"},
		"error/relative id": {
			doc:  parseJSON(t, strings.Replace(fmtOB("", "", "", ""), `"https://tohu.example.nz/achievements/1"`, `"achievements/1"`, 1)),
			code: errs.Invalid, field: "/credentialSubject/achievement/id", names: "achievements/1"},
		"error/relative IRI value of an @id-typed term": {
			doc: obDoc(t, "", `, "image": "badge.png"`, "", ""), code: errs.Invalid, field: "/credentialSubject/achievement/image", names: "badge.png"},
		"error/keyword-like key is dropped": {
			doc: obDoc(t, "", "", "", `, "@foo": "bar"`), code: errs.Invalid, field: "/@foo", names: "@foo"},
		"error/http IRI json-gold would drop": {
			doc:  parseJSON(t, strings.Replace(fmtOB("", "", "", ""), `"https://tohu.example.nz/achievements/1"`, `"https://tohu example.nz/a"`, 1)),
			code: errs.Invalid, field: "/credentialSubject/achievement/id"},
		"error/control character": {
			doc: obDoc(t, "", "", "", `, "description": "a\fb"`), code: errs.Invalid, field: "/description", names: "U+000C"},
		"error/number out of float64 range": {
			doc: obDoc(t, "", `, "creditsAvailable": 1e400`, "", ""), code: errs.Invalid, field: "/credentialSubject/achievement/creditsAvailable", names: "1e400"},
		"error/protected term redefined": {
			doc: obDoc(t, `, {"name": "https://evil.example/name"}`, "", "", ""), code: errs.Invalid, field: "/@context", names: "name"},
		"error/top-level scalar array entry in @context-less doc": {
			doc: parseJSON(t, `{"name": "x"}`), code: errs.Invalid, field: "/@context"},
		"error/not an object": {
			doc: parseJSON(t, `["x"]`), code: errs.Invalid},
	}
	for _, f := range validFiles(t) {
		tests["ok/"+f] = struct {
			doc   any
			code  errs.Code
			field string
			names string
		}{doc: readJSON(t, f)}
	}
	invalid := map[string]string{ // validator fixtures about undefined terms
		"ob30-simple-err-context.json":                 "/type/0", // only the OB context: VerifiableCredential undefined
		"ob30-simple-err-credential-subject-type.json": "/credentialSubject/type/0",
		"ob30-simple-err-evidence-type.json":           "/evidence/1/type",
		"ob30-simple-err-type.json":                    "/type/1",
		"ob30-simple-multiple-proofs.json":             "/proof/0/type", // "SomeProofType"
		"ob30-simple-err-proof-method-no-scheme.json":  "/proof/0/verificationMethod",
	}
	for f, field := range invalid {
		tests["error/fixture "+f] = struct {
			doc   any
			code  errs.Code
			field string
			names string
		}{doc: readJSON(t, "testdata/invalid/"+f), code: errs.Invalid, field: field}
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := c.CheckTerms(tc.doc)
			if got := errs.ErrorCode(err); got != tc.code {
				t.Fatalf("code = %q, want %q (err %v)", got, tc.code, err)
			}
			if got := errs.ErrorField(err); got != tc.field {
				t.Fatalf("field = %q, want %q (err %v)", got, tc.field, err)
			}
			if tc.names != "" && !strings.Contains(errs.ErrorMessage(err), tc.names) {
				t.Fatalf("message %q does not name %q", errs.ErrorMessage(err), tc.names)
			}
			// CanonicalizeStrict refuses exactly what CheckTerms refuses.
			_, serr := c.CanonicalizeStrict(tc.doc)
			if errs.ErrorCode(serr) != tc.code || errs.ErrorField(serr) != tc.field {
				t.Fatalf("CanonicalizeStrict err = %v, CheckTerms err = %v", serr, err)
			}
		})
	}
}

// TestCanonicalizeStrictMatchesJSONGold: on every real credential the
// strict one-pass path gives json-gold's bytes.
func TestCanonicalizeStrictMatchesJSONGold(t *testing.T) {
	c := jsonld.New(nil)
	for _, f := range validFiles(t) {
		t.Run(f, func(t *testing.T) {
			doc := readJSON(t, f)
			want, err := c.Canonicalize(doc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.CanonicalizeStrict(doc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("strict differs from json-gold\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// TestMatchesJSONLDJS compares with the output of jsonld.js / rdf-canonize
// (the Digital Bazaar stack most OB verifiers use), produced by
// testdata/jsonld-js/canon.mjs. blank-nodes.json has 61 canonical blank
// node labels; numbers-dates.json pins number and date forms.
func TestMatchesJSONLDJS(t *testing.T) {
	c := jsonld.New(nil)
	tests := map[string]struct{ in, want string }{
		"ok/sample credential": {"testdata/sample-credential.json", "testdata/jsonld-js/sample-credential.nq"},
		"ok/blank nodes":       {"testdata/jsonld-js/blank-nodes.json", "testdata/jsonld-js/blank-nodes.nq"},
		"ok/numbers and dates": {"testdata/jsonld-js/numbers-dates.json", "testdata/jsonld-js/numbers-dates.nq"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.CanonicalizeStrict(readJSON(t, tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("differs from jsonld.js\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// TestURDNA2015NotURGNA2012 guards NOTES §15.1: on a document with many
// blank nodes the two algorithms give different output, and tohu must give
// RDFC-1.0's (= URDNA2015, what jsonld.js produced in blank-nodes.nq).
func TestURDNA2015NotURGNA2012(t *testing.T) {
	doc := readJSON(t, "testdata/jsonld-js/blank-nodes.json")
	opts := ld.NewJsonLdOptions("")
	opts.Format = "application/n-quads"
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.DocumentLoader = contexts.Default()
	opts.Algorithm = ld.AlgorithmURGNA2012
	urgna, err := ld.NewJsonLdProcessor().Normalize(doc, opts)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/jsonld-js/blank-nodes.nq")
	if err != nil {
		t.Fatal(err)
	}
	if urgna.(string) == string(want) {
		t.Fatal("test input does not tell URGNA2012 from URDNA2015; pick one with more blank nodes")
	}
	c := jsonld.New(nil)
	for name, f := range map[string]func(any) ([]byte, error){"Canonicalize": c.Canonicalize, "CanonicalizeStrict": c.CanonicalizeStrict} {
		got, err := f(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s is not URDNA2015", name)
		}
	}
}

// TestNumbersAndDates pins the lexical forms (NOTES §15.7-8) that jsonld.js
// also gives: integral xsd:float numbers stay integers, others get the
// canonical double form, and dates are signed exactly as written.
func TestNumbersAndDates(t *testing.T) {
	got, err := jsonld.New(nil).CanonicalizeStrict(readJSON(t, "testdata/jsonld-js/numbers-dates.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<https://purl.imsglobal.org/spec/vc/ob/vocab.html#creditsEarned> "15"^^<https://www.w3.org/2001/XMLSchema#float> .`,
		`<https://purl.imsglobal.org/spec/vc/ob/vocab.html#creditsAvailable> "7.5E0"^^<https://www.w3.org/2001/XMLSchema#float> .`,
		`<https://www.w3.org/2018/credentials#validFrom> "2025-01-15T09:30:00.000+13:00"^^<http://www.w3.org/2001/XMLSchema#dateTime> .`,
	} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("missing %s", want)
		}
	}
}

// TestVC11Credentials: credentials/v1 declares "@version": 1.1, which
// json-gold rejects when the context was decoded with UseNumber; both paths
// must handle VC 1.1 credentials.
func TestVC11Credentials(t *testing.T) {
	doc := readJSON(t, "testdata/valid/ob30-simple-noproof.json")
	c := jsonld.New(nil)
	want, err := c.Canonicalize(doc)
	if err != nil {
		t.Fatalf("Canonicalize: %v", err)
	}
	got, err := c.CanonicalizeStrict(doc)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("CanonicalizeStrict: %v", err)
	}
}

// TestConcurrent shares one Canonicalizer (and its caches) between
// goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	c := jsonld.New(nil)
	files := validFiles(t)
	want := make([][]byte, len(files))
	docs := make([]any, len(files))
	for i, f := range files {
		docs[i] = readJSON(t, f)
		var err error
		if want[i], err = jsonld.New(nil).Canonicalize(docs[i]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range docs {
				j := (i + g) % len(docs)
				got, err := c.CanonicalizeStrict(docs[j])
				if err != nil || !bytes.Equal(got, want[j]) {
					t.Errorf("%s: concurrent result differs (%v)", files[j], err)
				}
			}
		}()
	}
	wg.Wait()
}

// TestJSONGoldTraps pins the two json-gold 0.9 behaviours issue 3 warns
// about, so that a json-gold upgrade that changes them is noticed, and
// checks tohu's strict path refuses what json-gold lets through:
//   - Normalize ignores SafeMode (it builds its own toRDF options), so an
//     undefined property is dropped from the signed graph without error;
//   - an undefined type value comes out as a relative IRI (<Foo>).
func TestJSONGoldTraps(t *testing.T) {
	withColour := fmtOB("", "", "", `, "colour": "blue"`)
	withFoo := strings.Replace(fmtOB("", "", "", ""), `"OpenBadgeCredential"]`, `"OpenBadgeCredential", "Foo"]`, 1)
	opts := ld.NewJsonLdOptions("")
	opts.Format = "application/n-quads"
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.DocumentLoader = contexts.Default()
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.SafeMode = true

	// Expand honours SafeMode...
	if _, err := ld.NewJsonLdProcessor().Expand(parseJSON(t, withColour), opts); err == nil {
		t.Error("json-gold Expand in SafeMode accepted an undefined property")
	}
	// ...Normalize does not: the property is silently gone.
	out, err := ld.NewJsonLdProcessor().Normalize(parseJSON(t, withColour), opts)
	if err != nil {
		t.Fatalf("json-gold Normalize now refuses an undefined property in SafeMode (%v): the trap is gone, revisit", err)
	}
	if strings.Contains(out.(string), "blue") {
		t.Fatal("json-gold Normalize now keeps the undefined property")
	}
	out, err = ld.NewJsonLdProcessor().Normalize(parseJSON(t, withFoo), opts)
	if err != nil || !strings.Contains(out.(string), "> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <Foo> .") {
		t.Fatalf("json-gold no longer turns an undefined type into a relative IRI (err %v):\n%v", err, out)
	}

	c := jsonld.New(nil)
	for name, tc := range map[string]struct{ doc, field, names string }{
		"error/undefined property": {withColour, "/colour", "colour"},
		"error/undefined type":     {withFoo, "/type/2", "Foo"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.CanonicalizeStrict(parseJSON(t, tc.doc))
			if errs.ErrorCode(err) != errs.Invalid || errs.ErrorField(err) != tc.field || !strings.Contains(errs.ErrorMessage(err), tc.names) {
				t.Fatalf("CanonicalizeStrict err = %v (field %q), want Invalid at %s naming %s", err, errs.ErrorField(err), tc.field, tc.names)
			}
		})
	}
}

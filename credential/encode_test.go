package credential

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Corpora the generator draws from: what the builder writes and what a
// decoded credential may carry — escapes, control characters, invalid
// UTF-8, U+2028/U+2029, HTML characters (never escaped here), raw JSON with
// and without whitespace, and values encoding/json refuses.
var (
	genStrings = []string{
		"", "a", "Te Reo Māori: Kōrero Tuatahi", "Ma\u0304ori", "line\nbreak\r\n\ttab", `quote " and \ backslash`,
		"<b>&amp;</b>", "\x00\x01\x1f\x7f", "\b\f", "bad \xff utf-8 \xc3", "\u2028 and \u2029", "🦜 kākāpō",
		"https://tohu.example.nz/c/1", "did:key:z6Mk", "2026-02-01T00:00:00Z", "\u00e9\u0301", "\xe2\x80", "\ufffd",
	}
	genNumbers = []string{"15", "0", "-0", "7.5", "1.50E1", "1e400", "-12.25e-3", "", "abc", "01", " 1", "1 ", "1.", ".5", "+1", "1e", "0x10", "1_0", "NaN"}
	genRaw     = []string{
		`{}`, `{"a": [1, 2 ], "b" : "x y"}`, ` "x" `, `null`, `"\u2028<&>"`, `{"a":"b\"c"}`, `[ ]`, `12`, `true`,
		`[`, `{"a":}`, ``, `1 2`,
	}
	genKeys = []string{"zeta", "Alpha", "id", "type", "name", "ñ", "a\"b", "credentialSubject", "CredentialSubject", ""}
)

// generator fills model values at random, every field and every encoding
// form (bare string or array, one or many, reference-only profile, Extra
// members, present-but-empty subject).
type generator struct{ r *rand.Rand }

func (g generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g generator) raw() json.RawMessage {
	if g.r.IntN(8) == 0 {
		return nil
	}
	return json.RawMessage(g.pick(genRaw))
}

func (g generator) fill(v reflect.Value, depth int) {
	switch p := v.Addr().Interface().(type) {
	case *Types:
		vals := []string(nil)
		if n := g.r.IntN(4); n > 0 || g.r.IntN(2) == 0 {
			vals = make([]string, n)
			for i := range vals {
				vals[i] = g.pick(genStrings)
			}
		}
		*p = Types{Values: vals, Single: g.r.IntN(2) == 0}
		return
	case *Number:
		*p = Number(g.pick(genNumbers))
		return
	case *ContextEntry:
		if g.r.IntN(3) == 0 {
			*p = ContextEntry{Inline: g.raw()}
		} else {
			*p = ContextEntry{URL: g.pick(genStrings)}
		}
		return
	case *json.RawMessage:
		*p = g.raw()
		return
	case *Extra:
		if g.r.IntN(2) == 0 {
			return
		}
		*p = Extra{}
		for range g.r.IntN(4) {
			(*p)[g.pick(genKeys)] = g.raw()
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(g.pick(genStrings))
	case reflect.Bool:
		v.SetBool(g.r.IntN(2) == 0)
	case reflect.Pointer:
		if depth > 4 || g.r.IntN(3) == 0 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		g.fill(v.Elem(), depth+1)
	case reflect.Slice:
		if depth > 4 || g.r.IntN(3) == 0 {
			return
		}
		n := g.r.IntN(3)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			g.fill(v.Index(i), depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && g.r.IntN(3) != 0 {
				g.fill(v.Field(i), depth)
			}
		}
		if s, ok := v.Addr().Interface().(*AchievementSubject); ok {
			s.present = g.r.IntN(2) == 0
		}
		if pr, ok := v.Addr().Interface().(*Profile); ok && g.r.IntN(4) == 0 {
			pr.RefOnly = true
		}
	default:
		panic(fmt.Sprintf("generator: no rule for %s", v.Type()))
	}
}

// TestDirectEncoding: Marshal's one-pass encoder writes exactly what
// encoding/json writes through the MarshalJSON methods, for generated values
// of every model type, and leaves to encoding/json (so its error) every
// value that encoding/json refuses.
func TestDirectEncoding(t *testing.T) {
	g := generator{rand.New(rand.NewPCG(6, 5))}
	roots := []any{
		new(Credential), new(AchievementSubject), new(Achievement), new(Profile), new(Result), new(Proof),
		new(BitstringStatusListEntry), new(IdentityObject), new(OneOrMany[Proof]), new(Types),
	}
	direct, withDoc := 0, 0
	for i := range 4000 {
		root := reflect.New(reflect.TypeOf(roots[i%len(roots)]).Elem())
		g.fill(root.Elem(), 0)
		v := root.Interface()
		want, wantErr := marshal(v)
		got, ok := encodeDirect(v)
		switch {
		case wantErr != nil && ok:
			t.Fatalf("%T: encoding/json refuses it (%v) but the direct encoder wrote %s", v, wantErr, got)
		case wantErr == nil && !ok:
			t.Fatalf("%T: the direct encoder gave up on a value encoding/json writes as %s", v, want)
		case ok && !bytes.Equal(got, want):
			t.Fatalf("%T: direct encoding differs:\n got %s\nwant %s", v, got, want)
		case ok:
			direct++
		}
		if b, err := Marshal(v); (err == nil) != (wantErr == nil) || (err == nil && !bytes.Equal(b, want)) {
			t.Fatalf("Marshal(%T) = %s, %v; want %s, %v", v, b, err, want, wantErr)
		}
		if ok {
			withDoc += checkDoc(t, v, want)
		}
	}
	if withDoc < 500 {
		t.Fatalf("only %d of the values written directly came with their decoded form", withDoc)
	}
	// Refusals are common in the generated values (bad numbers and raw JSON
	// everywhere); make sure the comparison above mostly ran.
	if direct < 1000 {
		t.Fatalf("only %d of 4000 values were written directly", direct)
	}
}

// checkDoc: encodeValue gives the bytes want and, unless it declines (a
// string that is not UTF-8), exactly their decoding with UseNumber. It
// returns 1 when there was a decoded form to compare.
func checkDoc(t *testing.T, v any, want []byte) int {
	t.Helper()
	got, doc, _, ok := encodeValue(v, true, nil)
	if !ok {
		if utf8.Valid(want) && !bytes.Contains(want, []byte(`\ufffd`)) {
			t.Fatalf("%T: encodeValue declined a value with only UTF-8 strings: %s", v, want)
		}
		return 0
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%T: encodeValue's bytes differ:\n got %s\nwant %s", v, got, want)
	}
	dec := json.NewDecoder(bytes.NewReader(want))
	dec.UseNumber()
	var fresh any
	if err := dec.Decode(&fresh); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc, fresh) {
		t.Fatalf("%T: the decoded form differs from decoding %s:\n got %#v\nwant %#v", v, want, doc, fresh)
	}
	return 1
}

// TestDirectEncodingAwards: for generated awards (the credentials issuance
// encodes), the direct encoder and encoding/json write the same bytes.
func TestDirectEncodingAwards(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 6))
	pick := func(list ...string) string { return list[r.IntN(len(list))] }
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	for i := range 300 {
		mc := MicroCredential{
			ID: "https://tohu.example.nz/achievements/mc" + fmt.Sprint(i) + "/v1", Title: pick("Kōrero Tuatahi", "Health & Safety <Level 3>", `"Quoted" title`),
			NZQAReference: "MC" + fmt.Sprint(5000+i), Version: pick("", "1", "2"), Level: 1 + r.IntN(10), Credits: 5 + r.IntN(35),
			Description:         pick("Build everyday te reo Māori.\nWith a second line.", "Tab\there", "Plain."),
			Outcomes:            []string{pick("Deliver a mihi.", "Use tikanga — appropriately.", "a\u2028b")},
			AssessmentNarrative: pick("", "Oral presentation & recorded kōrero."),
			FieldOfStudy:        FieldOfStudy{Code: "091521", Name: pick("", "Māori Language")},
			QualityAssurance:    pick("", QATeHono),
		}
		if r.IntN(2) == 0 {
			mc.TitleMi = "He putanga reo Māori " + fmt.Sprint(i)
		}
		if r.IntN(2) == 0 {
			mc.Developer = &Profile{ID: "https://wdc.example.nz", Name: "Toi Mai", Extra: Extra{"address": json.RawMessage(`{"type": ["Address"], "addressCountry": "NZ"}`)}}
		}
		if r.IntN(2) == 0 {
			mc.Grades = []string{"Achieved", "Merit", "Excellence"}
		}
		if r.IntN(3) == 0 {
			mc.EquityTags = []string{"kaupapa Māori", "Pacific"}
		}
		if r.IntN(2) == 0 {
			mc.Image = &Image{ID: "https://tohu.example.nz/b.png", Caption: pick("", "Badge")}
		}
		learner := Learner{Name: pick("", "Aroha Te Ao", "Mere \"Tama\" Ngata"), Email: pick("", "aroha@example.nz"), DID: pick("", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"), Salt: "s" + fmt.Sprint(i)}
		if learner.Email == "" && learner.DID == "" {
			learner.Email = "x@example.nz"
		}
		res := AwardResult{ID: fmt.Sprintf("urn:uuid:0c7c3a52-6f2b-4a7e-9d0f-%012d", i), Grade: pick("", "Merit"), CompletedAt: now.AddDate(0, 0, -r.IntN(30))}
		if r.IntN(2) == 0 {
			res.ValidUntil = now.AddDate(5, 0, 0)
		}
		for range r.IntN(3) {
			res.Evidence = append(res.Evidence, EvidenceLink{ID: "https://tohu.example.nz/e/" + fmt.Sprint(r.IntN(100)), Name: pick("", "Recording")})
		}
		issuer := Profile{ID: "did:web:tohu.example.nz:issuers:p1", Name: pick("Te Pūkenga", "Provider & Co")}
		opts := []AwardOption{WithClock(func() time.Time { return now })}
		if r.IntN(2) == 0 {
			opts = append(opts, WithStatus(BitstringStatusListEntry{
				ID: "https://tohu.example.nz/status/1#" + fmt.Sprint(i), Type: TypeOf("BitstringStatusListEntry"), StatusPurpose: "revocation",
				StatusListIndex: fmt.Sprint(r.IntN(131072)), StatusListCredential: "https://tohu.example.nz/status/1",
			}))
		}
		c, err := awardCredential(mc, learner, res, issuer, DefaultBounds(), opts...)
		if err != nil {
			t.Fatalf("award %d: %v", i, err)
		}
		want, err := marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Marshal(c)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("award %d: Marshal differs from encoding/json (%v):\n got %s\nwant %s", i, err, got, want)
		}
		if checkDoc(t, c, want) != 1 {
			t.Fatalf("award %d: no decoded form", i)
		}
		if !strings.Contains(string(got), `"credentialSubject":{`) {
			t.Fatalf("award %d: no subject in %s", i, got)
		}
	}
}

// TestNumberLiteral: isNumberLiteral accepts exactly the strings that are
// one JSON number and nothing else, as encoding/json's decoder reads them.
func TestNumberLiteral(t *testing.T) {
	oracle := func(s string) bool {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil || dec.More() {
			return false
		}
		_, ok := v.(json.Number)
		return ok && strings.TrimSpace(s) == s
	}
	cases := append([]string{"-", "-01", "1e+5", "1E-05", "00", "0.0e0", "1.5.5", "1ee2", "-.5", "2.", "1e5x", "\"1\"", "[1]", "1\n", "\t1"}, genNumbers...)
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, 1+r.IntN(6))
		for i := range b {
			b[i] = "0123456789-+.eE x"[r.IntN(17)]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := isNumberLiteral(s), oracle(s); got != want {
			t.Errorf("isNumberLiteral(%q) = %v, encoding/json says %v", s, got, want)
		}
	}
}

// BenchmarkMarshalAward encodes the builder's credential for the golden
// fixture's shape both ways: "direct" (Marshal) and "encoding/json" (the
// MarshalJSON methods).
func BenchmarkMarshalAward(b *testing.B) {
	c := mustAward(b)
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			if _, err := Marshal(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := marshal(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// promoteArraysCopy is promoteArrays as it was, copying everything: the
// oracle for the copy-on-write version.
func promoteArraysCopy(v any, parent string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			switch {
			case k == "type" && !stringTyped[parent]:
				if s, ok := e.(string); ok {
					e = []any{s}
				}
			case k == "proof" || k == "credentialSchema" || k == "termsOfUse":
				if m, ok := e.(map[string]any); ok {
					e = []any{m}
				}
			}
			out[k] = promoteArraysCopy(e, k)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = promoteArraysCopy(e, parent)
		}
		return out
	}
	return v
}

// TestPromoteArrays: the copy-on-write promoteArrays gives what copying
// everything gave, leaves its input alone, and does not copy a credential
// the builder made (nothing in it needs wrapping).
func TestPromoteArrays(t *testing.T) {
	g := generator{rand.New(rand.NewPCG(7, 7))}
	decode := func(b []byte) any {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	docs := [][]byte{[]byte(`{"type":"X","proof":{"type":"P","proof":{"type":"Q"}},"image":{"type":"Image"},` +
		`"credentialSchema":[{"type":"S"}],"termsOfUse":{"type":"T"},"list":[{"type":"A"},{"type":["B"]},"c"],"geo":{"type":"G"}}`)}
	for range 2000 {
		c := new(Credential)
		g.fill(reflect.ValueOf(c).Elem(), 0)
		if b, err := marshal(c); err == nil {
			docs = append(docs, b)
		}
	}
	changed := 0
	for _, b := range docs {
		d, before := decode(b), decode(b)
		got := promoteArrays(d, "")
		if want := promoteArraysCopy(d, ""); !reflect.DeepEqual(got, want) {
			t.Fatalf("promoteArrays(%v) = %v, want %v", d, got, want)
		}
		if !reflect.DeepEqual(d, before) {
			t.Fatalf("promoteArrays changed its input %s", b)
		}
		if m, ok := got.(map[string]any); ok && reflect.ValueOf(m).UnsafePointer() != reflect.ValueOf(d).UnsafePointer() {
			changed++
		}
	}
	if changed == 0 || changed == len(docs) {
		t.Fatalf("%d of %d documents copied: the cases are not both covered", changed, len(docs))
	}
	_, doc, _, ok := encodeValue(mustAward(t), true, nil)
	if !ok {
		t.Fatal("no decoded form for the builder's credential")
	}
	if got := promoteArrays(doc, ""); reflect.ValueOf(got).UnsafePointer() != reflect.ValueOf(doc).UnsafePointer() {
		t.Error("the builder's credential was copied: something in it needed wrapping")
	}
}

// mustAward is a credential as the builder makes it.
func mustAward(t testing.TB) *Credential {
	t.Helper()
	c, err := awardCredential(MicroCredential{
		ID: "https://tohu.example.nz/achievements/mc1/v1", Title: "Kōrero Tuatahi", TitleMi: "Kōrero Tuatahi (reo Māori)",
		NZQAReference: "MC5012", Version: "2", Level: 3, Credits: 15, Description: "Everyday te reo Māori.",
		Outcomes: []string{"Deliver a mihi.", "Hold a short conversation."}, FieldOfStudy: FieldOfStudy{Code: "091521"},
		Grades: []string{"Achieved", "Merit", "Excellence"}, Developer: &Profile{ID: "https://wdc.example.nz", Name: "Toi Mai"},
		Image: &Image{ID: "https://tohu.example.nz/b.png"},
	}, Learner{Name: "Aroha Te Ao", Email: "aroha@example.nz", Salt: "s"},
		AwardResult{ID: "urn:uuid:0c7c3a52-6f2b-4a7e-9d0f-3b1c5d2e8a91", Grade: "Merit", Evidence: []EvidenceLink{{ID: "https://e.example.nz/1"}}},
		Profile{ID: "did:web:tohu.example.nz:issuers:p1", Name: "Te Pūkenga"}, DefaultBounds(),
		WithStatus(BitstringStatusListEntry{StatusPurpose: "revocation", StatusListIndex: "7", StatusListCredential: "https://tohu.example.nz/status/1"}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestIsNFCString: the ASCII shortcut answers as norm.NFC.IsNormalString.
func TestIsNFCString(t *testing.T) {
	cases := append([]string{"Ma\u0304ori", "Māori", "e\u0301", "\u212b", "\u00c5", "A\u030a"}, genStrings...)
	for _, s := range cases {
		if got, want := isNFCString(s), norm.NFC.IsNormalString(s); got != want {
			t.Errorf("isNFCString(%q) = %v, want %v", s, got, want)
		}
	}
}

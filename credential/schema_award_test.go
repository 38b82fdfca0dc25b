package credential

import (
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestAchievementStubEquivalent pins what validateAward's shortcut rests
// on: the AchievementCredential schema reaches the Achievement only through
// AchievementSubject's $ref, and has no keyword whose verdict on one part
// depends on another (unevaluated*, dependent*, if/then/else, not).
func TestAchievementStubEquivalent(t *testing.T) {
	b, err := schemaFS.ReadFile("schema/achievementcredential.json")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				switch k {
				case "unevaluatedProperties", "unevaluatedItems", "dependentSchemas", "dependentRequired", "if", "then", "else", "not", "$dynamicRef", "$recursiveRef":
					t.Errorf("%s/%s: the schema now uses %s; validateAward's shortcut may no longer hold", at, k, k)
				}
				walk(e, at+"/"+k)
			}
		case []any:
			for _, e := range v {
				walk(e, at+"/[]")
			}
		}
	}
	walk(s, "")
	props := s["properties"].(map[string]any)
	if got := props["credentialSubject"]; !reflect.DeepEqual(got, map[string]any{"$ref": "#/$defs/AchievementSubject"}) {
		t.Errorf("credentialSubject schema = %v", got)
	}
	subj := s["$defs"].(map[string]any)["AchievementSubject"].(map[string]any)
	if got := subj["properties"].(map[string]any)["achievement"]; !reflect.DeepEqual(got, map[string]any{"$ref": "#/$defs/Achievement"}) {
		t.Errorf("AchievementSubject.achievement schema = %v", got)
	}
	for k := range subj {
		switch k {
		case "description", "type", "properties", "required", "additionalProperties":
		default:
			t.Errorf("AchievementSubject has %q, which may look at the achievement", k)
		}
	}
}

// goldenAward is the builder's golden award decoded as validation sees it,
// and its Achievement's bytes as the encoder wrote them.
func goldenAward(t testing.TB) (map[string]any, []byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/nz-microcredential.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, doc, span, ok := encodeValue(c, true, nil)
	if !ok || span.n != 1 {
		t.Fatalf("encode: ok %v, %d achievements", ok, span.n)
	}
	ach := out[span.start:span.end]
	var got any
	if err := json.Unmarshal(ach, &got); err != nil {
		t.Fatalf("the span is not the Achievement's JSON: %v", err)
	}
	var whole map[string]any
	_ = json.Unmarshal(out, &whole)
	if !reflect.DeepEqual(got, whole["credentialSubject"].(map[string]any)["achievement"]) {
		t.Fatal("the span is not the award's Achievement")
	}
	return doc.(map[string]any), ach
}

// TestValidateAwardSameVerdicts: with the Achievement already known valid
// (ach is always the encoding of the award's own Achievement: finishAward
// takes both from one encoding pass, so only edits outside it are cases),
// validateAward gives exactly the verdict (and the error) of validating the
// whole award, for awards broken anywhere outside the Achievement; an
// unknown Achievement is validated in full; the stub itself is valid.
func TestValidateAwardSameVerdicts(t *testing.T) {
	doc, ach := goldenAward(t)
	v, err := NewSchemaValidator()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.validateAward(doc, ach, false); err != nil {
		t.Fatalf("golden award: %v", err)
	}
	if len(v.known) != 1 {
		t.Fatalf("known = %d after one valid award", len(v.known))
	}
	stubbed, ok := withStubAchievement(doc)
	if !ok {
		t.Fatal("golden award has no credentialSubject.achievement object")
	}
	if err := v.validate(AchievementCredentialSchemaID, stubbed); err != nil {
		t.Fatalf("the stub achievement is not valid in an award: %v", err)
	}
	if doc["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["name"] == "-" {
		t.Fatal("withStubAchievement changed the document it was given")
	}

	cs := func(d map[string]any) map[string]any { return d["credentialSubject"].(map[string]any) }
	edits := map[string]func(d map[string]any){
		"valid as is":           func(map[string]any) {},
		"no validFrom":          func(d map[string]any) { delete(d, "validFrom") },
		"bad validFrom":         func(d map[string]any) { d["validFrom"] = "4 March 2025" },
		"bad validUntil":        func(d map[string]any) { d["validUntil"] = "soon" },
		"type not an array":     func(d map[string]any) { d["type"] = 7 },
		"no issuer":             func(d map[string]any) { delete(d, "issuer") },
		"issuer without id":     func(d map[string]any) { d["issuer"] = map[string]any{"type": []any{"Profile"}} },
		"no context":            func(d map[string]any) { delete(d, "@context") },
		"subject type wrong":    func(d map[string]any) { cs(d)["type"] = []any{"Person"} },
		"subject id number":     func(d map[string]any) { cs(d)["id"] = 5 },
		"identifier not object": func(d map[string]any) { cs(d)["identifier"] = []any{"x"} },
		"result wrong":          func(d map[string]any) { cs(d)["result"] = "merit" },
		"credits not number":    func(d map[string]any) { cs(d)["creditsEarned"] = "15" },
		"evidence not array":    func(d map[string]any) { d["evidence"] = 1 },
		"subject an array":      func(d map[string]any) { d["credentialSubject"] = []any{cs(d)} },
		"achievement removed":   func(d map[string]any) { delete(cs(d), "achievement") },
		"achievement a string":  func(d map[string]any) { cs(d)["achievement"] = "urn:x" },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			d := deepCopy(doc).(map[string]any)
			edit(d)
			want := v.validate(AchievementCredentialSchemaID, d)
			got := v.validateAward(d, ach, false) // the Achievement's bytes say it is known valid
			if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
				t.Fatalf("validateAward = %v, whole award = %v", got, want)
			}
			// The same when the Achievement is a Cohort's object (validated):
			// its check is skipped, the rest's verdict and message are not.
			got = validateAchievementCredential(d, ach, true)
			if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
				t.Fatalf("validateAchievementCredential(validated) = %v, whole award = %v", got, want)
			}
			if name != "valid as is" && want == nil {
				t.Fatal("the edit did not make the award invalid: the case tests nothing")
			}
		})
	}

	// An Achievement never seen valid is validated with the whole award.
	fresh, _ := NewSchemaValidator()
	d := deepCopy(doc).(map[string]any)
	delete(cs(d)["achievement"].(map[string]any), "criteria")
	if err := fresh.validateAward(d, []byte(strings.Replace(string(ach), "Tuatahi", "Tuarua", 1)), false); err == nil {
		t.Fatal("an invalid achievement passed")
	}
	if len(fresh.known) != 0 {
		t.Fatal("an invalid award's achievement was remembered")
	}
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := maps.Clone(v)
		for k, e := range m {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// TestIsNFCExcept: the object skipped is not looked into (it may even hold
// a decomposed string), and everything else still is, keys included.
func TestIsNFCExcept(t *testing.T) {
	decomposed := "A\u0304konga" // Ā as A + combining macron: not NFC
	skip := map[string]any{"name": decomposed}
	equal := map[string]any{"name": decomposed} // equal to skip, not skip
	for _, tc := range []struct {
		name string
		doc  any
		skip map[string]any
		want bool
	}{
		{"clean", map[string]any{"a": []any{"Ākonga", map[string]any{"b": "x"}}}, nil, true},
		{"decomposed value", map[string]any{"a": []any{decomposed}}, nil, false},
		{"decomposed key", map[string]any{decomposed: "x"}, nil, false},
		{"inside the skipped object", map[string]any{"s": map[string]any{"achievement": skip}}, skip, true},
		{"skipped object not skipped", map[string]any{"s": map[string]any{"achievement": skip}}, nil, false},
		{"an equal object is still looked into", map[string]any{"s": equal}, skip, false},
		{"outside the skipped object", map[string]any{"s": skip, "name": decomposed}, skip, false},
	} {
		if got := isNFCExcept(tc.doc, tc.skip); got != tc.want {
			t.Errorf("%s: isNFCExcept = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func BenchmarkValidateAwardStubbed(b *testing.B) {
	doc, ach := goldenAward(b)
	if err := validateAchievementCredential(doc, ach, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := validateAchievementCredential(doc, ach, true); err != nil {
			b.Fatal(err)
		}
	}
}

package credential_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/contexts"
	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/errs"
)

// TestBuildAwardTermsDefined: json-gold silently drops terms no context
// defines, which would leave them outside the signature. Every member the
// builder emits must be defined by the contexts it lists.
func TestBuildAwardTermsDefined(t *testing.T) {
	golden := build(t)
	withoutExt := bytes.Replace(golden, []byte(`,
    "`+contexts.OBExtensions+`"`), nil, 1)
	if bytes.Equal(withoutExt, golden) {
		t.Fatal("test setup: the extensions context was not found in the golden credential")
	}
	tests := map[string]struct {
		doc      []byte
		wantCode errs.Code
	}{
		"ok/golden credential":  {doc: golden},
		"ok/impl guide example": {doc: readFile(t, "ob30-impl-guide-credential-unsigned.json")},
		// The json-gold trap: 1EdTechJsonSchemaValidator2019 is defined only
		// by the OB extensions context.
		"error/without the extensions context": {doc: withoutExt, wantCode: errs.Invalid},
	}
	c := jsonld.New(nil)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := c.CheckTerms(decode(t, tc.doc))
			if got := errs.ErrorCode(err); got != tc.wantCode {
				t.Fatalf("CheckTerms code = %q (%v), want %q", got, err, tc.wantCode)
			}
		})
	}
}

// TestBuildAwardCanonicalMacrons: the precomposed macrons reach the
// canonical N-Quads the proof engineers sign, and the te reo title, the
// related edition and the hashed identity are all in the signed graph.
func TestBuildAwardCanonicalMacrons(t *testing.T) {
	nq, err := jsonld.New(nil).Canonicalize(decode(t, readFile(t, "nz-microcredential-macrons.unsigned.json")))
	if err != nil {
		t.Fatal(err)
	}
	s := string(nq)
	for _, want := range []string{
		`"Te Reo M` + "\u0101" + `ori: K` + "\u014d" + `rero Tuatahi"`,
		`"Te Reo M` + "\u0101" + `ori: K` + "\u014d" + `rero Tuatahi (he putanga reo M` + "\u0101" + `ori)"`,
		`"mi"`,
		`"15"^^<https://www.w3.org/2001/XMLSchema#float>`, // sic: the OB context uses https here
		`"2025-03-03T21:30:15Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>`,
		`<https://purl.imsglobal.org/spec/vccs/v1p0/context.json#1EdTechJsonSchemaValidator2019>`,
		`"sha256$d061ce09`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("canonical N-Quads lack %s", want)
		}
	}
	if strings.Contains(s, "\u0304") {
		t.Error("canonical N-Quads contain a combining macron")
	}
	var lines int
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l != "" {
			lines++
		}
	}
	// Every leaf value of the JSON document becomes at least one quad; far
	// fewer quads than leaves means terms were dropped.
	if leaves := countLeaves(decode(t, readFile(t, "nz-microcredential-macrons.unsigned.json"))); lines < leaves-5 {
		t.Errorf("%d quads for %d JSON leaves: terms were dropped", lines, leaves)
	}
}

func countLeaves(v any) int {
	switch t := v.(type) {
	case map[string]any:
		n := 0
		for k, e := range t {
			if k == "@context" || k == "id" || k == "type" {
				continue
			}
			n += countLeaves(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range t {
			n += countLeaves(e)
		}
		return n
	case json.Number, string, bool:
		return 1
	}
	return 0
}

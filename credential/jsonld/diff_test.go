package jsonld_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"testing"

	"github.com/tohu-nz/tohu/credential/jsonld"
)

// gen builds varied but valid OB 3.0 credentials from a seeded source, so
// the differential test is reproducible.
type gen struct{ r *rand.Rand }

var texts = []string{
	"Applied Data Engineering", "Te Reo Māori — Kōrero", "Whakapapa ā-iwi", "ŌĀĒĪŪ āēīōū",
	"quote \" and backslash \\", "line\nbreak\tand tab\r", "emoji 🎓 and 中文", "", " spaces ",
	"<b>markup</b> & ampersand", "NFD a\u0304 stays as given",
}

func (g gen) text() string { return texts[g.r.Intn(len(texts))] }
func (g gen) coin() bool   { return g.r.Intn(2) == 0 }

func (g gen) number() json.Number {
	ns := []string{"15", "0", "1", "40", "7.5", "0.1", "15.0", "1e2", "2.5E1", "-3", "12345678901", "1.0000001", "3.14159"}
	return json.Number(ns[g.r.Intn(len(ns))])
}

func (g gen) date() string {
	ds := []string{"2025-01-15T09:30:00Z", "2024-12-31T23:59:59.123Z", "2025-06-01T00:00:00+12:00", "2025-02-28T10:00:00.000Z"}
	return ds[g.r.Intn(len(ds))]
}

// id returns an IRI, or "" for a blank node.
func (g gen) id(kind string, i int) string {
	switch g.r.Intn(4) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i)
	case 2:
		return fmt.Sprintf("did:example:%s-%d", kind, i)
	}
	return fmt.Sprintf("https://tohu.example.nz/%s/%d#frag", kind, i)
}

func (g gen) types(t string) any {
	if g.coin() {
		return t
	}
	return []any{t}
}

func put(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func (g gen) profile(i int) map[string]any {
	p := map[string]any{"id": fmt.Sprintf("https://issuer.example.nz/%d", i), "type": g.types("Profile")}
	if g.coin() {
		p["name"] = g.text()
	}
	if g.coin() {
		p["url"] = "https://issuer.example.nz/"
	}
	if g.coin() {
		p["email"] = "info@issuer.example.nz"
	}
	return p
}

func (g gen) credential(i int, v11 bool) map[string]any {
	ach := map[string]any{
		"type":        g.types("Achievement"),
		"name":        g.text(),
		"description": g.text(),
		"criteria":    map[string]any{"narrative": g.text()},
	}
	put(ach, "id", g.id("achievements", i))
	if g.coin() {
		ach["achievementType"] = "MicroCredential"
	}
	if g.coin() {
		ach["creditsAvailable"] = g.number()
	}
	if g.coin() {
		ach["humanCode"] = fmt.Sprintf("NZQA-%d", g.r.Intn(9999))
	}
	if g.coin() && !v11 { // OB 3.0.0's context has no inLanguage
		ach["inLanguage"] = "mi"
	}
	if n := g.r.Intn(4); n > 0 {
		var tags []any
		for j := 0; j < n; j++ {
			tags = append(tags, g.text()) // duplicates happen and must collapse
		}
		ach["tag"] = tags
	}
	if n := g.r.Intn(4); n > 0 {
		var al []any
		for j := 0; j < n; j++ {
			a := map[string]any{"type": []any{"Alignment"}, "targetName": g.text(), "targetUrl": fmt.Sprintf("https://framework.example.org/%d", g.r.Intn(3))}
			if g.coin() {
				a["targetCode"] = fmt.Sprint(g.r.Intn(10))
			}
			if g.coin() {
				a["targetFramework"] = "NZQCF"
			}
			al = append(al, a)
		}
		ach["alignment"] = al
	}
	if g.coin() {
		rd := map[string]any{"id": "urn:uuid:7d1e3c2a-2f5b-4f0e-8a3c-5e9b6c4d2a10", "type": []any{"ResultDescription"}, "name": g.text(), "resultType": "LetterGrade"}
		if g.coin() {
			n := g.r.Intn(4)
			vals := []any{}
			for j := 0; j < n; j++ {
				vals = append(vals, []string{"A", "B", "C", "A"}[j])
			}
			rd["allowedValue"] = vals // @list, possibly empty
		}
		ach["resultDescription"] = []any{rd}
	}
	if g.coin() {
		ach["creator"] = g.profile(i + 1000)
	}
	subj := map[string]any{"type": g.types("AchievementSubject"), "achievement": ach}
	put(subj, "id", g.id("learners", i))
	if g.coin() {
		subj["creditsEarned"] = g.number()
	}
	if g.coin() {
		subj["activityEndDate"] = g.date()
	}
	if g.coin() {
		subj["result"] = []any{map[string]any{"type": []any{"Result"}, "value": g.text()}}
	}
	if g.coin() {
		subj["identifier"] = []any{map[string]any{"type": "IdentityObject", "hashed": g.coin(), "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399", "identityType": "emailAddress", "salt": "Kosher"}}
	}
	var ctx []any
	if v11 {
		ctx = []any{"https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context.json"}
	} else {
		ctx = []any{"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}
	}
	doc := map[string]any{
		"@context":          ctx,
		"type":              []any{"VerifiableCredential", []string{"OpenBadgeCredential", "AchievementCredential"}[g.r.Intn(2)]},
		"issuer":            g.profile(i),
		"credentialSubject": subj,
	}
	put(doc, "id", g.id("credentials", i))
	if v11 {
		doc["issuanceDate"] = g.date()
		if g.coin() {
			doc["expirationDate"] = g.date()
		}
	} else {
		doc["validFrom"] = g.date()
		if g.coin() {
			doc["validUntil"] = g.date()
		}
		if g.coin() {
			doc["credentialStatus"] = map[string]any{"id": "https://tohu.example.nz/status/1#94567", "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "94567", "statusListCredential": "https://tohu.example.nz/status/1"}
		}
		if g.coin() {
			// proof is an @graph container: its node lands in a named graph.
			doc["proof"] = map[string]any{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": g.date(), "verificationMethod": "did:key:z6Mk#z6Mk", "proofPurpose": "assertionMethod", "proofValue": "z58DAdFfa9"}
		}
	}
	if g.coin() {
		doc["name"] = g.text()
	}
	if g.coin() {
		doc["evidence"] = []any{map[string]any{"type": []any{"Evidence"}, "narrative": g.text()}, map[string]any{"id": "https://tohu.example.nz/evidence/1", "type": []any{"Evidence"}, "name": g.text()}}
	}
	return doc
}

// TestDifferential proves the strict path byte-identical to json-gold (the
// reference) over many generated credentials: VC 2.0 and 1.1, blank nodes,
// lists, named graphs, unicode, escapes, numbers, dates, type-scoped
// contexts.
func TestDifferential(t *testing.T) {
	n := 600
	if testing.Short() {
		n = 100
	}
	g := gen{rand.New(rand.NewSource(20250115))}
	c := jsonld.New(nil)
	for i := 0; i < n; i++ {
		doc := g.credential(i, i%4 == 3)
		// Round-trip through JSON with UseNumber, as callers decode.
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var in any
		if err := dec.Decode(&in); err != nil {
			t.Fatal(err)
		}
		want, err := c.Canonicalize(in)
		if err != nil {
			t.Fatalf("doc %d: json-gold: %v\n%s", i, err, b)
		}
		got, err := c.CanonicalizeStrict(in)
		if err != nil {
			t.Fatalf("doc %d: strict: %v\n%s", i, err, b)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("doc %d differs\n got: %s\nwant: %s\ndoc: %s", i, got, want, b)
		}
	}
}

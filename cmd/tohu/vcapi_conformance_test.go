package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestVCAPIConformance mirrors, through the real HTTP server and store, what
// the W3C and CCG interoperability suites send to a VC-API issuer and
// verifier and what they assert. Every input here is tohu's own; each case
// names the suite file whose check it mirrors:
//
//	[issuer]  w3c-ccg/vc-api-issuer-test-suite tests/10-issuer.js (400 via assertions.js shouldThrowInvalidInput)
//	[vcdm2]   w3c/vc-data-model-2.0-test-suite tests/4.NN-*.js, 5-00-advanced-concepts.js (TestEndpoints.js: any status >= 400 is a rejection)
//	[verifier] w3c-ccg/vc-api-verifier-test-suite tests/10-vc-di.js (400 via helpers.js testBadRequestError)
//	[eddsa]   w3c/vc-di-eddsa-test-suite tests/10-rdfc-create.js, 15-di-rdfc-verify.js (data-integrity-test-suite-assertion)
func TestVCAPIConformance(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			env := serveEnv(t, db)
			base, _, _ := startServe(t, env)
			c := client{t, base}
			m := c.must(201, "POST", "/api/v1/providers", testOperatorToken, map[string]any{"slug": "kura", "name": "Te Kura Tohu", "didMethod": "key"})
			tok := m["adminKey"].(map[string]any)["token"].(string)
			did := m["provider"].(map[string]any)["did"].(string)
			if !strings.HasPrefix(did, "did:key:") {
				t.Fatalf("provider DID = %s, want did:key", did)
			}
			conformIssue(t, base, tok, did)
			conformVerify(t, base, tok)
		})
	}
}

// vcdm2 is a small conforming VC 2.0 credential: what the suites' fixtures
// look like, with an issuer URL the issuer then replaces with its own.
func vcdm2(edit func(m map[string]any)) map[string]any {
	m := map[string]any{
		"@context":          []any{"https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"},
		"type":              []any{"VerifiableCredential", "ExampleKuraCredential"},
		"issuer":            "did:example:kura",
		"credentialSubject": map[string]any{"id": "did:example:ākonga-7", "completed": "Raranga 101"},
	}
	if edit != nil {
		edit(m)
	}
	return m
}

// vcdm11 is the VC 1.1 form the VC-API issuer suite sends (no
// issuanceDate), without the suite's 2018 examples context: that context
// imports https://www.w3.org/ns/odrl.jsonld, which tohu has not pinned.
func vcdm11(edit func(m map[string]any)) map[string]any {
	m := map[string]any{
		"@context":          []any{"https://www.w3.org/2018/credentials/v1"},
		"type":              []any{"VerifiableCredential"},
		"issuer":            "did:example:kura",
		"credentialSubject": map[string]any{"id": "did:example:ākonga-7"},
	}
	if edit != nil {
		edit(m)
	}
	return m
}

func set(kv ...any) func(m map[string]any) {
	return func(m map[string]any) {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == deleted {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
	}
}

// deleted marks a member set removes.
var deleted = &struct{}{}

func langValue(v, lang string) map[string]any { return map[string]any{"@value": v, "@language": lang} }

func conformIssue(t *testing.T, base, tok, did string) {
	stamp := func(years int) string { return time.Now().UTC().AddDate(years, 0, 0).Format("2006-01-02T15:04:05Z") }
	v2 := "https://www.w3.org/ns/credentials/v2"
	tests := map[string]struct {
		body    map[string]any // whole request body (for the envelope cases)
		cred    map[string]any
		want    int
		pointer string
		// verify is what POST /credentials/verify answers for the issued
		// credential: 200 unless set (the VCDM 2.0 suite only issues these;
		// tohu's verifier then says what it could not confirm).
		verify int
	}{
		// [issuer] "MUST successfully issue a credential." → 201 with verifiableCredential.
		"ok/vc 1.1 without issuanceDate": {cred: vcdm11(nil), want: 201},
		// [issuer] "credential MAY have property expirationDate".
		"ok/vc 1.1 expirationDate": {cred: vcdm11(set("expirationDate", stamp(1))), want: 201},
		// [issuer] "credential @context subsequent items MAY be context objects".
		"ok/vc 1.1 context object": {cred: vcdm11(set("@context", []any{"https://www.w3.org/2018/credentials/v1",
			map[string]any{"kuraCompleted": "https://kura.example/vocab#completed"}}, "credentialSubject", map[string]any{"id": "did:example:ākonga-7", "kuraCompleted": "Raranga"})),
			want: 201},
		// [issuer] "credential.issuer MAY be an object with property id" / [vcdm2] 4.07 credential-issuer-object-ok.
		"ok/issuer object": {cred: vcdm2(set("issuer", map[string]any{"id": "did:example:kura", "name": "Kura"})), want: 201},
		// [vcdm2] 4.03 credential-context-combo1/2-ok: several URLs, an inline context object.
		"ok/context object": {cred: vcdm2(set("@context", []any{v2, map[string]any{"KuraCredential": "https://kura.example/vocab#KuraCredential"}},
			"type", []any{"VerifiableCredential", "KuraCredential"}, "credentialSubject", map[string]any{"id": "did:example:ākonga-7"})),
			want: 201},
		// [vcdm2] 4.04 credential-id-single-ok, credential-id-other-ok.
		"ok/id url":   {cred: vcdm2(set("id", "https://kura.example/credentials/"+time.Now().Format("150405.000000"))), want: 201},
		"ok/id did":   {cred: vcdm2(set("id", "did:example:credential-"+time.Now().Format("150405.000000"))), want: 201},
		"ok/type url": {cred: vcdm2(set("type", []any{"https://kura.example/vocab#Tohu", "VerifiableCredential"})), want: 201},
		// [vcdm2] 4.06 name/description as strings, language objects, lists of them.
		"ok/name language":         {cred: vcdm2(set("name", langValue("Tohu Raranga", "mi"))), want: 201},
		"ok/description languages": {cred: vcdm2(set("description", []any{langValue("He tohu", "mi"), langValue("A badge", "en")})), want: 201},
		"ok/issuer name language":  {cred: vcdm2(set("issuer", map[string]any{"id": "did:example:kura", "name": langValue("Kura", "mi")})), want: 201},
		// [vcdm2] 4.08 credential-subject-multiple-ok.
		"ok/several subjects": {cred: vcdm2(set("credentialSubject", []any{map[string]any{"id": "did:example:a"}, map[string]any{"id": "did:example:b"}})), want: 201},
		// [vcdm2] 4.09 validFrom with milliseconds, a negative offset, far future; validUntil after validFrom.
		"ok/validFrom ms":     {cred: vcdm2(set("validFrom", "2024-06-01T08:30:00.123Z")), want: 201},
		"ok/validFrom offset": {cred: vcdm2(set("validFrom", "2024-06-01T08:30:00-06:00")), want: 201},
		"ok/validFrom future": {cred: vcdm2(set("validFrom", "2099-06-01T08:30:00Z")), want: 201, verify: 400 /* not yet valid */},
		"ok/validity window":  {cred: vcdm2(set("validFrom", stamp(-1), "validUntil", stamp(1))), want: 201},
		// [vcdm2] 4.10 credential-status-ok (the client's own typed status entry), 4.10 missing id ok.
		// tohu cannot read a KuraStatus entry, so verification "could not check" (400).
		"ok/client status": {cred: vcdm2(set("credentialStatus", map[string]any{"id": "https://kura.example/status/1#9", "type": "KuraStatus"})), want: 201, verify: 400},
		"ok/status no id":  {cred: vcdm2(set("credentialStatus", map[string]any{"type": "KuraStatus"})), want: 201, verify: 400},
		// [vcdm2] 4.05 / 4.11 / 5-00 typed termsOfUse, evidence, refreshService, credentialSchema.
		"ok/typed objects": {cred: vcdm2(set("termsOfUse", map[string]any{"type": "KuraPolicy", "id": "https://kura.example/policy"},
			"evidence", []any{map[string]any{"type": "KuraEvidence"}}, "refreshService", map[string]any{"type": "KuraRefresh", "id": "https://kura.example/refresh"},
			"credentialSchema", []any{map[string]any{"type": "JsonSchema", "id": "https://kura.example/a.json"}, map[string]any{"type": "JsonSchema", "id": "https://kura.example/b.json"}})), want: 201},
		// VCDM 2.0 §5.3 relatedResource with a digest.
		"ok/related resource": {cred: vcdm2(set("relatedResource", []any{map[string]any{"id": "https://kura.example/logo.png", "digestSRI": "sha384-S57yQDg1MTzF56Oi9DbSQ14u7jBy0RDdx0YbeV7shwhCS88G8SCXeFq82PafhCrW"}})), want: 201},

		// [issuer] "Request body MUST have property credential".
		"error/no credential member": {body: map[string]any{"verifiableCredential": vcdm2(nil)}, want: 400},
		// [issuer] "credential MUST have property @context" / [vcdm2] 4.03 credential-no-context.
		"error/no context": {cred: vcdm2(set("@context", deleted)), want: 400, pointer: "/credential/@context"},
		// [issuer] "credential @context MUST be an array" (4) and items MUST be strings ({foo:true}, 4, false, null).
		"error/context number":       {cred: vcdm2(set("@context", 4)), want: 400, pointer: "/credential/@context"},
		"error/context object alone": {cred: vcdm2(set("@context", map[string]any{"foo": true})), want: 400, pointer: "/credential/@context"},
		"error/context false":        {cred: vcdm2(set("@context", false)), want: 400, pointer: "/credential/@context"},
		"error/context null":         {cred: vcdm2(set("@context", nil)), want: 400, pointer: "/credential/@context"},
		"error/context item number":  {cred: vcdm2(set("@context", []any{v2, 4})), want: 400, pointer: "/credential/@context/1"},
		// [issuer] "@context first item MUST be credentials context URI" / [vcdm2] 4.03 missing base context.
		"error/base context not first": {cred: vcdm11(set("@context", []any{"https://www.w3.org/2018/credentials/examples/v1", "https://www.w3.org/2018/credentials/v1"})), want: 400, pointer: "/credential/@context/0"},
		// [vcdm2] 4.03 credential-context-combo3-fail: a context that is not a URL.
		"error/context not url": {cred: vcdm2(set("@context", []any{v2, "https ://kura.example/ctx"})), want: 400, pointer: "/credential/@context/1"},
		// [issuer] "credential MUST have property type", type MUST be an array of strings / [vcdm2] 4.05.
		"error/no type":          {cred: vcdm2(set("type", deleted)), want: 400, pointer: "/credential/type"},
		"error/type number":      {cred: vcdm2(set("type", 4)), want: 400, pointer: "/credential/type"},
		"error/type item null":   {cred: vcdm2(set("type", []any{"VerifiableCredential", nil})), want: 400, pointer: "/credential/type/1"},
		"error/type item object": {cred: vcdm2(set("type", []any{map[string]any{"foo": true}})), want: 400, pointer: "/credential/type/0"},
		"error/type without vc":  {cred: vcdm2(set("type", []any{"ExampleKuraCredential"})), want: 400, pointer: "/credential/type"},
		// [vcdm2] 4.05 credential-type-mapped-nonurl-fail, credential-type-unmapped-fail.
		"error/type mapped to non-url": {cred: vcdm2(set("@context", []any{v2, map[string]any{"KuraCredential": "https ://kura.example#KuraCredential"}},
			"type", []any{"VerifiableCredential", "KuraCredential"})), want: 400},
		"error/type unmapped": {cred: vcdm2(set("@context", []any{v2, map[string]any{"@vocab": nil}}, "type", []any{"VerifiableCredential", "KuraCredential"})), want: 400},
		// [issuer] "credential MUST have property issuer", issuer a string or object / [vcdm2] 4.07.
		"error/no issuer":         {cred: vcdm2(set("issuer", deleted)), want: 400, pointer: "/credential/issuer"},
		"error/issuer null":       {cred: vcdm2(set("issuer", nil)), want: 400, pointer: "/credential/issuer"},
		"error/issuer true":       {cred: vcdm2(set("issuer", true)), want: 400, pointer: "/credential/issuer"},
		"error/issuer list":       {cred: vcdm2(set("issuer", []any{})), want: 400, pointer: "/credential/issuer"},
		"error/issuer not url":    {cred: vcdm2(set("issuer", "kura")), want: 400, pointer: "/credential/issuer"},
		"error/issuer id null":    {cred: vcdm2(set("issuer", map[string]any{"id": nil})), want: 400, pointer: "/credential/issuer/id"},
		"error/issuer id not url": {cred: vcdm2(set("issuer", map[string]any{"id": "kura"})), want: 400, pointer: "/credential/issuer/id"},
		"error/issuer name extra": {cred: vcdm2(set("issuer", map[string]any{"id": "did:example:kura", "name": map[string]any{"@value": "Kura", "@language": "mi", "url": "x"}})), want: 400, pointer: "/credential/issuer/name/url"},
		// [vcdm2] 4.04 id null, list of ids, not a URL; subject with several ids.
		"error/id null":     {cred: vcdm2(set("id", nil)), want: 400, pointer: "/credential/id"},
		"error/id list":     {cred: vcdm2(set("id", []any{"urn:uuid:1", "urn:uuid:2"})), want: 400, pointer: "/credential/id"},
		"error/id not url":  {cred: vcdm2(set("id", "kura-credential-1")), want: 400, pointer: "/credential/id"},
		"error/subject ids": {cred: vcdm2(set("credentialSubject", map[string]any{"id": []any{"did:example:a", "did:example:b"}})), want: 400, pointer: "/credential/credentialSubject/id"},
		// [issuer] credentialSubject required and an object (null, true, 4, [], a string) / [vcdm2] 4.08.
		"error/no subject":         {cred: vcdm2(set("credentialSubject", deleted)), want: 400, pointer: "/credential/credentialSubject"},
		"error/subject null":       {cred: vcdm2(set("credentialSubject", nil)), want: 400, pointer: "/credential/credentialSubject"},
		"error/subject number":     {cred: vcdm2(set("credentialSubject", 4)), want: 400, pointer: "/credential/credentialSubject"},
		"error/subject empty list": {cred: vcdm2(set("credentialSubject", []any{})), want: 400, pointer: "/credential/credentialSubject"},
		"error/subject string":     {cred: vcdm2(set("credentialSubject", "did:example:ākonga-7")), want: 400, pointer: "/credential/credentialSubject"},
		"error/subject no claims":  {cred: vcdm2(set("credentialSubject", map[string]any{})), want: 400, pointer: "/credential/credentialSubject"},
		"error/one subject empty":  {cred: vcdm2(set("credentialSubject", []any{map[string]any{"id": "did:example:a"}, map[string]any{}})), want: 400, pointer: "/credential/credentialSubject/1"},
		// [vcdm2] 4.06 name / description value objects with extra members.
		"error/name extra member":        {cred: vcdm2(set("name", map[string]any{"@value": "Tohu", "@language": "mi", "url": "did:example:x"})), want: 400, pointer: "/credential/name/url"},
		"error/description extra member": {cred: vcdm2(set("description", map[string]any{"@value": "Tohu", "@language": "mi", "note": "x"})), want: 400, pointer: "/credential/description/note"},
		// [vcdm2] 4.09 validFrom / validUntil not a dateTimeStamp; validUntil before validFrom (assertions.js testTemporality).
		"error/validFrom text":        {cred: vcdm2(set("validFrom", "Tue 4 Mar 2025 09:00 NZDT")), want: 400, pointer: "/credential/validFrom"},
		"error/validUntil text":       {cred: vcdm2(set("validUntil", "next year")), want: 400, pointer: "/credential/validUntil"},
		"error/validFrom no timezone": {cred: vcdm2(set("validFrom", "2025-03-04T09:00:00")), want: 400, pointer: "/credential/validFrom"},
		"error/until before from":     {cred: vcdm2(set("validFrom", stamp(1), "validUntil", stamp(-1))), want: 400, pointer: "/credential/validUntil"},
		// [vcdm2] 4.10 credentialStatus without type, type not a string, id not a URL, several ids.
		"error/status no type":     {cred: vcdm2(set("credentialStatus", map[string]any{"id": "https://kura.example/status/1#9"})), want: 400, pointer: "/credential/credentialStatus/type"},
		"error/status type number": {cred: vcdm2(set("credentialStatus", map[string]any{"type": 2})), want: 400, pointer: "/credential/credentialStatus/type"},
		"error/status id not url":  {cred: vcdm2(set("credentialStatus", map[string]any{"type": "KuraStatus", "id": "status 9"})), want: 400, pointer: "/credential/credentialStatus/id"},
		"error/status ids":         {cred: vcdm2(set("credentialStatus", map[string]any{"type": "KuraStatus", "id": []any{"urn:a:1", "urn:a:2"}})), want: 400, pointer: "/credential/credentialStatus/id"},
		// [vcdm2] 4.05 / 4.11 / 5-00 termsOfUse, evidence, refreshService, credentialSchema without type; schema id missing or not a URL.
		"error/terms no type":     {cred: vcdm2(set("termsOfUse", map[string]any{"id": "https://kura.example/policy"})), want: 400, pointer: "/credential/termsOfUse/type"},
		"error/evidence no type":  {cred: vcdm2(set("evidence", []any{map[string]any{"id": "https://kura.example/e/1"}})), want: 400, pointer: "/credential/evidence/0/type"},
		"error/refresh no type":   {cred: vcdm2(set("refreshService", map[string]any{"id": "https://kura.example/refresh"})), want: 400, pointer: "/credential/refreshService/type"},
		"error/schema no type":    {cred: vcdm2(set("credentialSchema", map[string]any{"id": "https://kura.example/a.json"})), want: 400, pointer: "/credential/credentialSchema/type"},
		"error/schema no id":      {cred: vcdm2(set("credentialSchema", map[string]any{"type": "JsonSchema"})), want: 400, pointer: "/credential/credentialSchema/id"},
		"error/schema id not url": {cred: vcdm2(set("credentialSchema", map[string]any{"type": "JsonSchema", "id": "https ://kura.example/a.json"})), want: 400, pointer: "/credential/credentialSchema/id"},
		// VCDM 2.0 §5.3: relatedResource needs a digest.
		"error/related no digest": {cred: vcdm2(set("relatedResource", map[string]any{"id": "https://kura.example/logo.png"})), want: 400, pointer: "/credential/relatedResource"},
		// [vcdm2] 5-00 credential-redef-type-fail: a context redefining a protected term of the base context.
		"error/redefines protected term": {cred: vcdm2(set("@context", []any{v2, map[string]any{"VerifiableCredential": "https://kura.example/vocab#Other"}})), want: 400},
	}
	for name, tc := range tests {
		t.Run("issue/"+name, func(t *testing.T) {
			c := client{t, base}
			body := tc.body
			if body == nil {
				body = map[string]any{"credential": tc.cred}
			}
			code, hdr, m, raw := c.call("POST", "/credentials/issue", tok, body)
			if code != tc.want {
				t.Fatalf("issue = %d, want %d: %s", code, tc.want, raw)
			}
			if code != 201 {
				if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Fatalf("content type %q, want problem+json: %s", ct, raw)
				}
				if tc.pointer != "" && !contains(pointers(m), tc.pointer) {
					t.Fatalf("pointers %v, want %s: %s", pointers(m), tc.pointer, raw)
				}
				return
			}
			vc, _ := m["verifiableCredential"].(map[string]any)
			checkIssued(t, vc, did, tc.cred)
			// [vcdm2] TestEndpoints.verify: the issued credential verifies with
			// no errors; the proof check passes in every case.
			want := tc.verify
			if want == 0 {
				want = 200
			}
			rep := c.must(want, "POST", "/credentials/verify", "", map[string]any{"verifiableCredential": vc, "options": map[string]any{"checks": []any{"proof"}}})
			if (rep["verified"] == true) != (want == 200) || (want == 200 && len(asList(rep["errors"])) != 0) {
				t.Fatalf("verify issued credential = %v", rep)
			}
		})
	}
}

// checkIssued asserts what [issuer] assertions.js shouldBeIssuedVc and
// [eddsa] 10-rdfc-create.js check on an issued credential.
func checkIssued(t *testing.T, vc map[string]any, did string, sent map[string]any) {
	t.Helper()
	ctxs, ok := vc["@context"].([]any)
	if !ok || len(ctxs) == 0 || ctxs[0] != sent["@context"].([]any)[0] {
		t.Fatalf("@context = %v; want a list starting as sent", vc["@context"])
	}
	if !contains(toStrings(vc["type"]), "VerifiableCredential") {
		t.Fatalf("type = %v", vc["type"])
	}
	if id, _ := vc["id"].(string); id == "" {
		t.Fatalf("id = %v; want a string", vc["id"])
	}
	issuer := vc["issuer"]
	if o, ok := issuer.(map[string]any); ok {
		issuer = o["id"]
	}
	if issuer != did {
		t.Fatalf("issuer = %v; want the provider %s", vc["issuer"], did)
	}
	if vc["credentialSubject"] == nil {
		t.Fatal("no credentialSubject")
	}
	proof, ok := vc["proof"].(map[string]any)
	if !ok {
		t.Fatalf("proof = %v; want one object", vc["proof"])
	}
	pv, _ := proof["proofValue"].(string)
	vm, _ := proof["verificationMethod"].(string)
	if proof["type"] != "DataIntegrityProof" || proof["cryptosuite"] != "eddsa-rdfc-2022" || proof["proofPurpose"] != "assertionMethod" ||
		!strings.HasPrefix(pv, "z") || strings.ContainsAny(pv[1:], "0OIl+/=") || !strings.HasPrefix(vm, did+"#") {
		t.Fatalf("proof = %v", proof)
	}
	if _, err := time.Parse(time.RFC3339, proof["created"].(string)); err != nil {
		t.Fatalf("proof.created = %v", proof["created"])
	}
}

// conformVerify mirrors [verifier] 10-vc-di.js and [eddsa]
// 15-di-rdfc-verify.js: a valid credential verifies (200); every tampered
// or incomplete copy fails with 400 and the VC-API result shape.
func conformVerify(t *testing.T, base, tok string) {
	c := client{t, base}
	issued := c.must(201, "POST", "/credentials/issue", tok, map[string]any{"credential": vcdm2(nil)})
	raw, _ := json.Marshal(issued["verifiableCredential"])
	fresh := func() map[string]any {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return m
	}
	proofEdit := func(kv ...any) func(m map[string]any) {
		return func(m map[string]any) { set(kv...)(m["proof"].(map[string]any)) }
	}
	type tc struct {
		edit func(m map[string]any)
		want int
	}
	tests := map[string]tc{
		"ok/valid credential": {edit: func(map[string]any) {}, want: 200},
		// [verifier] each required member missing.
		"error/no context":                  {edit: set("@context", deleted), want: 400},
		"error/no type":                     {edit: set("type", deleted), want: 400},
		"error/no issuer":                   {edit: set("issuer", deleted), want: 400},
		"error/no credentialSubject":        {edit: set("credentialSubject", deleted), want: 400},
		"error/no proof":                    {edit: set("proof", deleted), want: 400},
		"error/no proof.type":               {edit: proofEdit("type", deleted), want: 400},
		"error/no proof.created":            {edit: proofEdit("created", deleted), want: 400},
		"error/no proof.verificationMethod": {edit: proofEdit("verificationMethod", deleted), want: 400},
		"error/no proof.proofValue":         {edit: proofEdit("proofValue", deleted), want: 400},
		"error/no proof.proofPurpose":       {edit: proofEdit("proofPurpose", deleted), want: 400},
		// [eddsa] wrong cryptosuite, proofValue not base58btc, another purpose, a changed created.
		"error/other cryptosuite": {edit: proofEdit("cryptosuite", "ecdsa-rdfc-2019"), want: 400},
		"error/proofValue base64url": {edit: func(m map[string]any) {
			p := m["proof"].(map[string]any)
			p["proofValue"] = "u" + p["proofValue"].(string)[1:]
		}, want: 400},
		"error/proofPurpose changed":             {edit: proofEdit("proofPurpose", "authentication"), want: 400},
		"error/created changed":                  {edit: proofEdit("created", "2001-01-01T00:00:00Z"), want: 400},
		"error/verificationMethod not a DID URL": {edit: proofEdit("verificationMethod", "kura-key-1"), want: 400},
		"error/subject changed":                  {edit: func(m map[string]any) { m["credentialSubject"].(map[string]any)["completed"] = "Raranga 102" }, want: 400},
	}
	// [verifier] wrong JSON types of @context, its items, type, its items,
	// issuer, credentialSubject and proof.
	for name, vals := range map[string][]any{
		"@context":          {"string", map[string]any{}, nil, 10, true},
		"type":              {"string", map[string]any{}, nil, 10, true},
		"issuer":            {[]any{}, nil, 10, true},
		"credentialSubject": {"string", nil, 10, true, []any{}},
		"proof":             {"string", nil, 10, true, []any{}},
	} {
		for i, v := range vals {
			b, _ := json.Marshal(v)
			tests["error/"+name+" is "+string(b)+"#"+itoa(i)] = tc{edit: set(name, v), want: 400}
		}
	}
	for i, v := range []any{[]any{}, map[string]any{}, nil, 10, true} {
		b, _ := json.Marshal(v)
		tests["error/@context item "+string(b)+"#"+itoa(i)] = tc{edit: set("@context", []any{v}), want: 400}
		tests["error/type item "+string(b)+"#"+itoa(i)] = tc{edit: set("type", []any{v}), want: 400}
	}
	for name, tc := range tests {
		t.Run("verify/"+name, func(t *testing.T) {
			c := client{t, base}
			vc := fresh()
			tc.edit(vc)
			code, _, m, body := c.call("POST", "/credentials/verify", "", map[string]any{"verifiableCredential": vc, "options": map[string]any{"checks": []any{"proof"}}})
			if code != tc.want {
				t.Fatalf("verify = %d, want %d: %s", code, tc.want, body)
			}
			if code == 400 && m["type"] != nil {
				return // a request the verifier could not read: a problem document
			}
			for _, k := range []string{"verified", "checks", "warnings", "errors"} {
				if _, ok := m[k]; !ok {
					t.Fatalf("response lacks %q: %s", k, body)
				}
			}
			if (m["verified"] == true) != (tc.want == 200) || (len(asList(m["errors"])) == 0) != (tc.want == 200) {
				t.Fatalf("verified %v, errors %v for status %d", m["verified"], m["errors"], code)
			}
		})
	}
}

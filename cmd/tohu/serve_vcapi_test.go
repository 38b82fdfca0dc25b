package main

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fields returns the JSON pointers of a problem document's errors.
func pointers(m map[string]any) []string {
	var out []string
	for _, e := range asList(m["errors"]) {
		if em, ok := e.(map[string]any); ok {
			if p, ok := em["pointer"].(string); ok {
				out = append(out, p)
			}
		}
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// checkOf returns the named check of a VC-API verify response's report.
func checkOf(m map[string]any, id string) map[string]any {
	rep, _ := m["report"].(map[string]any)
	for _, c := range asList(rep["checks"]) {
		if cm, ok := c.(map[string]any); ok && cm["id"] == id {
			return cm
		}
	}
	return nil
}

// TestServeIssue4 drives, through the real HTTP server on each database,
// what issue 4 finished: suspension visible to tohu's own verification
// (issuer records) and, opt-in, in the credential; VC-API
// /credentials/issue for VC 2.0 and VC 1.1 in every proof form, with status
// entries /credentials/status can flip; API key revocation;
// /.well-known/did.json; aim required.
func TestServeIssue4(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			env := serveEnv(t, db, "TOHU_DEFAULT_ISSUER", "acme")
			base, _, _ := startServe(t, env)
			c := client{t, base}

			newProvider := func(slug, mode string) (string, string) {
				body := map[string]any{"slug": slug, "name": "Provider " + slug}
				if mode != "" {
					body["statusMode"] = mode
				}
				m := c.must(201, "POST", "/api/v1/providers", testOperatorToken, body)
				p := m["provider"].(map[string]any)
				wantMode := mode
				if wantMode == "" {
					wantMode = "revocation"
				}
				if p["statusMode"] != wantMode {
					t.Fatalf("statusMode = %v, want %s", p["statusMode"], wantMode)
				}
				return m["adminKey"].(map[string]any)["token"].(string), p["did"].(string)
			}
			acmeTok, acmeDID := newProvider("acme", "")
			bothTok, _ := newProvider("both", "revocation+suspension")
			if m := c.must(422, "POST", "/api/v1/providers", testOperatorToken, map[string]any{"slug": "bad", "name": "b", "statusMode": "all"}); !contains(pointers(m), "/statusMode") {
				t.Fatalf("bad statusMode: %v", m)
			}

			achievement := map[string]any{
				"title": "Kaitiakitanga", "nzqaRef": "4321", "nzqaVersion": "1", "level": 4, "credits": 10,
				"aim": "Care for the local environment.", "outcomes": []string{"Describe tikanga.", "Plan a project."},
				"nzscedCode": "050999", "developer": "Toitū te Waiora", "approvalStatus": "approved",
				"nextReviewOn": time.Now().AddDate(1, 0, 0).Format(time.DateOnly),
			}
			noAim := map[string]any{}
			for k, v := range achievement {
				if k != "aim" {
					noAim[k] = v
				}
			}
			if m := c.must(422, "POST", "/api/v1/achievements", acmeTok, noAim); !contains(pointers(m), "/aim") {
				t.Fatalf("aim not required: %v", m)
			}
			award := func(tok string) (string, string) {
				ach := c.must(201, "POST", "/api/v1/achievements", tok, achievement)
				if ach["version"] != float64(1) {
					t.Fatalf("achievement version = %v", ach["version"])
				}
				a := c.must(201, "POST", "/api/v1/awards", tok, map[string]any{"achievementId": ach["id"],
					"learner": map[string]any{"name": "Aroha", "email": "aroha@example.nz"}, "completedOn": "2026-03-14", "issue": true})
				return a["credentialUrl"].(string), a["id"].(string)
			}
			verify := func(want int, result string, cred any) map[string]any {
				t.Helper()
				m := c.must(want, "POST", "/credentials/verify", "", map[string]any{"verifiableCredential": cred})
				if m["result"] != result {
					t.Fatalf("verify = %v, want %s: %v", m["result"], result, m["errors"])
				}
				return m
			}
			setStatus := func(tok, id, purpose string, set bool, want int) map[string]any {
				t.Helper()
				return c.must(want, "POST", "/credentials/status", tok, map[string]any{"credentialId": id, "reason": "test",
					"credentialStatus": []map[string]any{{"type": "BitstringStatusListEntry", "statusPurpose": purpose, "status": set}}})
			}

			// 1. Suspension, default mode: the credential has one status object;
			// tohu's verification sees the suspension in its records.
			credURL, _ := award(acmeTok)
			path := strings.TrimPrefix(credURL, base)
			_, _, vcm, vc := c.call("GET", path, "", nil)
			if _, isObj := vcm["credentialStatus"].(map[string]any); !isObj {
				t.Fatalf("default mode credentialStatus = %v", vcm["credentialStatus"])
			}
			_, _, _, jwt := c.call("GET", path, "", nil, "Accept", "application/vc+jwt")
			if m := verify(200, "verified", json.RawMessage(vc)); checkOf(m, "issuer_records")["status"] != "passed" {
				t.Fatalf("issuer_records check: %v", checkOf(m, "issuer_records"))
			}
			setStatus(acmeTok, credURL, "suspension", true, 200)
			for _, cred := range []any{json.RawMessage(vc), string(jwt)} {
				if m := verify(400, "suspended", cred); checkOf(m, "issuer_records")["code"] != "issuer_records.suspended" {
					t.Fatalf("suspended: %v", checkOf(m, "issuer_records"))
				}
			}
			setStatus(acmeTok, credURL, "suspension", false, 200)
			verify(200, "verified", json.RawMessage(vc))
			verify(200, "verified", string(jwt))
			setStatus(acmeTok, credURL, "revocation", true, 200)
			for _, cred := range []any{json.RawMessage(vc), string(jwt)} {
				if m := verify(400, "revoked", cred); checkOf(m, "status")["code"] != "status.revoked" {
					t.Fatalf("revoked via the status list: %v", checkOf(m, "status"))
				}
			}

			// Opt-in mode: both entries in the credential, the suspension read
			// from the suspension list itself.
			bothURL, _ := award(bothTok)
			_, _, bm, bvc := c.call("GET", strings.TrimPrefix(bothURL, base), "", nil)
			if l := asList(bm["credentialStatus"]); len(l) != 2 {
				t.Fatalf("both mode credentialStatus = %v", bm["credentialStatus"])
			}
			verify(200, "verified", json.RawMessage(bvc))
			setStatus(bothTok, bothURL, "suspension", true, 200)
			if m := verify(400, "suspended", json.RawMessage(bvc)); checkOf(m, "status")["code"] != "status.suspended" {
				t.Fatalf("suspension list: %v", checkOf(m, "status"))
			}

			// 3. /.well-known/did.json is did:web:<host> from the default issuer's keys.
			u, _ := url.Parse(base)
			wk := c.must(200, "GET", "/.well-known/did.json", "", nil)
			if wk["id"] != "did:web:"+strings.ReplaceAll(u.Host, ":", "%3A") || !contains(toStrings(wk["alsoKnownAs"]), acmeDID) || len(asList(wk["verificationMethod"])) < 2 {
				t.Fatalf("well-known DID document = %v", wk)
			}

			// API key revocation takes effect at once.
			k := c.must(201, "POST", "/api/v1/api-keys", acmeTok, map[string]any{"name": "temp", "roles": []string{"viewer"}})
			c.must(200, "GET", "/api/v1/awards", k["token"].(string), nil)
			c.must(403, "DELETE", "/api/v1/api-keys/"+k["id"].(string), k["token"].(string), nil)
			c.must(404, "DELETE", "/api/v1/api-keys/"+k["id"].(string), bothTok, nil)
			if code, _, _, _ := c.call("DELETE", "/api/v1/api-keys/"+k["id"].(string), acmeTok, nil); code != 204 {
				t.Fatalf("revoke key = %d", code)
			}
			c.must(401, "GET", "/api/v1/awards", k["token"].(string), nil)
			c.must(404, "DELETE", "/api/v1/api-keys/"+k["id"].(string), acmeTok, nil)

			// 2. VC-API /credentials/issue.
			vc2 := func(extra map[string]any) map[string]any {
				m := map[string]any{
					"@context":          []any{"https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"},
					"type":              []any{"VerifiableCredential", "ExampleAlumniCredential"},
					"issuer":            map[string]any{"id": "did:example:ignored", "name": "Acme Tohu"},
					"credentialSubject": map[string]any{"id": "did:example:learner", "alumniOf": map[string]any{"name": "Te Kura ō Ōtautahi"}},
				}
				for k, v := range extra {
					m[k] = v
				}
				return m
			}
			vc11 := func(extra map[string]any) map[string]any {
				m := map[string]any{
					"@context":          []any{"https://www.w3.org/2018/credentials/v1"},
					"type":              []any{"VerifiableCredential"},
					"issuer":            "did:example:ignored",
					"credentialSubject": map[string]any{"id": "did:example:learner"},
				}
				for k, v := range extra {
					m[k] = v
				}
				return m
			}
			issueTests := map[string]struct {
				tok        string
				credential map[string]any
				options    any
				want       int
				pointer    string
				check      func(t *testing.T, vc any)
			}{
				"ok/vc2 data integrity with revocation": {acmeTok, vc2(nil), map[string]any{"credentialStatus": map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "unknownOption": 1}, 201, "", func(t *testing.T, vc any) {
					m := vc.(map[string]any)
					iss := m["issuer"].(map[string]any)
					if iss["id"] != acmeDID || iss["name"] != "Acme Tohu" || !strings.HasPrefix(m["id"].(string), "urn:uuid:") || m["validFrom"] == nil {
						t.Fatalf("issued = %v", m)
					}
					b, _ := json.Marshal(vc)
					verify(200, "verified", json.RawMessage(b))
					xverify(t, c, b, acmeDID, "acme")
					setStatus(acmeTok, m["id"].(string), "revocation", true, 200)
					verify(400, "revoked", json.RawMessage(b))
					setStatus(acmeTok, m["id"].(string), "suspension", true, 409)
				}},
				"ok/vc2 both statuses, suspend and reinstate": {acmeTok, vc2(map[string]any{"id": "https://example.nz/c/1"}), map[string]any{"credentialStatus": []any{map[string]any{"statusPurpose": "revocation"}, map[string]any{"statusPurpose": "suspension"}}}, 201, "", func(t *testing.T, vc any) {
					b, _ := json.Marshal(vc)
					setStatus(acmeTok, "https://example.nz/c/1", "suspension", true, 200)
					verify(400, "suspended", json.RawMessage(b))
					setStatus(acmeTok, "https://example.nz/c/1", "suspension", false, 200)
					verify(200, "verified", json.RawMessage(b))
					setStatus(bothTok, "https://example.nz/c/1", "suspension", true, 404) // another provider's
				}},
				"ok/vc2 vc+jwt enveloped": {acmeTok, vc2(nil), map[string]any{"format": "vc+jwt"}, 201, "", func(t *testing.T, vc any) {
					m := vc.(map[string]any)
					if m["type"] != "EnvelopedVerifiableCredential" || !strings.HasPrefix(m["id"].(string), "data:application/vc+jwt,ey") {
						t.Fatalf("enveloped = %v", m)
					}
					verify(200, "verified", vc)
				}},
				"ok/vc2 ob jwt as a string": {acmeTok, vc2(nil), map[string]any{"proofFormat": "ob-jwt"}, 201, "", func(t *testing.T, vc any) {
					s, _ := vc.(string)
					if strings.Count(s, ".") != 2 {
						t.Fatalf("ob jwt = %v", vc)
					}
					verify(200, "verified", s)
				}},
				"ok/vc11 stays vc11": {acmeTok, vc11(nil), map[string]any{"credentialStatus": map[string]any{"type": "BitstringStatusListEntry"}}, 201, "", func(t *testing.T, vc any) {
					m := vc.(map[string]any)
					ctxs := toStrings(m["@context"])
					if ctxs[0] != "https://www.w3.org/2018/credentials/v1" || !contains(ctxs, "https://w3id.org/security/data-integrity/v2") ||
						m["issuanceDate"] == nil || m["validFrom"] != nil || m["issuer"] != acmeDID {
						t.Fatalf("vc 1.1 = %v", m)
					}
					b, _ := json.Marshal(vc)
					rep := verify(200, "verified", json.RawMessage(b))
					if f := rep["report"].(map[string]any)["format"]; f != "vc1.1+ld" {
						t.Fatalf("format = %v", f)
					}
					xverify(t, c, b, acmeDID, "acme")
				}},
				"error/vc11 as jwt":        {acmeTok, vc11(nil), map[string]any{"format": "jwt"}, 400, "/options/format", nil},
				"error/unknown format":     {acmeTok, vc2(nil), map[string]any{"format": "cbor"}, 400, "/options/format", nil},
				"error/undefined term":     {acmeTok, vc11(map[string]any{"favouriteColour": "kākāriki"}), nil, 400, "/credential/favouriteColour", nil},
				"error/vc2 term in vc11":   {acmeTok, vc11(map[string]any{"description": "VC 2.0 defines description; VC 1.1 does not"}), nil, 400, "/credential/description", nil},
				"error/already signed":     {acmeTok, vc2(map[string]any{"proof": map[string]any{"type": "DataIntegrityProof"}}), nil, 400, "/credential/proof", nil},
				"error/not a credential":   {acmeTok, map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "type": "Thing", "credentialSubject": map[string]any{}}, nil, 400, "/credential/type", nil},
				"error/unknown context":    {acmeTok, vc2(map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx"}}), nil, 400, "/credential/@context", nil},
				"error/bad status purpose": {acmeTok, vc2(nil), map[string]any{"credentialStatus": map[string]any{"statusPurpose": "refresh"}}, 400, "/options/credentialStatus/0/statusPurpose", nil},
				"error/no api key":         {"", vc2(nil), nil, 401, "", nil},
			}
			for name, tc := range issueTests {
				t.Run(name, func(t *testing.T) {
					body := map[string]any{"credential": tc.credential}
					if tc.options != nil {
						body["options"] = tc.options
					}
					code, _, m, raw := c.call("POST", "/credentials/issue", tc.tok, body, "Accept", "application/json")
					if code != tc.want {
						t.Fatalf("issue = %d, want %d: %s", code, tc.want, raw)
					}
					if tc.pointer != "" && !contains(pointers(m), tc.pointer) {
						t.Fatalf("pointers %v, want %s: %s", pointers(m), tc.pointer, raw)
					}
					if tc.check != nil {
						tc.check(t, m["verifiableCredential"])
					}
				})
			}
			// The same credential id twice (after the table, whose order is random).
			if m := c.must(409, "POST", "/credentials/issue", acmeTok, map[string]any{"credential": vc2(map[string]any{"id": "https://example.nz/c/1"})},
				"Accept", "application/json"); !contains(pointers(m), "/credential/id") {
				t.Fatalf("same id twice: %v", m)
			}
			viewer := c.must(201, "POST", "/api/v1/api-keys", acmeTok, map[string]any{"name": "v", "roles": []string{"viewer"}})
			c.must(403, "POST", "/credentials/issue", viewer["token"].(string), map[string]any{"credential": vc2(nil)})
		})
	}
}

// xverify checks a credential with the independent JavaScript verifier,
// giving it the provider's DID document and status lists as fetched from
// the running server. Skipped when node or the peer is not installed
// (outside CI).
func xverify(t *testing.T, c client, vc []byte, did, slug string) {
	t.Helper()
	home, _ := os.UserHomeDir()
	script := filepath.Join(home, ".cache", "tohu-xverify", "xverify.mjs")
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(script); err != nil || serr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("xverify peer missing (node: %v, %s)", err, script)
		}
		t.Logf("xverify skipped: node or %s missing", script)
		return
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	examples, _ := filepath.Abs("../../contexts/files/credentials-examples-v2.jsonld")
	args := []string{script, write("vc.json", vc), "--doc", "https://www.w3.org/ns/credentials/examples/v2=" + examples}
	_, _, _, doc := c.call("GET", "/issuers/"+slug+"/did.json", "", nil)
	args = append(args, "--doc", did+"="+write("did.json", doc))
	for _, purpose := range []string{"revocation", "suspension"} {
		_, _, _, l := c.call("GET", "/issuers/"+slug+"/status/"+purpose, "", nil)
		args = append(args, "--doc", c.base+"/issuers/"+slug+"/status/"+purpose+"="+write(purpose+".json", l))
	}
	out, err := exec.Command(node, args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"verified":true`) {
		t.Logf("xverify args: %v\n%s", args, vc)
		t.Fatalf("xverify: %v: %q", err, out)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func toStrings(v any) []string {
	var out []string
	switch t := v.(type) {
	case string:
		out = append(out, t)
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

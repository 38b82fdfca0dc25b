package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const testOperatorToken = "operator-token-for-tests-0123456789abcdef"

// client talks JSON to a running tohu.
type client struct {
	t    *testing.T
	base string
}

// call sends method path with body (marshalled unless already bytes) and
// returns the status, the headers and the decoded body (nil if empty).
func (c client) call(method, path, token string, body any, hdr ...string) (int, http.Header, map[string]any, []byte) {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, resp.Header, m, raw
}

// must is call that fails the test unless the status is want.
func (c client) must(want int, method, path, token string, body any, hdr ...string) map[string]any {
	c.t.Helper()
	code, _, m, raw := c.call(method, path, token, body, hdr...)
	if code != want {
		c.t.Fatalf("%s %s = %d, want %d: %s", method, path, code, want, raw)
	}
	return m
}

// TestServeFlow drives the provider's whole journey through the real HTTP
// server on each database: create a provider, keys, an approved
// micro-credential; issue an award (idempotently, and many in parallel);
// fetch and verify it in both forms; check the roles; revoke and see the
// verification fail; restart and find everything; refuse a wrong master key.
func TestServeFlow(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			env := serveEnv(t, db, "TOHU_LOG_LEVEL", "info")
			base, stop, logs := startServe(t, env)
			c := client{t, base}

			// Provider (operator only), shown-once admin key.
			c.must(401, "POST", "/api/v1/providers", "wrong-token", map[string]any{"slug": "x", "name": "x"})
			created := c.must(201, "POST", "/api/v1/providers", testOperatorToken, map[string]any{
				"slug": "te-kura", "name": "Te Kura Tohu o Ōtautahi", "url": "https://tekura.example.nz",
			})
			adminTok := created["adminKey"].(map[string]any)["token"].(string)
			provider := created["provider"].(map[string]any)
			if !strings.HasPrefix(provider["did"].(string), "did:web:127.0.0.1%3A") {
				t.Fatalf("provider DID = %v", provider["did"])
			}

			// API keys with roles.
			key := func(roles ...string) string {
				m := c.must(201, "POST", "/api/v1/api-keys", adminTok, map[string]any{"name": strings.Join(roles, "+"), "roles": roles})
				return m["token"].(string)
			}
			issuerTok, viewerTok, assessorTok := key("assessor", "approver"), key("viewer"), key("assessor")

			// An approved micro-credential: NZQCF level 4, 10 credits, two outcomes.
			ach := c.must(201, "POST", "/api/v1/achievements", adminTok, map[string]any{
				"title": "Kaitiakitanga o te Taiao", "titleMi": "Kaitiakitanga o te Taiao", "nzqaRef": "4321",
				"nzqaVersion": "1", "level": 4, "credits": 10, "aim": "Learners care for the local environment as kaitiaki.",
				"outcomes":   []string{"Describe tikanga for environmental guardianship.", "Plan a local restoration project."},
				"nzscedCode": "050999", "developer": "Toitū te Waiora", "approvalStatus": "approved",
				"listedOn": "2025-01-01", "nextReviewOn": time.Now().AddDate(2, 0, 0).Format(time.DateOnly),
			})
			achID := ach["id"].(string)
			c.must(400, "POST", "/api/v1/achievements", adminTok, map[string]any{"title": "x", "levle": 4})
			if m := c.must(422, "POST", "/api/v1/achievements", adminTok, map[string]any{
				"title": "x", "nzqaRef": "1", "nzqaVersion": "1", "level": 11, "credits": 10, "outcomes": []string{"a"},
				"nzscedCode": "050999", "developer": "d",
			}); m["errors"].([]any)[0].(map[string]any)["pointer"] != "/level" {
				t.Fatalf("level out of range not named: %v", m)
			}

			// Roles refused where they must be.
			awardBody := map[string]any{
				"achievementId": achID, "learner": map[string]any{"name": "Aroha Ngata", "email": "aroha@example.nz", "nsn": "123456789"},
				"completedOn": "2026-03-14", "issue": true,
			}
			c.must(401, "POST", "/api/v1/awards", "", awardBody)
			c.must(403, "POST", "/api/v1/awards", viewerTok, awardBody)
			c.must(403, "POST", "/api/v1/awards", assessorTok, awardBody) // issue needs approver too
			c.must(403, "POST", "/api/v1/achievements", issuerTok, map[string]any{"title": "x"})
			c.must(403, "GET", "/api/v1/audit-events", viewerTok, nil)

			// Create + approve + issue in one call; a retry with the same key returns the same award.
			award := c.must(201, "POST", "/api/v1/awards", issuerTok, awardBody, "Idempotency-Key", "batch-7-aroha")
			again := c.must(201, "POST", "/api/v1/awards", issuerTok, awardBody, "Idempotency-Key", "batch-7-aroha")
			if award["id"] != again["id"] || award["state"] != "issued" || again["state"] != "issued" {
				t.Fatalf("idempotent retry: %v vs %v", award, again)
			}
			credURL := award["credentialUrl"].(string)
			credPath := strings.TrimPrefix(credURL, base)

			// The stored credential in both forms, verified through the public endpoint.
			code, hdr, _, vc := c.call("GET", credPath, "", nil)
			if code != 200 || hdr.Get("Content-Type") != "application/vc+ld+json" || bytes.Contains(vc, []byte("123456789")) {
				t.Fatalf("GET credential = %d %s: %s", code, hdr.Get("Content-Type"), vc)
			}
			code, hdr, _, jwt := c.call("GET", credPath, "", nil, "Accept", "application/vc+jwt")
			if code != 200 || hdr.Get("Content-Type") != "application/vc+jwt" || strings.Count(string(jwt), ".") != 2 {
				t.Fatalf("GET credential as JWT = %d %s: %s", code, hdr.Get("Content-Type"), jwt)
			}
			verify := func(want int, wantResult string, cred any) map[string]any {
				t.Helper()
				m := c.must(want, "POST", "/credentials/verify", "", map[string]any{"verifiableCredential": cred})
				if m["result"] != wantResult {
					t.Fatalf("verify result %v, want %s: %v", m["result"], wantResult, m["errors"])
				}
				return m
			}
			// statusCode is the code of the status check (the list bit) in
			// a verify response, apart from the issuer_records check.
			statusCode := func(m map[string]any) string {
				if slices.Contains(m["checks"].([]any), any("status")) {
					return "status.ok"
				}
				for _, e := range m["errors"].([]any) {
					if d := e.(map[string]any); d["check"] == "status" {
						return d["code"].(string)
					}
				}
				return ""
			}
			// Verified twice: the server keeps the status list it verified.
			for range 2 {
				if got := statusCode(verify(200, "verified", json.RawMessage(vc))); got != "status.ok" {
					t.Fatalf("status check %q before revocation", got)
				}
			}
			verify(200, "verified", string(jwt))

			// Public documents.
			c.must(200, "GET", "/issuers/te-kura/did.json", "", nil)
			if p := c.must(200, "GET", "/issuers/te-kura", "", nil); p["name"] != "Te Kura Tohu o Ōtautahi" {
				t.Fatalf("profile = %v", p)
			}
			code, hdr, _, _ = c.call("GET", "/issuers/te-kura/status/revocation", "", nil)
			etag := hdr.Get("ETag")
			if code != 200 || etag == "" || !strings.Contains(hdr.Get("Cache-Control"), "max-age=") {
				t.Fatalf("status list = %d, ETag %q, Cache-Control %q", code, etag, hdr.Get("Cache-Control"))
			}
			if code, _, _, _ := c.call("GET", "/issuers/te-kura/status/revocation", "", nil, "If-None-Match", etag); code != 304 {
				t.Fatalf("conditional GET = %d, want 304", code)
			}

			// Many issuers at once: every award issued, each its own credential.
			var wg sync.WaitGroup
			ids := make([]string, 20)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					b := map[string]any{"achievementId": achID, "learner": map[string]any{"name": "Ākonga " + string(rune('A'+i)), "email": "akonga" + string(rune('a'+i)) + "@example.nz"},
						"completedOn": "2026-03-14", "issue": true}
					code, _, m, raw := c.call("POST", "/api/v1/awards", issuerTok, b)
					if code != 201 || m["state"] != "issued" {
						t.Errorf("parallel issue %d = %d: %s", i, code, raw)
						return
					}
					ids[i] = m["id"].(string)
				}()
			}
			wg.Wait()

			// Suspend → verification says suspended? The credential carries only its
			// revocation entry (NOTES-issuer), so check revocation end to end.
			c.must(403, "POST", "/credentials/status", viewerTok, map[string]any{"credentialId": credURL})
			c.must(400, "POST", "/credentials/status", issuerTok, map[string]any{
				"credentialId": credURL, "credentialStatus": []map[string]any{{"statusPurpose": "revocation", "status": false}}})
			st := c.must(200, "POST", "/credentials/status", issuerTok, map[string]any{
				"credentialId": credURL, "reason": "issued in error",
				"credentialStatus": []map[string]any{{"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "status": true}}})
			if st["state"] != "revoked" {
				t.Fatalf("status update = %v", st)
			}
			// Seen at once in the list itself, not only in the records: the
			// re-signed list's new bytes are never served from the kept copy.
			for _, cred := range []any{json.RawMessage(vc), string(jwt)} {
				if got := statusCode(verify(400, "revoked", cred)); got != "status.revoked" {
					t.Fatalf("status check %q right after revocation", got)
				}
			}
			if code, _, _, _ := c.call("GET", "/issuers/te-kura/status/revocation", "", nil, "If-None-Match", etag); code != 200 {
				t.Fatalf("status list unchanged after a revocation (got %d)", code)
			}
			c.must(409, "POST", "/api/v1/awards/"+award["id"].(string)+"/reinstate", issuerTok, map[string]any{"reason": "no"})

			// Audit log names the request ids.
			ev := c.must(200, "GET", "/api/v1/audit-events?limit=500", adminTok, nil)
			if n := len(ev["auditEvents"].([]any)); n < 25 {
				t.Fatalf("only %d audit events", n)
			}

			if code := stop(); code != 0 {
				t.Fatalf("exit %d:\n%s", code, logs)
			}
			for _, secret := range []string{adminTok, issuerTok, testOperatorToken} {
				if strings.Contains(logs.String(), secret) {
					t.Fatalf("a token is in the log")
				}
			}

			// Restart on the same data: everything is still there.
			base2, stop2, logs2 := startServe(t, env)
			c2 := client{t, base2}
			if m := c2.must(200, "GET", "/api/v1/awards/"+award["id"].(string), adminTok, nil); m["state"] != "revoked" {
				t.Fatalf("after restart: %v", m)
			}
			if m := c2.must(200, "GET", "/api/v1/awards?limit=1000", viewerTok, nil); len(m["awards"].([]any)) != 21 {
				t.Fatalf("after restart: %d awards", len(m["awards"].([]any)))
			}
			if code := stop2(); code != 0 {
				t.Fatalf("exit %d:\n%s", code, logs2)
			}

			// A wrong master key refuses to start, in one line, without the key.
			wrong := map[string]string{}
			for k, v := range env {
				wrong[k] = v
			}
			wrong["TOHU_MASTER_KEY"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
			var stderr strings.Builder
			if code := runEnv(t.Context(), []string{"serve"}, &Env{Getenv: envMap(wrong), Stdout: io.Discard, Stderr: &stderr}); code == 0 {
				t.Fatalf("started with a wrong master key")
			}
			if line := errorLine(stderr.String()); !strings.Contains(line, "wrong master key") || strings.Contains(stderr.String(), "AAAAAAAA") {
				t.Fatalf("wrong master key: %q\n%s", line, stderr.String())
			}
		})
	}
}

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestServeRoles checks, through the real server on each database, that
// every /api/v1 and VC-API route refuses each role that must not use it
// (403), refuses a missing, garbled or revoked key (401) and another
// provider's key (404 for this provider's things), changes nothing when it
// refuses, and lets each role that may use it through. The matrix is
// written out here rather than derived from api's route table, so a wrong
// row in that table fails this test.
func TestServeRoles(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			env := serveEnv(t, db, "TOHU_LOG_LEVEL", "info")
			base, _, _ := startServe(t, env)
			testRoles(t, client{t, base})
		})
	}
}

func testRoles(t *testing.T, c client) {
	s := setUpIssuer(c)
	// One key per role, and keys that must never get in: a revoked one and
	// another provider's admin.
	byRole := map[string]string{"admin": s.adminTok}
	for _, r := range []string{"assessor", "approver", "viewer"} {
		byRole[r] = c.must(201, "POST", "/api/v1/api-keys", s.adminTok, map[string]any{"name": r, "roles": []string{r}})["token"].(string)
	}
	rev := c.must(201, "POST", "/api/v1/api-keys", s.adminTok, map[string]any{"name": "gone", "roles": []string{"admin"}})
	c.must(204, "DELETE", "/api/v1/api-keys/"+rev["id"].(string), s.adminTok, nil)
	revoked := rev["token"].(string)
	other := c.must(201, "POST", "/api/v1/providers", testOperatorToken, map[string]any{"slug": "tetahi-atu", "name": "Tētahi Atu"})["adminKey"].(map[string]any)["token"].(string)

	// Fixtures, each made fresh for the attempt that may change it.
	award := func(state string) (id, url string) {
		t.Helper()
		m := c.must(201, "POST", "/api/v1/awards", s.issuerTok, map[string]any{
			"achievementId": s.achID, "completedOn": "2026-03-14", "learner": map[string]any{"name": "Ākonga", "email": "akonga@example.nz"},
		})
		id = m["id"].(string)
		if state == "pending" {
			return id, ""
		}
		c.must(200, "POST", "/api/v1/awards/"+id+"/approve", s.issuerTok, nil)
		if state == "approved" {
			return id, ""
		}
		m = c.must(201, "POST", "/api/v1/awards/"+id+"/issue", s.issuerTok, nil)
		if state == "suspended" {
			c.must(200, "POST", "/api/v1/awards/"+id+"/suspend", s.issuerTok, map[string]any{"reason": "fixture"})
		}
		return id, m["credentialUrl"].(string)
	}
	awardState := func(id string) string {
		return c.must(200, "GET", "/api/v1/awards/"+id, s.adminTok, nil)["state"].(string)
	}
	newAchievement := func() map[string]any {
		return map[string]any{
			"title": "Tiaki Wai", "nzqaRef": "6001", "nzqaVersion": "1", "level": 3, "credits": 5,
			"aim": "Care for waterways.", "outcomes": []string{"Test water quality.", "Report findings."},
			"nzscedCode": "050999", "developer": "Toitū te Waiora", "approvalStatus": "approved",
			"nextReviewOn": time.Now().AddDate(1, 0, 0).Format(time.DateOnly),
		}
	}
	achState := func(id string) func() string {
		return func() string {
			m := c.must(200, "GET", "/api/v1/achievements/"+id, s.adminTok, nil)
			return fmt.Sprint(m["version"], m["title"])
		}
	}
	keyState := func() string {
		return fmt.Sprint(len(c.must(200, "GET", "/api/v1/api-keys", s.adminTok, nil)["apiKeys"].([]any)))
	}
	signingKeys := func() string {
		return fmt.Sprint(len(c.must(200, "GET", "/api/v1/signing-keys", s.adminTok, nil)["signingKeys"].([]any)))
	}

	// fixture prepares one attempt: the path and body, and what must not
	// change when the attempt is refused (nil when the route only reads).
	type fixture struct {
		path  string
		body  any
		state func() string
	}
	statusBody := func(url string) map[string]any {
		return map[string]any{"credentialId": url, "reason": "roles test",
			"credentialStatus": []map[string]any{{"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "status": true}}}
	}
	onAward := func(state, action string, body any) func() fixture {
		return func() fixture {
			id, _ := award(state)
			return fixture{"/api/v1/awards/" + id + "/" + action, body, func() string { return awardState(id) }}
		}
	}
	vc := map[string]any{
		"@context":          []any{"https://www.w3.org/ns/credentials/v2"},
		"type":              []any{"VerifiableCredential"},
		"issuer":            "did:example:ignored",
		"credentialSubject": map[string]any{"id": "did:example:learner"},
	}
	award0, _ := award("pending")
	ach0 := s.achID

	tests := []struct {
		method  string
		route   string // for the test name
		allowed []string
		want    int // status for an allowed role
		make    func() fixture
		other   int // status for another provider's admin (2xx: it acts on its own things; not checked)
	}{
		{"GET", "/api/v1/api-keys", []string{"admin"}, 200, func() fixture { return fixture{"/api/v1/api-keys", nil, nil} }, 200},
		{"POST", "/api/v1/api-keys", []string{"admin"}, 201, func() fixture {
			return fixture{"/api/v1/api-keys", map[string]any{"name": "x", "roles": []string{"viewer"}}, keyState}
		}, 201},
		{"DELETE", "/api/v1/api-keys/:id", []string{"admin"}, 204, func() fixture {
			id := c.must(201, "POST", "/api/v1/api-keys", s.adminTok, map[string]any{"name": "victim", "roles": []string{"viewer"}})["id"].(string)
			return fixture{"/api/v1/api-keys/" + id, nil, keyState}
		}, 404},
		{"GET", "/api/v1/signing-keys", []string{"admin", "assessor", "approver", "viewer"}, 200, func() fixture { return fixture{"/api/v1/signing-keys", nil, nil} }, 200},
		{"POST", "/api/v1/signing-keys/rotate", []string{"admin"}, 200, func() fixture { return fixture{"/api/v1/signing-keys/rotate", nil, signingKeys} }, 200},
		{"GET", "/api/v1/achievements", []string{"admin", "assessor", "approver", "viewer"}, 200, func() fixture { return fixture{"/api/v1/achievements", nil, nil} }, 200},
		{"POST", "/api/v1/achievements", []string{"admin"}, 201, func() fixture {
			return fixture{"/api/v1/achievements", newAchievement(), func() string {
				return fmt.Sprint(len(c.must(200, "GET", "/api/v1/achievements", s.adminTok, nil)["achievements"].([]any)))
			}}
		}, 201},
		{"GET", "/api/v1/achievements/:id", []string{"admin", "assessor", "approver", "viewer"}, 200, func() fixture { return fixture{"/api/v1/achievements/" + ach0, nil, nil} }, 404},
		{"PUT", "/api/v1/achievements/:id", []string{"admin"}, 200, func() fixture {
			id := c.must(201, "POST", "/api/v1/achievements", s.adminTok, newAchievement())["id"].(string)
			b := newAchievement()
			b["title"] = "Tiaki Wai II"
			return fixture{"/api/v1/achievements/" + id, b, achState(id)}
		}, 404},
		{"DELETE", "/api/v1/achievements/:id", []string{"admin"}, 204, func() fixture {
			id := c.must(201, "POST", "/api/v1/achievements", s.adminTok, newAchievement())["id"].(string)
			return fixture{"/api/v1/achievements/" + id, nil, achState(id)}
		}, 404},
		{"GET", "/api/v1/awards", []string{"admin", "assessor", "approver", "viewer"}, 200, func() fixture { return fixture{"/api/v1/awards", nil, nil} }, 200},
		{"POST", "/api/v1/awards", []string{"admin", "assessor"}, 201, func() fixture {
			return fixture{"/api/v1/awards", map[string]any{"achievementId": ach0, "completedOn": "2026-03-14",
				"learner": map[string]any{"name": "Hōhepa", "email": "hohepa@example.nz"}}, func() string {
				return fmt.Sprint(len(c.must(200, "GET", "/api/v1/awards?limit=1000", s.adminTok, nil)["awards"].([]any)))
			}}
		}, 201}, // a pending award of its own: accreditation is checked on issue
		// Create and issue in one call needs both roles: neither alone will do.
		{"POST", "/api/v1/awards (issue)", []string{"admin"}, 201, func() fixture {
			return fixture{"/api/v1/awards", map[string]any{"achievementId": ach0, "completedOn": "2026-03-14", "issue": true,
				"learner": map[string]any{"name": "Mere", "email": "mere@example.nz"}}, func() string {
				return fmt.Sprint(len(c.must(200, "GET", "/api/v1/awards?limit=1000", s.adminTok, nil)["awards"].([]any)))
			}}
		}, 403}, // not accredited for our micro-credential
		{"GET", "/api/v1/awards/:id", []string{"admin", "assessor", "approver", "viewer"}, 200, func() fixture { return fixture{"/api/v1/awards/" + award0, nil, nil} }, 404},
		{"POST", "/api/v1/awards/:id/approve", []string{"admin", "approver"}, 200, onAward("pending", "approve", nil), 404},
		{"POST", "/api/v1/awards/:id/issue", []string{"admin", "approver"}, 201, onAward("approved", "issue", nil), 404},
		{"POST", "/api/v1/awards/:id/revoke", []string{"admin", "approver"}, 200, onAward("issued", "revoke", map[string]any{"reason": "roles test"}), 404},
		{"POST", "/api/v1/awards/:id/suspend", []string{"admin", "approver"}, 200, onAward("issued", "suspend", map[string]any{"reason": "roles test"}), 404},
		{"POST", "/api/v1/awards/:id/reinstate", []string{"admin", "approver"}, 200, onAward("suspended", "reinstate", map[string]any{"reason": "roles test"}), 404},
		{"GET", "/api/v1/audit-events", []string{"admin"}, 200, func() fixture { return fixture{"/api/v1/audit-events", nil, nil} }, 200},
		{"POST", "/credentials/issue", []string{"admin", "approver"}, 201, func() fixture { return fixture{"/credentials/issue", map[string]any{"credential": vc}, nil} }, 201},
		{"POST", "/credentials/status", []string{"admin", "approver"}, 200, func() fixture {
			id, url := award("issued")
			return fixture{"/credentials/status", statusBody(url), func() string { return awardState(id) }}
		}, 404},
		// Only the operator token creates providers; no API key does.
		{"POST", "/api/v1/providers", nil, 0, func() fixture {
			return fixture{"/api/v1/providers", map[string]any{"slug": "kore", "name": "Kore"}, nil}
		}, 401},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.route, func(t *testing.T) {
			c := client{t, c.base}
			// Refusals, all on one fixture: nothing may change.
			f := tc.make()
			before := ""
			if f.state != nil {
				before = f.state()
			}
			refuse := map[string]int{"none": 401, "garbled": 401, "revoked": 401}
			tokens := map[string]string{"none": "", "garbled": "tohu_" + strings.Repeat("x", 43), "revoked": revoked}
			for role, tok := range byRole {
				if !contains(tc.allowed, role) {
					refuse[role], tokens[role] = 403, tok
				}
			}
			if tc.route == "/api/v1/providers" {
				for role := range refuse {
					refuse[role] = 401
				}
			}
			for who, want := range refuse {
				if code, _, m, raw := c.call(tc.method, f.path, tokens[who], f.body); code != want || m["type"] == nil {
					t.Errorf("%s: %s %s = %d, want %d problem: %s", who, tc.method, f.path, code, want, raw)
				}
			}
			if f.state != nil {
				if after := f.state(); after != before {
					t.Fatalf("a refused request changed %s: %s → %s", f.path, before, after)
				}
			}
			// Another provider's admin: its own things only.
			if tc.other != 0 && tc.other/100 != 2 {
				g := tc.make()
				before := ""
				if g.state != nil {
					before = g.state()
				}
				if code, _, _, raw := c.call(tc.method, g.path, other, g.body); code != tc.other {
					t.Errorf("other provider: %s %s = %d, want %d: %s", tc.method, g.path, code, tc.other, raw)
				}
				if g.state != nil && g.state() != before {
					t.Fatalf("another provider's key changed %s", g.path)
				}
			}
			// Each allowed role gets through, on a fresh fixture.
			for _, role := range tc.allowed {
				g := tc.make()
				if code, _, _, raw := c.call(tc.method, g.path, byRole[role], g.body, "Accept", "application/json"); code != tc.want {
					t.Errorf("%s: %s %s = %d, want %d: %s", role, tc.method, g.path, code, tc.want, raw)
				}
			}
		})
	}
	// The refused create-and-issue left nothing behind for the other provider.
	if n := len(c.must(200, "GET", "/api/v1/awards", other, nil)["awards"].([]any)); n != 0 {
		t.Fatalf("a refused create-and-issue left %d awards behind", n)
	}
}

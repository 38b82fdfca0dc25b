package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestErrorContentType: an error is an HTML page only for GET/HEAD of a page
// route (or the verify form's POST) from a client that prefers text/html;
// every API call, whatever its Accept, gets application/problem+json. The
// VC-API POST routes share the /credentials/ prefix with the credential
// page, and used to get the HTML page.
func TestErrorContentType(t *testing.T) {
	e := newWebEnv(t, "")
	const (
		html    = "text/html; charset=utf-8"
		problem = "application/problem+json"
	)
	tests := map[string]struct {
		method, path, accept string
		want                 string
	}{
		"problem/issue without Accept":            {"POST", "/credentials/issue", "", problem},
		"problem/issue with curl Accept":          {"POST", "/credentials/issue", "*/*", problem},
		"problem/issue from a browser":            {"POST", "/credentials/issue", chromeAccept, problem},
		"problem/issue asking for html only":      {"POST", "/credentials/issue", "text/html", problem},
		"problem/verify without Accept":           {"POST", "/credentials/verify", "", problem},
		"problem/verify from a browser":           {"POST", "/credentials/verify", chromeAccept, problem},
		"problem/status from a browser":           {"POST", "/credentials/status", chromeAccept, problem},
		"problem/status without Accept":           {"POST", "/credentials/status", "", problem},
		"problem/presentations from a browser":    {"POST", "/presentations/verify", chromeAccept, problem},
		"problem/presentations without Accept":    {"POST", "/presentations/verify", "", problem},
		"problem/api from a browser":              {"GET", "/api/v1/awards", chromeAccept, problem},
		"problem/api post from a browser":         {"POST", "/api/v1/awards", chromeAccept, problem},
		"problem/unknown path from a browser":     {"GET", "/no/such/thing", chromeAccept, problem},
		"problem/download from a browser":         {"GET", "/c/nope/badge.png", chromeAccept, problem},
		"problem/did document from a browser":     {"GET", "/issuers/nope/did.json", chromeAccept, problem},
		"problem/page put from a browser":         {"PUT", "/c/nope", chromeAccept, problem},
		"problem/page delete from a browser":      {"DELETE", "/verify", chromeAccept, problem},
		"problem/page without Accept":             {"GET", "/c/nope", "", problem},
		"problem/page with curl Accept":           {"GET", "/c/nope", "*/*", problem},
		"problem/page asking for json":            {"GET", "/credentials/nope", "application/json", problem},
		"problem/page json above html":            {"GET", "/c/nope", "application/json, text/html;q=0.5", problem},
		"problem/achievement with extra segment":  {"GET", "/achievements/a/b/c", chromeAccept, problem},
		"html/credential page from a browser":     {"GET", "/c/nope", chromeAccept, html},
		"html/credential head from a browser":     {"HEAD", "/c/nope", chromeAccept, html},
		"html/credential document from a browser": {"GET", "/credentials/nope", chromeAccept, html},
		"html/GET /credentials/issue is a page":   {"GET", "/credentials/issue", chromeAccept, html},
		"html/issuer page from a browser":         {"GET", "/issuers/nope", chromeAccept, html},
		"html/achievement page from a browser":    {"GET", "/achievements/nope", chromeAccept, html},
		"html/achievement version from a browser": {"GET", "/achievements/nope/v9", chromeAccept, html},
		"html/verify form post not a credential":  {"POST", "/verify", chromeAccept, html},
		"html/credential page asking for html":    {"GET", "/c/nope", "text/html", html},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var body *strings.Reader
			if tc.method == "POST" || tc.method == "PUT" {
				body = strings.NewReader(`{"broken":`)
			}
			var r response
			if body != nil {
				r = e.do(tc.method, tc.path, body, "Accept", tc.accept)
			} else {
				r = e.do(tc.method, tc.path, http.NoBody, "Accept", tc.accept)
			}
			if r.status < 400 {
				t.Fatalf("%s %s = %d, want an error", tc.method, tc.path, r.status)
			}
			if got := r.header.Get("Content-Type"); got != tc.want {
				t.Fatalf("%s %s (Accept %q) = %d %s, want %s\n%.300s", tc.method, tc.path, tc.accept, r.status, got, tc.want, r.body)
			}
		})
	}
}

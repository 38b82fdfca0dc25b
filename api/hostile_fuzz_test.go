package api

import (
	"strings"
	"testing"
)

// fuzzRoutes are the main POST routes FuzzAPIRequests feeds, with the
// Content-Type sent (bulk takes both CSV and JSON).
var fuzzRoutes = []struct{ path, ctype string }{
	{"/api/v1/awards", "application/json"},
	{"/api/v1/achievements", "application/json"},
	{"/api/v1/awards/bulk?create=1", "text/csv"},
	{"/api/v1/awards/bulk?create=1", "application/json"},
	{"/api/v1/api-keys", "application/json"},
	{"/api/v1/providers", "application/json"},
	{"/credentials/verify", "application/json"},
	{"/presentations/verify", "application/json"},
	{"/credentials/issue", "application/json"},
	{"/credentials/status", "application/json"},
	{"/api/v1/awards/{issued}/suspend", "application/json"},
	{"/verify", "application/x-www-form-urlencoded"},
}

// FuzzAPIRequests sends random bodies to the main POST routes of the real
// server (SQLite) with the same invariants as TestHostileInput: no 5xx, no
// dropped connection, errors as problem documents with known types and
// JSON pointers, and a refused request leaves the database as it was.
// Seeds: each route's valid fixture body and a few spoilt forms of it.
func FuzzAPIRequests(f *testing.F) {
	e := newHostileEnv(f, "")
	known := knownProblemTypes()
	for i, r := range fuzzRoutes {
		path := strings.Split(r.path, "?")[0]
		var valid []byte
		for _, rt := range hostileRoutes() {
			if rt.method == "POST" && strings.HasPrefix(rt.path, strings.ReplaceAll(path, "{issued}", ":id")) && len(rt.path) == len(strings.ReplaceAll(path, "{issued}", ":id")) {
				fx := e.fixtureFor(rt)
				switch {
				case fx.body != nil:
					valid = mustMarshal(fx.body)
				case fx.raw != nil:
					valid = fx.raw
				}
			}
		}
		if r.ctype == "application/json" && strings.Contains(r.path, "bulk") {
			valid = []byte(`[{"learner_name":"Hana","completed_on":"2026-03-01"}]`)
		}
		f.Add(uint8(i), valid)
		if len(valid) > 2 {
			f.Add(uint8(i), valid[:len(valid)/2])
			f.Add(uint8(i), append([]byte(`{"a":1,`), valid[1:]...))
		}
	}
	f.Add(uint8(0), []byte("\x00\xff{"))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		e.tb = t // inputs run one at a time; f must not be used in here
		r := fuzzRoutes[int(which)%len(fuzzRoutes)]
		target := strings.ReplaceAll(r.path, "{issued}", e.issuedID)
		if strings.Contains(target, "bulk") {
			target += "&achievement=" + e.achID
		}
		hdr := []string{"Accept", "application/json", "Content-Type", r.ctype}
		switch {
		case strings.HasPrefix(target, "/api/v1/providers"):
			hdr = append(hdr, "Authorization", "Bearer "+hostileOperator)
		case strings.HasPrefix(target, "/api/v1/"), target == "/credentials/issue", target == "/credentials/status":
			hdr = append(hdr, "Authorization", "Bearer "+e.admin)
		}
		before, ver := e.snapshot(), e.version()
		resp := e.send("POST", target, hdr, body)
		if _, bad := checkResponse(resp, known); bad != "" {
			t.Fatalf("POST %s %q: %s\n%.300s", target, body, bad, resp.body)
		}
		if resp.status >= 400 {
			if v := e.version(); v != ver || v < 0 {
				if d := before.diff(e.snapshot()); d != "" {
					t.Fatalf("POST %s %q refused with %d but the database changed: %s", target, body, resp.status, d)
				}
			}
		}
	})
}

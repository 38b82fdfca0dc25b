package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// TestHostileInput sends a generated battery of bad requests to every route
// of the route table (routes × mutations: syntax, JSON types per member,
// unknown and duplicate members, hostile strings, numbers and dates, bad
// bytes, sizes, Content-Types, credentials, path and query parameters) and
// checks every answer: never a 5xx or a dropped connection, every error an
// application/problem+json with a known type whose pointers are JSON
// pointers (naming the member for a wrong type), and — for every rejected
// request — every table of the database exactly as it was.
func TestHostileInput(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		runHostile(t, newHostileEnv(t, ""), false)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		if testing.Short() {
			t.Skip("short")
		}
		// PostgreSQL refuses NUL bytes and invalid UTF-8 in text and 32-bit
		// overflows in INTEGER columns where SQLite stores anything: the
		// value mutations matter most here; the syntax ones are the same
		// code path as on SQLite and are left out to keep the run short.
		runHostile(t, newHostileEnv(t, hostilePostgres(t)), true)
	})
}

// hostileCase is one generated request.
type hostileCase struct {
	name           string
	method, target string
	hdr            []string
	body           []byte
	mustReject     bool   // a 4xx is the only right answer
	field          string // a wrong-type mutation of this member: the problem must point at it
}

func runHostile(t *testing.T, e *hostileEnv, valuesOnly bool) {
	start := time.Now()
	known := knownProblemTypes()
	cases := e.hostileCases(valuesOnly)
	before, ver := e.snapshot(), e.version()
	var fails, rejected, accepted, changed int
	var inSend, inSnap time.Duration
	for _, c := range cases {
		t0 := time.Now()
		r := e.send(c.method, c.target, c.hdr, c.body)
		inSend += time.Since(t0)
		p, bad := checkResponse(r, known)
		switch {
		case bad != "":
		case c.mustReject && r.status < 400:
			bad = fmt.Sprintf("accepted with %d; it must be refused", r.status)
		case c.field != "" && r.status >= 400 && p != nil && (len(p.Errors) == 0 || p.Errors[0].Pointer != c.field):
			bad = fmt.Sprintf("%d %s does not point at %s: %+v", r.status, p.Type, c.field, p.Errors)
		}
		t1 := time.Now()
		after := before
		if v := e.version(); v < 0 || v != ver {
			after, ver = e.snapshot(), v
		}
		inSnap += time.Since(t1)
		if r.status >= 400 || r.err != nil {
			rejected++
			if d := before.diff(after); d != "" && bad == "" {
				bad = fmt.Sprintf("refused with %d but the database changed: %s", r.status, d)
			}
		} else {
			accepted++
			if before.diff(after) != "" {
				changed++
			}
		}
		if bad != "" && r.status >= 500 {
			var p5 Problem
			if json.Unmarshal(r.body, &p5) == nil {
				bad += "\n\tserver log: " + e.logs.lines(p5.Instance)
			}
		}
		if bad != "" {
			fails++
			if fails <= 60 {
				t.Errorf("%s: %s %.120q: %s\n\tbody %.200q", c.name, c.method, c.target, bad, r.body)
			}
		}
		before = after
	}
	if accepted > 0 && changed == 0 {
		t.Errorf("%d requests were accepted but no snapshot ever changed: the snapshot does not see writes", accepted)
	}
	if fails > 60 {
		t.Errorf("... and %d more", fails-60)
	}
	t.Logf("%d requests (%d refused, %d accepted) over %d routes in %v (requests %v, snapshots %v)", len(cases), rejected, accepted,
		len(hostileRoutes()), time.Since(start).Round(time.Millisecond), inSend.Round(time.Millisecond), inSnap.Round(time.Millisecond))
}

// hostileRoutes is the route table (methods, paths, access) without handlers.
func hostileRoutes() []route { return (&server{}).routes() }

// routeFixture is a valid request to one route, which the mutations spoil
// one thing at a time.
type routeFixture struct {
	params map[string]string // path parameter → valid value
	query  map[string]string // query parameter → valid value (also the parameters mutated)
	body   any               // JSON body (nil: none)
	raw    []byte            // a non-JSON body (CSV)
	ctype  string
	// rawMembers are members whose value the handler keeps as raw JSON
	// (credentials, presentations, options): any JSON type decodes.
	rawMembers []string
}

func (e *hostileEnv) fixtureFor(r route) routeFixture {
	var cred any
	_ = json.Unmarshal(e.credential, &cred)
	var unsigned any
	b, err := os.ReadFile("testdata/credential-unsigned.json")
	e.must(err)
	_ = json.Unmarshal(b, &unsigned)
	if m, ok := unsigned.(map[string]any); ok {
		m["issuer"].(map[string]any)["id"] = "did:web:" + strings.ReplaceAll(strings.TrimPrefix(e.base, "http://"), ":", "%3A") + ":issuers:" + e.slug
	}
	ach := map[string]any{
		"title": "Te Reo Māori mō te Wāhi Mahi", "titleMi": "Te Reo Māori", "nzqaRef": "9876", "nzqaVersion": "1",
		"level": 3, "credits": 15, "aim": "Everyday te reo Māori for the workplace.", "outcomes": []any{"Hold a kōrero."},
		"assessmentNarrative": "Observed kōrero.", "nzscedCode": "091599", "nzscedName": "Languages", "developer": "Te Wānanga",
		"qaRoute": "nzqa", "equityTags": []any{"maori"}, "approvalStatus": "approved", "listedOn": "2025-01-01",
		"nextReviewOn": time.Now().AddDate(2, 0, 0).Format(time.DateOnly), "imageUrl": "https://example.nz/badge.png",
	}
	f := routeFixture{params: map[string]string{}, query: map[string]string{}}
	switch r.path {
	case "/credentials/:id", "/c/:id", "/c/:id/credential.json", "/c/:id/credential.jwt", "/c/:id/badge.png", "/c/:id/badge.svg":
		f.params["id"] = e.issuedID
		f.query["lang"] = "mi"
	case "/issuers/:slug/did.json", "/issuers/:slug":
		f.params["slug"] = e.slug
	case "/issuers/:slug/status/:purpose", "/status/:slug/:purpose":
		f.params["slug"], f.params["purpose"] = e.slug, "revocation"
	case "/static/:name":
		f.params["name"] = "tohu.css"
	case "/achievements/:id", "/achievements/:id/:version":
		f.params["id"], f.params["version"] = e.achID, "v1"
		f.query["lang"] = "en"
	case "/verify":
		f.query["lang"] = "en"
		if r.method == fiber.MethodPost {
			f.raw, f.ctype = []byte("url="+url.QueryEscape(e.base+"/credentials/"+e.issuedID)), "application/x-www-form-urlencoded"
		}
	case "/credentials/verify":
		f.body, f.rawMembers = map[string]any{"verifiableCredential": cred, "options": map[string]any{}}, []string{"/verifiableCredential", "/options"}
	case "/presentations/verify":
		f.body = map[string]any{
			"verifiablePresentation": map[string]any{"@context": []any{"https://www.w3.org/ns/credentials/v2"},
				"type": []any{"VerifiablePresentation"}, "verifiableCredential": []any{cred}},
			"options": map[string]any{"challenge": "c-123", "domain": "example.nz"}}
		f.rawMembers = []string{"/verifiablePresentation", "/options"}
	case "/credentials/issue":
		f.body = map[string]any{"credential": unsigned, "options": map[string]any{"format": "di"}}
		f.rawMembers = []string{"/credential", "/options"}
	case "/credentials/status":
		f.body = map[string]any{"credentialId": e.base + "/credentials/" + e.issuedID,
			"credentialStatus": []any{map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "suspension", "status": true}},
			"reason":           "checking"}
	case "/api/v1/providers":
		f.body = map[string]any{"slug": "kura-new", "name": "Te Kura Hou", "url": "https://new.example.nz", "email": "office@new.example.nz",
			"nzqaProviderNumber": "9001", "imageUrl": "https://new.example.nz/logo.png", "didMethod": "web", "jwtAlgorithm": "ES256",
			"requireTwoPersonApproval": false, "statusMode": "both"}
	case "/api/v1/api-keys":
		f.body = map[string]any{"name": "ci", "roles": []any{"viewer"}}
	case "/api/v1/api-keys/:id":
		f.params["id"] = e.spareKeyID
	case "/api/v1/achievements":
		if r.method == fiber.MethodPost {
			f.body = ach
		}
	case "/api/v1/achievements/:id":
		f.params["id"] = e.achID
		if r.method == fiber.MethodPut {
			f.body = ach
		} else {
			f.query["version"] = "1"
		}
	case "/api/v1/awards":
		if r.method == fiber.MethodPost {
			f.body = map[string]any{"achievementId": e.achID, "achievementVersion": 1,
				"learner": map[string]any{"name": "Wiremu Hostile", "email": "wiremu@example.nz", "did": "did:example:wiremu", "nsn": "987654321"},
				"result":  "Achieved", "creditsEarned": 10, "completedOn": "2026-03-14", "evidence": []any{"https://example.nz/evidence/1"},
				"approve": true, "issue": false}
		} else {
			f.query["limit"], f.query["state"], f.query["achievementId"] = "10", "issued", e.achID
		}
	case "/api/v1/awards/:id", "/api/v1/awards/:id/notification":
		f.params["id"] = e.issuedID
	case "/api/v1/awards/:id/approve", "/api/v1/awards/:id/issue":
		f.params["id"] = e.pendingID
	case "/api/v1/awards/:id/revoke", "/api/v1/awards/:id/suspend", "/api/v1/awards/:id/reinstate":
		f.params["id"] = e.issuedID
		f.body = map[string]any{"reason": "checking the record"}
	case "/api/v1/audit-events":
		f.query["limit"] = "5"
	case "/api/v1/awards/bulk":
		f.raw, f.ctype = []byte("learner_name,learner_email,nsn,completed_on\r\nRangi Bulk,rangi@example.nz,100000001,2026-03-02\r\n"), "text/csv"
		f.query["achievement"], f.query["create"] = e.achID, "1"
	case "/api/v1/jobs/:id", "/api/v1/jobs/:id/results", "/api/v1/jobs/:id/cancel":
		f.params["id"] = e.jobID
	case "/api/v1/reports/nzqa-completions":
		f.query["from"], f.query["to"], f.query["missing_nsn"] = "2026-01-01", "2026-12-31", "0"
	}
	if f.body != nil {
		f.body = deepCopy(f.body) // JSON kinds (numbers are float64)
	}
	if f.body != nil && f.ctype == "" {
		f.ctype = "application/json"
	}
	return f
}

// target builds the request target with params (already escaped as wanted)
// and the query.
func target(path string, params map[string]string, query map[string]string) string {
	var segs []string
	for _, s := range strings.Split(path, "/") {
		if strings.HasPrefix(s, ":") {
			s = params[s[1:]]
		}
		segs = append(segs, s)
	}
	t := strings.Join(segs, "/")
	if len(query) > 0 {
		keys := make([]string, 0, len(query))
		for k := range query {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var q []string
		for _, k := range keys {
			q = append(q, k+"="+query[k])
		}
		t += "?" + strings.Join(q, "&")
	}
	return t
}

// rawMark stands for a raw JSON value spliced into a marshalled body.
const rawMark = `"\u0001raw\u0001"`

// withValue returns the body with the member at ptr replaced by v (a Go
// value marshalled as JSON, or json.RawMessage spliced in verbatim).
func withValue(body any, ptr string, v any) []byte {
	var raw []byte
	if r, ok := v.(json.RawMessage); ok {
		raw, v = r, "\u0001raw\u0001"
	}
	doc := deepCopy(body)
	setAt(&doc, strings.Split(ptr, "/")[1:], v)
	b := mustMarshal(doc)
	if raw != nil {
		b = bytes.Replace(b, []byte(rawMark), raw, 1)
	}
	return b
}

func mustMarshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSpace(b.Bytes())
}

func deepCopy(v any) any {
	var out any
	_ = json.Unmarshal(mustMarshal(v), &out)
	return out
}

func setAt(doc *any, path []string, v any) {
	if len(path) == 0 {
		*doc = v
		return
	}
	switch x := (*doc).(type) {
	case map[string]any:
		child := x[path[0]]
		setAt(&child, path[1:], v)
		x[path[0]] = child
	case []any:
		i, _ := strconv.Atoi(path[0])
		child := x[i]
		setAt(&child, path[1:], v)
		x[i] = child
	}
}

// members lists the JSON pointer of every member of doc (arrays: their
// first element), depth first, down to depth levels.
func members(doc any, at string, depth int) []string {
	if depth == 0 {
		return nil
	}
	var out []string
	switch x := doc.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := at + "/" + escapePointer(k)
			out = append(out, p)
			out = append(out, members(x[k], p, depth-1)...)
		}
	case []any:
		if len(x) > 0 {
			out = append(out, at+"/0")
			out = append(out, members(x[0], at+"/0", depth-1)...)
		}
	}
	return out
}

func valueAt(doc any, ptr string) any {
	for _, k := range strings.Split(ptr, "/")[1:] {
		switch x := doc.(type) {
		case map[string]any:
			doc = x[k]
		case []any:
			i, _ := strconv.Atoi(k)
			doc = x[i]
		}
	}
	return doc
}

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

var wrongTypes = []struct {
	kind string
	v    any
}{
	{"string", "7"}, {"number", 7}, {"boolean", true}, {"array", []any{"x"}}, {"object", map[string]any{"x": 1}}, {"null", nil},
}

// hostileStrings are string values every text member must survive.
var hostileStrings = map[string]json.RawMessage{
	"empty":              json.RawMessage(`""`),
	"blank":              json.RawMessage(`"  \t "`),
	"NUL":                json.RawMessage(`"a\u0000b"`),
	"control characters": json.RawMessage(`"a\u0007\u001b[2Jb\r\n"`),
	"RTL override":       json.RawMessage(`"\u202Egnp.exe"`),
	"decomposed macron":  json.RawMessage(`"Ma\u0304ori"`),
	"emoji":              json.RawMessage(`"🦉🌿 Ruru"`),
	"lone surrogate":     json.RawMessage(`"a\ud800b"`),
	"non-UTF-8 bytes":    json.RawMessage("\"a\xff\xfeb\""),
	"path traversal":     json.RawMessage(`"../../../../etc/passwd"`),
	"SQL":                json.RawMessage(`"' OR 1=1; DROP TABLE awards; --"`),
	"huge":               json.RawMessage(`"` + strings.Repeat("ā", 200_000) + `"`),
	"long":               json.RawMessage(`"` + strings.Repeat("x", 5000) + `"`),
}

// pgStrings are the hostile strings whose storage differs on PostgreSQL.
var pgStrings = map[string]bool{"NUL": true, "non-UTF-8 bytes": true, "lone surrogate": true, "huge": true, "decomposed macron": true, "emoji": true}

var hostileNumbers = map[string]json.RawMessage{
	"0": json.RawMessage(`0`), "-1": json.RawMessage(`-1`), "11": json.RawMessage(`11`), "41": json.RawMessage(`41`),
	"1.5": json.RawMessage(`1.5`), "1e400": json.RawMessage(`1e400`), "2^31": json.RawMessage(`2147483648`),
	"-2^31-1": json.RawMessage(`-2147483649`), "2^63": json.RawMessage(`9223372036854775808`),
	"1e9": json.RawMessage(`1e9`), "-0": json.RawMessage(`-0`),
}

var hostileDates = map[string]json.RawMessage{
	"Feb 30": json.RawMessage(`"2026-02-30"`), "month 13": json.RawMessage(`"2026-13-01"`),
	"year 0": json.RawMessage(`"0000-01-01"`), "year 9999": json.RawMessage(`"9999-12-31"`),
	"year 10000": json.RawMessage(`"10000-01-01"`), "two-digit year": json.RawMessage(`"26-03-14"`),
	"hour 25": json.RawMessage(`"2026-03-14T25:00:00Z"`), "words": json.RawMessage(`"yesterday"`),
	"negative year": json.RawMessage(`"-0001-01-01"`), "offset": json.RawMessage(`"2026-03-14T00:00:00+14:00"`),
}

// hostileParams are path-parameter values, written as they go on the wire.
var hostileParams = map[string]string{
	"nonexistent":     "00000000-0000-4000-8000-000000000000",
	"traversal":       "..%2F..%2F..%2Fetc%2Fpasswd",
	"dot dot":         "..",
	"NUL":             "a%00b",
	"non-UTF-8":       "a%ff%feb",
	"newline":         "a%0D%0Ab",
	"long":            strings.Repeat("a", 4000),
	"RTL override":    "%E2%80%AEabc",
	"space":           "%20",
	"emoji":           "%F0%9F%A6%89",
	"SQL":             "'%20OR%201=1--",
	"percent garbage": "%zz",
}

var hostileQueryValues = map[string]string{
	"empty": "", "NUL": "%00", "non-UTF-8": "%ff%fe", "negative": "-1", "zero": "0", "huge": "99999999999999999999",
	"2^31": "2147483648", "float": "1.5", "exponent": "1e400", "words": "abc", "bad date": "2026-02-30",
	"year 10000": "10000-01-01", "long": strings.Repeat("z", 3000),
}

func isDateMember(ptr string) bool {
	n := strings.ToLower(ptr[strings.LastIndexByte(ptr, '/')+1:])
	return strings.HasSuffix(n, "on") || strings.HasPrefix(n, "valid") || n == "issuancedate" || n == "expirationdate"
}

// hostileCases generates the battery: for each route, the mutations that
// apply to it. valuesOnly keeps the member-value and parameter mutations.
func (e *hostileEnv) hostileCases(valuesOnly bool) []hostileCase {
	var out []hostileCase
	for _, r := range hostileRoutes() {
		if r.path == "/metrics" {
			continue
		}
		f := e.fixtureFor(r)
		id := r.method + " " + r.path
		token := ""
		switch r.access {
		case keyed:
			token = e.admin
		case operator:
			token = hostileOperator
		}
		auth := func(tok string) []string {
			if tok == "" {
				return nil
			}
			return []string{"Authorization", "Bearer " + tok}
		}
		hdr := func(extra ...string) []string {
			h := append([]string{"Accept", "application/json"}, auth(token)...)
			if f.ctype != "" {
				h = append(h, "Content-Type", f.ctype)
			}
			return append(h, extra...)
		}
		// replaceHdr sets name to value in h (removing it when value is "").
		replaceHdr := func(h []string, name, value string) []string {
			var out []string
			for i := 0; i+1 < len(h); i += 2 {
				if !strings.EqualFold(h[i], name) {
					out = append(out, h[i], h[i+1])
				}
			}
			if value != "\u0000none" {
				out = append(out, name, value)
			}
			return out
		}
		tgt := target(r.path, f.params, f.query)
		var valid []byte
		switch {
		case f.body != nil:
			valid = mustMarshal(f.body)
		case f.raw != nil:
			valid = f.raw
		}
		add := func(name string, c hostileCase) {
			c.name = id + " " + name
			if c.method == "" {
				c.method = r.method
			}
			if c.target == "" {
				c.target = tgt
			}
			if c.hdr == nil {
				c.hdr = hdr()
			}
			if c.body == nil && valid != nil && !strings.HasPrefix(name, "body/") {
				c.body = valid
			}
			out = append(out, c)
		}

		// Credentials.
		if r.access != public && !valuesOnly {
			for name, h := range map[string]string{
				"none": "\u0000none", "empty": "", "scheme only": "Bearer", "blank token": "Bearer    ",
				"garbage": "Bearer not-a-key", "basic": "Basic dXNlcjpwYXNz", "revoked": "Bearer " + e.revoked,
				"long": "Bearer " + strings.Repeat("k", 600), "NUL": "Bearer abc\x00def", "non-UTF-8": "Bearer \xff\xfe",
				"two tokens": "Bearer " + e.admin + " " + e.admin, "lower-case scheme+other": "bearer " + e.otherAdmin + "x",
			} {
				add("auth/"+name, hostileCase{hdr: replaceHdr(hdr(), "Authorization", h), mustReject: true})
			}
			if r.access == keyed && len(r.roles) > 0 {
				add("auth/viewer without the role", hostileCase{hdr: replaceHdr(hdr(), "Authorization", "Bearer "+e.viewer), mustReject: true})
			}
			if r.access == keyed && len(f.params) > 0 {
				// Provider B's admin asking for provider A's records.
				add("auth/other provider", hostileCase{hdr: replaceHdr(hdr(), "Authorization", "Bearer "+e.otherAdmin), mustReject: true})
			}
		}

		// Path parameters.
		for p := range f.params {
			if !strings.Contains(r.path, ":"+p) {
				continue
			}
			for name, v := range hostileParams {
				params := map[string]string{}
				for k, x := range f.params {
					params[k] = x
				}
				params[p] = v
				reject := true
				if r.path == "/" {
					reject = false
				}
				add("param "+p+"/"+name, hostileCase{target: target(r.path, params, f.query), mustReject: reject})
			}
			if p == "id" && strings.HasPrefix(r.path, "/api/v1/") {
				other := map[string]string{"/api/v1/achievements/:id": e.otherAchID, "/api/v1/api-keys/:id": e.otherKeyID}[r.path]
				switch {
				case strings.HasPrefix(r.path, "/api/v1/awards/"):
					other = e.otherAwardID
				case strings.HasPrefix(r.path, "/api/v1/jobs/"):
					other = e.otherJobID
				}
				if other != "" {
					add("param id/other provider's", hostileCase{target: target(r.path, map[string]string{"id": other}, f.query), mustReject: true})
				}
			}
		}

		// Query parameters.
		for q := range f.query {
			for name, v := range hostileQueryValues {
				query := map[string]string{}
				for k, x := range f.query {
					query[k] = x
				}
				query[q] = v
				add("query "+q+"/"+name, hostileCase{target: target(r.path, f.params, query)})
			}
		}

		if r.method != fiber.MethodPost && r.method != fiber.MethodPut {
			continue
		}
		switch {
		case f.body != nil:
			out = append(out, e.jsonBodyCases(id, tgt, hdr(), f, valid, valuesOnly)...)
		case f.raw != nil && r.path == "/verify":
			out = append(out, e.formCases(id, tgt, hdr())...)
		case f.raw != nil:
			out = append(out, e.csvCases(id, tgt, hdr(), valuesOnly)...)
		}
		if valuesOnly {
			continue
		}
		if f.body != nil || f.raw != nil {
			for name, ct := range map[string]string{
				"text/plain": "text/plain", "xml": "application/xml", "garbage": "garbage;;;", "form": "application/x-www-form-urlencoded",
				"multipart without boundary": "multipart/form-data", "charset latin1 on csv": "text/csv; charset=latin1; x",
			} {
				if r.path == "/verify" && strings.HasPrefix(ct, "multipart") {
					continue
				}
				add("content-type/"+name, hostileCase{hdr: replaceHdr(hdr(), "Content-Type", ct), mustReject: r.path != "/verify"})
			}
			add("body/oversized", hostileCase{body: bytes.Repeat([]byte(" "), 2<<20), mustReject: true})
		}
		if r.path == "/api/v1/awards" {
			for name, k := range map[string]string{"long": strings.Repeat("k", 10_000), "control": "a\x01b", "non-ASCII": "kōrero", "non-UTF-8": "k\xff"} {
				add("idempotency-key/"+name, hostileCase{hdr: hdr("Idempotency-Key", k)})
			}
		}
	}
	return out
}

func (e *hostileEnv) jsonBodyCases(id, tgt string, hdr []string, f routeFixture, valid []byte, valuesOnly bool) []hostileCase {
	var out []hostileCase
	add := func(name string, body []byte, reject bool, field string) {
		out = append(out, hostileCase{name: id + " " + name, target: tgt, hdr: hdr, body: body, mustReject: reject, field: field,
			method: strings.Fields(id)[0]})
	}
	isRaw := func(ptr string) bool {
		for _, m := range f.rawMembers {
			if ptr == m || strings.HasPrefix(ptr, m+"/") {
				return true
			}
		}
		return false
	}
	depth := 6
	for _, ptr := range members(f.body, "", depth) {
		orig := valueAt(f.body, ptr)
		kind := kindOf(orig)
		for _, wt := range wrongTypes {
			if wt.kind == kind {
				continue
			}
			field := ptr
			reject := wt.kind != "null"
			if isRaw(ptr) || strings.Count(ptr, "/") > 1 && strings.HasSuffix(ptr[:strings.LastIndexByte(ptr, '/')], "/0") {
				field = "" // a raw member's contents are judged by the verifier or issuer, pointer or not
			}
			if isRaw(ptr) {
				reject = false
			}
			if wt.kind == "null" {
				field = ""
			}
			if valuesOnly {
				continue // decoding is the same on both databases
			}
			add("member "+ptr+"/"+wt.kind, withValue(f.body, ptr, wt.v), reject, field)
		}
		switch kind {
		case "string":
			for name, v := range hostileStrings {
				if valuesOnly && !pgStrings[name] {
					continue
				}
				add("member "+ptr+"/"+name, withValue(f.body, ptr, v), name == "non-UTF-8 bytes" || name == "lone surrogate" || name == "NUL", "")
			}
			if isDateMember(ptr) {
				for name, v := range hostileDates {
					add("member "+ptr+"/date "+name, withValue(f.body, ptr, v), false, "")
				}
			}
		case "number":
			for name, v := range hostileNumbers {
				add("member "+ptr+"/number "+name, withValue(f.body, ptr, v), false, "")
			}
		}
	}
	if valuesOnly {
		return out
	}
	var top string
	if m, ok := f.body.(map[string]any); ok {
		for k := range m {
			if top == "" || k < top {
				top = k
			}
		}
	}
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	firstQuote := bytes.IndexByte(valid, '"')
	for name, b := range map[string][]byte{
		"body/empty": {}, "body/whitespace": []byte(" \r\n\t "), "body/invalid": []byte(`{"a" 1}`), "body/truncated": valid[:len(valid)/2],
		"body/null": []byte(`null`), "body/array": []byte(`[]`), "body/string": []byte(`"x"`), "body/number": []byte(`42`),
		"body/two values": append(append([]byte{}, valid...), []byte(` {}`)...), "body/trailing garbage": append(append([]byte{}, valid...), []byte(`garbage`)...),
		"body/deep nesting": []byte(`{"` + top + `":` + deep + `}`), "body/deep object": []byte(strings.Repeat(`{"a":`, 50_000) + `1` + strings.Repeat(`}`, 50_000)),
		"body/raw NUL byte":     append(append(append([]byte{}, valid[:firstQuote+1]...), 0), valid[firstQuote+1:]...),
		"body/non-UTF-8":        append(append(append([]byte{}, valid[:firstQuote+1]...), 0xff, 0xfe), valid[firstQuote+1:]...),
		"body/BOM":              append([]byte("\xef\xbb\xbf"), valid...),
		"body/unknown member":   append([]byte(`{"zzUnknown":1,`), valid[1:]...),
		"body/duplicate member": append([]byte(`{"`+top+`":"first",`), valid[1:]...),
		"body/garbage bytes":    {0x00, 0x01, 0xff, 0x7b, 0x22},
	} {
		add(name, b, true, "")
	}
	// An unknown member in every nested object the decoder types.
	for _, ptr := range members(f.body, "", 3) {
		if m, ok := valueAt(f.body, ptr).(map[string]any); ok && !isRaw(ptr) {
			cp := map[string]any{"zzUnknown": 1}
			for k, v := range m {
				cp[k] = v
			}
			add("member "+ptr+"/unknown member", withValue(f.body, ptr, cp), true, ptr+"/zzUnknown")
		}
	}
	return out
}

func (e *hostileEnv) csvCases(id, tgt string, hdr []string, valuesOnly bool) []hostileCase {
	const head = "learner_name,learner_email,nsn,completed_on"
	bodies := map[string]string{
		"broken quoting":     head + "\n\"Rangi,rangi@example.nz,1,2026-03-02\n",
		"quote in field":     head + "\nRa\"ngi,rangi@example.nz,1,2026-03-02\n",
		"BOM":                "\ufeff" + head + "\nRangi,rangi@example.nz,1,2026-03-02\n",
		"CRLF":               strings.ReplaceAll(head+"\nRangi,rangi@example.nz,1,2026-03-02\n", "\n", "\r\n"),
		"bare CR":            strings.ReplaceAll(head+"\nRangi,rangi@example.nz,1,2026-03-02\n", "\n", "\r"),
		"extra columns":      head + "\nRangi,rangi@example.nz,1,2026-03-02,extra,more\n",
		"missing columns":    head + "\nRangi,rangi@example.nz\n",
		"unknown column":     head + ",favourite_colour\nRangi,rangi@example.nz,1,2026-03-02,blue\n",
		"duplicate column":   head + ",nsn\nRangi,rangi@example.nz,1,2026-03-02,2\n",
		"header only":        head + "\n",
		"empty":              "",
		"blank lines":        "\n\n\n",
		"NUL":                head + "\nRan\x00gi,rangi@example.nz,1,2026-03-02\n",
		"non-UTF-8":          head + "\nRan\xff\xfegi,rangi@example.nz,1,2026-03-02\n",
		"formula":            head + "\n=HYPERLINK(\"http://evil\"),rangi@example.nz,1,2026-03-02\n",
		"bad date":           head + "\nRangi,rangi@example.nz,1,2026-02-30\n",
		"huge field":         head + "\n" + strings.Repeat("ā", 300_000) + ",rangi@example.nz,1,2026-03-02\n",
		"binary":             "\x00\x01\x02\xff\xfe",
		"JSON as CSV":        `[{"learner_name":"x"}]`,
		"RTL and emoji":      head + "\n\u202eRangi 🦉,rangi@example.nz,1,2026-03-02\n",
		"decomposed macrons": head + "\nMa\u0304ori,rangi@example.nz,1,2026-03-02\n",
		"spaces everywhere":  " learner_name , learner_email ,nsn, completed_on \n Rangi , rangi@example.nz , 1 , 2026-03-02 \n",
	}
	mustReject := map[string]bool{"broken quoting": true, "unknown column": true, "duplicate column": true, "empty": true,
		"blank lines": true, "NUL": true, "non-UTF-8": true, "binary": true, "JSON as CSV": true}
	var out []hostileCase
	method := strings.Fields(id)[0]
	for name, b := range bodies {
		out = append(out, hostileCase{name: id + " csv/" + name, method: method, target: tgt, hdr: hdr, body: []byte(b), mustReject: mustReject[name]})
	}
	// The same endpoint takes a JSON array of rows.
	jhdr := append(slices.Clone(hdr), "Content-Type", "application/json")
	for i := 0; i+1 < len(jhdr)-2; i += 2 {
		if jhdr[i] == "Content-Type" {
			jhdr[i+1] = "application/json"
		}
	}
	for name, b := range map[string]string{
		"json/two values": `[{"learner_name":"A","completed_on":"2026-03-02"}] [{}]`, "json/trailing garbage": `[{"learner_name":"A","completed_on":"2026-03-02"}]xyz`,
		"json/object": `{"learner_name":"A"}`, "json/truncated": `[{"learner_name":"A",`, "json/NUL": `[{"learner_name":"A\u0000","completed_on":"2026-03-02"}]`,
		"json/non-UTF-8": "[{\"learner_name\":\"A\xff\",\"completed_on\":\"2026-03-02\"}]", "json/deep": strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		"json/duplicate": `[{"learner_name":"A","learner_name":"B","completed_on":"2026-03-02"}]`, "json/null": `null`, "json/empty": ``,
	} {
		reject := !strings.HasSuffix(name, "RTL")
		out = append(out, hostileCase{name: id + " " + name, method: method, target: tgt, hdr: jhdr, body: []byte(b), mustReject: reject})
	}
	if valuesOnly {
		var keep []hostileCase
		for _, c := range out {
			if strings.Contains(c.name, "NUL") || strings.Contains(c.name, "UTF-8") || strings.Contains(c.name, "huge") {
				keep = append(keep, c)
			}
		}
		return keep
	}
	return out
}

// formCases are bad submissions of the verify form (urlencoded and
// multipart): none of them is a credential.
func (e *hostileEnv) formCases(id, tgt string, hdr []string) []hostileCase {
	var out []hostileCase
	for name, v := range map[string]string{
		"empty": "", "NUL": "%00", "non-UTF-8": "%ff%fe", "file scheme": "file:///etc/passwd",
		"metadata address": "http://169.254.169.254/latest/meta-data/", "closed port": "http://127.0.0.1:1/x",
		"javascript": "javascript:alert(1)", "long": "https://example.nz/" + strings.Repeat("a", 5000),
		"not a URL": "%%%", "own page": url.QueryEscape(e.base + "/verify"), "own missing": url.QueryEscape(e.base + "/credentials/nope"),
	} {
		out = append(out, hostileCase{name: id + " form url/" + name, method: "POST", target: tgt, hdr: hdr, body: []byte("url=" + v), mustReject: true})
	}
	mp := func(ct, body string) []string {
		h := slices.Clone(hdr)
		for i := 0; i+1 < len(h); i += 2 {
			if h[i] == "Content-Type" {
				h[i+1] = ct
			}
		}
		return h
	}
	for name, c := range map[string][2]string{
		"garbage file":   {"multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n\x00\xff{garbage\r\n--XX--\r\n"},
		"unterminated":   {"multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n{"},
		"wrong boundary": {"multipart/form-data; boundary=YY", "--XX\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--XX--\r\n"},
		"empty file":     {"multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n\r\n--XX--\r\n"},
	} {
		out = append(out, hostileCase{name: id + " form/" + name, method: "POST", target: tgt, hdr: mp(c[0], c[1]), body: []byte(c[1]), mustReject: true})
	}
	return out
}

// TestVetJSON pins the pointers vetJSON and the type-error refinement give.
func TestVetJSON(t *testing.T) {
	type inner struct {
		Purpose string `json:"statusPurpose"`
	}
	type body struct {
		Name   string          `json:"name"`
		Roles  []string        `json:"roles"`
		Status []inner         `json:"credentialStatus"`
		Raw    json.RawMessage `json:"raw"`
	}
	tests := map[string]struct {
		body, pointer string
	}{
		"ok/plain":                       {`{"name":"Māori 🦉","roles":["a"],"raw":{"x":{"":1,"y":[1,{"":2}]}}}`, "-"},
		"ok/escaped replacement char":    {`{"name":"\ufffd"}`, "-"},
		"ok/surrogate pair":              {`{"name":"\ud83e\udd89"}`, "-"},
		"ok/same key in sibling objects": {`{"raw":[{"a":1},{"a":2}]}`, "-"},
		"error/duplicate member":         {`{"name":"a","roles":[],"name":"b"}`, "/name"},
		"error/duplicate nested":         {`{"raw":{"x":[0,{"k":1,"k":2}]}}`, "/raw/x/1/k"},
		"error/duplicate empty name":     {`{"raw":{"":1,"":2}}`, "/raw/"},
		"error/NUL in value":             {`{"roles":["a","b\u0000"]}`, "/roles/1"},
		"error/NUL in name":              {`{"raw":{"a\u0000":1}}`, "/raw/a\u0000"},
		"error/lone surrogate":           {`{"name":"\ud800x"}`, "/name"},
		"error/not UTF-8":                {"{\"raw\":{\"a\":[\"\xff\"]}}", "/raw/a/0"},
		"error/element type":             {`{"roles":["a",7]}`, "/roles/1"},
		"error/nested element type":      {`{"credentialStatus":[{"statusPurpose":"x"},{"statusPurpose":3}]}`, "/credentialStatus/1/statusPurpose"},
		"error/member type":              {`{"name":[]}`, "/name"},
		// A number beyond float64 does not stop the vetting of what follows.
		"error/duplicate after huge number": {`{"raw":{"a":1e400,"a":2}}`, "/raw/a"},
		"error/NUL after huge number":       {`{"raw":[-1e400,"\u0000"]}`, "/raw/1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var v body
			err := decodeBytes([]byte(tc.body), &v)
			if tc.pointer == "-" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			p, _ := problemFor(err)
			if err == nil || p.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Pointer != tc.pointer {
				t.Fatalf("got %v %+v, want a 400 at %q", err, p, tc.pointer)
			}
		})
	}
}

// TestStatusBothPages: a provider issuing with both status entries
// (issuer.StatusModeBoth: credentialStatus is an array) still has a page
// and badges. credential.Parse models one entry; the badge routes answered
// 500 (found by TestHostileInput).
func TestStatusBothPages(t *testing.T) {
	e := newHostileEnv(t, "")
	for _, p := range []string{"/c/" + e.issuedID, "/c/" + e.issuedID + "/badge.png", "/c/" + e.issuedID + "/badge.svg", "/credentials/" + e.issuedID} {
		for _, accept := range []string{"text/html", "*/*"} {
			r := e.send("GET", p, []string{"Accept", accept}, nil)
			if r.err != nil || r.status != 200 {
				t.Errorf("GET %s (Accept %s) = %d %v: %.300s", p, accept, r.status, r.err, r.body)
			}
		}
	}
}

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// pingFunc is a Pinger built from a function; the real one is the store's.
type pingFunc func(context.Context) error

func (f pingFunc) Ping(ctx context.Context) error { return f(ctx) }

// keyTable authenticates a fixed set of keys. It stands in for issuer's
// Authenticate in the foundation tests only.
type keyTable map[string]issuer.Actor

func (k keyTable) Authenticate(_ context.Context, token string) (issuer.Actor, error) {
	if p, ok := k[token]; ok {
		return p, nil
	}
	return issuer.Actor{}, errs.E(errs.Unauthorized, "unknown key")
}

// newTestApp builds the app with test routes that exercise the middleware
// and the decoder, and returns the log it writes.
func newTestApp(t *testing.T, deps Deps) (*fiber.App, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	deps.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	deps.BaseURL = "http://tohu.test"
	app := New(deps)
	app.Get("/test/panic", func(*fiber.Ctx) error { panic("kaboom: secret-panic-detail") })
	app.Get("/test/internal", func(*fiber.Ctx) error { return errors.New("secret-cause") })
	app.Get("/test/internal-wrapped", func(*fiber.Ctx) error {
		return errs.Wrap(errors.New("secret-cause"), errs.Internal, "Internal detail that must not leak.")
	})
	app.Get("/test/invalid", func(*fiber.Ctx) error {
		return errs.F(errs.Invalid, "/credits", "credits must be between 1 and 40")
	})
	app.Get("/test/conflict", func(*fiber.Ctx) error { return errs.E(errs.Conflict, "The award is already issued.") })
	app.Get("/test/not-found", func(*fiber.Ctx) error { return errs.E(errs.NotFound, "No such award.") })
	app.Post("/test/decode", func(c *fiber.Ctx) error {
		var v decodeTarget
		if err := decodeJSON(c, &v); err != nil {
			return err
		}
		return c.JSON(v)
	})
	app.Get("/test/whoami", s(deps).requireRole(), func(c *fiber.Ctx) error { return c.JSON(actor(c)) })
	app.Get("/test/admin", s(deps).requireRole(issuer.RoleAdmin), func(c *fiber.Ctx) error { return c.SendString("ok") })
	return app, &logs
}

func s(d Deps) *server { return &server{Deps: d} }

type decodeTarget struct {
	Name    string `json:"name"`
	Credits int    `json:"credits"`
	Learner *struct {
		Email string `json:"email"`
	} `json:"learner,omitempty"`
	Outcomes []struct {
		Text string `json:"text"`
	} `json:"outcomes,omitempty"`
	Raw json.RawMessage `json:"raw,omitempty"`
}

// do sends req and returns the status, the headers and the body.
func do(t *testing.T, app *fiber.App, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("app.Test: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// golden compares got (JSON) with testdata/name.golden.json, indented.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, got)
	}
	pretty, _ := json.MarshalIndent(v, "", "  ")
	pretty = append(pretty, '\n')
	path := filepath.Join("testdata", strings.NewReplacer("/", "_", " ", "-").Replace(name)+".golden.json")
	if *update {
		if err := os.WriteFile(path, pretty, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if !bytes.Equal(want, pretty) {
		t.Errorf("%s differs from golden\n got: %s\nwant: %s", path, pretty, want)
	}
}

func TestProblems(t *testing.T) {
	down := pingFunc(func(context.Context) error {
		return errs.Wrap(errors.New("dial tcp 10.0.0.1:5432: secret-host"), errs.Unavailable, "The database is not reachable.")
	})
	keys := keyTable{
		"k-admin":    {APIKeyID: "key1", ProviderID: "p1", Roles: []issuer.Role{issuer.RoleAdmin}},
		"k-assessor": {APIKeyID: "key2", ProviderID: "p1", Roles: []issuer.Role{issuer.RoleAssessor}},
	}
	tests := map[string]struct {
		method, path, body, ctype, auth string
		deps                            Deps
		wantStatus                      int
		wantGolden                      bool
	}{
		"error/no route":                {method: "GET", path: "/nope", wantStatus: 404, wantGolden: true},
		"error/method not allowed":      {method: "DELETE", path: "/healthz", wantStatus: 405, wantGolden: true},
		"error/panic":                   {method: "GET", path: "/test/panic", wantStatus: 500, wantGolden: true},
		"error/plain error":             {method: "GET", path: "/test/internal", wantStatus: 500, wantGolden: true},
		"error/internal wrapped":        {method: "GET", path: "/test/internal-wrapped", wantStatus: 500, wantGolden: true},
		"error/rule violation":          {method: "GET", path: "/test/invalid", wantStatus: 422, wantGolden: true},
		"error/conflict":                {method: "GET", path: "/test/conflict", wantStatus: 409, wantGolden: true},
		"error/not found":               {method: "GET", path: "/test/not-found", wantStatus: 404, wantGolden: true},
		"error/readyz database down":    {method: "GET", path: "/readyz", deps: Deps{Pinger: down}, wantStatus: 503, wantGolden: true},
		"error/malformed json":          {method: "POST", path: "/test/decode", body: `{"name":`, wantStatus: 400, wantGolden: true},
		"error/syntax error":            {method: "POST", path: "/test/decode", body: `{"name" "x"}`, wantStatus: 400, wantGolden: true},
		"error/empty body":              {method: "POST", path: "/test/decode", body: ``, wantStatus: 400, wantGolden: true},
		"error/unknown field":           {method: "POST", path: "/test/decode", body: `{"name":"a","nmae":"b"}`, wantStatus: 400, wantGolden: true},
		"error/unknown nested field":    {method: "POST", path: "/test/decode", body: `{"outcomes":[{"text":"a"},{"text":"b","txet":1}]}`, wantStatus: 400, wantGolden: true},
		"error/wrong type":              {method: "POST", path: "/test/decode", body: `{"learner":{"email":5}}`, wantStatus: 400, wantGolden: true},
		"error/two values":              {method: "POST", path: "/test/decode", body: `{"name":"a"} {"name":"b"}`, wantStatus: 400, wantGolden: true},
		"error/too deep":                {method: "POST", path: "/test/decode", body: `{"raw":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, wantStatus: 400, wantGolden: true},
		"error/not json":                {method: "POST", path: "/test/decode", body: `name=a`, ctype: "application/x-www-form-urlencoded", wantStatus: 415, wantGolden: true},
		"error/no api key":              {method: "GET", path: "/test/whoami", deps: Deps{Auth: keys}, wantStatus: 401, wantGolden: true},
		"error/wrong scheme":            {method: "GET", path: "/test/whoami", auth: "Basic azE6eA==", deps: Deps{Auth: keys}, wantStatus: 401},
		"error/bad api key":             {method: "GET", path: "/test/whoami", auth: "Bearer k-wrong", deps: Deps{Auth: keys}, wantStatus: 401, wantGolden: true},
		"error/missing role":            {method: "GET", path: "/test/admin", auth: "Bearer k-assessor", deps: Deps{Auth: keys}, wantStatus: 403, wantGolden: true},
		"error/auth not wired":          {method: "GET", path: "/test/whoami", auth: "Bearer k-admin", wantStatus: 501, wantGolden: true},
		"ok/healthz":                    {method: "GET", path: "/healthz", wantStatus: 200},
		"ok/healthz with database down": {method: "GET", path: "/healthz", deps: Deps{Pinger: down}, wantStatus: 200},
		"ok/readyz":                     {method: "GET", path: "/readyz", deps: Deps{Pinger: pingFunc(func(context.Context) error { return nil })}, wantStatus: 200},
		"ok/decode":                     {method: "POST", path: "/test/decode", body: `{"name":"Kaiako","credits":10,"learner":{"email":"a@b.nz"},"raw":{"x":[1]}}`, wantStatus: 200},
		"ok/decode json suffix type":    {method: "POST", path: "/test/decode", body: `{"name":"a"}`, ctype: "application/ld+json", wantStatus: 200},
		"ok/any role":                   {method: "GET", path: "/test/whoami", auth: "Bearer k-assessor", deps: Deps{Auth: keys}, wantStatus: 200},
		"ok/admin role":                 {method: "GET", path: "/test/admin", auth: "bearer k-admin", deps: Deps{Auth: keys}, wantStatus: 200},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			app, logs := newTestApp(t, tc.deps)
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Header.Set(HeaderRequestID, "req-test-1")
			if tc.body != "" || tc.ctype != "" {
				req.Header.Set("Content-Type", cmpOr(tc.ctype, "application/json"))
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, body := do(t, app, req)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, body)
			}
			if got := resp.Header.Get(HeaderRequestID); got != "req-test-1" {
				t.Errorf("X-Request-ID = %q, want the client's", got)
			}
			if strings.HasPrefix(name, "error/") {
				if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type = %q", ct)
				}
				var p Problem
				if err := json.Unmarshal(body, &p); err != nil {
					t.Fatalf("not a problem document: %v", err)
				}
				if p.Status != tc.wantStatus || p.Instance != "req-test-1" || !strings.HasPrefix(p.Type, ProblemTypeBase) || p.Title == "" {
					t.Errorf("problem = %+v", p)
				}
				if tc.wantStatus == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("401 without WWW-Authenticate: %q", resp.Header.Get("WWW-Authenticate"))
				}
			}
			for _, secret := range []string{"secret", "kaboom", "k-admin", "k-wrong", "k-assessor"} {
				if bytes.Contains(body, []byte(secret)) {
					t.Errorf("response leaks %q: %s", secret, body)
				}
			}
			for _, secret := range []string{"k-admin", "k-wrong", "k-assessor", "azE6eA"} {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("log leaks %q: %s", secret, logs.String())
				}
			}
			if tc.wantGolden {
				golden(t, name, body)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestRequestID(t *testing.T) {
	tests := map[string]struct {
		sent     string
		wantSame bool
	}{
		"ok/sane id honoured":       {"abc-123_X.y:z", true},
		"ok/missing id generated":   {"", false},
		"ok/too long id replaced":   {strings.Repeat("a", 65), false},
		"ok/unsafe chars replaced":  {"abc\"<script>", false},
		"ok/spaces replaced":        {"a b", false},
		"ok/log injection replaced": {"a\\nlevel=ERROR", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			app, _ := newTestApp(t, Deps{})
			req := httptest.NewRequest("GET", "/healthz", nil)
			if tc.sent != "" {
				req.Header.Set(HeaderRequestID, tc.sent)
			}
			resp, _ := do(t, app, req)
			got := resp.Header.Get(HeaderRequestID)
			if tc.wantSame && got != tc.sent {
				t.Fatalf("id = %q, want %q", got, tc.sent)
			}
			if !tc.wantSame && (got == tc.sent || len(got) != 32) {
				t.Fatalf("id = %q, want a fresh 32-hex id", got)
			}
		})
	}
}

func TestAccessLog(t *testing.T) {
	app, logs := newTestApp(t, Deps{Auth: keyTable{}})
	req := httptest.NewRequest("GET", "/test/whoami", nil)
	req.Header.Set("Authorization", "Bearer super-secret-token")
	req.Header.Set(HeaderRequestID, "req-log-1")
	do(t, app, req)
	if strings.Contains(logs.String(), "super-secret-token") {
		t.Fatalf("the log holds the API key: %s", logs.String())
	}
	var line struct {
		Msg       string `json:"msg"`
		RequestID string `json:"request_id"`
		Method    string `json:"method"`
		Route     string `json:"route"`
		Status    int    `json:"status"`
		Duration  *int64 `json:"duration"`
	}
	for _, l := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		if err := json.Unmarshal(l, &line); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
	}
	if line.Msg != "request" || line.RequestID != "req-log-1" || line.Method != "GET" ||
		line.Route != "/test/whoami" || line.Status != 401 || line.Duration == nil {
		t.Fatalf("access log line = %+v\n%s", line, logs.String())
	}
}

func TestPanicIsLogged(t *testing.T) {
	app, logs := newTestApp(t, Deps{})
	do(t, app, httptest.NewRequest("GET", "/test/panic", nil))
	if !strings.Contains(logs.String(), "kaboom") || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("panic and stack not logged: %s", logs.String())
	}
}

// TestBodyLimit runs the app on a real listener: fasthttp refuses an
// oversized body while reading it, before any middleware, and app.Test
// reports that as a transport error instead of returning the response.
func TestBodyLimit(t *testing.T) {
	app, _ := newTestApp(t, Deps{BodyLimit: 1024})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })

	body := `{"name":"` + strings.Repeat("a", 2000) + `"}`
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/test/decode", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderRequestID, "req-test-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), got)
	}
	golden(t, "error/body too large", got)

	// A cohort file over the limit is told how to get in (the route answers
	// with a trailing slash too).
	csv := "learner_name,learner_email,completed_on\n" + strings.Repeat("Aroha Ngata,aroha@example.nz,2026-03-01\n", 60)
	for _, path := range []string{"/api/v1/awards/bulk", "/api/v1/awards/bulk/"} {
		req, _ = http.NewRequest("POST", "http://"+ln.Addr().String()+path, strings.NewReader(csv))
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p Problem
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 413 ||
			!strings.Contains(p.Detail, "The cohort file is larger than this server accepts (1024 bytes, about 10 rows") ||
			!strings.Contains(p.Detail, "Split it into smaller files") {
			t.Fatalf("%s over the limit: %d %+v, %v", path, resp.StatusCode, p, err)
		}
	}
}

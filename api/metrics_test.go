package api

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// value returns the sum of metric name's series whose labels include want.
func value(t *testing.T, m *Metrics, name string, want map[string]string) float64 {
	t.Helper()
	families, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			ok := true
			for k, v := range want {
				ok = ok && labels[k] == v
			}
			if !ok {
				continue
			}
			switch {
			case s.Counter != nil:
				total += s.Counter.GetValue()
			case s.Gauge != nil:
				total += s.Gauge.GetValue()
			case s.Histogram != nil:
				total += float64(s.Histogram.GetSampleCount())
			}
		}
	}
	return total
}

// TestMetrics drives the app in-process and checks each counter moved with
// route templates (not raw paths) and results as labels.
func TestMetrics(t *testing.T) {
	m := NewMetrics()
	app, _ := newTestApp(t, Deps{Verifier: verifier.New(), Metrics: m, MetricsRoute: true})
	di, _ := signedFixtures(t)
	tampered := bytes.Replace(di, []byte("Māori"), []byte("Maori"), 1)
	req := func(method, path string, body []byte) int {
		r := httptest.NewRequest(method, path, bytes.NewReader(body))
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		resp, _ := do(t, app, r)
		return resp.StatusCode
	}
	verifyBody := func(cred []byte) []byte {
		b, _ := json.Marshal(map[string]any{"verifiableCredential": json.RawMessage(cred)})
		return b
	}
	req("GET", "/healthz", nil)
	req("GET", "/healthz", nil)
	req("GET", "/credentials/11111111-aaaa", nil) // no issuer wired: 501, labelled by template
	req("GET", "/credentials/22222222-bbbb", nil)
	req("GET", "/no/such/path/33333333", nil)
	if c := req("POST", "/credentials/verify", verifyBody(di)); c != 200 {
		t.Fatalf("verify = %d", c)
	}
	req("POST", "/credentials/verify", verifyBody(tampered))
	m.SetJobs("queued", 3)

	tests := map[string]struct {
		name   string
		labels map[string]string
		want   float64
	}{
		"ok/healthz counted":              {"tohu_http_requests_total", map[string]string{"method": "GET", "route": "/healthz", "status": "200"}, 2},
		"ok/ids share the route template": {"tohu_http_requests_total", map[string]string{"route": "/credentials/:id", "status": "501"}, 2},
		"ok/unmatched path":               {"tohu_http_requests_total", map[string]string{"route": unmatchedRoute, "status": "404"}, 1},
		"ok/latency observed":             {"tohu_http_request_duration_seconds", map[string]string{"route": "/credentials/verify"}, 2},
		"ok/verified":                     {"tohu_credentials_verified_total", map[string]string{"result": "verified"}, 1},
		"ok/not verified":                 {"tohu_credentials_verified_total", map[string]string{"result": "not_verified"}, 1},
		"ok/verify duration":              {"tohu_verify_duration_seconds", nil, 2},
		"ok/job gauge":                    {"tohu_jobs", map[string]string{"state": "queued"}, 3},
		"ok/no in-flight after":           {"tohu_http_requests_in_flight", nil, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := value(t, m, tc.name, tc.labels); got != tc.want {
				r := httptest.NewRequest("GET", "/metrics", nil)
				_, body := do(t, app, r)
				t.Fatalf("%s%v = %v, want %v\n%s", tc.name, tc.labels, got, tc.want, grepLines(string(body), tc.name))
			}
		})
	}

	// The exposition: served, with no raw id in any label.
	r := httptest.NewRequest("GET", "/metrics", nil)
	resp, body := do(t, app, r)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "go_goroutines") || !strings.Contains(string(body), "process_") {
		t.Fatalf("/metrics = %d:\n%.500s", resp.StatusCode, body)
	}
	for _, id := range []string{"11111111", "22222222", "33333333"} {
		if strings.Contains(string(body), id) {
			t.Fatalf("a raw path id %s is a label value", id)
		}
	}
}

// TestMetricsRouteOff answers 501 for /metrics when metrics are on their
// own listener, and NewMetrics' handler serves them there.
func TestMetricsRouteOff(t *testing.T) {
	m := NewMetrics()
	app, _ := newTestApp(t, Deps{Metrics: m})
	resp, _ := do(t, app, httptest.NewRequest("GET", "/metrics", nil))
	if resp.StatusCode != http.StatusNotImplemented {
		t.Fatalf("/metrics on the main app = %d, want 501", resp.StatusCode)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "tohu_http_requests_total") {
		t.Fatalf("separate handler = %d", rec.Code)
	}
}

// TestMeteredSealer records one observation per signature, labelled by the
// key's algorithm, and still signs correctly.
func TestMeteredSealer(t *testing.T) {
	mk, err := keys.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	s := MeteredSealer(mk, m)
	for kind, alg := range map[string]string{keys.KindEd25519: "EdDSA", keys.KindP256: "ES256"} {
		priv, err := keys.Generate(kind)
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := s.Seal(priv, []byte("k1"))
		if err != nil {
			t.Fatal(err)
		}
		signer, err := s.Open(sealed, []byte("k1"))
		if err != nil {
			t.Fatal(err)
		}
		digest := []byte("0123456789abcdef0123456789abcdef")
		var opts crypto.SignerOpts = crypto.Hash(0)
		if alg == "ES256" {
			opts = crypto.SHA256
		}
		if _, err := signer.Sign(rand.Reader, digest, opts); err != nil {
			t.Fatal(err)
		}
		if got := value(t, m, "tohu_sign_duration_seconds", map[string]string{"algorithm": alg}); got != 1 {
			t.Fatalf("%s: %v observations, want 1", alg, got)
		}
	}
	if _, err := s.Open([]byte("garbage"), []byte("k1")); err == nil {
		t.Fatal("a garbage blob opened")
	}
	if MeteredSealer(mk, nil) != mk {
		t.Fatal("a nil Metrics must leave the sealer as it is")
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestMetricsIssuer drives the real issuing service through both APIs and
// checks the issued and status-change counters move by source and action:
// an award issued through the tohu API, a credential through VC-API
// /credentials/issue, and a suspension, reinstatement and revocation
// through VC-API /credentials/status (which the tohu API's own routes
// share counters with). A refused status change counts nothing.
func TestMetricsIssuer(t *testing.T) {
	e := newHostileEnv(t, "") // its fixtures issue two awards through the service, not the API
	scrapeSeries := func() map[string]string {
		r := e.send("GET", "/metrics", nil, nil)
		if r.err != nil || r.status != 200 {
			t.Fatalf("GET /metrics = %d %v", r.status, r.err)
		}
		out := map[string]string{}
		for _, l := range strings.Split(string(r.body), "\n") {
			if k, v, ok := strings.Cut(l, " "); ok && strings.HasPrefix(k, "tohu_credential") {
				out[k] = v
			}
		}
		return out
	}
	// Every label value is there from the start, at zero.
	start := scrapeSeries()
	for _, k := range []string{`tohu_credentials_issued_total{source="award"}`, `tohu_credentials_issued_total{source="bulk"}`,
		`tohu_credentials_issued_total{source="vcapi"}`, `tohu_credential_status_changes_total{action="revoked"}`,
		`tohu_credential_status_changes_total{action="suspended"}`, `tohu_credential_status_changes_total{action="reinstated"}`} {
		if start[k] != "0" {
			t.Fatalf("%s = %q at start, want 0", k, start[k])
		}
	}

	post := func(path string, body any, want int) {
		t.Helper()
		b, _ := json.Marshal(body)
		r := e.send("POST", path, []string{"Authorization", "Bearer " + e.admin, "Content-Type", "application/json", "Accept", "application/json"}, b)
		if r.err != nil || r.status != want {
			t.Fatalf("POST %s = %d %v, want %d: %s", path, r.status, r.err, want, r.body)
		}
	}
	post("/api/v1/awards", map[string]any{"achievementId": e.achID, "completedOn": "2026-03-14", "issue": true,
		"learner": map[string]any{"name": "Hemi Metrics", "email": "hemi@example.nz"}}, 201)
	post("/credentials/issue", map[string]any{"credential": map[string]any{
		"@context":          []any{"https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"},
		"type":              []any{"VerifiableCredential", "ExampleAlumniCredential"},
		"issuer":            "did:example:ignored",
		"credentialSubject": map[string]any{"id": "did:example:learner", "alumniOf": map[string]any{"name": "Te Kura ō Ōtautahi"}},
	}}, 201)
	status := func(purpose string, set bool, want int) {
		t.Helper()
		post("/credentials/status", map[string]any{"credentialId": e.issuedID, "reason": "metrics test",
			"credentialStatus": []map[string]any{{"type": "BitstringStatusListEntry", "statusPurpose": purpose, "status": set}}}, want)
	}
	status("suspension", true, 200)
	status("suspension", false, 200)
	status("revocation", false, 400) // revocation cannot be cleared: refused, not counted
	status("revocation", true, 200)

	got := scrapeSeries()
	for k, want := range map[string]string{
		`tohu_credentials_issued_total{source="award"}`:             "1",
		`tohu_credentials_issued_total{source="vcapi"}`:             "1",
		`tohu_credentials_issued_total{source="bulk"}`:              "0",
		`tohu_credential_status_changes_total{action="suspended"}`:  "1",
		`tohu_credential_status_changes_total{action="reinstated"}`: "1",
		`tohu_credential_status_changes_total{action="revoked"}`:    "1",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %s", k, got[k], want)
		}
	}
}

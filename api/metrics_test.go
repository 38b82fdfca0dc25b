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

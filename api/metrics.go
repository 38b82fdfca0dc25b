package api

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/verifier"
)

// Metrics is the service's Prometheus instrumentation. It owns its own
// registry (no global state): cmd/tohu builds one per process, hands it to
// New through Deps.Metrics and may add collectors (database pools, job
// queue) with Register.
//
// Labels are bounded: the HTTP route label is the route template
// ("/api/v1/awards/:id/issue"), never the raw path, and requests that match
// no route share route="unmatched", so ids in URLs cannot blow up the
// number of series.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	inFlight  prometheus.Gauge
	issued    *prometheus.CounterVec
	verified  *prometheus.CounterVec
	status    *prometheus.CounterVec
	signDur   *prometheus.HistogramVec
	verifyDur *prometheus.HistogramVec
	jobs      *jobsGauge
}

// unmatchedRoute labels requests no route handled (404s for random paths).
const unmatchedRoute = "unmatched"

// Label values of tohu_credentials_issued_total{source} and
// tohu_credential_status_changes_total{action}.
const (
	sourceAward = "award"
	sourceBulk  = "bulk"
	sourceVCAPI = "vcapi"

	actionRevoked    = "revoked"
	actionSuspended  = "suspended"
	actionReinstated = "reinstated"
)

// NewMetrics builds the metrics and registers them, with the Go runtime and
// process collectors, in a fresh registry.
func NewMetrics() *Metrics {
	// Latency buckets from 5 ms to 10 s: public reads are milliseconds,
	// issuance (canonicalization + two signatures) tens to hundreds of ms.
	buckets := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tohu_http_requests_total",
			Help: "HTTP requests answered, by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tohu_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route template.",
			Buckets: buckets,
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tohu_http_requests_in_flight",
			Help: "HTTP requests being answered now.",
		}),
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tohu_credentials_issued_total",
			Help: "Credentials issued, by source: award (an award issued through the API, signed in both the embedded-proof and the JWT form), bulk (a bulk job's row), vcapi (VC-API POST /credentials/issue).",
		}, []string{"source"}),
		verified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tohu_credentials_verified_total",
			Help: "Credentials and presentations verified, by result (verified, revoked, suspended, expired, not_yet_valid, not_verified, could_not_check).",
		}, []string{"result"}),
		status: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tohu_credential_status_changes_total",
			Help: "Credential status changes, by action (revoked, suspended, reinstated).",
		}, []string{"action"}),
		signDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tohu_sign_duration_seconds",
			Help:    "Time for one signature with a signing key, by algorithm.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1},
		}, []string{"algorithm"}),
		verifyDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tohu_verify_duration_seconds",
			Help:    "Time to verify one credential or presentation (including did:web and status-list fetches), by result.",
			Buckets: buckets,
		}, []string{"result"}),
		jobs: &jobsGauge{desc: prometheus.NewDesc("tohu_jobs",
			"Bulk jobs by state (queued, running, done, failed, cancelled), counted in the database at scrape time.",
			[]string{"state"}, nil), set: map[string]float64{}},
	}
	// Every known label value starts at zero, so rate() and alerts work
	// from the first scrape instead of from the first event.
	for _, src := range []string{sourceAward, sourceBulk, sourceVCAPI} {
		m.issued.WithLabelValues(src)
	}
	for _, action := range []string{actionRevoked, actionSuspended, actionReinstated} {
		m.status.WithLabelValues(action)
	}
	m.reg.MustRegister(m.requests, m.latency, m.inFlight, m.issued, m.verified, m.status,
		m.signDur, m.verifyDur, m.jobs,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Register adds collectors to the registry (e.g.
// collectors.NewDBStatsCollector for each database pool). It fails if a
// collector's metrics clash with ones already registered.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Gatherer is the registry, for tests and for a separate metrics listener.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Handler serves the metrics in the Prometheus text (or OpenMetrics)
// format, for a separate listener (TOHU_METRICS_ADDR).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// SetJobs sets the job gauge for one state (e.g. "queued", "running"); a
// state not reported again keeps its last value, so report zero
// explicitly. Once CountJobs is set, the counts come from it instead.
func (m *Metrics) SetJobs(state string, n int) {
	if m == nil {
		return
	}
	m.jobs.mu.Lock()
	m.jobs.set[state] = float64(n)
	m.jobs.mu.Unlock()
}

// CountJobs makes the job gauge ask count at every scrape (the jobs live in
// the database, shared by every replica, so each replica reports the same
// totals). A scrape whose count fails shows no tohu_jobs series rather than
// stale ones.
func (m *Metrics) CountJobs(count func(context.Context) (map[string]int, error)) {
	if m == nil {
		return
	}
	m.jobs.mu.Lock()
	m.jobs.count = count
	m.jobs.mu.Unlock()
}

// jobsGauge is tohu_jobs{state}: values set by SetJobs, or counted at
// scrape time once CountJobs is set.
type jobsGauge struct {
	desc  *prometheus.Desc
	mu    sync.Mutex
	set   map[string]float64
	count func(context.Context) (map[string]int, error)
}

// jobsCountTimeout bounds the database query a scrape makes.
const jobsCountTimeout = 5 * time.Second

func (g *jobsGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *jobsGauge) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	count := g.count
	vals := make(map[string]float64, len(g.set))
	for k, v := range g.set {
		vals[k] = v
	}
	g.mu.Unlock()
	if count != nil {
		ctx, cancel := context.WithTimeout(context.Background(), jobsCountTimeout)
		n, err := count(ctx)
		cancel()
		if err != nil {
			return
		}
		vals = make(map[string]float64, len(n))
		for k, v := range n {
			vals[k] = float64(v)
		}
	}
	for state, v := range vals {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v, state)
	}
}

// CredentialIssued counts one award issued by a bulk job
// (tohu_credentials_issued_total{source="bulk"}). The API counts what it
// issues itself; the bulk worker, which calls the issuer directly, calls
// this once per issued row.
func (m *Metrics) CredentialIssued() {
	if m == nil {
		return
	}
	m.issued.WithLabelValues(sourceBulk).Inc()
}

// ObserveSign records one signature's duration; see SignerObserver.
func (m *Metrics) ObserveSign(algorithm string, d time.Duration) {
	if m == nil {
		return
	}
	m.signDur.WithLabelValues(algorithm).Observe(d.Seconds())
}

// observe is the HTTP middleware. It sits before accessLog, which renders
// the chain's error into the response, so the status seen here is the one
// sent.
func (s *server) observe(c *fiber.Ctx) error {
	m := s.Metrics
	if m == nil {
		return c.Next()
	}
	start := time.Now()
	m.inFlight.Inc()
	defer m.inFlight.Dec()
	err := c.Next()
	route := routeOf(c)
	if route == "" {
		route = unmatchedRoute
	}
	// A label value must not alias fasthttp's reused request buffer (as
	// c.Method() does): map to the constant strings.
	method := methodLabel(c.Method())
	m.requests.WithLabelValues(method, route, strconv.Itoa(c.Response().StatusCode())).Inc()
	m.latency.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	return err
}

func methodLabel(m string) string {
	for _, known := range []string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut,
		fiber.MethodPatch, fiber.MethodDelete, fiber.MethodOptions} {
		if m == known {
			return known
		}
	}
	return "other"
}

// metrics is GET /metrics on the main listener.
func (s *server) metrics(c *fiber.Ctx) error {
	return adaptor.HTTPHandler(s.Metrics.Handler())(c)
}

// instrument wraps the dependencies whose calls are counted: the verifier
// (results and durations) and the issuer (issued, revoked, suspended,
// reinstated — through the tohu API and through the VC-API). A nil Metrics
// changes nothing.
func instrument(d *Deps) {
	m := d.Metrics
	if m == nil {
		return
	}
	if d.Verifier != nil {
		d.Verifier = meteredVerifier{d.Verifier, m}
	}
	if p := d.Presentations; p != nil {
		d.Presentations = func(challenge, domain string) Verifier {
			return meteredVerifier{p(challenge, domain), m}
		}
	}
	if d.Issuer != nil {
		d.Issuer = meteredIssuer{d.Issuer, m}
	}
}

type meteredVerifier struct {
	Verifier
	m *Metrics
}

func (v meteredVerifier) Verify(ctx context.Context, input []byte) *verifier.Report {
	start := time.Now()
	rep := v.Verifier.Verify(ctx, input)
	result := "unknown"
	if rep != nil {
		result = string(rep.Result)
	}
	v.m.verified.WithLabelValues(result).Inc()
	v.m.verifyDur.WithLabelValues(result).Observe(time.Since(start).Seconds())
	return rep
}

// meteredIssuer embeds the Issuer, so methods added to the interface later
// pass through unmetered rather than breaking the build.
type meteredIssuer struct {
	Issuer
	m *Metrics
}

func (i meteredIssuer) IssueAward(ctx context.Context, actor issuer.Actor, id string) (*issuer.Issued, error) {
	out, err := i.Issuer.IssueAward(ctx, actor, id)
	if err == nil {
		i.m.issued.WithLabelValues(sourceAward).Inc()
	}
	return out, err
}

func (i meteredIssuer) IssueRaw(ctx context.Context, actor issuer.Actor, credentialJSON []byte, opts issuer.RawOptions) (*issuer.RawIssued, error) {
	out, err := i.Issuer.IssueRaw(ctx, actor, credentialJSON, opts)
	if err == nil {
		i.m.issued.WithLabelValues(sourceVCAPI).Inc()
	}
	return out, err
}

// UpdateCredentialStatus is VC-API POST /credentials/status: a revocation,
// suspension or reinstatement like the tohu API's, counted the same way.
func (i meteredIssuer) UpdateCredentialStatus(ctx context.Context, actor issuer.Actor, credentialID, purpose string, set bool, reason string) (issuer.AwardState, error) {
	st, err := i.Issuer.UpdateCredentialStatus(ctx, actor, credentialID, purpose, set, reason)
	if err == nil {
		action := actionReinstated
		switch {
		case purpose == issuer.StatusRevocation:
			action = actionRevoked
		case set:
			action = actionSuspended
		}
		i.m.status.WithLabelValues(action).Inc()
	}
	return st, err
}

func (i meteredIssuer) Revoke(ctx context.Context, actor issuer.Actor, id, reason string) (*issuer.Award, error) {
	return i.count(actionRevoked, i.Issuer.Revoke)(ctx, actor, id, reason)
}

func (i meteredIssuer) Suspend(ctx context.Context, actor issuer.Actor, id, reason string) (*issuer.Award, error) {
	return i.count(actionSuspended, i.Issuer.Suspend)(ctx, actor, id, reason)
}

func (i meteredIssuer) Reinstate(ctx context.Context, actor issuer.Actor, id, reason string) (*issuer.Award, error) {
	return i.count(actionReinstated, i.Issuer.Reinstate)(ctx, actor, id, reason)
}

func (i meteredIssuer) count(action string, f statusFunc) statusFunc {
	return func(ctx context.Context, actor issuer.Actor, id, reason string) (*issuer.Award, error) {
		a, err := f(ctx, actor, id, reason)
		if err == nil {
			i.m.status.WithLabelValues(action).Inc()
		}
		return a, err
	}
}

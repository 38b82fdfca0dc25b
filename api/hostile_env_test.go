package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"
	"github.com/gofiber/fiber/v2"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tohu-nz/tohu/credential/bake"
	"github.com/tohu-nz/tohu/fetch"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/store"
	"github.com/tohu-nz/tohu/verifier"
)

// The hostile-input sweep (hostile_test.go) and FuzzAPIRequests
// (hostile_fuzz_test.go) drive this environment: the real app on a real
// loopback listener (the verifier fetches did:web documents and status
// lists from it), the real issuer and store, and raw HTTP/1.1 written by
// hand so that any byte can reach the server.

const hostileOperator = "op-hostile-0123456789abcdef"

// hostileEnv is the server under attack and the fixtures the requests
// refer to: two providers, so that one provider's ids can be sent with the
// other's key.
type hostileEnv struct {
	tb      testing.TB
	addr    string
	base    string
	db      *store.DB
	pool    *sql.DB
	dialect string
	app     *fiber.App
	svc     *issuer.Service
	logs    *syncBuffer // the server's error log
	watch   *sql.DB     // SQLite: a separate read-only connection (version)

	slug, otherSlug string
	// Tokens: admin of provider A (holds every role), a viewer and a
	// revoked key of A, and B's admin.
	admin, viewer, revoked, otherAdmin string
	achID, otherAchID                  string
	pendingID, issuedID, otherAwardID  string
	spareKeyID, otherKeyID             string
	jobID, otherJobID                  string
	credential                         []byte // the issued award's stored JSON-LD
	jwt                                string
}

// newHostileEnv starts the server on SQLite (dsn "") or PostgreSQL.
func newHostileEnv(tb testing.TB, dsn string) *hostileEnv {
	tb.Helper()
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	dataDir := tb.TempDir()
	db, err := store.Open(ctx, dsn, dataDir)
	if err != nil {
		tb.Fatal(err)
	}
	mk, err := keys.NewMasterKey()
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := issuer.New(db, issuer.Config{BaseURL: base, MasterKey: mk})
	if err != nil {
		tb.Fatal(err)
	}
	newVer := func(extra ...verifier.Option) *verifier.Verifier {
		f := fetch.New(fetch.WithTrusted(base))
		return verifier.New(append([]verifier.Option{
			verifier.WithResolver(keys.NewResolver(keys.WithFetcher(f), keys.WithLoopbackHTTP())),
			verifier.WithStatusFetcher(f),
			verifier.WithExtractor(bake.Extract),
		}, extra...)...)
	}
	logs := &syncBuffer{}
	app := New(Deps{
		Logger:  slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelError})),
		BaseURL: base, Issuer: svc, Auth: svc, Pinger: db, OperatorToken: hostileOperator,
		Verifier: newVer().WithIssuerRecords(svc.CredentialState),
		Presentations: func(challenge, domain string) Verifier {
			return newVer(verifier.WithChallenge(challenge), verifier.WithDomain(domain)).WithIssuerRecords(svc.CredentialState)
		},
		Metrics: NewMetrics(), MetricsRoute: true,
		Pages: svc, Fetcher: fetch.New(fetch.WithTrusted(base)),
	})
	go app.Listener(LingeringListener(ln))
	tb.Cleanup(func() {
		_ = app.ShutdownWithTimeout(5 * time.Second)
		db.Close()
	})
	e := &hostileEnv{logs: logs, tb: tb, addr: ln.Addr().String(), base: base, db: db, app: app, svc: svc, dialect: db.Dialect()}
	pools := db.Pools()
	e.pool = pools["writer"] // SQLite: the writer sees every commit
	if e.pool == nil {
		e.pool = pools["primary"]
	}
	if e.pool == nil {
		tb.Fatalf("no database pool to snapshot: %v", pools)
	}
	if e.dialect == store.SQLite {
		// A connection of its own: PRAGMA data_version changes when any
		// other connection commits, so an unchanged version proves an
		// unchanged database without reading every table.
		e.watch, err = sql.Open("sqlite", "file:"+filepath.ToSlash(filepath.Join(dataDir, "tohu.db"))+"?mode=ro")
		e.must(err)
		e.watch.SetMaxOpenConns(1)
		tb.Cleanup(func() { e.watch.Close() })
	}
	e.fixtures(ctx)
	return e
}

// version is SQLite's data_version as seen from the watching connection
// (-1 on PostgreSQL: unknown, always snapshot).
func (e *hostileEnv) version() int64 {
	if e.watch == nil {
		return -1
	}
	var v int64
	e.must(e.watch.QueryRow("PRAGMA data_version").Scan(&v))
	return v
}

func (e *hostileEnv) must(err error) {
	e.tb.Helper()
	if err != nil {
		e.tb.Fatal(err)
	}
}

// fixtures creates what the requests refer to.
func (e *hostileEnv) fixtures(ctx context.Context) {
	op := issuer.OperatorActor("hostile")
	mkProvider := func(slug, name string) (issuer.Actor, string, string) {
		pc, err := e.svc.CreateProvider(ctx, op, issuer.NewProvider{Slug: slug, Name: name, URL: "https://" + slug + ".example.nz", StatusMode: issuer.StatusModeBoth})
		e.must(err)
		a, err := e.svc.Authenticate(ctx, pc.Token)
		e.must(err)
		return a, pc.Token, pc.Provider.ID
	}
	admin, adminTok, _ := mkProvider("kura-a", "Te Kura Ā")
	other, otherTok, _ := mkProvider("kura-b", "Te Kura Pī")
	e.slug, e.otherSlug, e.admin, e.otherAdmin = "kura-a", "kura-b", adminTok, otherTok

	key := func(a issuer.Actor, name string, roles ...issuer.Role) (string, string) {
		k, tok, err := e.svc.CreateAPIKey(ctx, a, a.ProviderID, name, roles)
		e.must(err)
		return k.ID, tok
	}
	_, e.viewer = key(admin, "viewer", issuer.RoleViewer)
	revokedID, revokedTok := key(admin, "revoked", issuer.RoleAssessor, issuer.RoleApprover)
	e.must(e.svc.RevokeAPIKey(ctx, admin, revokedID))
	e.revoked = revokedTok
	e.spareKeyID, _ = key(admin, "spare", issuer.RoleViewer)
	e.otherKeyID, _ = key(other, "theirs", issuer.RoleViewer)

	listed := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	review := time.Now().AddDate(2, 0, 0)
	ach := func(a issuer.Actor, ref string) string {
		x, err := e.svc.CreateAchievement(ctx, a, issuer.Achievement{
			Title: "Kaitiakitanga o te Taiao " + ref, NZQARef: ref, NZQAVersion: "1", Level: 4, Credits: 10,
			Aim:      "Learners care for the local environment as kaitiaki.",
			Outcomes: []string{"Describe tikanga for environmental guardianship."}, NZSCEDCode: "050999",
			Developer: "Toitū te Waiora", QARoute: issuer.QARouteNZQA, ApprovalStatus: issuer.ApprovalApproved,
			ListedOn: &listed, NextReviewOn: &review,
		})
		e.must(err)
		return x.ID
	}
	e.achID, e.otherAchID = ach(admin, "4321"), ach(other, "8765")
	award := func(a issuer.Actor, achID, learner string, issue bool) string {
		x, err := e.svc.CreateAward(ctx, a, issuer.NewAward{AchievementID: achID, LearnerName: learner,
			LearnerEmail: "akonga@example.nz", NSN: "123456789", CompletedOn: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)}, "")
		e.must(err)
		if issue {
			_, err = e.svc.ApproveAward(ctx, a, x.ID)
			e.must(err)
			_, err = e.svc.IssueAward(ctx, a, x.ID)
			e.must(err)
		}
		return x.ID
	}
	e.pendingID = award(admin, e.achID, "Aroha Pending", false)
	e.issuedID = award(admin, e.achID, "Mere Issued", true)
	e.otherAwardID = award(other, e.otherAchID, "Tama Other", true)
	var err error
	e.credential, err = e.svc.GetCredential(ctx, e.issuedID, issuer.FormatDI)
	e.must(err)
	j, err := e.svc.GetCredential(ctx, e.issuedID, issuer.FormatVCJOSE)
	if err == nil {
		e.jwt = string(j)
	}
	job := func(a issuer.Actor, achID string) string {
		rows, err := issuer.ParseBulkCSV(strings.NewReader("learner_name,learner_email,completed_on\nHana Bulk,hana@example.nz,2026-03-01\n"))
		e.must(err)
		sub, err := e.svc.SubmitBulk(ctx, a, rows, achID, true)
		e.must(err)
		return sub.Job.ID
	}
	e.jobID, e.otherJobID = job(admin, e.achID), job(other, e.otherAchID)
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the logged lines that mention id.
func (s *syncBuffer) lines(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range strings.Split(s.b.String(), "\n") {
		if id != "" && strings.Contains(l, id) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// hostileResponse is what came back for one request.
type hostileResponse struct {
	status int
	header http.Header
	body   []byte
	err    error // the connection failed (no response)
}

// send writes one raw HTTP/1.1 request (target is sent as is; hdr may hold
// any bytes) and reads the response. Content-Length is added unless hdr
// sets it. A server that answers before reading the whole body (413) may
// reset the connection mid-write; the response is still read.
func (e *hostileEnv) send(method, target string, hdr []string, body []byte) hostileResponse {
	conn, err := net.DialTimeout("tcp", e.addr, 5*time.Second)
	if err != nil {
		return hostileResponse{err: err}
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, e.addr)
	hasLen := false
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Content-Length") {
			hasLen = true
		}
		fmt.Fprintf(&b, "%s: %s\r\n", hdr[i], hdr[i+1])
	}
	if !hasLen && (body != nil || method == http.MethodPost || method == http.MethodPut) {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	written := make(chan struct{})
	go func() {
		defer close(written)
		_, _ = conn.Write(b.Bytes())
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		<-written
		return hostileResponse{err: err}
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, err = out.ReadFrom(resp.Body)
	<-written
	return hostileResponse{status: resp.StatusCode, header: resp.Header, body: out.Bytes(), err: err}
}

// snapshot is every table's row count and a hash of its rows, so a
// rejected request can be shown to have changed nothing.
type snapshot map[string]string

func (e *hostileEnv) snapshot() snapshot {
	e.tb.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if e.dialect == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := e.pool.QueryContext(ctx, q)
	e.must(err)
	var tables []string
	for rows.Next() {
		var n string
		e.must(rows.Scan(&n))
		tables = append(tables, n)
	}
	e.must(rows.Err())
	rows.Close()
	slices.Sort(tables)
	out := snapshot{}
	if e.dialect == store.Postgres {
		// One round trip, hashed by the server: row count and md5 of every
		// row's text form, per table.
		var parts []string
		for _, t := range tables {
			parts = append(parts, fmt.Sprintf(`SELECT '%s', count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM %s t`, t, t))
		}
		rs, err := e.pool.QueryContext(ctx, strings.Join(parts, " UNION ALL "))
		e.must(err)
		defer rs.Close()
		for rs.Next() {
			var t, h string
			var n int
			e.must(rs.Scan(&t, &n, &h))
			out[t] = fmt.Sprintf("%d rows %s", n, h)
		}
		e.must(rs.Err())
		return out
	}
	for _, t := range tables {
		rs, err := e.pool.QueryContext(ctx, `SELECT * FROM `+t)
		e.must(err)
		cols, err := rs.Columns()
		e.must(err)
		var lines []string
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			e.must(rs.Scan(ptrs...))
			var l strings.Builder
			for _, v := range vals {
				switch x := v.(type) {
				case []byte:
					fmt.Fprintf(&l, "%x|", x)
				case time.Time:
					fmt.Fprintf(&l, "%d|", x.UnixNano())
				default:
					fmt.Fprintf(&l, "%v|", x)
				}
			}
			lines = append(lines, l.String())
		}
		e.must(rs.Err())
		rs.Close()
		slices.Sort(lines)
		h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		out[t] = fmt.Sprintf("%d rows %s", len(lines), hex.EncodeToString(h[:8]))
	}
	return out
}

// diff names the tables whose rows differ.
func (a snapshot) diff(b snapshot) string {
	var d []string
	for t, v := range a {
		if b[t] != v {
			d = append(d, fmt.Sprintf("%s: %s → %s", t, v, b[t]))
		}
	}
	for t, v := range b {
		if _, ok := a[t]; !ok {
			d = append(d, fmt.Sprintf("%s: (none) → %s", t, v))
		}
	}
	slices.Sort(d)
	return strings.Join(d, "; ")
}

// knownProblemTypes is every problem type the server may send.
func knownProblemTypes() map[string]bool {
	out := map[string]bool{ProblemTypeBase + malformed.slug: true}
	for _, k := range codeKinds {
		out[ProblemTypeBase+k.slug] = true
	}
	for _, k := range statusKinds {
		out[ProblemTypeBase+k.slug] = true
	}
	return out
}

// checkResponse applies the invariants every answer to a hostile request
// must keep; it returns the decoded problem (nil for a success) and a
// description of the first broken invariant ("" when none).
func checkResponse(r hostileResponse, known map[string]bool) (*Problem, string) {
	if r.err != nil {
		return nil, "no response: " + r.err.Error()
	}
	if r.status >= 500 {
		return nil, fmt.Sprintf("status %d", r.status)
	}
	if r.status < 400 {
		return nil, ""
	}
	if ct := r.header.Get("Content-Type"); ct != contentTypeProblem {
		// The verify endpoints answer an unverified credential with the
		// report itself (CONVENTIONS §6), not a problem.
		var rep struct {
			Result string `json:"result"`
		}
		if strings.HasPrefix(ct, "application/json") && json.Unmarshal(r.body, &rep) == nil && rep.Result != "" {
			return nil, ""
		}
		return nil, fmt.Sprintf("status %d with Content-Type %q", r.status, ct)
	}
	var p Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		return nil, fmt.Sprintf("problem document does not parse: %v", err)
	}
	switch {
	case !known[p.Type]:
		return &p, fmt.Sprintf("unknown problem type %q", p.Type)
	case p.Status != r.status:
		return &p, fmt.Sprintf("problem status %d on an HTTP %d", p.Status, r.status)
	case p.Title == "":
		return &p, "problem without a title"
	}
	for _, f := range p.Errors {
		if f.Pointer != "" && !strings.HasPrefix(f.Pointer, "/") {
			return &p, fmt.Sprintf("errors[].pointer %q is not a JSON pointer", f.Pointer)
		}
	}
	return &p, ""
}

// hostilePostgres returns a DSN for a fresh schema on the test PostgreSQL,
// skipping when it is unreachable unless CI or TOHU_TEST_REQUIRE_POSTGRES
// is set.
func hostilePostgres(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("TOHU_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("TOHU_TEST_REQUIRE_POSTGRES") != "" {
			tb.Fatalf("PostgreSQL is required but unreachable: %v", err)
		}
		tb.Skipf("PostgreSQL unreachable (set TOHU_TEST_DATABASE_URL): %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "tohu_hostile_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

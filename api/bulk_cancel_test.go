package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/api"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/store"
)

// seamStore is the real store with places to stop a worker or a cancel at
// a chosen point, so that a test can put a cancel exactly where it wants
// relative to a batch in flight. Nothing is faked: every call goes to the
// database.
type seamStore struct {
	issuer.Store
	mu     sync.Mutex
	claims int
	armed  bool // the next transaction is the second batch's write
	writes int  // write transactions begun

	beforeClaim func(n int) // before the n-th claim
	afterClaim  func()      // after the second claim returned its rows
	beforeTx    func()      // before the second batch's write transaction begins
	inTx        func()      // inside it, its rows written, before it commits
	inCancel    func()      // inside a cancel's transaction, before it commits (setCancelSeam)
	failRenew   atomic.Bool // RenewBulkLease fails, as with the database out of reach
}

func (s *seamStore) RenewBulkLease(ctx context.Context, owner, jobID string, lines []int, until time.Time) error {
	if s.failRenew.Load() {
		return errs.E(errs.Unavailable, "the test refuses to renew leases")
	}
	return s.Store.RenewBulkLease(ctx, owner, jobID, lines, until)
}

// setCancelSeam sets inCancel (read by the server's goroutines).
func (s *seamStore) setCancelSeam(fn func()) {
	s.mu.Lock()
	s.inCancel = fn
	s.mu.Unlock()
}

func (s *seamStore) ClaimBulkRows(ctx context.Context, owner string, now, until time.Time, limit int) ([]issuer.BulkRow, error) {
	s.mu.Lock()
	n := s.claims + 1
	s.mu.Unlock()
	if s.beforeClaim != nil {
		s.beforeClaim(n)
	}
	rows, err := s.Store.ClaimBulkRows(ctx, owner, now, until, limit)
	if err != nil || len(rows) == 0 {
		return rows, err
	}
	s.mu.Lock()
	s.claims++
	second := s.claims == 2
	s.armed = second
	s.mu.Unlock()
	if second && s.afterClaim != nil {
		s.afterClaim()
	}
	return rows, nil
}

func (s *seamStore) WithTx(ctx context.Context, fn func(tx issuer.Store) error) error {
	s.mu.Lock()
	s.writes++
	hook := s.armed
	s.armed = false
	s.mu.Unlock()
	if hook && s.beforeTx != nil {
		s.beforeTx()
	}
	return s.Store.WithTx(ctx, func(tx issuer.Store) error {
		err := fn(tx)
		if err == nil && hook && s.inTx != nil {
			s.inTx()
		}
		return err
	})
}

func (s *seamStore) SetBulkJobState(ctx context.Context, id, state string, at time.Time, from ...string) (bool, error) {
	s.mu.Lock()
	inCancel := s.inCancel
	s.mu.Unlock()
	if state != issuer.JobCancelled || inCancel == nil {
		return s.Store.SetBulkJobState(ctx, id, state, at, from...)
	}
	var ok bool
	err := s.Store.WithTx(ctx, func(tx issuer.Store) error {
		var err error
		if ok, err = tx.SetBulkJobState(ctx, id, state, at, from...); err == nil {
			inCancel()
		}
		return err
	})
	return ok, err
}

// cancelEnv is the real app on a real listener over one database, with a
// provider; the bulk runner runs on a second issuer.Service (a replica) on
// the same database, through a seamStore.
type cancelEnv struct {
	t       *testing.T
	base    string
	db      *store.DB
	mk      *keys.MasterKey
	svc     *issuer.Service // the server's
	admin   issuer.Actor
	token   string
	apiSeam *seamStore
	blocked func() bool // some transaction of ours waits for another's lock
}

// forEachCancelEnv runs fn as a subtest with a fresh cancelEnv on each
// database: SQLite, then PostgreSQL.
func forEachCancelEnv(t *testing.T, fn func(t *testing.T, e *cancelEnv)) {
	for _, d := range []struct {
		name string
		dsn  func(*testing.T) string
	}{{"sqlite", func(*testing.T) string { return "" }}, {"postgres", postgresDSN}} {
		t.Run(d.name, func(t *testing.T) { fn(t, newCancelEnv(t, d.dsn(t))) })
	}
}

func newCancelEnv(t *testing.T, dsn string) *cancelEnv {
	t.Helper()
	ctx := context.Background()
	var b [4]byte
	_, _ = rand.Read(b[:])
	app := "tohu_cancel_" + hex.EncodeToString(b[:])
	if dsn != "" {
		dsn += "&application_name=" + app // to find our own sessions in pg_stat_activity
	}
	db, err := store.Open(ctx, dsn, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mk, err := keys.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &cancelEnv{t: t, base: "http://" + ln.Addr().String(), db: db, mk: mk, apiSeam: &seamStore{Store: db}}
	svc, err := issuer.New(e.apiSeam, issuer.Config{BaseURL: e.base, MasterKey: mk})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	srv := api.New(api.Deps{BaseURL: e.base, Issuer: svc, Auth: svc, Pinger: db, Pages: svc})
	go srv.Listener(api.LingeringListener(ln))
	t.Cleanup(func() { _ = srv.ShutdownWithTimeout(5 * time.Second) })

	pools := db.Pools()
	if w := pools["writer"]; w != nil {
		// SQLite has one writer connection: a transaction that waits for
		// another waits for that connection, and the pool counts it.
		base := w.Stats().WaitCount
		e.blocked = func() bool {
			n := w.Stats().WaitCount
			if n > base {
				base = n
				return true
			}
			return false
		}
	} else {
		p := pools["primary"]
		e.blocked = func() bool {
			var n int
			err := p.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, app).Scan(&n)
			if err != nil {
				t.Errorf("pg_stat_activity: %v", err)
				return true
			}
			return n > 0
		}
	}

	pc, err := svc.CreateProvider(ctx, issuer.OperatorActor("test"), issuer.NewProvider{
		Slug: "kura-whakakore", Name: "Te Kura Whakakore", URL: "https://whakakore.example.nz", NZQAProviderNumber: "8123"})
	if err != nil {
		t.Fatal(err)
	}
	if e.admin, err = svc.Authenticate(ctx, pc.Token); err != nil {
		t.Fatal(err)
	}
	e.token = pc.Token
	return e
}

// waitBlocked returns once one of our transactions waits for another's
// lock (a liveness bound, not a timing: it fails only if that never happens).
func (e *cancelEnv) waitBlocked() {
	for deadline := time.Now().Add(30 * time.Second); !e.blocked(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Error("no transaction ever waited for the other's lock")
			return
		}
	}
}

func (e *cancelEnv) do(method, path, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, e.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, err = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes(), err
}

type jobJSON struct {
	ID                                      string
	State                                   string
	Total, Done, Failed, Cancelled, Pending int
}

// cancel is POST /api/v1/jobs/{id}/cancel; it returns the job as the
// cancel's answer gives it (read after its transaction committed).
func (e *cancelEnv) cancel(id string) (jobJSON, error) {
	var j jobJSON
	status, body, err := e.do(http.MethodPost, "/api/v1/jobs/"+id+"/cancel", "", nil)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("cancel: %d %s", status, body)
	}
	if err == nil {
		err = json.Unmarshal(body, &j)
	}
	return j, err
}

// TestBulkCancelInFlight cancels a job through the API while a worker holds
// a claimed batch, at each point of that batch's life, on both databases:
// between the claim and the signing, between the signing and the write,
// while the write's transaction is open (the cancel waits for it), and
// with the cancel's transaction open when the write comes (the write waits
// for it). Whichever commits first wins, and the results say exactly what
// happened: every row is issued (with an award and its credential URL) or
// cancelled (without one); no award is issued after the cancel committed
// unless it committed before it; the counts add up.
func TestBulkCancelInFlight(t *testing.T) {
	forEachCancelEnv(t, func(t *testing.T, e *cancelEnv) {
		for i, tc := range []struct {
			name string
			// seams places the cancel; cancelNow cancels and records the answer.
			seams func(s *seamStore, cancelNow func())
			// wantIssued: the first batch, plus the second when its write
			// committed before the cancel.
			wantIssued int
			wantWrites int // write transactions the runner began
		}{
			{"between claim and signing", func(s *seamStore, cancelNow func()) { s.afterClaim = cancelNow }, 4, 1},
			{"between signing and write", func(s *seamStore, cancelNow func()) { s.beforeTx = cancelNow }, 4, 2},
			{"during the write: the cancel waits", func(s *seamStore, cancelNow func()) {
				s.inTx = func() {
					e.blocked() // from here, a wait is the cancel's
					go cancelNow()
					e.waitBlocked() // the cancel waits for this transaction
				}
			}, 8, 2},
			{"during the cancel: the write waits", func(s *seamStore, cancelNow func()) {
				s.beforeTx = func() {
					inCancel, release := make(chan struct{}), make(chan struct{})
					e.apiSeam.setCancelSeam(func() { close(inCancel); <-release })
					go cancelNow()
					<-inCancel
					e.blocked() // from here, a wait is the write's
					go func() { e.waitBlocked(); e.apiSeam.setCancelSeam(nil); close(release) }()
				}
			}, 4, 2},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e.t = t
				cancelInFlight(t, e, i, tc.seams, tc.wantIssued, tc.wantWrites)
			})
		}
	})
}

// uploadCohort registers approved micro-credential number n (its reference
// and learners apart from other cohorts') and uploads a cohort of rows
// learners for it over the API; it returns the achievement's and the job's ids.
func (e *cancelEnv) uploadCohort(n, rows int) (achID, jobID string) {
	e.t.Helper()
	ach, err := e.svc.CreateAchievement(context.Background(), e.admin, issuer.Achievement{
		Title: fmt.Sprintf("Whakakore %d", n), NZQARef: fmt.Sprintf("99%02d", n), NZQAVersion: "1", Level: 3, Credits: 5,
		Aim: "Learners stop what they started, cleanly.", Outcomes: []string{"Stop cleanly."}, NZSCEDCode: "050999",
		Developer: "Te Kura", QARoute: issuer.QARouteNZQA, ApprovalStatus: issuer.ApprovalApproved})
	if err != nil {
		e.t.Fatal(err)
	}
	var file strings.Builder
	file.WriteString("learner_name,learner_email,completed_on\n")
	for i := range rows {
		fmt.Fprintf(&file, "Ākonga %d,a%d.%d@example.nz,2026-04-01\n", i, n, i)
	}
	status, body, err := e.do(http.MethodPost, "/api/v1/awards/bulk?achievement="+ach.ID, "text/csv", []byte(file.String()))
	if err != nil || status != http.StatusAccepted {
		e.t.Fatalf("upload: %d %s %v", status, body, err)
	}
	var sub struct{ Job jobJSON }
	if err := json.Unmarshal(body, &sub); err != nil || sub.Job.Total != rows {
		e.t.Fatalf("upload answer %s: %v", body, err)
	}
	return ach.ID, sub.Job.ID
}

func cancelInFlight(t *testing.T, e *cancelEnv, n int, seams func(*seamStore, func()), wantIssued, wantWrites int) {
	ctx := context.Background()
	const rows = 12
	achID, id := e.uploadCohort(n, rows)

	// The runner: one worker, batches of 4 rows; the cancel lands in the
	// second batch's life.
	seam := &seamStore{Store: e.db}
	var (
		mu             sync.Mutex
		cancelAnswer   jobJSON
		awardsAtCancel map[string]bool
		reported       int
	)
	listAwards := func() map[string]bool {
		as, err := e.svc.ListAwards(ctx, e.admin, issuer.AwardFilter{AchievementID: achID, Limit: 1000})
		if err != nil {
			t.Errorf("list awards: %v", err)
		}
		out := map[string]bool{}
		for _, a := range as {
			out[a.ID] = a.State == issuer.AwardIssued
		}
		return out
	}
	cancelled := make(chan struct{})
	seams(seam, func() {
		defer close(cancelled)
		j, err := e.cancel(id)
		if err != nil {
			t.Error(err)
		}
		// What exists right after the cancel committed.
		at := listAwards()
		mu.Lock()
		cancelAnswer, awardsAtCancel = j, at
		mu.Unlock()
	})
	// A claim after the second batch's comes once the cancel has answered,
	// so that what the cancel finds is decided by the seam alone.
	seam.beforeClaim = func(n int) {
		if n > 2 {
			<-cancelled
		}
	}
	svc, err := issuer.New(seam, issuer.Config{BaseURL: e.base, MasterKey: e.mk})
	if err != nil {
		t.Fatal(err)
	}
	runner := svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 1, Batch: 4, OnIssued: func(k int) {
		mu.Lock()
		reported += k
		mu.Unlock()
	}})
	if err := runner.RunUntilIdle(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-cancelled:
	case <-time.After(time.Minute): // a liveness bound
		t.Fatal("the cancel never answered")
	}
	mu.Lock()
	defer mu.Unlock()
	if awardsAtCancel == nil {
		t.Fatal("the cancel never ran")
	}

	// The job, as the API gives it now and as the cancel answered.
	status, body, err := e.do(http.MethodGet, "/api/v1/jobs/"+id, "", nil)
	var final jobJSON
	if err != nil || status != http.StatusOK || json.Unmarshal(body, &final) != nil {
		t.Fatalf("job: %d %s %v", status, body, err)
	}
	for _, j := range []jobJSON{cancelAnswer, final} {
		if j.State != issuer.JobCancelled || j.Total != rows || j.Done != wantIssued || j.Cancelled != rows-wantIssued ||
			j.Failed != 0 || j.Pending != 0 {
			t.Errorf("job = %+v; want cancelled, %d done, %d cancelled", j, wantIssued, rows-wantIssued)
		}
	}

	// The results CSV: every row issued with its credential URL, or
	// cancelled with none.
	status, body, err = e.do(http.MethodGet, "/api/v1/jobs/"+id+"/results", "", nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("results: %d %s %v", status, body, err)
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(recs) != rows+1 {
		t.Fatalf("results: %d records, %v\n%s", len(recs), err, body)
	}
	inCSV := map[string]bool{}
	issuedRows := 0
	for _, r := range recs[1:] {
		switch state, url := r[2], r[3]; state {
		case issuer.RowIssued:
			awardID := strings.TrimPrefix(url, e.base+"/credentials/")
			if awardID == url || awardID == "" || inCSV[awardID] {
				t.Errorf("line %s: issued with credential URL %q", r[0], url)
			}
			inCSV[awardID] = true
			issuedRows++
			if code, _, err := e.do(http.MethodGet, "/credentials/"+awardID, "", nil); err != nil || code != http.StatusOK {
				t.Errorf("line %s: GET its credential: %d %v", r[0], code, err)
			}
		case issuer.RowCancelled:
			if url != "" {
				t.Errorf("line %s: cancelled with a credential URL %q", r[0], url)
			}
		default:
			t.Errorf("line %s: state %q", r[0], state)
		}
	}
	if issuedRows != wantIssued {
		t.Errorf("%d rows issued in the results, want %d", issuedRows, wantIssued)
	}

	// The awards: exactly the issued rows', each issued; none came after
	// the cancel committed; the runner reported exactly those it issued.
	awards := listAwards()
	if len(awards) != issuedRows {
		t.Errorf("%d awards for %d issued rows", len(awards), issuedRows)
	}
	for a, issued := range awards {
		if !issued || !inCSV[a] {
			t.Errorf("award %s: issued %v, in the results as issued %v", a, issued, inCSV[a])
		}
		if !awardsAtCancel[a] {
			t.Errorf("award %s was issued after the cancel committed", a)
		}
	}
	if reported != issuedRows {
		t.Errorf("runner reported %d issued, the results say %d", reported, issuedRows)
	}
	if seam.writes != wantWrites {
		t.Errorf("runner began %d write transactions, want %d", seam.writes, wantWrites)
	}
}

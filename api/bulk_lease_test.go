package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/issuer"
)

// The lease tests' cohorts: 12 rows, worked on under a 300 ms lease, in
// batches of 4 by one worker, so the second batch is lines 6–9.
const leaseRows, leaseTime = 12, 300 * time.Millisecond

// TestBulkLeaseKept: a batch worked on for longer than its lease keeps its
// rows, because the runner renews their leases while it works: another
// worker's claim in the meantime does not get them, and every row is
// issued once. (Without the renewal the claim takes the slow batch's
// rows.)
func TestBulkLeaseKept(t *testing.T) {
	forEachCancelEnv(t, func(t *testing.T, e *cancelEnv) {
		ctx := context.Background()
		id, seam := leaseJob(e, 50)
		var intruded []issuer.BulkRow
		seam.beforeTx = func() { // the second batch is signed; its write waits
			time.Sleep(4 * leaseTime)
			now := time.Now()
			got, err := e.db.ClaimBulkRows(ctx, "intruder", now, now.Add(time.Minute), 100)
			if err != nil {
				t.Error(err)
			}
			intruded = got
			for _, r := range got { // give back what it may take: the rows no one holds
				if err := e.db.ReleaseBulkRow(ctx, r.JobID, r.Line, time.Time{}, ""); err != nil {
					t.Error(err)
				}
			}
		}
		runner := runLeased(t, e, seam)
		if len(intruded) == 0 {
			t.Fatal("the intruding claim found no rows at all; the test proves nothing")
		}
		for _, r := range intruded {
			if r.Line >= 6 && r.Line <= 9 {
				t.Fatalf("another worker claimed line %d of the batch being worked on (claimed %d rows)", r.Line, len(intruded))
			}
		}
		wantAllDone(t, e, id)
		if s := runner.Stats(); s.Rows != leaseRows {
			t.Fatalf("runner did %d rows, want %d (a row done twice or not at all)", s.Rows, leaseRows)
		}
	})
}

// TestBulkLeaseLost: when the leases of a batch cannot be renewed for a
// whole lease (the database out of reach), the runner stops working on it,
// since another worker may hold its rows by now: the batch is not written,
// and its rows are issued once, on a later claim.
func TestBulkLeaseLost(t *testing.T) {
	forEachCancelEnv(t, func(t *testing.T, e *cancelEnv) {
		ctx := context.Background()
		id, seam := leaseJob(e, 51)
		seam.beforeTx = func() { // the second batch is signed; its write waits
			seam.failRenew.Store(true)
			time.Sleep(4 * leaseTime)
			seam.failRenew.Store(false)
		}
		runLeased(t, e, seam)
		wantAllDone(t, e, id)
		got, err := e.db.BulkRows(ctx, id, 0, 100)
		if err != nil || len(got) != leaseRows {
			t.Fatalf("rows = %d, %v", len(got), err)
		}
		for _, r := range got {
			want := 1
			if r.Line >= 6 && r.Line <= 9 {
				want = 2 // given up once, then done
			}
			if r.Attempts != want || r.State != issuer.RowIssued {
				t.Errorf("line %d: %s after %d claims, want issued after %d", r.Line, r.State, r.Attempts, want)
			}
		}
		awards, err := e.svc.ListAwards(ctx, e.admin, issuer.AwardFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range awards {
			if a.State == issuer.AwardIssued {
				n++
			}
		}
		if n != leaseRows {
			t.Fatalf("%d issued awards, want %d", n, leaseRows)
		}
	})
}

// leaseJob uploads cohort n and returns its job id and a seam on the database.
func leaseJob(e *cancelEnv, n int) (string, *seamStore) {
	_, id := e.uploadCohort(n, leaseRows)
	return id, &seamStore{Store: e.db}
}

// runLeased works every pending row as the lease tests do, on a replica
// whose store is seam, and returns the runner.
func runLeased(t *testing.T, e *cancelEnv, seam *seamStore) *issuer.BulkRunner {
	t.Helper()
	svc, err := issuer.New(seam, issuer.Config{BaseURL: e.base, MasterKey: e.mk})
	if err != nil {
		t.Fatal(err)
	}
	runner := svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 1, Batch: 4, Lease: leaseTime})
	if err := runner.RunUntilIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	return runner
}

// wantAllDone fails unless the job is done with every one of its rows issued.
func wantAllDone(t *testing.T, e *cancelEnv, id string) {
	t.Helper()
	st, err := e.svc.BulkJobStatus(context.Background(), e.admin, id)
	if err != nil || st.Job.State != issuer.JobDone || st.Done != leaseRows || st.Failed != 0 {
		t.Fatalf("status = %+v, %v", st, err)
	}
}

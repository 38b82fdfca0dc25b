package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/issuer"
)

// claimThenStop is the real store, except that a stop arrives while the
// second claim is on its way: the claim commits on the server, and the
// worker is told only that it was cancelled, if it let the claim hang on
// the stopping context. That is what a SIGTERM can do to a claim in flight.
type claimThenStop struct {
	issuer.Store
	claims int
	stop   context.CancelFunc
}

func (s *claimThenStop) ClaimBulkRows(ctx context.Context, owner string, now, until time.Time, limit int) ([]issuer.BulkRow, error) {
	rows, err := s.Store.ClaimBulkRows(context.WithoutCancel(ctx), owner, now, until, limit)
	if s.claims++; s.claims == 2 {
		s.stop()
	}
	if ctx.Err() != nil {
		return nil, ctx.Err() // committed, but the caller hears only this
	}
	return rows, err
}

// TestBulkStopDuringClaim: a worker stopped while a claim is in flight
// leaves no row leased to itself, so another worker (another replica, or
// this one restarted) finishes the job at once instead of after the lease.
func TestBulkStopDuringClaim(t *testing.T) {
	forEachCancelEnv(t, func(t *testing.T, e *cancelEnv) {
		ctx := context.Background()
		const rows = 12
		_, jobID := e.uploadCohort(0, rows)

		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		seam := &claimThenStop{Store: e.db, stop: stop}
		svc, err := issuer.New(seam, issuer.Config{BaseURL: e.base, MasterKey: e.mk})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 1, Batch: 4}).Run(runCtx); err != nil {
			t.Fatal(err)
		}

		// Another worker, at once: every row must be claimable.
		if err := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 1, Batch: 4}).RunUntilIdle(ctx); err != nil {
			t.Fatal(err)
		}
		status, body, err := e.do(http.MethodGet, "/api/v1/jobs/"+jobID, "", nil)
		var j jobJSON
		if err != nil || status != http.StatusOK || json.Unmarshal(body, &j) != nil {
			t.Fatalf("job: %d %s %v", status, body, err)
		}
		if j.State != issuer.JobDone || j.Done != rows || j.Pending != 0 || j.Failed != 0 {
			t.Fatalf("job after the stop and a second worker = %+v; want done, %d issued (rows left leased to the stopped worker?)", j, rows)
		}
	})
}

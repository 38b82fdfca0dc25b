package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
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
	for _, d := range []struct {
		name string
		dsn  func(*testing.T) string
	}{{"sqlite", func(*testing.T) string { return "" }}, {"postgres", postgresDSN}} {
		t.Run(d.name, func(t *testing.T) {
			e := newCancelEnv(t, d.dsn(t))
			ctx := context.Background()
			ach, err := e.svc.CreateAchievement(ctx, e.admin, issuer.Achievement{
				Title: "Whakamutu", NZQARef: "9901", NZQAVersion: "1", Level: 3, Credits: 5,
				Aim: "Learners stop what they started, cleanly.", Outcomes: []string{"Stop cleanly."}, NZSCEDCode: "050999",
				Developer: "Te Kura", QARoute: issuer.QARouteNZQA, ApprovalStatus: issuer.ApprovalApproved})
			if err != nil {
				t.Fatal(err)
			}
			const rows = 12
			var file strings.Builder
			file.WriteString("learner_name,learner_email,completed_on\n")
			for i := range rows {
				fmt.Fprintf(&file, "Ākonga %d,mutu%d@example.nz,2026-04-01\n", i, i)
			}
			status, body, err := e.do(http.MethodPost, "/api/v1/awards/bulk?achievement="+ach.ID, "text/csv", []byte(file.String()))
			if err != nil || status != http.StatusAccepted {
				t.Fatalf("upload: %d %s %v", status, body, err)
			}
			var sub struct{ Job jobJSON }
			if err := json.Unmarshal(body, &sub); err != nil {
				t.Fatal(err)
			}

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
			status, body, err = e.do(http.MethodGet, "/api/v1/jobs/"+sub.Job.ID, "", nil)
			var j jobJSON
			if err != nil || status != http.StatusOK || json.Unmarshal(body, &j) != nil {
				t.Fatalf("job: %d %s %v", status, body, err)
			}
			if j.State != issuer.JobDone || j.Done != rows || j.Pending != 0 || j.Failed != 0 {
				t.Fatalf("job after the stop and a second worker = %+v; want done, %d issued (rows left leased to the stopped worker?)", j, rows)
			}
		})
	}
}

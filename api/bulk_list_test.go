package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/tohu-nz/tohu/api"
	"github.com/tohu-nz/tohu/issuer"
)

// TestListJobs: GET /api/v1/jobs lists the provider's jobs newest first,
// each as GET /api/v1/jobs/{id} gives it, filtered by state and cut at
// limit; a bad state or limit is a problem document naming the parameter.
func TestListJobs(t *testing.T) {
	forEachCancelEnv(t, func(t *testing.T, e *cancelEnv) {
		list := func(query string) (int, []jobJSON, api.Problem) {
			t.Helper()
			status, body, err := e.do(http.MethodGet, "/api/v1/jobs"+query, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			var ok struct{ Jobs []jobJSON }
			var bad api.Problem
			if status == http.StatusOK {
				err = json.Unmarshal(body, &ok)
			} else {
				err = json.Unmarshal(body, &bad)
			}
			if err != nil {
				t.Fatalf("GET /api/v1/jobs%s = %d %s: %v", query, status, body, err)
			}
			return status, ok.Jobs, bad
		}
		if status, jobs, _ := list(""); status != http.StatusOK || len(jobs) != 0 {
			t.Fatalf("no jobs yet: %d %+v", status, jobs)
		}
		_, first := e.uploadCohort(60, 3)
		_, second := e.uploadCohort(61, 5)
		if _, jobs, _ := list(""); len(jobs) != 2 || jobs[0].ID != second || jobs[1].ID != first ||
			jobs[0].Total != 5 || jobs[0].Pending != 5 || jobs[0].State != issuer.JobQueued {
			t.Fatalf("jobs = %+v; want %s (5 rows, queued) then %s", jobs, second, first)
		}
		if _, jobs, _ := list("?limit=1"); len(jobs) != 1 || jobs[0].ID != second {
			t.Fatalf("limit=1: %+v", jobs)
		}
		if err := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 1}).RunUntilIdle(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, jobs, _ := list("?state=done"); len(jobs) != 2 || jobs[1].Done != 3 || jobs[0].Done != 5 {
			t.Fatalf("state=done: %+v", jobs)
		}
		if _, jobs, _ := list("?state=running"); len(jobs) != 0 {
			t.Fatalf("state=running: %+v", jobs)
		}
		// Not a number from 1 to 100, or none of the job states: a malformed request.
		for query, want := range map[string]struct {
			status  int
			pointer string
		}{
			"?state=finished": {http.StatusBadRequest, "/state"}, "?limit=0": {http.StatusBadRequest, "/limit"},
			"?limit=x": {http.StatusBadRequest, "/limit"}, "?limit=101": {http.StatusBadRequest, "/limit"},
		} {
			status, _, p := list(query)
			if status != want.status || len(p.Errors) != 1 || p.Errors[0].Pointer != want.pointer {
				t.Errorf("%s: %d %+v; want %d naming %s", query, status, p, want.status, want.pointer)
			}
		}
	})
}

package store_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/store"
)

const cohortCSV = `learner_name,learner_email,nsn,completed_on,credits_earned,evidence_url
Aroha Ngata,aroha@example.nz,123456789,2026-04-30,,https://lms.example.nz/e/1
Tama Rāwiri,tama@example.nz,,2026-04-29,5,
Mere Parata,mere@example.nz,223344556,2026-04-28,,
Hēmi Walker,not-an-email,,2026-04-28,,
Ana Smith,ana@example.nz,,28/04/2026,,
Rawiri Te Ao,rawiri@example.nz,,2026-04-28,99,
Aroha Ngata,aroha@example.nz,123456789,2026-04-30,,
"Pita
Sharples",pita@example.nz,,2026-04-27,,
`

// TestBulkJob submits a cohort with good and bad rows on each database,
// works it with a runner, and checks every row's outcome, the awards and
// credentials, the outbox, and that a second runner finds nothing to redo.
func TestBulkJob(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "kura-bulk", false)
		ach, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		if err != nil {
			t.Fatal(err)
		}
		rows, err := issuer.ParseBulkCSV(strings.NewReader(cohortCSV))
		if err != nil {
			t.Fatal(err)
		}
		sub, err := e.svc.SubmitBulk(ctx, pr.admin, rows, "4729", false)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Job.Mode != issuer.ModeIssue || sub.Job.Total != 8 {
			t.Fatalf("job = %+v", sub.Job)
		}
		wantErr := map[int]string{5: "learner_email", 6: "completed_on", 7: "credits_earned", 8: "learner_email"}
		if len(sub.Errors) != len(wantErr) {
			t.Fatalf("errors = %+v", sub.Errors)
		}
		for _, ve := range sub.Errors {
			if wantErr[ve.Line] != ve.Field {
				t.Errorf("line %d: field %q, want %q (%s)", ve.Line, ve.Field, wantErr[ve.Line], ve.Message)
			}
			// A spreadsheet's day-first date is not taken, but the message gives the value to write.
			if want := "if 28/04/2026 is 28 April 2026, write 2026-04-28"; ve.Line == 6 && !strings.Contains(ve.Message, want) {
				t.Errorf("line 6: message %q lacks %q", ve.Message, want)
			}
		}
		r := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 2})
		if err := r.RunUntilIdle(ctx); err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.BulkJobStatus(ctx, pr.approver, sub.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Job.State != issuer.JobDone || st.Done != 4 || st.Failed != 4 || st.Pending != 0 {
			t.Fatalf("status = %+v counts %v", st, st.Job.Counts)
		}
		var issued []issuer.BulkRow
		if err := e.svc.BulkResults(ctx, pr.approver, sub.Job.ID, func(r issuer.BulkResult) error {
			switch {
			case r.State == issuer.RowIssued:
				issued = append(issued, r.BulkRow)
				// The learner's email, as the results give it: recorded, as this server has no SMTP.
				if r.Email == nil || r.Email.State != issuer.NotifyRecorded || r.Email.Reason != "no SMTP server configured" {
					t.Errorf("line %d: email %+v", r.Line, r.Email)
				}
			case r.Email != nil:
				t.Errorf("line %d (%s, no award): email %+v", r.Line, r.State, r.Email)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(issued) != 4 || issued[3].Line != 9 {
			t.Fatalf("issued rows = %+v", issued)
		}
		for _, row := range issued {
			a, err := e.svc.GetAward(ctx, pr.approver, row.AwardID)
			if err != nil || a.State != issuer.AwardIssued || a.AchievementID != ach.ID {
				t.Fatalf("award of line %d = %+v, %v", row.Line, a, err)
			}
			doc, err := e.svc.GetCredential(ctx, row.AwardID, issuer.FormatDI)
			if err != nil {
				t.Fatal(err)
			}
			verifyDI(t, e.svc, doc)
			n, err := db.AwardNotification(ctx, row.AwardID, issuer.NotifyAwardIssued)
			if err != nil || n.To != row.Input.LearnerEmail || n.State != issuer.NotifyPending {
				t.Fatalf("notification of line %d = %+v, %v", row.Line, n, err)
			}
			ns, err := e.svc.AwardNotification(ctx, pr.approver, row.AwardID)
			if err != nil || ns.State != issuer.NotifyRecorded || ns.Reason != "no SMTP server configured" {
				t.Fatalf("notification status = %+v, %v", ns, err)
			}
		}
		if a, _ := e.svc.GetAward(ctx, pr.approver, issued[1].AwardID); a.CreditsEarned != 5 || a.NSN != "" {
			t.Fatalf("line 3 award = %+v", a)
		}
		// Nothing is left to claim: a second runner does nothing.
		r2 := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 1})
		if err := r2.RunUntilIdle(ctx); err != nil || r2.Stats().Rows != 0 {
			t.Fatalf("second runner: %+v, %v", r2.Stats(), err)
		}
		// The NZQA report: with an NSN, and without.
		from, to := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC)
		with, missing, err := e.svc.NZQACompletions(ctx, pr.approver, from, to, true)
		if err != nil || len(with) != 2 || missing != 2 || with[0].NZQARef != "4729" || with[1].NSN != "123456789" {
			t.Fatalf("report = %+v missing %d, %v", with, missing, err)
		}
	})
}

// TestBulkResume: a worker claims rows and dies (its lease expires); a
// second runner resumes them, and each row is issued exactly once.
func TestBulkResume(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "kura-resume", false)
		if _, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement()); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("learner_name,learner_email,completed_on\n")
		for i := range 12 {
			b.WriteString("Learner " + string(rune('A'+i)) + ",l" + string(rune('a'+i)) + "@example.nz,2026-04-01\n")
		}
		sub := submitCohort(t, e, pr, b.String())
		now := time.Now()
		dead, err := db.ClaimBulkRows(ctx, "dead-worker", now, now.Add(200*time.Millisecond), 5)
		if err != nil || len(dead) != 5 {
			t.Fatalf("dead claim = %d, %v", len(dead), err)
		}
		// A live claim skips the leased rows.
		live, err := db.ClaimBulkRows(ctx, "live", now, now.Add(time.Minute), 100)
		if err != nil || len(live) != 7 || live[0].Line == dead[0].Line {
			t.Fatalf("live claim = %d, %v", len(live), err)
		}
		for _, r := range live {
			if err := db.ReleaseBulkRow(ctx, r.JobID, r.Line, time.Time{}, ""); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(250 * time.Millisecond)
		r := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 3, Batch: 2})
		if err := r.RunUntilIdle(ctx); err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.BulkJobStatus(ctx, pr.admin, sub.Job.ID)
		if err != nil || st.Job.State != issuer.JobDone || st.Done != 12 {
			t.Fatalf("status = %+v, %v", st, err)
		}
		awards, err := e.svc.ListAwards(ctx, pr.admin, issuer.AwardFilter{Limit: 1000})
		if err != nil || len(awards) != 12 {
			t.Fatalf("awards = %d, %v", len(awards), err)
		}
		seen := map[string]bool{}
		for _, a := range awards {
			if seen[a.LearnerEmail] || a.State != issuer.AwardIssued {
				t.Fatalf("award %+v twice or not issued", a)
			}
			seen[a.LearnerEmail] = true
		}
	})
}

// TestBulkAssessorOnly: a key with only the assessor role records pending
// awards for an approver; a viewer cannot submit.
func TestBulkAssessorOnly(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "kura-assess", false)
		ach, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		if err != nil {
			t.Fatal(err)
		}
		rows, err := issuer.ParseBulkJSON([]byte(`[{"learner_name":"Aroha","learner_email":"a@example.nz","completed_on":"2026-04-01","credits_earned":4,"achievement":"` + ach.ID + `"}]`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SubmitBulk(ctx, pr.approver, rows, "", false); err == nil {
			t.Fatal("approver-only key submitted a bulk job")
		}
		sub, err := e.svc.SubmitBulk(ctx, pr.assessor, rows, "", false)
		if err != nil || sub.Job.Mode != issuer.ModeCreate {
			t.Fatalf("submit = %+v, %v", sub, err)
		}
		if err := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{}).RunUntilIdle(ctx); err != nil {
			t.Fatal(err)
		}
		var got issuer.BulkResult
		_ = e.svc.BulkResults(ctx, pr.assessor, sub.Job.ID, func(r issuer.BulkResult) error { got = r; return nil })
		if got.Email == nil || got.Email.State != issuer.NotifyNone || got.Email.Reason != "the award has not been issued" {
			t.Fatalf("a pending award's email = %+v; want none", got.Email)
		}
		a, err := e.svc.GetAward(ctx, pr.assessor, got.AwardID)
		if got.State != issuer.RowCreated || err != nil || a.State != issuer.AwardPending || a.CreditsEarned != 4 {
			t.Fatalf("row %+v award %+v, %v", got, a, err)
		}
	})
}

// TestBulkKeyRevoked: the API key that submitted a job is revoked while the
// job runs; the runner issues no further award for it, cancels the rest of
// the job and records why. The counts the job-queue metric reads follow.
func TestBulkKeyRevoked(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "kura-revoke", false)
		if _, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement()); err != nil {
			t.Fatal(err)
		}
		key, tok, err := e.svc.CreateAPIKey(ctx, pr.admin, pr.p.ID, "cohort", []issuer.Role{issuer.RoleAssessor, issuer.RoleApprover})
		if err != nil {
			t.Fatal(err)
		}
		submitter, err := e.svc.Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("learner_name,learner_email,completed_on\n")
		for i := range 40 {
			fmt.Fprintf(&b, "Learner %d,l%d@example.nz,2026-04-01\n", i, i)
		}
		rows, err := issuer.ParseBulkCSV(strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		sub, err := e.svc.SubmitBulk(ctx, submitter, rows, "4729", false)
		if err != nil || len(sub.Errors) != 0 {
			t.Fatalf("submit: %+v, %v", sub, err)
		}
		counts, err := e.svc.BulkJobCounts(ctx)
		if err != nil || counts[issuer.JobQueued] != 1 || counts[issuer.JobCancelled] != 0 || len(counts) != len(issuer.BulkJobStates) {
			t.Fatalf("counts before = %v, %v", counts, err)
		}
		issued := 0
		r := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 1, Batch: 4, OnIssued: func(n int) {
			if issued == 0 { // after the first batch: revoke the submitter's key
				if err := e.svc.RevokeAPIKey(ctx, pr.admin, key.ID); err != nil {
					t.Errorf("revoke: %v", err)
				}
			}
			issued += n
		}})
		if err := r.RunUntilIdle(ctx); err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.BulkJobStatus(ctx, pr.admin, sub.Job.ID)
		if err != nil || st.Job.State != issuer.JobCancelled || st.Done != 4 || st.Cancelled != 36 || st.Pending != 0 || issued != 4 {
			t.Fatalf("status = %+v counts %v, %v; issued reported %d", st, st.Job.Counts, err, issued)
		}
		awards, err := e.svc.ListAwards(ctx, pr.admin, issuer.AwardFilter{Limit: 100})
		if err != nil || len(awards) != 4 {
			t.Fatalf("awards = %d, %v", len(awards), err)
		}
		ev, err := e.svc.AuditEvents(ctx, pr.admin, pr.p.ID, 5)
		if err != nil || ev[0].Action != "bulk.cancel" || ev[0].Subject != "job:"+sub.Job.ID || !strings.Contains(ev[0].Detail["reason"], "revoked") {
			t.Fatalf("last audit event = %+v, %v", ev, err)
		}
		counts, err = e.svc.BulkJobCounts(ctx)
		if err != nil || counts[issuer.JobQueued] != 0 || counts[issuer.JobRunning] != 0 || counts[issuer.JobCancelled] != 1 {
			t.Fatalf("counts after = %v, %v", counts, err)
		}
	})
}

// TestBulkRunnerDefaults: a runner without options has two workers per
// CPU plus two, at least 6 and at most 16 (a worker also waits on its
// batch's round trips to the database) and claims 128
// rows at a time; options that are set are kept.
func TestBulkRunnerDefaults(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		e := newEnv(t, db, dsn, dir)
		r := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{})
		if got, want := r.Workers(), min(max(2*(runtime.GOMAXPROCS(0)+1), 6), 16); got != want || issuer.DefaultBulkWorkers() != want {
			t.Errorf("workers = %d (DefaultBulkWorkers %d), want %d", got, issuer.DefaultBulkWorkers(), want)
		}
		if r.Batch() != 128 {
			t.Errorf("batch = %d, want 128", r.Batch())
		}
		r = e.svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 5, Batch: 3})
		if r.Workers() != 5 || r.Batch() != 3 {
			t.Errorf("set options = %d workers, batch %d; want 5, 3", r.Workers(), r.Batch())
		}
	})
}

// TestBulkSigningTokens: however many workers a runner has, at most one
// batch per core is signed at once (the rest write or wait), and every
// row is still issued.
func TestBulkSigningTokens(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "kura-tokens", false)
		if _, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement()); err != nil {
			t.Fatal(err)
		}
		const n = 96
		var csv strings.Builder
		csv.WriteString("learner_name,learner_email,completed_on\n")
		for i := range n {
			fmt.Fprintf(&csv, "Ākonga %d,tokens%d@example.nz,2026-04-01\n", i, i)
		}
		sub := submitCohort(t, e, pr, csv.String())
		r := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 8, Batch: 4})
		if err := r.RunUntilIdle(ctx); err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.BulkJobStatus(ctx, pr.admin, sub.Job.ID)
		if err != nil || st.Done != n || st.Job.State != issuer.JobDone {
			t.Fatalf("status = %+v, %v", st, err)
		}
		if peak := r.Stats().PeakSigning; peak < 1 || peak > int64(runtime.GOMAXPROCS(0)) {
			t.Errorf("peak batches signed at once = %d, want 1..%d (GOMAXPROCS)", peak, runtime.GOMAXPROCS(0))
		}
	})
}

// submitCohort submits a cohort CSV of the sample achievement ("4729") with
// pr's admin key, every row of which must be valid.
func submitCohort(t *testing.T, e *env, pr provider, csv string) *issuer.BulkSubmitted {
	t.Helper()
	rows, err := issuer.ParseBulkCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := e.svc.SubmitBulk(context.Background(), pr.admin, rows, "4729", false)
	if err != nil || len(sub.Errors) != 0 {
		t.Fatalf("submit: %v (invalid rows %+v)", err, sub)
	}
	return sub
}

// TestRenewBulkLease: only the owner's leases on rows still pending are
// extended. A claim is told the time (now), so a lease's end is checked by
// claiming just after it.
func TestRenewBulkLease(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "kura-renew", false)
		if _, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement()); err != nil {
			t.Fatal(err)
		}
		sub := submitCohort(t, e, pr, "learner_name,learner_email,completed_on\nA,a@example.nz,2026-04-01\nB,b@example.nz,2026-04-01\nC,c@example.nz,2026-04-01\n")
		t0 := time.Now()
		end := t0.Add(time.Minute)
		held, err := db.ClaimBulkRows(ctx, "owner", t0, end, 10)
		if err != nil || len(held) != 3 {
			t.Fatalf("claim = %d, %v", len(held), err)
		}
		// Line 4 is finished; the renewals name all three lines.
		done := time.Now()
		if err := db.FinishBulkRow(ctx, &issuer.BulkRow{JobID: sub.Job.ID, Line: 4, State: issuer.RowFailed, Error: "test", FinishedAt: &done}); err != nil {
			t.Fatal(err)
		}
		lines := []int{2, 3, 4}
		if err := db.RenewBulkLease(ctx, "someone else", sub.Job.ID, lines, end.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.RenewBulkLease(ctx, "owner", sub.Job.ID, []int{2}, end.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		// Just after the first lease's end: line 3 (not renewed by its
		// owner) is free again, line 2 is still held, line 4 is finished.
		after := end.Add(time.Second)
		got, err := db.ClaimBulkRows(ctx, "other", after, after.Add(time.Minute), 10)
		if err != nil || len(got) != 1 || got[0].Line != 3 {
			t.Fatalf("claim after the lease = %+v, %v; want line 3 alone", got, err)
		}
		rows, err := db.BulkRows(ctx, sub.Job.ID, 0, 10)
		if err != nil || len(rows) != 3 || rows[2].State != issuer.RowFailed || rows[0].LeaseOwner != "owner" {
			t.Fatalf("rows = %+v, %v", rows, err)
		}
	})
}

// TestBulkJobsOfProvider: a provider's job list holds its own jobs only,
// with their counts.
func TestBulkJobsOfProvider(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		mine, theirs := e.provider(t, "kura-mine", false), e.provider(t, "kura-theirs", false)
		for _, pr := range []provider{mine, theirs} {
			if _, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement()); err != nil {
				t.Fatal(err)
			}
		}
		const file = "learner_name,learner_email,completed_on\nA,a@example.nz,2026-04-01\nB,b@example.nz,2026-04-01\n"
		older := submitCohort(t, e, mine, file)
		newer := submitCohort(t, e, mine, file)
		submitCohort(t, e, theirs, file)
		// (This env's clock stands still, so the two jobs were made at one
		// instant and their order is the ids'; TestListJobs checks newest
		// first on a real clock.)
		got, err := e.svc.ListBulkJobs(ctx, mine.approver, "", 0)
		if err != nil || len(got) != 2 {
			t.Fatalf("jobs = %+v, %v", got, err)
		}
		ids := map[string]bool{got[0].Job.ID: true, got[1].Job.ID: true}
		if !ids[older.Job.ID] || !ids[newer.Job.ID] {
			t.Fatalf("jobs %s, %s; want %s and %s", got[0].Job.ID, got[1].Job.ID, older.Job.ID, newer.Job.ID)
		}
		for _, st := range got {
			if st.Pending != 2 || st.Job.Total != 2 || st.Job.State != issuer.JobQueued || st.Job.ProviderID != mine.p.ID {
				t.Fatalf("job = %+v (%+v)", st, st.Job)
			}
		}
		if got, err := e.svc.ListBulkJobs(ctx, mine.approver, issuer.JobDone, 0); err != nil || len(got) != 0 {
			t.Fatalf("done jobs = %+v, %v", got, err)
		}
		// Any key of a provider lists its jobs, and only its own.
		if got, err := e.svc.ListBulkJobs(ctx, mine.assessor, "", 0); err != nil || len(got) != 2 {
			t.Fatalf("assessor's list = %d, %v", len(got), err)
		}
		if got, err := e.svc.ListBulkJobs(ctx, theirs.admin, "", 0); err != nil || len(got) != 1 || got[0].Job.ProviderID != theirs.p.ID {
			t.Fatalf("the other provider's list = %+v, %v", got, err)
		}
	})
}

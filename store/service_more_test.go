package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/store"
)

// TestRoles: every action refused to the roles that must not do it, and
// another provider's things are invisible.
func TestRoles(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "one", true)
		other := e.provider(t, "two", false)
		ach, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		if err != nil {
			t.Fatal(err)
		}
		pending, err := e.svc.CreateAward(ctx, pr.assessor, sampleAward(ach.ID), "")
		if err != nil {
			t.Fatal(err)
		}
		_, vtok, err := e.svc.CreateAPIKey(ctx, pr.admin, pr.p.ID, "viewer", []issuer.Role{issuer.RoleViewer})
		if err != nil {
			t.Fatal(err)
		}
		viewer, _ := e.svc.Authenticate(ctx, vtok)
		both := issuer.Actor{APIKeyID: pr.assessor.APIKeyID, ProviderID: pr.p.ID, Roles: []issuer.Role{issuer.RoleAssessor, issuer.RoleApprover}}

		tests := map[string]struct {
			run   func() error
			code  errs.Code
			field string
		}{
			"error/viewer creates award": {func() error { _, err := e.svc.CreateAward(ctx, viewer, sampleAward(ach.ID), ""); return err }, errs.Forbidden, ""},
			"error/approver creates award": {func() error {
				_, err := e.svc.CreateAward(ctx, pr.approver, sampleAward(ach.ID), "")
				return err
			}, errs.Forbidden, ""},
			"error/assessor approves":    {func() error { _, err := e.svc.ApproveAward(ctx, pr.assessor, pending.ID); return err }, errs.Forbidden, ""},
			"error/two-person rule":      {func() error { _, err := e.svc.ApproveAward(ctx, both, pending.ID); return err }, errs.Forbidden, "/approvedBy"},
			"error/assessor issues":      {func() error { _, err := e.svc.IssueAward(ctx, pr.assessor, pending.ID); return err }, errs.Forbidden, ""},
			"error/issue pending":        {func() error { _, err := e.svc.IssueAward(ctx, pr.approver, pending.ID); return err }, errs.Conflict, "/state"},
			"error/other provider":       {func() error { _, err := e.svc.ApproveAward(ctx, other.approver, pending.ID); return err }, errs.NotFound, ""},
			"error/other reads award":    {func() error { _, err := e.svc.GetAward(ctx, other.admin, pending.ID); return err }, errs.NotFound, ""},
			"error/approver revokes key": {func() error { return e.svc.RevokeAPIKey(ctx, pr.approver, pr.assessor.APIKeyID) }, errs.Forbidden, ""},
			"error/assessor creates achievement": {func() error {
				_, err := e.svc.CreateAchievement(ctx, pr.assessor, sampleAchievement())
				return err
			}, errs.Forbidden, ""},
			"error/admin of other rotates": {func() error { _, err := e.svc.RotateKeys(ctx, other.admin, pr.p.ID); return err }, errs.NotFound, ""},
			"error/key creates provider": {func() error {
				_, err := e.svc.CreateProvider(ctx, pr.admin, issuer.NewProvider{Slug: "x", Name: "x"})
				return err
			}, errs.Forbidden, ""},
			"error/no actor":  {func() error { _, err := e.svc.ListAwards(ctx, issuer.Actor{}, issuer.AwardFilter{}); return err }, errs.Unauthorized, ""},
			"error/bad token": {func() error { _, err := e.svc.Authenticate(ctx, "tohu_nope"); return err }, errs.Unauthorized, ""},
			"error/forged token": {func() error {
				_, err := e.svc.Authenticate(ctx, pr.tokens["admin"][:20]+"AAAAAAAAAAAAAAAAAAAAAAA")
				return err
			}, errs.Unauthorized, ""},
			"error/unknown role": {func() error {
				_, _, err := e.svc.CreateAPIKey(ctx, pr.admin, pr.p.ID, "x", []issuer.Role{"root"})
				return err
			}, errs.Invalid, "/roles/0"},
			"ok/viewer reads award": {func() error { _, err := e.svc.GetAward(ctx, viewer, pending.ID); return err }, "", ""},
			"ok/viewer lists":       {func() error { _, err := e.svc.ListAchievements(ctx, viewer); return err }, "", ""},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				err := tc.run()
				if errs.ErrorCode(err) != tc.code || errs.ErrorField(err) != tc.field {
					t.Fatalf("got %v (code %q field %q), want code %q field %q", err, errs.ErrorCode(err), errs.ErrorField(err), tc.code, tc.field)
				}
			})
		}
		// A different approver may approve under the two-person rule.
		if _, err := e.svc.ApproveAward(ctx, pr.approver, pending.ID); err != nil {
			t.Fatalf("second person approves: %v", err)
		}
		// A revoked key no longer authenticates.
		if err := e.svc.RevokeAPIKey(ctx, pr.admin, pr.assessor.APIKeyID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(ctx, pr.tokens["assessor"]); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("revoked key: %v", err)
		}
	})
}

func TestValidation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "one", false)
		achTests := map[string]struct {
			mod   func(a *issuer.Achievement)
			field string
		}{
			"error/level out of range":   {func(a *issuer.Achievement) { a.Level = 11 }, "/level"},
			"error/level zero":           {func(a *issuer.Achievement) { a.Level = 0 }, "/level"},
			"error/credits out of range": {func(a *issuer.Achievement) { a.Credits = 41 }, "/credits"},
			"error/no outcomes":          {func(a *issuer.Achievement) { a.Outcomes = []string{" "} }, "/outcomes"},
			"error/nzsced five digits":   {func(a *issuer.Achievement) { a.NZSCEDCode = "09150" }, "/nzscedCode"},
			"error/no nzqa version":      {func(a *issuer.Achievement) { a.NZQAVersion = "" }, "/nzqaVersion"},
			"error/no developer":         {func(a *issuer.Achievement) { a.Developer = "" }, "/developer"},
			"error/no aim":               {func(a *issuer.Achievement) { a.Aim = " " }, "/aim"},
			"error/unknown accredited":   {func(a *issuer.Achievement) { a.AccreditedProviders = []string{"nope"} }, "/accreditedProviders/0"},
			"ok/minimum credits":         {func(a *issuer.Achievement) { a.Credits = 1 }, ""},
			"ok/maximum level":           {func(a *issuer.Achievement) { a.Level = 10 }, ""},
		}
		for name, tc := range achTests {
			t.Run(name, func(t *testing.T) {
				a := sampleAchievement()
				tc.mod(&a)
				_, err := e.svc.CreateAchievement(ctx, pr.admin, a)
				want := errs.Code("")
				if tc.field != "" {
					want = errs.Invalid
				}
				if errs.ErrorCode(err) != want || errs.ErrorField(err) != tc.field {
					t.Fatalf("got %v, want %q at %q", err, want, tc.field)
				}
			})
		}
		ach, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		if err != nil {
			t.Fatal(err)
		}
		awardTests := map[string]struct {
			mod   func(a *issuer.NewAward)
			code  errs.Code
			field string
		}{
			"error/no learner name":     {func(a *issuer.NewAward) { a.LearnerName = "" }, errs.Invalid, "/learner/name"},
			"error/no email nor did":    {func(a *issuer.NewAward) { a.LearnerEmail = "" }, errs.Invalid, "/learner/email"},
			"error/bad nsn":             {func(a *issuer.NewAward) { a.NSN = "12a" }, errs.Invalid, "/learner/nsn"},
			"error/too many credits":    {func(a *issuer.NewAward) { a.CreditsEarned = 11 }, errs.Invalid, "/creditsEarned"},
			"error/future completion":   {func(a *issuer.NewAward) { a.CompletedOn = now.AddDate(0, 1, 0) }, errs.Invalid, "/completedOn"},
			"error/evidence not a URL":  {func(a *issuer.NewAward) { a.EvidenceURLs = []string{"file:///etc/passwd"} }, errs.Invalid, "/evidence/0"},
			"error/unknown achievement": {func(a *issuer.NewAward) { a.AchievementID = "nope" }, errs.NotFound, "/achievementId"},
			"ok/did only": {func(a *issuer.NewAward) {
				a.LearnerEmail, a.LearnerDID = "", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
			}, "", ""},
		}
		for name, tc := range awardTests {
			t.Run(name, func(t *testing.T) {
				a := sampleAward(ach.ID)
				tc.mod(&a)
				_, err := e.svc.CreateAward(ctx, pr.assessor, a, "")
				if errs.ErrorCode(err) != tc.code || errs.ErrorField(err) != tc.field {
					t.Fatalf("got %v, want %q at %q", err, tc.code, tc.field)
				}
			})
		}
	})
}

// TestIssuePreconditions: only an approved achievement whose review date has
// not lapsed, awarded by an accredited provider, can be issued.
func TestIssuePreconditions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "one", false)
		other := e.provider(t, "two", false)
		tests := map[string]struct {
			mod   func(a *issuer.Achievement)
			code  errs.Code
			field string
		}{
			"error/draft achievement": {func(a *issuer.Achievement) { a.ApprovalStatus = issuer.ApprovalDraft }, errs.Conflict, "/achievement/approvalStatus"},
			"error/withdrawn":         {func(a *issuer.Achievement) { a.ApprovalStatus = issuer.ApprovalWithdrawn }, errs.Conflict, "/achievement/approvalStatus"},
			"error/review lapsed":     {func(a *issuer.Achievement) { a.NextReviewOn = day(2026, 5, 3) }, errs.Conflict, "/achievement/nextReviewOn"},
			"error/not accredited":    {func(a *issuer.Achievement) { a.AccreditedProviders = []string{other.p.ID} }, errs.Forbidden, "/achievement/accreditedProviders"},
			"ok/review due today":     {func(a *issuer.Achievement) { a.NextReviewOn = day(2026, 5, 4) }, "", ""},
			"ok/accredited non-owner": {func(a *issuer.Achievement) { a.AccreditedProviders = []string{other.p.ID, pr.p.ID} }, "", ""},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				a := sampleAchievement()
				tc.mod(&a)
				ach, err := e.svc.CreateAchievement(ctx, pr.admin, a)
				if err != nil {
					t.Fatal(err)
				}
				// Created to be issued at once (the combined API call): the same
				// refusal up front, and no award left behind.
				before, _ := e.svc.ListAwards(ctx, pr.admin, issuer.AwardFilter{Limit: 1000})
				toIssue := sampleAward(ach.ID)
				toIssue.ToIssue = true
				_, err = e.svc.CreateAward(ctx, pr.assessor, toIssue, "")
				if errs.ErrorCode(err) != tc.code || errs.ErrorField(err) != tc.field {
					t.Fatalf("CreateAward to issue: got %v, want %q at %q", err, tc.code, tc.field)
				}
				if after, _ := e.svc.ListAwards(ctx, pr.admin, issuer.AwardFilter{Limit: 1000}); err != nil && len(after) != len(before) {
					t.Fatalf("a refused CreateAward left an award: %d → %d", len(before), len(after))
				}
				aw, err := e.svc.CreateAward(ctx, pr.assessor, sampleAward(ach.ID), "")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.svc.ApproveAward(ctx, pr.approver, aw.ID); err != nil {
					t.Fatal(err)
				}
				_, err = e.svc.IssueAward(ctx, pr.approver, aw.ID)
				if errs.ErrorCode(err) != tc.code || errs.ErrorField(err) != tc.field {
					t.Fatalf("got %v, want %q at %q", err, tc.code, tc.field)
				}
				if err != nil {
					got, _ := e.svc.GetAward(ctx, pr.approver, aw.ID)
					if got.State != issuer.AwardApproved {
						t.Fatalf("refused issue changed the state to %s", got.State)
					}
				}
			})
		}
	})
}

// TestIdempotentCreate: a retry with the same Idempotency-Key returns the
// same award, also when the retries race; another request with the key is a
// Conflict.
func TestIdempotentCreate(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "one", false)
		ach, _ := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		first, err := e.svc.CreateAward(ctx, pr.assessor, sampleAward(ach.ID), "key-1")
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.svc.CreateAward(ctx, pr.assessor, sampleAward(ach.ID), "key-1")
		if err != nil || again.ID != first.ID {
			t.Fatalf("retry = %v, %v; want award %s", again, err, first.ID)
		}
		var wg sync.WaitGroup
		ids := make([]string, 8)
		for i := range ids {
			wg.Go(func() {
				a, err := e.svc.CreateAward(ctx, pr.assessor, sampleAward(ach.ID), "key-race")
				if err != nil {
					t.Errorf("racing retry: %v", err)
					return
				}
				ids[i] = a.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("racing retries created different awards: %v", ids)
			}
		}
		other := sampleAward(ach.ID)
		other.LearnerName = "Someone Else"
		if _, err := e.svc.CreateAward(ctx, pr.assessor, other, "key-1"); !errs.Is(err, errs.Conflict) || errs.ErrorField(err) != "/idempotencyKey" {
			t.Fatalf("key reused for another request: %v", err)
		}
		list, _ := e.svc.ListAwards(ctx, pr.assessor, issuer.AwardFilter{})
		if len(list) != 2 {
			t.Fatalf("%d awards, want 2", len(list))
		}
	})
}

// TestParallelIssue: 200 awards issued at once never share a status index.
func TestParallelIssue(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "one", false)
		ach, _ := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		const n = 200
		ids := make([]string, n)
		for i := range ids {
			a, err := e.svc.CreateAward(ctx, pr.assessor, sampleAward(ach.ID), "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.ApproveAward(ctx, pr.approver, a.ID); err != nil {
				t.Fatal(err)
			}
			ids[i] = a.ID
		}
		start := time.Now()
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for _, id := range ids {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := e.svc.IssueAward(ctx, pr.approver, id); err != nil {
					t.Errorf("IssueAward: %v", err)
				}
			})
		}
		wg.Wait()
		el := time.Since(start)
		t.Logf("%s: %d awards issued in %v (%.0f/s)", db.Dialect(), n, el.Round(time.Millisecond), n/el.Seconds())
		// Issuing the same award twice at once: exactly one wins.
		seen := map[string]map[int]bool{issuer.StatusRevocation: {}, issuer.StatusSuspension: {}}
		for _, id := range ids {
			c, err := db.Credential(ctx, id, issuer.FormatDI)
			if err != nil {
				t.Fatal(err)
			}
			for purpose, i := range c.StatusIndex {
				if seen[purpose][i] {
					t.Fatalf("%s index %d shared", purpose, i)
				}
				seen[purpose][i] = true
			}
		}
		if len(seen[issuer.StatusRevocation]) != n || len(seen[issuer.StatusSuspension]) != n {
			t.Fatalf("indexes: %d revocation, %d suspension", len(seen[issuer.StatusRevocation]), len(seen[issuer.StatusSuspension]))
		}
	})
}

// TestIssueTwiceConcurrently: two replicas issuing one award: one wins, the
// other gets Conflict, and there is one credential.
func TestIssueTwiceConcurrently(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "one", false)
		ach, _ := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		a, _ := e.svc.CreateAward(ctx, pr.assessor, sampleAward(ach.ID), "")
		if _, err := e.svc.ApproveAward(ctx, pr.approver, a.ID); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([]error, 4)
		for i := range results {
			wg.Go(func() { _, results[i] = e.svc.IssueAward(ctx, pr.approver, a.ID) })
		}
		wg.Wait()
		wins := 0
		for _, err := range results {
			switch {
			case err == nil:
				wins++
			case !errs.Is(err, errs.Conflict):
				t.Fatalf("loser: %v, want conflict", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d issues succeeded, want 1", wins)
		}
	})
}

// TestWrongMasterKey: a service with another master key refuses to sign
// (Forbidden) and changes nothing.
func TestWrongMasterKey(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "one", false)
		ach, _ := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		issued := e.issue(t, pr, ach.ID)
		a, _ := e.svc.CreateAward(ctx, pr.assessor, sampleAward(ach.ID), "")
		if _, err := e.svc.ApproveAward(ctx, pr.approver, a.ID); err != nil {
			t.Fatal(err)
		}
		db.Close()
		db2 := mustOpen(t, dsn, dir)
		wrong, _ := keys.NewMasterKey()
		svc := e.service(t, db2, wrong)
		if err := svc.CheckMasterKey(ctx); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("CheckMasterKey: %v, want forbidden", err)
		}
		if _, err := svc.IssueAward(ctx, pr.approver, a.ID); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("IssueAward: %v, want forbidden", err)
		}
		if _, err := svc.Revoke(ctx, pr.approver, issued.Award.ID, "x"); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("Revoke: %v, want forbidden", err)
		}
		for id, want := range map[string]issuer.AwardState{a.ID: issuer.AwardApproved, issued.Award.ID: issuer.AwardIssued} {
			got, _ := svc.GetAward(ctx, pr.approver, id)
			if got.State != want {
				t.Fatalf("award %s is %s, want %s", id, got.State, want)
			}
		}
		ev, _ := svc.AuditEvents(ctx, pr.admin, pr.p.ID, 1)
		if ev[0].Action != "award.approve" {
			t.Fatalf("last audit event %s: something was recorded", ev[0].Action)
		}
		// The right key still works.
		if err := e.service(t, db2, e.master).CheckMasterKey(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRestart: closing and reopening the database keeps everything.
func TestRestart(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "one", false)
		ach, _ := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		is := e.issue(t, pr, ach.ID)
		di, _ := e.svc.GetCredential(ctx, is.Award.ID, issuer.FormatDI)
		jwt, _ := e.svc.GetCredential(ctx, is.Award.ID, issuer.FormatJWT)
		doc, _ := e.svc.DIDDocument(ctx, "one")
		db.Close()

		db2 := mustOpen(t, dsn, dir)
		svc := e.service(t, db2, e.master)
		admin, err := svc.Authenticate(ctx, pr.tokens["admin"])
		if err != nil || admin.APIKeyID != pr.admin.APIKeyID {
			t.Fatalf("Authenticate after restart: %v", err)
		}
		di2, _ := svc.GetCredential(ctx, is.Award.ID, issuer.FormatDI)
		jwt2, _ := svc.GetCredential(ctx, is.Award.ID, issuer.FormatJWT)
		if string(di2) != string(di) || string(jwt2) != string(jwt) {
			t.Fatal("credentials changed across a restart")
		}
		verifyDI(t, svc, di2)
		doc2, _ := svc.DIDDocument(ctx, "one")
		if len(doc2["verificationMethod"].([]any)) != len(doc["verificationMethod"].([]any)) {
			t.Fatal("DID document changed")
		}
		// And it goes on working: issue, then revoke the first.
		is2 := e.issueWith(t, svc, pr, ach.ID)
		if is2.Award.ID == is.Award.ID {
			t.Fatal("same id")
		}
		if _, err := svc.Revoke(ctx, pr.approver, is.Award.ID, "test"); err != nil {
			t.Fatal(err)
		}
	})
}

func (e *env) issueWith(t *testing.T, svc *issuer.Service, pr provider, achID string) *issuer.Issued {
	old := e.svc
	e.svc = svc
	defer func() { e.svc = old }()
	return e.issue(t, pr, achID)
}

// TestAchievementNewVersion: changing an achievement after an award exists
// makes a new version; the issued credential does not change by one byte.
func TestAchievementNewVersion(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "one", false)
		ach, _ := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		// No award yet: edited in place.
		edit := *ach
		edit.Aim = "Use everyday te reo Māori at work, confidently."
		v1, err := e.svc.UpdateAchievement(ctx, pr.admin, edit)
		if err != nil || v1.Version != 1 {
			t.Fatalf("in-place update = %+v, %v", v1, err)
		}
		is := e.issue(t, pr, ach.ID)
		before, _ := e.svc.GetCredential(ctx, is.Award.ID, issuer.FormatDI)
		edit.Credits, edit.Title = 15, "Te Reo Māori mō te Wāhi Mahi II"
		v2, err := e.svc.UpdateAchievement(ctx, pr.admin, edit)
		if err != nil || v2.Version != 2 {
			t.Fatalf("update after award = %+v, %v; want version 2", v2, err)
		}
		old, _ := e.svc.GetAchievement(ctx, ach.ID, 1)
		if old.Credits != 10 || old.Title != sampleAchievement().Title {
			t.Fatalf("version 1 changed: %+v", old)
		}
		latest, _ := e.svc.GetAchievement(ctx, ach.ID, 0)
		if latest.Version != 2 || latest.Credits != 15 {
			t.Fatalf("latest = %+v", latest)
		}
		after, _ := e.svc.GetCredential(ctx, is.Award.ID, issuer.FormatDI)
		if string(after) != string(before) {
			t.Fatal("issued credential changed")
		}
		aw, _ := e.svc.GetAward(ctx, pr.admin, is.Award.ID)
		if aw.AchievementVersion != 1 {
			t.Fatalf("award now points at version %d", aw.AchievementVersion)
		}
		// New awards go to version 2.
		a2, _ := e.svc.CreateAward(ctx, pr.assessor, sampleAward(ach.ID), "")
		if a2.AchievementVersion != 2 {
			t.Fatalf("new award on version %d", a2.AchievementVersion)
		}
		list, _ := e.svc.ListAchievements(ctx, pr.admin)
		if len(list) != 1 || list[0].Version != 2 {
			t.Fatalf("list = %+v", list)
		}
	})
}

// TestRotateKeys: old keys are retired but stay published; new credentials
// are signed with the new key and old ones still verify.
func TestRotateKeys(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "one", false)
		ach, _ := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		is1 := e.issue(t, pr, ach.ID)
		ks, err := e.svc.RotateKeys(ctx, pr.admin, pr.p.ID)
		if err != nil {
			t.Fatal(err)
		}
		active, retired := 0, 0
		for _, k := range ks {
			if k.Status == issuer.KeyActive {
				active++
			} else {
				retired++
			}
		}
		if active != 2 || retired != 2 {
			t.Fatalf("%d active, %d retired keys", active, retired)
		}
		is2 := e.issue(t, pr, ach.ID)
		for _, is := range []*issuer.Issued{is1, is2} {
			di, _ := e.svc.GetCredential(ctx, is.Award.ID, issuer.FormatDI)
			verifyDI(t, e.svc, di)
		}
		doc, _ := e.svc.DIDDocument(ctx, "one")
		if n := len(doc["verificationMethod"].([]any)); n != 4 {
			t.Fatalf("%d published keys, want 4", n)
		}
	})
}

// TestDIDKeyProvider: a did:key provider issues verifiable credentials
// offline.
func TestDIDKeyProvider(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pc, err := e.svc.CreateProvider(ctx, e.op, issuer.NewProvider{Slug: "dev", Name: "Dev", DIDMethod: "key"})
		if err != nil {
			t.Fatal(err)
		}
		admin, _ := e.svc.Authenticate(ctx, pc.Token)
		pr := provider{p: pc.Provider, admin: admin, assessor: admin, approver: admin}
		ach, err := e.svc.CreateAchievement(ctx, admin, sampleAchievement())
		if err != nil {
			t.Fatal(err)
		}
		is := e.issue(t, pr, ach.ID)
		di, _ := e.svc.GetCredential(ctx, is.Award.ID, issuer.FormatDI)
		verifyDI(t, e.svc, di)
		if _, err := e.svc.DIDDocument(ctx, "dev"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("did:web document of a did:key provider: %v", err)
		}
	})
}

// TestDeleteAchievement: an achievement nothing was awarded for can be
// deleted (every version, audited) by its provider's admin only; once an
// award exists it is a Conflict and the achievement stays.
func TestDeleteAchievement(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "one", false)
		other := e.provider(t, "two", false)
		unused, _ := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		awarded, _ := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		if _, err := e.svc.CreateAward(ctx, pr.assessor, sampleAward(awarded.ID), ""); err != nil {
			t.Fatal(err)
		}
		tests := map[string]struct {
			actor issuer.Actor
			id    string
			code  errs.Code
			field string
		}{
			"error/assessor":       {pr.assessor, unused.ID, errs.Forbidden, ""},
			"error/other provider": {other.admin, unused.ID, errs.NotFound, ""},
			"error/unknown":        {pr.admin, "nope", errs.NotFound, ""},
			"error/awarded":        {pr.admin, awarded.ID, errs.Conflict, "/approvalStatus"},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				err := e.svc.DeleteAchievement(ctx, tc.actor, tc.id)
				if errs.ErrorCode(err) != tc.code || errs.ErrorField(err) != tc.field {
					t.Fatalf("got %v, want %q at %q", err, tc.code, tc.field)
				}
			})
		}
		for _, id := range []string{unused.ID, awarded.ID} {
			if _, err := e.svc.GetAchievement(ctx, id, 0); err != nil {
				t.Fatalf("a refused delete removed %s: %v", id, err)
			}
		}
		// Two versions (the second made in place: nothing awarded), both go.
		edit := *unused
		edit.Title = "Renamed"
		if _, err := e.svc.UpdateAchievement(ctx, pr.admin, edit); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteAchievement(ctx, pr.admin, unused.ID); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if _, err := e.svc.GetAchievement(ctx, unused.ID, 1); !errs.Is(err, errs.NotFound) {
			t.Fatalf("after delete: %v, want not found", err)
		}
		if ev, _ := e.svc.AuditEvents(ctx, pr.admin, pr.p.ID, 1); ev[0].Action != "achievement.delete" || ev[0].Subject != "achievement:"+unused.ID {
			t.Fatalf("last audit event %+v", ev[0])
		}
		if err := e.svc.DeleteAchievement(ctx, pr.admin, unused.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

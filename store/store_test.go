package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/store"
)

var t0 = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func seedProvider(t *testing.T, db *store.DB, id, slug string) *issuer.Provider {
	t.Helper()
	p := &issuer.Provider{ID: id, Slug: slug, Name: "Kura " + slug, DIDMethod: "web", DID: "did:web:example.nz:issuers:" + slug, JWTAlgorithm: "RS256", CreatedAt: t0}
	if err := db.CreateProvider(context.Background(), p); err != nil {
		t.Fatalf("CreateProvider: %v", err)
	}
	return p
}

func seedAward(t *testing.T, db *store.DB, providerID, achID, awardID string) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Achievement(ctx, achID, 1); errs.Is(err, errs.NotFound) {
		a := &issuer.Achievement{ID: achID, Version: 1, ProviderID: providerID, Title: "Te Reo Māori", NZQARef: "4321", NZQAVersion: "1",
			Level: 4, Credits: 10, Outcomes: []string{"a"}, NZSCEDCode: "090000", ApprovalStatus: issuer.ApprovalApproved,
			AccreditedProviders: []string{providerID}, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateAchievement(ctx, a); err != nil {
			t.Fatalf("CreateAchievement: %v", err)
		}
	}
	aw := &issuer.Award{ID: awardID, ProviderID: providerID, AchievementID: achID, AchievementVersion: 1, LearnerName: "Aroha",
		CreditsEarned: 10, CompletedOn: t0, State: issuer.AwardApproved, CreatedBy: "k1", CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateAward(ctx, aw); err != nil {
		t.Fatalf("CreateAward: %v", err)
	}
}

func TestBoundaryErrors(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, _, _ string) {
		ctx := context.Background()
		seedProvider(t, db, "p1", "one")
		tests := map[string]struct {
			run  func() error
			code errs.Code
		}{
			"error/provider not found": {func() error { _, err := db.Provider(ctx, "nope"); return err }, errs.NotFound},
			"error/slug not found":     {func() error { _, err := db.ProviderBySlug(ctx, "nope"); return err }, errs.NotFound},
			"error/duplicate slug": {func() error {
				return db.CreateProvider(ctx, &issuer.Provider{ID: "p2", Slug: "one", DID: "did:x", CreatedAt: t0})
			}, errs.Conflict},
			"error/award unknown achievement": {func() error {
				return db.CreateAward(ctx, &issuer.Award{ID: "a1", ProviderID: "p1", AchievementID: "x", AchievementVersion: 1, State: issuer.AwardPending, CompletedOn: t0, CreatedAt: t0, UpdatedAt: t0})
			}, errs.Invalid},
			"error/award not found":        {func() error { _, err := db.Award(ctx, "nope"); return err }, errs.NotFound},
			"error/credential not found":   {func() error { _, err := db.Credential(ctx, "nope", "di"); return err }, errs.NotFound},
			"error/retire unknown key":     {func() error { return db.RetireKey(ctx, "nope", t0) }, errs.NotFound},
			"error/revoke unknown api key": {func() error { return db.RevokeAPIKey(ctx, "nope", t0) }, errs.NotFound},
			"ok/provider by slug":          {func() error { _, err := db.ProviderBySlug(ctx, "one"); return err }, ""},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				if got := errs.ErrorCode(tc.run()); got != tc.code {
					t.Fatalf("code = %q, want %q", got, tc.code)
				}
			})
		}
	})
}

func TestRoundTrip(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, _, _ string) {
		ctx := context.Background()
		p := seedProvider(t, db, "p1", "one")
		got, err := db.Provider(ctx, "p1")
		if err != nil || *got != *p {
			t.Fatalf("Provider = %+v, %v; want %+v", got, err, p)
		}
		seedAward(t, db, "p1", "ach1", "aw1")
		body := []byte("{\"name\":\"Te Reo M\u0101ori\",\n  \"x\": 1 }")
		if err := db.SaveCredential(ctx, &issuer.Credential{AwardID: "aw1", ProviderID: "p1", Format: "di", Body: body, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveCredential(ctx, &issuer.Credential{AwardID: "aw1", ProviderID: "p1", Format: "di", Body: body, CreatedAt: t0}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("second SaveCredential: %v, want conflict", err)
		}
		c, err := db.Credential(ctx, "aw1", "di")
		if err != nil || !bytes.Equal(c.Body, body) {
			t.Fatalf("Credential body = %q, %v", c.Body, err)
		}
		// Conditional update: only from the expected state.
		aw, _ := db.Award(ctx, "aw1")
		aw.State = issuer.AwardIssued
		if err := db.UpdateAward(ctx, aw, issuer.AwardPending); !errs.Is(err, errs.Conflict) {
			t.Fatalf("UpdateAward from wrong state: %v, want conflict", err)
		}
		if err := db.UpdateAward(ctx, aw, issuer.AwardApproved); err != nil {
			t.Fatal(err)
		}
		a, _ := db.Achievement(ctx, "ach1", 0)
		if a.Title != "Te Reo Māori" || len(a.Outcomes) != 1 || a.AccreditedProviders[0] != "p1" {
			t.Fatalf("achievement round trip: %+v", a)
		}
		list, err := db.Achievements(ctx, "p1")
		if err != nil || len(list) != 1 {
			t.Fatalf("Achievements = %v, %v", list, err)
		}
		// Transactions roll back on error.
		boom := errs.E(errs.Invalid, "boom")
		err = db.WithTx(ctx, func(tx issuer.Store) error {
			if err := tx.AppendAudit(ctx, &issuer.AuditEvent{ProviderID: "p1", Actor: "k", Action: "x", Subject: "y", At: t0}); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("WithTx error = %v, want the fn's error unchanged", err)
		}
		ev, _ := db.AuditEvents(ctx, "p1", 10)
		if len(ev) != 0 {
			t.Fatalf("rolled back audit event is visible: %v", ev)
		}
	})
}

// TestAllocateStatusIndexConcurrent: many transactions allocating at once
// never share an index, even on a tiny list where clashes are frequent.
func TestAllocateStatusIndexConcurrent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, _, _ string) {
		ctx := context.Background()
		seedProvider(t, db, "p1", "one")
		const n = 100
		for i := range n {
			seedAward(t, db, "p1", "ach1", "aw"+itoa(i))
		}
		var wg sync.WaitGroup
		idx := make([]int, n)
		errsOut := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errsOut[i] = db.WithTx(ctx, func(tx issuer.Store) error {
					var err error
					idx[i], err = tx.AllocateStatusIndex(ctx, "p1", issuer.StatusRevocation, 128, rand.Reader, "aw"+itoa(i))
					return err
				})
			})
		}
		wg.Wait()
		seen := map[int]bool{}
		for i := range n {
			if errsOut[i] != nil {
				t.Fatalf("allocation %d: %v", i, errsOut[i])
			}
			if seen[idx[i]] {
				t.Fatalf("index %d handed out twice", idx[i])
			}
			seen[idx[i]] = true
		}
		// Fill the rest, then the list is full.
		for i := n; i < 128; i++ {
			seedAward(t, db, "p1", "ach1", "aw"+itoa(i))
			if _, err := db.AllocateStatusIndex(ctx, "p1", issuer.StatusRevocation, 128, rand.Reader, "aw"+itoa(i)); err != nil {
				t.Fatalf("fill %d: %v", i, err)
			}
		}
		seedAward(t, db, "p1", "ach1", "awfull")
		if _, err := db.AllocateStatusIndex(ctx, "p1", issuer.StatusRevocation, 128, rand.Reader, "awfull"); !errs.Is(err, errs.Conflict) {
			t.Fatalf("full list: %v, want conflict", err)
		}
	})
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

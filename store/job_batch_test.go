package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/store"
)

// TestWriteBulkBatch: a batch's records land together (awards, keys,
// status entries, both credential forms, audit IDs, notifications, row
// outcomes); a taken status index, a used idempotency key, a row already
// finished or a cancelled job writes none of them, on its own or inside the
// caller's transaction.
func TestWriteBulkBatch(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, _, _ string) {
		ctx := context.Background()
		p := seedProvider(t, db, "p1", "one")
		seedAward(t, db, p.ID, "ach1", "seeded")
		if ok, err := db.ReserveStatusIndex(ctx, p.ID, issuer.StatusRevocation, 7, "seeded"); !ok || err != nil {
			t.Fatalf("reserve: %v %v", ok, err)
		}
		job := &issuer.BulkJob{ID: "j1", ProviderID: p.ID, APIKeyID: "k1", Mode: issuer.ModeIssue, State: issuer.JobRunning,
			Total: 4, CreatedAt: t0, UpdatedAt: t0}
		var lines []issuer.BulkRow
		for i := 1; i <= 4; i++ {
			lines = append(lines, issuer.BulkRow{Line: i, State: issuer.RowPending})
		}
		if err := db.CreateBulkJob(ctx, job, lines); err != nil {
			t.Fatal(err)
		}
		batch := func(first int, idx ...int) *issuer.BulkBatch {
			b := &issuer.BulkBatch{}
			for n, i := range idx {
				line := first + n
				id := "a" + strconv.Itoa(line)
				now := t0
				b.Awards = append(b.Awards, &issuer.Award{ID: id, ProviderID: p.ID, AchievementID: "ach1", AchievementVersion: 1,
					LearnerName: "Ākonga", LearnerEmail: "a@example.nz", CreditsEarned: 10, CompletedOn: t0, State: issuer.AwardIssued,
					IssuedAt: &now, CreatedAt: t0, UpdatedAt: t0})
				b.Idempotency = append(b.Idempotency, &issuer.Idempotency{ProviderID: p.ID, Key: "bulk:j1:" + strconv.Itoa(line), AwardID: id, CreatedAt: t0})
				b.StatusEntries = append(b.StatusEntries,
					issuer.StatusEntry{ProviderID: p.ID, Purpose: issuer.StatusRevocation, Index: i, AwardID: id},
					issuer.StatusEntry{ProviderID: p.ID, Purpose: issuer.StatusSuspension, Index: i, AwardID: id})
				b.Credentials = append(b.Credentials,
					&issuer.Credential{AwardID: id, ProviderID: p.ID, Format: issuer.FormatDI, Body: []byte(`{"id":"` + id + `"}`), CreatedAt: t0},
					&issuer.Credential{AwardID: id, ProviderID: p.ID, Format: issuer.FormatJWT, Body: []byte("e30." + id), CreatedAt: t0})
				b.Audit = append(b.Audit,
					&issuer.AuditEvent{ProviderID: p.ID, Actor: "k1", Action: "award.create", Subject: "award:" + id, At: t0},
					&issuer.AuditEvent{ProviderID: p.ID, Actor: "k1", Action: "award.issue", Subject: "award:" + id, At: t0,
						Detail: map[string]string{"revocationIndex": strconv.Itoa(i)}})
				b.Notifications = append(b.Notifications, &issuer.Notification{ID: "n" + id, ProviderID: p.ID, AwardID: id,
					Kind: issuer.NotifyAwardIssued, To: "a@example.nz", Subject: "s", Body: "b", State: issuer.NotifyPending,
					NextAttemptAt: t0, CreatedAt: t0})
				b.Rows = append(b.Rows, &issuer.BulkRow{JobID: "j1", Line: line, State: issuer.RowIssued, AwardID: id, FinishedAt: &now})
			}
			return b
		}
		nothingWritten := func(t *testing.T, ids ...string) {
			t.Helper()
			for _, id := range ids {
				if _, err := db.Award(ctx, id); !errs.Is(err, errs.NotFound) {
					t.Errorf("award %s: %v, want NotFound", id, err)
				}
			}
			j, err := db.BulkJob(ctx, "j1")
			if err != nil || j.Counts[issuer.RowPending]+j.Counts[issuer.RowIssued] != 4 {
				t.Errorf("job = %+v, %v", j, err)
			}
		}

		t.Run("error/status index taken", func(t *testing.T) {
			ok, err := db.WriteBulkBatch(ctx, batch(1, 3, 7))
			if ok || err != nil {
				t.Fatalf("WriteBulkBatch = %v, %v; want false, nil", ok, err)
			}
			nothingWritten(t, "a1", "a2")
		})
		t.Run("error/status index taken, caller's transaction", func(t *testing.T) {
			taken := errors.New("taken")
			err := db.WithTx(ctx, func(tx issuer.Store) error {
				if ok, err := tx.WriteBulkBatch(ctx, batch(1, 3, 7)); err != nil || ok {
					return errors.Join(err, errors.New("want false"))
				}
				return taken
			})
			if !errors.Is(err, taken) {
				t.Fatal(err)
			}
			nothingWritten(t, "a1", "a2")
		})
		t.Run("ok", func(t *testing.T) {
			b := batch(1, 3, 4)
			if ok, err := db.WriteBulkBatch(ctx, b); !ok || err != nil {
				t.Fatalf("WriteBulkBatch = %v, %v", ok, err)
			}
			for n, id := range []string{"a1", "a2"} {
				if a, err := db.Award(ctx, id); err != nil || a.State != issuer.AwardIssued {
					t.Errorf("award %s = %+v, %v", id, a, err)
				}
				c, err := db.Credential(ctx, id, issuer.FormatJWT)
				if err != nil || string(c.Body) != "e30."+id || c.StatusIndex[issuer.StatusRevocation] != 3+n || c.StatusIndex[issuer.StatusSuspension] != 3+n {
					t.Errorf("credential %s = %+v, %v", id, c, err)
				}
				if k, err := db.IdempotencyKey(ctx, p.ID, "bulk:j1:"+strconv.Itoa(n+1)); err != nil || k.AwardID != id {
					t.Errorf("key = %+v, %v", k, err)
				}
				if nt, err := db.AwardNotification(ctx, id, issuer.NotifyAwardIssued); err != nil || nt.ID != "n"+id {
					t.Errorf("notification = %+v, %v", nt, err)
				}
			}
			for i, e := range b.Audit {
				if e.ID == 0 || (i > 0 && e.ID <= b.Audit[i-1].ID) {
					t.Errorf("audit IDs not set in order: %d after %d", e.ID, b.Audit[max(i-1, 0)].ID)
				}
			}
			rows, err := db.BulkRows(ctx, "j1", 0, 10)
			if err != nil || len(rows) != 4 || rows[0].State != issuer.RowIssued || rows[0].AwardID != "a1" ||
				rows[1].State != issuer.RowIssued || rows[1].AwardID != "a2" || rows[1].FinishedAt == nil ||
				!rows[1].FinishedAt.Equal(t0) || rows[2].State != issuer.RowPending {
				t.Errorf("rows = %+v, %v", rows, err)
			}
		})
		t.Run("error/idempotency key used", func(t *testing.T) {
			b := batch(3, 5, 6)
			b.Idempotency[1].Key = "bulk:j1:1"
			if _, err := db.WriteBulkBatch(ctx, b); !errs.Is(err, errs.Conflict) {
				t.Fatalf("err = %v, want Conflict", err)
			}
			nothingWritten(t, "a3", "a4")
		})
		// Each table's rows (COPY on PostgreSQL, multi-row INSERTs on
		// SQLite) report a violation as the single-row writes do: its kind,
		// and the thing named.
		for _, tc := range []struct {
			name, what string
			kind       errs.Code
			edit       func(b *issuer.BulkBatch)
		}{
			{"award id used", "award", errs.Conflict, func(b *issuer.BulkBatch) { b.Awards[1].ID = "a1" }},
			{"credential of no award", "credential", errs.Invalid, func(b *issuer.BulkBatch) { b.Credentials[3].AwardID = "nope" }},
			{"credential twice", "credential", errs.Conflict, func(b *issuer.BulkBatch) { b.Credentials[3].Format = issuer.FormatDI }},
			{"notification id used", "notification", errs.Conflict, func(b *issuer.BulkBatch) { b.Notifications[1].ID = "na1" }},
			{"notification of no provider", "notification", errs.Invalid, func(b *issuer.BulkBatch) { b.Notifications[0].ProviderID = "nope" }},
			// Not a taken index (which COPY also reports as a violation).
			{"status entry of no provider", "status entry", errs.Invalid, func(b *issuer.BulkBatch) { b.StatusEntries[1].ProviderID = "nope" }},
		} {
			t.Run("error/"+tc.name, func(t *testing.T) {
				b := batch(3, 5, 6)
				tc.edit(b)
				_, err := db.WriteBulkBatch(ctx, b)
				if !errs.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.what) {
					t.Fatalf("err = %v, want %s naming %q", err, tc.kind, tc.what)
				}
				nothingWritten(t, "a3", "a4")
			})
		}
		t.Run("error/row already finished", func(t *testing.T) {
			b := batch(3, 5, 6)
			b.Rows[1].Line = 1 // issued by "ok"
			if _, err := db.WriteBulkBatch(ctx, b); !errors.Is(err, issuer.ErrBulkRowClosed) {
				t.Fatalf("err = %v, want ErrBulkRowClosed", err)
			}
			nothingWritten(t, "a3", "a4")
			if rows, _ := db.BulkRows(ctx, "j1", 0, 1); rows[0].AwardID != "a1" {
				t.Errorf("line 1 = %+v, want a1's", rows[0])
			}
		})
		t.Run("error/row not found", func(t *testing.T) {
			b := batch(3, 5, 6)
			b.Rows[1].Line = 99
			if _, err := db.WriteBulkBatch(ctx, b); !errs.Is(err, errs.NotFound) {
				t.Fatalf("err = %v, want NotFound", err)
			}
			nothingWritten(t, "a3", "a4")
		})
		// Last: it cancels the job. Its pending rows are cancelled, and
		// nothing more is recorded for them, a batch or one failed row.
		t.Run("error/job cancelled", func(t *testing.T) {
			if ok, err := db.SetBulkJobState(ctx, "j1", issuer.JobCancelled, t0, issuer.JobQueued, issuer.JobRunning); !ok || err != nil {
				t.Fatalf("cancel = %v, %v", ok, err)
			}
			if _, err := db.WriteBulkBatch(ctx, batch(3, 5, 6)); !errors.Is(err, issuer.ErrBulkRowClosed) {
				t.Fatalf("batch: err = %v, want ErrBulkRowClosed", err)
			}
			err := db.FinishBulkRow(ctx, &issuer.BulkRow{JobID: "j1", Line: 4, State: issuer.RowFailed, Error: "late"})
			if !errors.Is(err, issuer.ErrBulkRowClosed) || !errs.Is(err, errs.Conflict) {
				t.Fatalf("one row: err = %v, want ErrBulkRowClosed (Conflict)", err)
			}
			for _, id := range []string{"a3", "a4"} {
				if _, err := db.Award(ctx, id); !errs.Is(err, errs.NotFound) {
					t.Errorf("award %s: %v, want NotFound", id, err)
				}
			}
			rows, err := db.BulkRows(ctx, "j1", 2, 10)
			if err != nil || len(rows) != 2 || rows[0].State != issuer.RowCancelled || rows[1].State != issuer.RowCancelled ||
				rows[0].AwardID != "" || rows[1].Error != "" {
				t.Errorf("rows = %+v, %v", rows, err)
			}
		})
	})
}

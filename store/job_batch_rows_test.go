package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/store"
)

// cohortBatch is a batch of n awards (ids prefix+line, lines first…) of
// job jobID with every column set: 2 status entries (indexes from idx0),
// 2 credentials, 3 audit events and a notification each.
func cohortBatch(providerID, jobID, prefix string, first, n, idx0 int) *issuer.BulkBatch {
	nz := time.FixedZone("NZDT", 13*3600)
	at := time.Date(2026, 3, 1, 22, 30, 0, 123456789, nz) // not UTC, sub-µs
	sent := at.Add(time.Minute)
	b := &issuer.BulkBatch{}
	for i := range n {
		line := first + i
		id := prefix + strconv.Itoa(line)
		b.Awards = append(b.Awards, &issuer.Award{ID: id, ProviderID: providerID, AchievementID: "ach1", AchievementVersion: 1,
			LearnerName: "Ākonga " + id, LearnerEmail: id + "@example.nz", LearnerDID: "did:key:z" + id, NSN: "1234",
			Result: "Achieved", CreditsEarned: 10, CompletedOn: at, EvidenceURLs: []string{"https://example.nz/" + id},
			State: issuer.AwardIssued, CreatedBy: "k1", ApprovedBy: "k2", IssuedAt: &at, Reason: "r", CreatedAt: at, UpdatedAt: sent})
		b.Idempotency = append(b.Idempotency, &issuer.Idempotency{ProviderID: providerID, Key: "bulk:" + jobID + ":" + id,
			RequestHash: "h" + id, AwardID: id, CreatedAt: at})
		b.StatusEntries = append(b.StatusEntries,
			issuer.StatusEntry{ProviderID: providerID, Purpose: issuer.StatusRevocation, Index: idx0 + i, AwardID: id},
			issuer.StatusEntry{ProviderID: providerID, Purpose: issuer.StatusSuspension, Index: idx0 + i, AwardID: id})
		b.Credentials = append(b.Credentials,
			&issuer.Credential{AwardID: id, ProviderID: providerID, Format: issuer.FormatDI, Body: []byte(`{"id":"` + id + `","x":"\u0000ā"}`), CreatedAt: at},
			&issuer.Credential{AwardID: id, ProviderID: providerID, Format: issuer.FormatJWT, Body: []byte{0, 0xff, 'e', '3', '0'}, CreatedAt: at})
		for _, action := range []string{"award.create", "award.approve", "award.issue"} {
			b.Audit = append(b.Audit, &issuer.AuditEvent{ProviderID: providerID, Actor: "k1", Action: action, Subject: "award:" + id,
				RequestID: "req-" + id, At: at, Detail: map[string]string{"line": strconv.Itoa(line)}})
		}
		b.Notifications = append(b.Notifications, &issuer.Notification{ID: "n" + id, ProviderID: providerID, AwardID: id,
			Kind: issuer.NotifyAwardIssued, To: id + "@example.nz", Subject: "s", Body: "b", State: issuer.NotifySent, Attempts: 2,
			NextAttemptAt: at, LastError: "e", CreatedAt: at, SentAt: &sent})
		b.Rows = append(b.Rows, &issuer.BulkRow{JobID: jobID, Line: line, State: issuer.RowIssued, AwardID: id, FinishedAt: &sent})
	}
	return b
}

// rawDB opens the store's database directly, to read rows as stored.
func rawDB(t *testing.T, db *store.DB, dsn, dir string) *sql.DB {
	t.Helper()
	var raw *sql.DB
	var err error
	if db.Dialect() == store.Postgres {
		raw, err = sql.Open("pgx", dsn)
	} else {
		raw, err = sql.Open("sqlite", "file:"+filepath.ToSlash(filepath.Join(dir, "tohu.db"))+"?_pragma=query_only(1)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// storedRows returns query's rows as text, each column "name=value".
func storedRows(t *testing.T, raw *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := raw.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = fmt.Sprintf("%x", bs)
			}
			fmt.Fprintf(&b, "%s=%v (%T); ", cols[i], v, v)
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWriteBulkBatchStored: the rows a batch writes are stored exactly as
// the single-row writes (gorm's Create) store the same records, column by
// column, on both databases.
func TestWriteBulkBatchStored(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		p := seedProvider(t, db, "p1", "one")
		seedAward(t, db, p.ID, "ach1", "seeded")
		job := &issuer.BulkJob{ID: "j1", ProviderID: p.ID, APIKeyID: "k1", Mode: issuer.ModeIssue, State: issuer.JobRunning,
			Total: 1, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateBulkJob(ctx, job, []issuer.BulkRow{{Line: 1, State: issuer.RowPending}}); err != nil {
			t.Fatal(err)
		}
		// The same records, once one by one (award "s1") and once as a batch ("b1").
		one := cohortBatch(p.ID, "j1", "s", 1, 1, 10)
		if err := db.CreateAward(ctx, one.Awards[0]); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveIdempotencyKey(ctx, one.Idempotency[0]); err != nil {
			t.Fatal(err)
		}
		for _, e := range one.StatusEntries {
			if ok, err := db.ReserveStatusIndex(ctx, e.ProviderID, e.Purpose, e.Index, e.AwardID); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
		for _, c := range one.Credentials {
			if err := db.SaveCredential(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		for _, e := range one.Audit {
			if err := db.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.EnqueueNotification(ctx, one.Notifications[0]); err != nil {
			t.Fatal(err)
		}
		if ok, err := db.WriteBulkBatch(ctx, cohortBatch(p.ID, "j1", "b", 1, 1, 20)); !ok || err != nil {
			t.Fatalf("WriteBulkBatch = %v, %v", ok, err)
		}
		raw := rawDB(t, db, dsn, dir)
		for _, q := range []string{
			"SELECT * FROM awards WHERE id = $1",
			"SELECT * FROM idempotency_keys WHERE award_id = $1",
			"SELECT provider_id, purpose, award_id, is_set FROM status_entries WHERE award_id = $1 ORDER BY purpose",
			"SELECT * FROM credentials WHERE award_id = $1 ORDER BY format",
			"SELECT provider_id, actor, action, subject, request_id, at, detail FROM audit_events WHERE subject = 'award:' || $1 ORDER BY id",
			"SELECT * FROM outbox WHERE award_id = $1",
		} {
			if db.Dialect() == store.SQLite {
				q = strings.ReplaceAll(q, "$1", "?")
			}
			single := storedRows(t, raw, q, "s1")
			batch := storedRows(t, raw, q, "b1")
			for i := range single {
				single[i] = strings.NewReplacer("s1", "b1", hexOf("s1"), hexOf("b1")).Replace(single[i])
			}
			if len(single) == 0 || !reflect.DeepEqual(single, batch) {
				t.Errorf("%s:\n one by one %q\n batch      %q", q, single, batch)
			}
		}
	})
}

func hexOf(s string) string { return fmt.Sprintf("%x", s) }

// TestWriteBulkBatchChunks: batches whose tables need exactly
// store.BatchChunk rows, and one more (a second statement of one row), are
// written whole, audit IDs in order; a status index taken in the last
// statement rolls back every chunk before it.
func TestWriteBulkBatchChunks(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, _, _ string) {
		ctx := context.Background()
		p := seedProvider(t, db, "p1", "one")
		seedAward(t, db, p.ID, "ach1", "seeded")
		const n = store.BatchChunk
		// Awards, keys, outbox, rows: n, then n+1 twice (statements of n
		// and 1); status entries and credentials 2n, 2n+2 (n, n, 2); audit
		// 3n, 3n+3. Line L draws index 1000+L-1.
		total := 3*n + 2
		job := &issuer.BulkJob{ID: "j1", ProviderID: p.ID, APIKeyID: "k1", Mode: issuer.ModeIssue, State: issuer.JobRunning,
			Total: total, CreatedAt: t0, UpdatedAt: t0}
		var lines []issuer.BulkRow
		for i := 1; i <= total; i++ {
			lines = append(lines, issuer.BulkRow{Line: i, State: issuer.RowPending})
		}
		if err := db.CreateBulkJob(ctx, job, lines); err != nil {
			t.Fatal(err)
		}
		// The last line's suspension index, the batch's last status entry,
		// is taken by another award.
		seedAward(t, db, p.ID, "ach1", "other")
		if ok, err := db.ReserveStatusIndex(ctx, p.ID, issuer.StatusSuspension, 1000+total-1, "other"); !ok || err != nil {
			t.Fatal(ok, err)
		}
		check := func(t *testing.T, b *issuer.BulkBatch, first, count int) {
			t.Helper()
			for i, e := range b.Audit {
				if e.ID == 0 || (i > 0 && e.ID <= b.Audit[i-1].ID) {
					t.Fatalf("audit IDs not set in order: %d after %d", e.ID, b.Audit[max(i-1, 0)].ID)
				}
			}
			events, err := db.AuditEvents(ctx, p.ID, len(b.Audit))
			if err != nil || len(events) != len(b.Audit) {
				t.Fatalf("audit events: %d, %v", len(events), err)
			}
			for i, e := range events { // newest first
				want := b.Audit[len(b.Audit)-1-i]
				if e.ID != want.ID || e.Subject != want.Subject || e.Action != want.Action {
					t.Fatalf("audit event %d = %+v, want ID %d %s %s", e.ID, e, want.ID, want.Subject, want.Action)
				}
			}
			rows, err := db.BulkRows(ctx, "j1", first-1, count)
			if err != nil || len(rows) != count {
				t.Fatalf("rows: %d, %v", len(rows), err)
			}
			for i, r := range rows {
				id := "a" + strconv.Itoa(first+i)
				if r.State != issuer.RowIssued || r.AwardID != id {
					t.Fatalf("row %d = %+v", first+i, r)
				}
				c, err := db.Credential(ctx, id, issuer.FormatJWT)
				if err != nil || c.StatusIndex[issuer.StatusRevocation] != 1000+first-1+i || c.StatusIndex[issuer.StatusSuspension] != 1000+first-1+i {
					t.Fatalf("credential %s = %+v, %v", id, c, err)
				}
				if k, err := db.IdempotencyKey(ctx, p.ID, "bulk:j1:"+id); err != nil || k.AwardID != id {
					t.Fatalf("key %s = %+v, %v", id, k, err)
				}
				if nt, err := db.AwardNotification(ctx, id, issuer.NotifyAwardIssued); err != nil || nt.ID != "n"+id {
					t.Fatalf("notification %s = %+v, %v", id, nt, err)
				}
			}
		}
		t.Run("exactly a chunk", func(t *testing.T) {
			b := cohortBatch(p.ID, "j1", "a", 1, n, 1000)
			if ok, err := db.WriteBulkBatch(ctx, b); !ok || err != nil {
				t.Fatalf("WriteBulkBatch = %v, %v", ok, err)
			}
			check(t, b, 1, n)
		})
		t.Run("a chunk and one more", func(t *testing.T) {
			b := cohortBatch(p.ID, "j1", "a", n+1, n+1, 1000+n)
			if ok, err := db.WriteBulkBatch(ctx, b); !ok || err != nil {
				t.Fatalf("WriteBulkBatch = %v, %v", ok, err)
			}
			check(t, b, n+1, n+1)
		})
		t.Run("error/index taken in the last chunk", func(t *testing.T) {
			b := cohortBatch(p.ID, "j1", "a", 2*n+2, n+1, 1000+2*n+1)
			if ok, err := db.WriteBulkBatch(ctx, b); ok || err != nil {
				t.Fatalf("WriteBulkBatch = %v, %v; want false, nil", ok, err)
			}
			for _, line := range []int{2*n + 2, 3*n + 2} {
				if _, err := db.Award(ctx, "a"+strconv.Itoa(line)); !errs.Is(err, errs.NotFound) {
					t.Errorf("award of line %d: %v, want NotFound", line, err)
				}
			}
			if rows, err := db.BulkRows(ctx, "j1", 2*n+1, 1); err != nil || len(rows) != 1 || rows[0].State != issuer.RowPending {
				t.Errorf("row %d = %+v, %v", 2*n+2, rows, err)
			}
			if events, err := db.AuditEvents(ctx, p.ID, 1); err != nil || len(events) != 1 || events[0].Subject != "award:a"+strconv.Itoa(2*n+1) {
				t.Errorf("last audit event = %+v, %v", events, err)
			}
		})
	})
}

// TestCredentialBodyLZ4: on PostgreSQL a credential body big enough to be
// compressed is compressed with lz4 (migration 005), by a batch and by a
// single write. (The servers tohu runs on are built with lz4; one without
// would keep pglz and fail this.)
func TestCredentialBodyLZ4(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		if db.Dialect() != store.Postgres {
			t.Skip("SQLite does not compress")
		}
		ctx := context.Background()
		p := seedProvider(t, db, "p1", "one")
		seedAward(t, db, p.ID, "ach1", "seeded")
		seedAward(t, db, p.ID, "ach1", "single")
		job := &issuer.BulkJob{ID: "j1", ProviderID: p.ID, APIKeyID: "k1", Mode: issuer.ModeIssue, State: issuer.JobRunning,
			Total: 1, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateBulkJob(ctx, job, []issuer.BulkRow{{Line: 1, State: issuer.RowPending}}); err != nil {
			t.Fatal(err)
		}
		body := []byte(`{"credentialSubject":` + strings.Repeat(`{"type":"AchievementSubject"},`, 200) + `{}}`)
		b := cohortBatch(p.ID, "j1", "a", 1, 1, 1)
		b.Credentials[0].Body = body
		if ok, err := db.WriteBulkBatch(ctx, b); !ok || err != nil {
			t.Fatalf("WriteBulkBatch = %v, %v", ok, err)
		}
		if err := db.SaveCredential(ctx, &issuer.Credential{AwardID: "single", ProviderID: p.ID, Format: issuer.FormatDI, Body: body, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		raw := rawDB(t, db, dsn, dir)
		for _, id := range []string{"a1", "single"} {
			var method sql.NullString
			if err := raw.QueryRow("SELECT pg_column_compression(body) FROM credentials WHERE award_id = $1 AND format = $2", id, issuer.FormatDI).Scan(&method); err != nil {
				t.Fatal(err)
			}
			if method.String != "lz4" {
				t.Errorf("%s: body compressed with %q, want lz4", id, method.String)
			}
		}
	})
}

// TestWriteBulkBatchCancelled: a batch whose context ends part-way (while
// its COPY streams on PostgreSQL, between statements, or at the commit)
// is stored whole or not at all, each table and the rows' outcomes alike;
// one that failed reports that the database did not answer in time, and
// the connections it used keep working for the batches after it. (A
// deadline that falls during the commit can report an error for a batch
// the database did commit: then it is all there, which the bulk workers
// rely on, as the rows' outcomes are in it.)
func TestWriteBulkBatchCancelled(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		p := seedProvider(t, db, "p1", "one")
		seedAward(t, db, p.ID, "ach1", "seeded")
		const per, batches = 32, 24
		rows := make([]issuer.BulkRow, per*batches)
		for i := range rows {
			rows[i] = issuer.BulkRow{Line: i + 1, State: issuer.RowPending}
		}
		job := &issuer.BulkJob{ID: "j1", ProviderID: p.ID, APIKeyID: "k1", Mode: issuer.ModeIssue, State: issuer.JobRunning,
			Total: len(rows), CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateBulkJob(ctx, job, rows); err != nil {
			t.Fatal(err)
		}
		body := bytes.Repeat([]byte(`{"type":"AchievementSubject"},`), 8000) // 240 KB: the COPY takes a while
		reported := map[int]bool{}
		for k := range batches {
			b := cohortBatch(p.ID, "j1", "a", 1+k*per, per, 1+k*per)
			for _, c := range b.Credentials {
				c.Body = body
			}
			// Every other batch gets a deadline somewhere inside its write;
			// the one after it has none and must go through.
			cctx, cancel := ctx, context.CancelFunc(func() {})
			if k%2 == 0 {
				cctx, cancel = context.WithTimeout(ctx, time.Duration(k*k)*time.Millisecond/4)
			}
			ok, err := db.WriteBulkBatch(cctx, b)
			cancel()
			switch {
			case err == nil && ok:
				reported[k] = true
			case err != nil && k%2 == 0:
				if !errs.Is(err, errs.Unavailable) {
					t.Errorf("batch %d: err = %v, want Unavailable", k, err)
				}
			default:
				t.Fatalf("batch %d = %v, %v", k, ok, err)
			}
		}
		raw := rawDB(t, db, dsn, dir)
		count := func(q string, args ...any) int {
			var c int
			if err := raw.QueryRow(q, args...).Scan(&c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		stored, lost := 0, 0
		for k := range batches {
			var got [5]int
			for i := range per {
				id, line := "a"+strconv.Itoa(1+k*per+i), 1+k*per+i
				got[0] += count("SELECT COUNT(*) FROM awards WHERE id = $1", id)
				got[1] += count("SELECT COUNT(*) FROM credentials WHERE award_id = $1", id)
				got[2] += count("SELECT COUNT(*) FROM outbox WHERE award_id = $1", id)
				got[3] += count("SELECT COUNT(*) FROM idempotency_keys WHERE award_id = $1", id)
				got[4] += count("SELECT COUNT(*) FROM bulk_rows WHERE job_id = 'j1' AND line = $1 AND state = 'issued'", line)
			}
			switch full := [5]int{per, 2 * per, per, per, per}; got {
			case full:
				stored++
			case [5]int{}:
				lost++
				if reported[k] {
					t.Errorf("batch %d was reported written but nothing is stored", k)
				}
			default:
				t.Errorf("batch %d is stored in part: awards, credentials, notifications, keys, rows = %v of %v", k, got, full)
			}
		}
		if lost == 0 {
			t.Fatal("no batch was stopped part-way; the test proves nothing")
		}
		t.Logf("%s: %d of %d batches stored, %d reported", db.Dialect(), stored, batches, len(reported))
	})
}

// TestCreateBulkJobStored: a job's rows, written in one go (COPY on
// PostgreSQL, multi-row INSERTs on SQLite, in chunks), read back as given
// — every input field, outcome, error and finish time — with no lease and
// no attempts; a job id used twice is a Conflict and leaves the first job's
// rows as they were.
func TestCreateBulkJobStored(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		p := seedProvider(t, db, "p1", "one")
		done := t0.Add(time.Minute)
		var rows []issuer.BulkRow
		for i := range 450 { // more than one chunk
			r := issuer.BulkRow{Line: i + 2, State: issuer.RowPending, Input: issuer.BulkInput{
				LearnerName: "Ākonga \"" + strconv.Itoa(i) + "\"", LearnerEmail: "l" + strconv.Itoa(i) + "@example.nz",
				NSN: strconv.Itoa(100000000 + i), Achievement: "4729", Result: "Achieved", CreditsEarned: "5",
				CompletedOn: "2026-04-01", EvidenceURL: "https://example.nz/e/" + strconv.Itoa(i)}}
			if i%7 == 3 {
				r.State, r.ErrorField, r.Error, r.FinishedAt = issuer.RowInvalid, "/completed_on", "not a date\nline two", &done
			}
			if i%11 == 5 {
				r.Input.LearnerDID = "did:key:z6Mk" + strconv.Itoa(i)
			}
			rows = append(rows, r)
		}
		job := &issuer.BulkJob{ID: "j1", ProviderID: p.ID, APIKeyID: "k1", Mode: issuer.ModeIssue, State: issuer.JobQueued,
			Total: len(rows), CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateBulkJob(ctx, job, rows); err != nil {
			t.Fatal(err)
		}
		got, err := db.BulkRows(ctx, "j1", 0, 1000)
		if err != nil || len(got) != len(rows) {
			t.Fatalf("rows = %d, %v", len(got), err)
		}
		for i, g := range got {
			w := rows[i]
			w.JobID = "j1"
			if g.FinishedAt != nil && w.FinishedAt != nil && g.FinishedAt.Equal(*w.FinishedAt) {
				g.FinishedAt = w.FinishedAt
			}
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("line %d:\n got %+v\nwant %+v", w.Line, g, w)
			}
		}
		var leased, tried int
		raw := rawDB(t, db, dsn, dir)
		if err := raw.QueryRow("SELECT COUNT(*) FROM bulk_rows WHERE lease_owner <> '' OR lease_until <> 0").Scan(&leased); err != nil {
			t.Fatal(err)
		}
		if err := raw.QueryRow("SELECT COUNT(*) FROM bulk_rows WHERE attempts <> 0").Scan(&tried); err != nil {
			t.Fatal(err)
		}
		if leased != 0 || tried != 0 {
			t.Errorf("%d rows leased, %d with attempts, want none", leased, tried)
		}
		again := *job
		if err := db.CreateBulkJob(ctx, &again, rows[:3]); !errs.Is(err, errs.Conflict) {
			t.Fatalf("same job id again: err = %v, want Conflict", err)
		}
		if n, _ := db.BulkRows(ctx, "j1", 0, 1000); len(n) != len(rows) {
			t.Errorf("after the refused job: %d rows, want %d", len(n), len(rows))
		}
	})
}

package store

import (
	"context"
	"errors"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// batchChunk bounds the rows of one multi-row INSERT: 19 columns × 200
// stays far below PostgreSQL's 65,535 parameters and SQLite's 32,766.
const batchChunk = 200

// errBatchIndexTaken rolls back a batch whose status index was taken.
var errBatchIndexTaken = errors.New("status index taken")

// The statements of WriteBulkBatch, one per table; the columns are those
// of the row structs (awardRow, idempotencyRow, …) that the single-row
// writes use.
var (
	insertAwards = &multiInsert{table: "awards", cols: []string{"id", "provider_id", "achievement_id", "achievement_version",
		"learner_name", "learner_email", "learner_did", "nsn", "result", "credits_earned", "completed_on", "evidence_urls",
		"state", "created_by", "approved_by", "issued_at", "reason", "created_at", "updated_at"}}
	insertIdempotency = &multiInsert{table: "idempotency_keys", cols: []string{"provider_id", "key", "request_hash", "award_id", "created_at"}}
	// ON CONFLICT DO NOTHING: a taken index inserts nothing (and does not
	// abort a PostgreSQL transaction); fewer rows than asked means one was
	// taken.
	insertStatusEntries = &multiInsert{table: "status_entries", cols: []string{"provider_id", "purpose", "idx", "award_id", "is_set"},
		suffix: "ON CONFLICT DO NOTHING"}
	// copyStatusEntries is insertStatusEntries for COPY (PostgreSQL), where
	// a taken index is a unique violation instead.
	copyStatusEntries = &multiInsert{table: insertStatusEntries.table, cols: insertStatusEntries.cols}
	insertCredentials = &multiInsert{table: "credentials", cols: []string{"award_id", "format", "provider_id", "body", "created_at"}}
	insertAudit       = &multiInsert{table: "audit_events", cols: []string{"provider_id", "actor", "action", "subject", "request_id", "at", "detail"},
		suffix: `RETURNING "id"`}
	insertOutbox = &multiInsert{table: "outbox", cols: []string{"id", "provider_id", "award_id", "kind", "to_addr", "subject", "body",
		"state", "attempts", "next_attempt_at", "last_error", "created_at", "sent_at"}}
)

// WriteBulkBatch writes a batch of bulk rows' records (see
// issuer.BulkStore): one multi-row INSERT per table (multiInsert) and one
// UPDATE for the rows' outcomes, instead of about a dozen statements per
// row. On a taken status index it returns false; outside a transaction
// nothing is written, inside the caller's the caller must roll back (the
// issuer does).
func (db *DB) WriteBulkBatch(ctx context.Context, b *issuer.BulkBatch) (bool, error) {
	err := db.WithTx(ctx, func(tx issuer.Store) error {
		t := tx.(*DB)
		w := t.w
		// One slice for every table's values, reused table after table.
		args := make([]any, 0, max(len(insertAwards.cols)*len(b.Awards), len(insertAudit.cols)*len(b.Audit),
			len(insertOutbox.cols)*len(b.Notifications), len(insertCredentials.cols)*len(b.Credentials)))
		if len(b.Awards) > 0 {
			for _, a := range b.Awards {
				r := newAwardRow(a)
				args = append(args, r.ID, r.ProviderID, r.AchievementID, r.AchievementVersion,
					r.LearnerName, r.LearnerEmail, r.LearnerDID, r.NSN, r.Result, r.CreditsEarned, r.CompletedOn, r.EvidenceURLs,
					r.State, r.CreatedBy, r.ApprovedBy, r.IssuedAt, r.Reason, r.CreatedAt, r.UpdatedAt)
			}
			if err := t.writeRows(ctx, w, insertAwards, args, "award"); err != nil {
				return err
			}
		}
		if len(b.Idempotency) > 0 {
			args = args[:0]
			for _, k := range b.Idempotency {
				args = append(args, k.ProviderID, k.Key, k.RequestHash, k.AwardID, k.CreatedAt.UTC())
			}
			if err := t.writeRows(ctx, w, insertIdempotency, args, "idempotency key"); err != nil {
				return err
			}
		}
		if len(b.StatusEntries) > 0 {
			args = args[:0]
			for _, e := range b.StatusEntries {
				args = append(args, e.ProviderID, e.Purpose, e.Index, e.AwardID, false)
			}
			if err := t.writeStatusEntries(ctx, w, args, len(b.StatusEntries)); err != nil {
				return err
			}
		}
		if len(b.Credentials) > 0 {
			args = args[:0]
			for _, c := range b.Credentials {
				args = append(args, c.AwardID, c.Format, c.ProviderID, c.Body, c.CreatedAt.UTC())
			}
			if err := t.writeRows(ctx, w, insertCredentials, args, "credential"); err != nil {
				return err
			}
		}
		if len(b.Audit) > 0 {
			args = args[:0]
			for _, e := range b.Audit {
				args = append(args, e.ProviderID, e.Actor, e.Action, e.Subject, e.RequestID, e.At.UTC(), mapToJSON(e.Detail))
			}
			ids, err := t.insertReturningIDs(ctx, w, insertAudit, args, "audit event")
			if err != nil {
				return err
			}
			for i, e := range b.Audit {
				e.ID = ids[i]
			}
		}
		if len(b.Notifications) > 0 {
			args = args[:0]
			for _, n := range b.Notifications {
				r := newOutboxRow(n)
				args = append(args, r.ID, r.ProviderID, r.AwardID, r.Kind, r.ToAddr, r.Subject, r.Body,
					r.State, r.Attempts, r.NextAttemptAt, r.LastError, r.CreatedAt, r.SentAt)
			}
			if err := t.writeRows(ctx, w, insertOutbox, args, "notification"); err != nil {
				return err
			}
		}
		return t.finishBulkRows(ctx, b.Rows)
	})
	if errors.Is(err, errBatchIndexTaken) {
		return false, nil
	}
	return err == nil, err
}

// writeStatusEntries writes a batch's n status entries (args: their
// values), or errBatchIndexTaken when an index is taken. On PostgreSQL
// they go by COPY, like the batch's other rows: any unique violation there
// is a taken index, since the batch's awards, written first, are new (so
// is each award's entry per purpose). That costs the server less than
// INSERT … ON CONFLICT DO NOTHING, which SQLite keeps: its speculative
// insertion probes both unique indexes once more, and a taken index rolls
// the batch back either way.
func (db *DB) writeStatusEntries(ctx context.Context, w *gorm.DB, args []any, n int) error {
	if db.conn != nil {
		err := db.writeRows(ctx, w, copyStatusEntries, args, "status entry")
		if errs.Is(err, errs.Conflict) {
			return errBatchIndexTaken
		}
		return err
	}
	got, err := db.insertRows(ctx, w, insertStatusEntries, args, "status entry")
	if err != nil {
		return err
	}
	if got != int64(n) {
		return errBatchIndexTaken
	}
	return nil
}

// finishBulkRows records the rows' outcomes (state, award, error, finish
// time; the lease is dropped) in one transaction, joining the caller's:
// one UPDATE … FROM a VALUES list per chunk (PostgreSQL and SQLite ≥ 3.33).
//
// An outcome is recorded only on a row that is still pending, of a job
// that is still open; otherwise issuer.ErrBulkRowClosed and the caller's
// transaction must roll back, so that a cancelled job's row never gets an
// award after the cancel committed, nor loses "cancelled" to one. The
// jobs are locked first (openBulkJobs), which orders this transaction and
// a cancel of the same job one after the other on PostgreSQL; the
// "state = 'pending'" condition covers a row that another worker finished
// (a lease that expired under a slow worker).
func (db *DB) finishBulkRows(ctx context.Context, rows []*issuer.BulkRow) error {
	if len(rows) == 0 {
		return nil
	}
	return db.WithTx(ctx, func(tx issuer.Store) error {
		t := tx.(*DB)
		w := t.write(ctx)
		var ids []string
		for _, r := range rows {
			if !slices.Contains(ids, r.JobID) {
				ids = append(ids, r.JobID)
			}
		}
		open, err := t.openBulkJobs(w, ids, true)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if is, found := open[id]; !found {
				return errs.E(errs.NotFound, "bulk job %s not found", id)
			} else if !is {
				return errs.Wrap(issuer.ErrBulkRowClosed, errs.Conflict, "bulk job %s is no longer running", id)
			}
		}
		for start := 0; start < len(rows); start += batchChunk {
			if err := t.finishChunk(w, rows[start:min(start+batchChunk, len(rows))]); err != nil {
				return err
			}
		}
		return nil
	})
}

// finishChunk is one UPDATE of finishBulkRows.
func (db *DB) finishChunk(w *gorm.DB, rows []*issuer.BulkRow) error {
	// PostgreSQL types a VALUES list from its values: say which are not text.
	// (SQLite must not CAST the time: TIMESTAMPTZ has numeric affinity.)
	tuple := "(?, CAST(? AS INTEGER), ?, ?, ?, ?, ?)"
	if db.dialect == Postgres {
		tuple = "(?, CAST(? AS INTEGER), ?, ?, ?, ?, CAST(? AS TIMESTAMPTZ))"
	}
	var q strings.Builder
	q.WriteString("WITH v (job_id, line, state, award_id, error_field, error, finished_at) AS (VALUES ")
	args := make([]any, 0, 7*len(rows))
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(tuple)
		args = append(args, r.JobID, r.Line, r.State, r.AwardID, r.ErrorField, r.Error, utcPtr(r.FinishedAt))
	}
	q.WriteString(`) UPDATE bulk_rows SET state = v.state, award_id = v.award_id, error_field = v.error_field,
		"error" = v.error, lease_until = 0, finished_at = v.finished_at
		FROM v WHERE bulk_rows.job_id = v.job_id AND bulk_rows.line = v.line AND bulk_rows.state = 'pending'`)
	res := w.Exec(q.String(), args...)
	if res.Error != nil {
		return translate(res.Error, "bulk rows")
	}
	if res.RowsAffected == int64(len(rows)) {
		return nil
	}
	// Fewer rows: tell a missing row from a finished one (rare: a caller's
	// mistake, or another worker's lease race).
	missing := 0
	for _, r := range rows {
		var n int64
		if err := w.Model(&bulkRowRow{}).Where("job_id = ? AND line = ?", r.JobID, r.Line).Count(&n).Error; err != nil {
			return translate(err, "bulk rows")
		}
		if n == 0 {
			missing++
		}
	}
	if missing > 0 {
		return errs.E(errs.NotFound, "%d of %d bulk rows not found", missing, len(rows))
	}
	return errs.Wrap(issuer.ErrBulkRowClosed, errs.Conflict, "%d of %d bulk rows already finished", int64(len(rows))-res.RowsAffected, len(rows))
}

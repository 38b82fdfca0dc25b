package store

import (
	"context"
	"errors"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// batchChunk bounds the rows of one multi-row INSERT: 19 columns × 200
// stays far below PostgreSQL's 65,535 parameters and SQLite's 32,766.
const batchChunk = 200

// errBatchIndexTaken rolls back a batch whose status index was taken.
var errBatchIndexTaken = errors.New("status index taken")

// WriteBulkBatch writes a batch of bulk rows' records (see
// issuer.BulkStore): one multi-row INSERT per table and one UPDATE for the
// rows' outcomes, instead of about a dozen statements per row. On a taken
// status index it returns false; outside a transaction nothing is written,
// inside the caller's the caller must roll back (the issuer does).
func (db *DB) WriteBulkBatch(ctx context.Context, b *issuer.BulkBatch) (bool, error) {
	err := db.WithTx(ctx, func(tx issuer.Store) error {
		t := tx.(*DB)
		w := t.write(ctx)
		if len(b.Awards) > 0 {
			rows := make([]awardRow, len(b.Awards))
			for i, a := range b.Awards {
				rows[i] = newAwardRow(a)
			}
			if err := w.CreateInBatches(rows, batchChunk).Error; err != nil {
				return translate(err, "award")
			}
		}
		if len(b.Idempotency) > 0 {
			rows := make([]idempotencyRow, len(b.Idempotency))
			for i, k := range b.Idempotency {
				rows[i] = idempotencyRow{ProviderID: k.ProviderID, Key: k.Key, RequestHash: k.RequestHash, AwardID: k.AwardID, CreatedAt: k.CreatedAt.UTC()}
			}
			if err := w.CreateInBatches(rows, batchChunk).Error; err != nil {
				return translate(err, "idempotency key")
			}
		}
		if len(b.StatusEntries) > 0 {
			rows := make([]statusEntryRow, len(b.StatusEntries))
			for i, e := range b.StatusEntries {
				rows[i] = statusEntryRow{ProviderID: e.ProviderID, Purpose: e.Purpose, Idx: e.Index, AwardID: e.AwardID}
			}
			// ON CONFLICT DO NOTHING: a taken index inserts nothing (and does
			// not abort a PostgreSQL transaction); fewer rows than asked
			// means one was taken.
			res := w.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, batchChunk)
			if res.Error != nil {
				return translate(res.Error, "status entry")
			}
			if res.RowsAffected != int64(len(rows)) {
				return errBatchIndexTaken
			}
		}
		if len(b.Credentials) > 0 {
			rows := make([]credentialRow, len(b.Credentials))
			for i, c := range b.Credentials {
				rows[i] = credentialRow{AwardID: c.AwardID, Format: c.Format, ProviderID: c.ProviderID, Body: c.Body, CreatedAt: c.CreatedAt.UTC()}
			}
			if err := w.CreateInBatches(rows, batchChunk).Error; err != nil {
				return translate(err, "credential")
			}
		}
		if len(b.Audit) > 0 {
			rows := make([]auditRow, len(b.Audit))
			for i, e := range b.Audit {
				rows[i] = auditRow{ProviderID: e.ProviderID, Actor: e.Actor, Action: e.Action, Subject: e.Subject,
					RequestID: e.RequestID, At: e.At.UTC(), Detail: mapToJSON(e.Detail)}
			}
			if err := w.CreateInBatches(rows, batchChunk).Error; err != nil {
				return translate(err, "audit event")
			}
			for i, e := range b.Audit {
				e.ID = rows[i].ID
			}
		}
		if len(b.Notifications) > 0 {
			rows := make([]outboxRow, len(b.Notifications))
			for i, n := range b.Notifications {
				rows[i] = outboxRow{ID: n.ID, ProviderID: n.ProviderID, AwardID: n.AwardID, Kind: n.Kind, ToAddr: n.To, Subject: n.Subject,
					Body: n.Body, State: n.State, Attempts: n.Attempts, NextAttemptAt: n.NextAttemptAt.UnixMilli(), LastError: n.LastError,
					CreatedAt: n.CreatedAt.UTC(), SentAt: utcPtr(n.SentAt)}
			}
			if err := w.CreateInBatches(rows, batchChunk).Error; err != nil {
				return translate(err, "notification")
			}
		}
		return t.finishBulkRows(ctx, b.Rows)
	})
	if errors.Is(err, errBatchIndexTaken) {
		return false, nil
	}
	return err == nil, err
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

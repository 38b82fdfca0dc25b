package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tohu-nz/tohu/issuer"
)

type bulkJobRow struct {
	ID         string `gorm:"primaryKey"`
	ProviderID string
	APIKeyID   string `gorm:"column:api_key_id"`
	Roles      string // JSON array
	RequestID  string
	Mode       string
	State      string
	Total      int
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	UpdatedAt  time.Time
}

func (bulkJobRow) TableName() string { return "bulk_jobs" }

type bulkRowRow struct {
	JobID        string `gorm:"primaryKey"`
	Line         int    `gorm:"primaryKey;autoIncrement:false"`
	Input        string // JSON of issuer.BulkInput
	LearnerEmail string
	State        string
	AwardID      string
	ErrorField   string
	Error        string
	Attempts     int
	LeaseOwner   string
	LeaseUntil   int64 // Unix ms
	FinishedAt   *time.Time
}

func (bulkRowRow) TableName() string { return "bulk_rows" }

func (r *bulkRowRow) domain() issuer.BulkRow {
	out := issuer.BulkRow{JobID: r.JobID, Line: r.Line, State: r.State, AwardID: r.AwardID, ErrorField: r.ErrorField,
		Error: r.Error, Attempts: r.Attempts, LeaseOwner: r.LeaseOwner, FinishedAt: utcPtr(r.FinishedAt)}
	_ = json.Unmarshal([]byte(r.Input), &out.Input) // written by CreateBulkJob from the same struct
	return out
}

// CreateBulkJob inserts the job and its rows in one transaction (joining the
// caller's when there is one). Conflict if the id is taken.
func (db *DB) CreateBulkJob(ctx context.Context, j *issuer.BulkJob, rows []issuer.BulkRow) error {
	jr := bulkJobRow{ID: j.ID, ProviderID: j.ProviderID, APIKeyID: j.APIKeyID, Roles: toJSON(j.Roles), RequestID: j.RequestID,
		Mode: j.Mode, State: j.State, Total: j.Total, CreatedAt: j.CreatedAt.UTC(), StartedAt: utcPtr(j.StartedAt),
		FinishedAt: utcPtr(j.FinishedAt), UpdatedAt: j.UpdatedAt.UTC()}
	// The rows' values in insertBulkRows' column order: a cohort of
	// thousands goes to PostgreSQL by COPY (writeRows), without gorm's
	// reflection over each row.
	args := make([]any, 0, len(insertBulkRows.cols)*len(rows))
	for _, r := range rows {
		in, _ := json.Marshal(r.Input) // strings only
		args = append(args, j.ID, r.Line, string(in), r.Input.LearnerEmail, r.State, r.AwardID, r.ErrorField, r.Error,
			0, "", int64(0), utcPtr(r.FinishedAt))
	}
	return db.WithTx(ctx, func(tx issuer.Store) error {
		t := tx.(*DB)
		w := t.write(ctx)
		if err := w.Create(&jr).Error; err != nil {
			return translate(err, "bulk job")
		}
		if len(args) == 0 {
			return nil
		}
		return t.writeRows(ctx, w, insertBulkRows, args, "bulk rows")
	})
}

// insertBulkRows writes a job's rows; the columns are bulkRowRow's.
var insertBulkRows = &multiInsert{table: "bulk_rows", cols: []string{"job_id", "line", "input", "learner_email", "state",
	"award_id", "error_field", "error", "attempts", "lease_owner", "lease_until", "finished_at"}}

// BulkJob returns the job with its row counts per state. NotFound if none.
func (db *DB) BulkJob(ctx context.Context, id string) (*issuer.BulkJob, error) {
	var r bulkJobRow
	if err := db.read(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate(err, "bulk job")
	}
	jobs, err := db.withCounts(ctx, []bulkJobRow{r})
	if err != nil {
		return nil, err
	}
	return jobs[0], nil
}

// BulkJobs returns the provider's jobs (in state, unless empty), newest
// first (jobs made at one instant by id), at most limit, with their row
// counts.
func (db *DB) BulkJobs(ctx context.Context, providerID, state string, limit int) ([]*issuer.BulkJob, error) {
	q := db.read(ctx).Where("provider_id = ?", providerID)
	if state != "" {
		q = q.Where("state = ?", state)
	}
	var rows []bulkJobRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "bulk jobs")
	}
	return db.withCounts(ctx, rows)
}

// withCounts makes jobs of rows, with their row counts per state: one
// grouped query for all of them.
func (db *DB) withCounts(ctx context.Context, rows []bulkJobRow) ([]*issuer.BulkJob, error) {
	out := make([]*issuer.BulkJob, len(rows))
	byID := make(map[string]*issuer.BulkJob, len(rows))
	ids := make([]string, len(rows))
	for i, r := range rows {
		out[i] = &issuer.BulkJob{ID: r.ID, ProviderID: r.ProviderID, APIKeyID: r.APIKeyID, Roles: fromJSON[issuer.Role](r.Roles),
			RequestID: r.RequestID, Mode: r.Mode, State: r.State, Total: r.Total, CreatedAt: r.CreatedAt.UTC(),
			StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt), UpdatedAt: r.UpdatedAt.UTC(), Counts: map[string]int{}}
		byID[r.ID], ids[i] = out[i], r.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var counts []struct {
		JobID string
		State string
		N     int
	}
	if err := db.read(ctx).Model(&bulkRowRow{}).Select("job_id, state, COUNT(*) AS n").Where("job_id IN ?", ids).
		Group("job_id, state").Scan(&counts).Error; err != nil {
		return nil, translate(err, "bulk rows")
	}
	for _, c := range counts {
		byID[c.JobID].Counts[c.State] = c.N
	}
	return out, nil
}

// BulkJobCounts returns the number of jobs per state, over all providers.
func (db *DB) BulkJobCounts(ctx context.Context) (map[string]int, error) {
	var counts []struct {
		State string
		N     int
	}
	if err := db.read(ctx).Model(&bulkJobRow{}).Select("state, COUNT(*) AS n").Group("state").Scan(&counts).Error; err != nil {
		return nil, translate(err, "bulk jobs")
	}
	out := make(map[string]int, len(counts))
	for _, c := range counts {
		out[c.State] = c.N
	}
	return out, nil
}

// BulkRows returns up to limit rows after afterLine, by line.
func (db *DB) BulkRows(ctx context.Context, jobID string, afterLine, limit int) ([]issuer.BulkRow, error) {
	var rows []bulkRowRow
	if err := db.read(ctx).Where("job_id = ? AND line > ?", jobID, afterLine).Order("line").Limit(limit).
		Find(&rows).Error; err != nil {
		return nil, translate(err, "bulk rows")
	}
	out := make([]issuer.BulkRow, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// ClaimBulkRows leases pending rows whose lease has expired. One statement:
// the subquery picks the rows in (job, line) order through the partial
// index bulk_rows_todo, and the UPDATE … RETURNING takes them. On
// PostgreSQL, FOR UPDATE SKIP LOCKED makes concurrent claimers (other
// workers, other replicas) pass over rows another claim is taking instead
// of waiting for it or taking it twice; the lease then keeps them off until
// it expires (a crashed worker's rows come back). SQLite has one writer, so
// the statement runs alone.
func (db *DB) ClaimBulkRows(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]issuer.BulkRow, error) {
	q := `UPDATE bulk_rows SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
		WHERE (job_id, line) IN (SELECT job_id, line FROM bulk_rows
			WHERE state = 'pending' AND lease_until < ? ORDER BY job_id, line LIMIT ?` + db.skipLocked() + `)
		RETURNING job_id, line, input, learner_email, state, award_id, error_field, error, attempts, lease_owner, lease_until, finished_at`
	var rows []bulkRowRow
	if err := db.write(ctx).Raw(q, owner, leaseUntil.UnixMilli(), now.UnixMilli(), limit).Scan(&rows).Error; err != nil {
		return nil, translate(err, "bulk rows")
	}
	out := make([]issuer.BulkRow, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// skipLocked ends a claim's row-picking subquery: on PostgreSQL, FOR
// UPDATE SKIP LOCKED, so that concurrent claimers pass over rows another
// transaction holds instead of waiting for them; SQLite has one writer, so
// its statements never meet.
func (db *DB) skipLocked() string {
	if db.dialect == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// RenewBulkLease extends owner's leases on lines of jobID still pending.
// On PostgreSQL it passes over rows locked by another transaction (SKIP
// LOCKED): those are the batch's own write finishing them, or a cancel,
// and waiting for them could deadlock with a statement that locks the same
// rows in another order.
func (db *DB) RenewBulkLease(ctx context.Context, owner, jobID string, lines []int, until time.Time) error {
	if len(lines) == 0 {
		return nil
	}
	q := `UPDATE bulk_rows SET lease_until = ? WHERE (job_id, line) IN (SELECT job_id, line FROM bulk_rows
		WHERE job_id = ? AND line IN ? AND lease_owner = ? AND state = 'pending'` + db.skipLocked() + `)`
	return translate(db.write(ctx).Exec(q, until.UnixMilli(), jobID, lines, owner).Error, "bulk rows")
}

// FinishBulkRow records r's outcome and clears its lease, as
// finishBulkRows does for a batch: only while the row is pending and its
// job open (issuer.ErrBulkRowClosed otherwise, nothing written). NotFound
// if the row does not exist.
func (db *DB) FinishBulkRow(ctx context.Context, r *issuer.BulkRow) error {
	return db.finishBulkRows(ctx, []*issuer.BulkRow{r})
}

// ReleaseBulkRow puts a leased row back, claimable from retryAt.
func (db *DB) ReleaseBulkRow(ctx context.Context, jobID string, line int, retryAt time.Time, lastError string) error {
	err := db.write(ctx).Model(&bulkRowRow{}).Where("job_id = ? AND line = ? AND state = ?", jobID, line, issuer.RowPending).
		Updates(map[string]any{"lease_owner": "", "lease_until": retryAt.UnixMilli(), "error": lastError}).Error
	return translate(err, "bulk row")
}

// SetBulkJobState moves the job to state when it is in one of from. Moving
// to running sets started_at; done, failed and cancelled set finished_at;
// cancelled also marks the job's pending rows cancelled, in one transaction.
func (db *DB) SetBulkJobState(ctx context.Context, id, state string, at time.Time, from ...string) (bool, error) {
	changed := false
	err := db.WithTx(ctx, func(tx issuer.Store) error {
		w := tx.(*DB).write(ctx)
		set := map[string]any{"state": state, "updated_at": at.UTC()}
		switch state {
		case issuer.JobRunning:
			set["started_at"] = at.UTC()
		case issuer.JobDone, issuer.JobFailed, issuer.JobCancelled:
			set["finished_at"] = at.UTC()
		}
		res := w.Model(&bulkJobRow{}).Where("id = ? AND state IN ?", id, from).Updates(set)
		if res.Error != nil {
			return translate(res.Error, "bulk job")
		}
		changed = res.RowsAffected == 1
		if changed && state == issuer.JobCancelled {
			err := w.Model(&bulkRowRow{}).Where("job_id = ? AND state = ?", id, issuer.RowPending).
				Updates(map[string]any{"state": issuer.RowCancelled, "lease_until": 0, "finished_at": at.UTC()}).Error
			return translate(err, "bulk rows")
		}
		return nil
	})
	return changed, err
}

// UsedStatusIndexes returns every allocated index of one list.
func (db *DB) UsedStatusIndexes(ctx context.Context, providerID, purpose string) ([]int, error) {
	var idx []int
	err := db.read(ctx).Model(&statusEntryRow{}).Where("provider_id = ? AND purpose = ?", providerID, purpose).Pluck("idx", &idx).Error
	return idx, translate(err, "status entries")
}

// ReserveStatusIndex inserts the entry (provider, purpose, idx) for awardID
// with ON CONFLICT DO NOTHING: false when another award holds the index,
// without aborting the surrounding PostgreSQL transaction.
func (db *DB) ReserveStatusIndex(ctx context.Context, providerID, purpose string, idx int, awardID string) (bool, error) {
	res := db.write(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&statusEntryRow{ProviderID: providerID, Purpose: purpose, Idx: idx, AwardID: awardID})
	if res.Error != nil {
		return false, translate(res.Error, "status entry")
	}
	return res.RowsAffected == 1, nil
}

// BulkJobPending reports whether the job has a pending row, through the
// partial index bulk_rows_todo (the runner asks after every batch).
func (db *DB) BulkJobPending(ctx context.Context, id string) (bool, error) {
	var lines []int
	err := db.read(ctx).Model(&bulkRowRow{}).Where("job_id = ? AND state = ?", id, issuer.RowPending).Limit(1).Pluck("line", &lines).Error
	return len(lines) > 0, translate(err, "bulk rows")
}

// OpenBulkJobs reports which of the jobs are open (queued or running).
func (db *DB) OpenBulkJobs(ctx context.Context, ids []string) (map[string]bool, error) {
	return db.openBulkJobs(db.read(ctx), ids, false)
}

// openBulkJobs returns the jobs among ids that exist, each with whether it
// is open. With lock, in a PostgreSQL transaction, the jobs' rows are held
// FOR SHARE until it ends: a cancel (SetBulkJobState updates the job's row
// first, then its pending rows) either waits for the transaction to commit
// and then finds its rows finished, or has committed first and is seen
// here. Taken in id order, so two transactions never wait on each other.
// SQLite needs no lock: a write transaction runs alone.
func (db *DB) openBulkJobs(q *gorm.DB, ids []string, lock bool) (map[string]bool, error) {
	var jobs []struct {
		ID, State string
	}
	q = q.Model(&bulkJobRow{}).Select("id, state").Where("id IN ?", ids).Order("id")
	if lock && db.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthShare})
	}
	if err := q.Scan(&jobs).Error; err != nil {
		return nil, translate(err, "bulk jobs")
	}
	out := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		out[j.ID] = j.State == issuer.JobQueued || j.State == issuer.JobRunning
	}
	return out, nil
}

package issuer

import (
	"context"
	"errors"
	"time"
)

// Bulk job states.
const (
	JobQueued    = "queued"    // stored, no row claimed yet
	JobRunning   = "running"   // rows are being worked on
	JobDone      = "done"      // every row finished (some may have failed)
	JobFailed    = "failed"    // every row failed: nothing was created
	JobCancelled = "cancelled" // cancelled; rows not yet started were not worked on
)

// Bulk row states. A pending row with a lease in the future is being worked
// on by the lease owner; one whose lease has expired (its worker crashed) is
// claimable again.
const (
	RowPending   = "pending"   // waiting, or leased to a worker
	RowIssued    = "issued"    // the award was issued (credential URL in the results)
	RowCreated   = "created"   // the award was recorded, pending approval (assessor-only job)
	RowFailed    = "failed"    // the row could not be issued; the error says why
	RowInvalid   = "invalid"   // refused at validation, before the job started
	RowCancelled = "cancelled" // the job was cancelled before the row was worked on
)

// ErrBulkRowClosed: a bulk row's outcome was not recorded because the row
// is no longer pending (another worker finished it) or its job is no longer
// open (it was cancelled, and the row with it). The transaction that was to
// record it rolls back: an award is issued for a row only if the row says
// so, and never after its job's cancel committed.
var ErrBulkRowClosed = errors.New("the bulk row is closed: finished elsewhere, or its job was cancelled")

// Bulk job modes: what happens to each row.
const (
	ModeIssue  = "issue"  // create, approve and issue (the submitter holds assessor and approver)
	ModeCreate = "create" // create pending awards for a separate approver
)

// BulkJob is one cohort upload. Its rows are stored with it, so any replica
// can work on it and a restart resumes it.
type BulkJob struct {
	ID         string
	ProviderID string
	APIKeyID   string // the submitter; the rows are worked on with its roles
	Roles      []Role
	RequestID  string
	Mode       string // ModeIssue or ModeCreate
	State      string
	Total      int
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	UpdatedAt  time.Time
	// Counts is the number of rows per row state (filled by Store.BulkJob).
	Counts map[string]int
}

// BulkInput is one row of a cohort file, as written (trimmed). The CSV
// columns and the JSON member names are the tags.
type BulkInput struct {
	LearnerName   string `json:"learner_name"`
	LearnerEmail  string `json:"learner_email,omitempty"`
	LearnerDID    string `json:"learner_did,omitempty"`
	NSN           string `json:"nsn,omitempty"`
	Achievement   string `json:"achievement,omitempty"` // achievement id or NZQA reference
	Result        string `json:"result,omitempty"`
	CreditsEarned string `json:"credits_earned,omitempty"`
	CompletedOn   string `json:"completed_on"` // YYYY-MM-DD
	EvidenceURL   string `json:"evidence_url,omitempty"`
}

// BulkRow is one stored row of a job.
type BulkRow struct {
	JobID      string
	Line       int // the line of the CSV file (header = 1), or the 1-based index of a JSON array
	Input      BulkInput
	State      string
	AwardID    string
	ErrorField string // a column name (e.g. "learner_email")
	Error      string
	Attempts   int
	LeaseOwner string
	FinishedAt *time.Time
}

// Notification kinds and states (the transactional outbox).
const (
	NotifyAwardIssued = "award.issued"

	NotifyPending = "pending" // recorded; sent by a notifier when SMTP is configured
	NotifySent    = "sent"
	NotifyFailed  = "failed" // gave up after the maximum number of attempts
)

// ErrAttemptSuperseded: a delivery attempt's outcome was not written,
// because the notification was claimed again (this attempt's lease ran
// out) or sent again by staff meanwhile; the later one stands.
var ErrAttemptSuperseded = errors.New("the notification was claimed or sent again meanwhile")

// Notification is one email in the outbox. It is recorded in the same
// transaction as the change it announces, so it exists if and only if that
// change committed; a notifier sends it afterwards, with retries.
type Notification struct {
	ID            string
	ProviderID    string
	AwardID       string
	Kind          string
	To            string
	Subject       string
	Body          string // text/plain, UTF-8; English then te reo Māori
	State         string
	Attempts      int
	Generation    int       // times staff sent it again (ResendNotification)
	NextAttemptAt time.Time // also the lease while a notifier is sending it
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// Completion is one line of the NZQA completions report.
type Completion struct {
	AwardID       string
	NSN           string
	LearnerName   string
	NZQARef       string
	NZQAVersion   string
	Title         string
	CompletedOn   time.Time
	CreditsEarned int
	State         AwardState
}

// BulkStore is the persistence for bulk jobs, the notification outbox and
// reports; part of Store. Error contract as for Store.
type BulkStore interface {
	// CreateBulkJob inserts the job and all its rows.
	CreateBulkJob(ctx context.Context, j *BulkJob, rows []BulkRow) error
	// BulkJob returns the job with its row counts. NotFound if none.
	BulkJob(ctx context.Context, id string) (*BulkJob, error)
	// BulkJobs returns the provider's jobs (only those in state, unless
	// empty), newest first, at most limit, each with its row counts.
	BulkJobs(ctx context.Context, providerID, state string, limit int) ([]*BulkJob, error)
	// BulkJobCounts returns the number of jobs in each state, over all
	// providers (for the operator's metrics).
	BulkJobCounts(ctx context.Context) (map[string]int, error)
	// BulkJobPending reports whether the job has a pending row (cheap: the partial index).
	BulkJobPending(ctx context.Context, id string) (bool, error)
	// BulkRows returns up to limit rows of the job with line > afterLine, by line.
	BulkRows(ctx context.Context, jobID string, afterLine, limit int) ([]BulkRow, error)
	// ClaimBulkRows leases up to limit pending rows whose lease has expired
	// (lease before now) to owner until leaseUntil, and returns them. Rows
	// leased to another live worker are skipped (PostgreSQL: FOR UPDATE SKIP
	// LOCKED; SQLite: the single writer), so two workers never hold one row.
	ClaimBulkRows(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]BulkRow, error)
	// RenewBulkLease extends owner's leases on the job's lines that are
	// still pending, passing over rows another transaction holds.
	RenewBulkLease(ctx context.Context, owner, jobID string, lines []int, until time.Time) error
	// FinishBulkRow records a row's outcome (state, award, error) and drops
	// its lease, joining the caller's transaction; the guard of
	// WriteBulkBatch applies (ErrBulkRowClosed).
	FinishBulkRow(ctx context.Context, r *BulkRow) error
	// OpenBulkJobs reports, for each of the jobs that exists, whether it is
	// open (queued or running): a cheap read, to skip a cancelled job's
	// claimed rows before signing them.
	OpenBulkJobs(ctx context.Context, ids []string) (map[string]bool, error)
	// ReleaseBulkRow gives a leased row back (a transient failure): it stays
	// pending and is claimable again from retryAt.
	ReleaseBulkRow(ctx context.Context, jobID string, line int, retryAt time.Time, lastError string) error
	// SetBulkJobState moves the job to state if it is in one of from; it
	// reports whether it did. Cancelling also marks its pending rows cancelled.
	SetBulkJobState(ctx context.Context, id, state string, at time.Time, from ...string) (bool, error)

	// EnqueueNotification records n; Conflict if one of its kind exists for the award.
	EnqueueNotification(ctx context.Context, n *Notification) error
	// ClaimNotifications leases up to limit pending notifications due at now
	// until leaseUntil (by moving their next attempt there) and returns them.
	ClaimNotifications(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Notification, error)
	// UpdateNotification writes the outcome of the delivery attempt that
	// claimed n (state, next attempt, last error, sent time), only while its
	// attempts and generation are still n's: ErrAttemptSuperseded otherwise.
	UpdateNotification(ctx context.Context, n *Notification) error
	// ResetNotification makes n due again at n.NextAttemptAt, to n.To, with
	// no attempts, as its next generation (ResendNotification).
	ResetNotification(ctx context.Context, n *Notification) error
	// AwardNotification returns the award's notification of kind. NotFound if none.
	AwardNotification(ctx context.Context, awardID, kind string) (*Notification, error)
	// AwardNotifications returns the notifications of kind of those of the
	// awards that have one, by award id.
	AwardNotifications(ctx context.Context, awardIDs []string, kind string) (map[string]*Notification, error)

	// UsedStatusIndexes returns every allocated index of the provider's list for purpose.
	UsedStatusIndexes(ctx context.Context, providerID, purpose string) ([]int, error)
	// ReserveStatusIndex records index idx of the provider's list for
	// purpose as awardID's; false (and nothing written) if it is taken.
	ReserveStatusIndex(ctx context.Context, providerID, purpose string, idx int, awardID string) (bool, error)
	// WriteBulkBatch writes a batch of bulk rows' records with a few
	// multi-row statements, all or nothing (in the caller's transaction
	// when there is one): awards, idempotency keys, status entries,
	// credentials, audit events (IDs set), notifications, then the rows'
	// outcomes. It returns false, having written nothing, when any of the
	// status indexes is taken; Conflict when another unique key is (an
	// idempotency key, an award's notification); NotFound when a row does
	// not exist; ErrBulkRowClosed when a row is no longer pending or its job
	// no longer open (cancelled) — the caller's transaction must then roll
	// back. A cancel of the job and this write never overlap: whichever
	// commits first, the other sees it.
	WriteBulkBatch(ctx context.Context, b *BulkBatch) (bool, error)

	// Completions returns the provider's issued or suspended awards
	// completed in [from, to], with their achievement version, by date.
	Completions(ctx context.Context, providerID string, from, to time.Time) ([]Completion, error)
}

// BulkBatch is what a batch of bulk rows writes, for Store.WriteBulkBatch.
// Within each list, items are written in order.
type BulkBatch struct {
	Awards        []*Award
	Idempotency   []*Idempotency
	StatusEntries []StatusEntry
	Credentials   []*Credential
	Audit         []*AuditEvent
	Notifications []*Notification
	Rows          []*BulkRow // outcomes: state, award, error, finish time; the lease is dropped
}

// StatusEntry is one status index reserved for an award.
type StatusEntry struct {
	ProviderID, Purpose string
	Index               int
	AwardID             string
}

package issuer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

// BulkWorkerOptions tune a BulkRunner.
type BulkWorkerOptions struct {
	// Workers is the number of rows worked on at once in this process;
	// default DefaultBulkWorkers().
	Workers int
	// Owner names this process in row leases; default a random id.
	Owner string
	// Lease is how long a claimed row is this process's before another
	// replica may take it. It is renewed every third of a lease while the
	// row's batch is worked on (keepLeases), so a slow batch keeps its rows
	// and a crashed process's rows come back within one lease. Default
	// 10 s: with a 30 s lease, a job went on ~30 s after a kill -9 and
	// restart (TestBulkCrash) for the few batches the dead process held.
	Lease time.Duration
	// Batch is the rows claimed at once per worker, signed, then written
	// in one transaction of multi-row statements and COPYs; default 128.
	// Fewer, larger statements cost the database less per award: a
	// 10,000-row job took ~3.2 s of PostgreSQL CPU in batches of 64, ~2.8 s
	// in batches of 128 and ~3.7 s in batches of 32, and the fewer round
	// trips per award leave the workers less to wait for. A batch is a
	// fraction of a second of signing, far below the lease, and holds its
	// rows' signed bodies (~17 KB each) until written.
	Batch int
	// Poll is how often an idle worker looks for work; default 500 ms.
	Poll time.Duration
	// MaxAttempts bounds the claims of a row that keeps failing for a
	// transient reason (database unavailable); default 5.
	MaxAttempts int
	// OnIssued, when set, is called with the number of awards this runner
	// has just issued (after their transaction committed), e.g. to count
	// them in the service's metrics.
	OnIssued func(n int)
	Logger   *slog.Logger
}

// BulkStats is what a runner has done: rows finished, and the time its
// workers spent signing (build, Data Integrity proof, JWT) and in the
// database (claims, the issue transaction), summed over workers.
type BulkStats struct {
	Rows              int64
	Sign, SignDI      time.Duration
	SignJWT, Build    time.Duration
	Store             time.Duration
	IndexRedraws      int64
	TransientFailures int64
	// PeakSigning is the most batches that were signed at once: at most
	// one per core the Go runtime uses (see process).
	PeakSigning int64
}

// BulkRunner works on bulk jobs' rows: claim, issue, record, repeat. Run
// one per process (tohu serve starts it); any number of replicas may run
// one on the same database.
type BulkRunner struct {
	s    *Service
	opts BulkWorkerOptions
	wake chan struct{}

	// signing holds one token per core the Go runtime used when the
	// runner was made (GOMAXPROCS): a worker takes one to sign its whole
	// batch (see process).
	signing chan struct{}

	mu    sync.Mutex
	jobs  map[string]*bulkJobCtx
	pools map[string]*indexPool // provider|purpose → used indexes

	rows, signNS, diNS, jwtNS, buildNS, storeNS, redraws, transient, peakSigning atomic.Int64
}

// NewBulkRunner returns a runner for s.
func (s *Service) NewBulkRunner(opts BulkWorkerOptions) *BulkRunner {
	if opts.Workers <= 0 {
		opts.Workers = DefaultBulkWorkers()
	}
	if opts.Owner == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		opts.Owner = "w-" + hex.EncodeToString(b[:])
	}
	if opts.Lease <= 0 {
		opts.Lease = 10 * time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 128
	}
	if opts.Poll <= 0 {
		opts.Poll = 500 * time.Millisecond
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &BulkRunner{s: s, opts: opts, wake: make(chan struct{}, 1),
		signing: make(chan struct{}, runtime.GOMAXPROCS(0)),
		jobs:    map[string]*bulkJobCtx{}, pools: map[string]*indexPool{}}
}

// DefaultBulkWorkers is the runner's default number of workers: two per
// CPU the Go runtime uses plus two, at least minDefaultBulkWorkers and at
// most maxDefaultBulkWorkers. Issuance is CPU-bound (signing), but each
// batch also spends about three times as long in its claim's and its
// transaction's round trips to the database as in signing, so while a
// core's token signs one batch, other workers' batches are claimed and
// written. In batches of 128, a 10,000-row job on one core (PostgreSQL on
// the other) issued 7–24 % faster with 6 workers than with 4 (idle 4–6 %
// against 8–13 %) and as fast as with 8; on 2 cores shared with PostgreSQL
// 6 and 9 workers did the same (store TestBulkBench, alternated). A worker
// holds a database connection only during its transactions, and its batch
// of signed rows (~2 MiB) in memory.
func DefaultBulkWorkers() int {
	return min(max(2*(runtime.GOMAXPROCS(0)+1), minDefaultBulkWorkers), maxDefaultBulkWorkers)
}

// minDefaultBulkWorkers: one core needs about six workers to stay busy.
const minDefaultBulkWorkers = 6

// maxDefaultBulkWorkers keeps the default within the database pool (25
// connections per replica), which the API needs too.
const maxDefaultBulkWorkers = 16

// Workers is the number of workers Run starts.
func (r *BulkRunner) Workers() int { return r.opts.Workers }

// Batch is the rows a worker claims at once.
func (r *BulkRunner) Batch() int { return r.opts.Batch }

// Stats returns what the runner has done so far.
func (r *BulkRunner) Stats() BulkStats {
	return BulkStats{Rows: r.rows.Load(), Sign: time.Duration(r.signNS.Load()), SignDI: time.Duration(r.diNS.Load()),
		SignJWT: time.Duration(r.jwtNS.Load()), Build: time.Duration(r.buildNS.Load()), Store: time.Duration(r.storeNS.Load()),
		IndexRedraws: r.redraws.Load(), TransientFailures: r.transient.Load(), PeakSigning: r.peakSigning.Load()}
}

// Wake tells idle workers there may be work (a job was just submitted here).
func (r *BulkRunner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx is done, with opts.Workers workers.
func (r *BulkRunner) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for i := 0; i < r.opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(ctx)
		}()
	}
	wg.Wait()
	return nil
}

// RunUntilIdle works until no row is left to claim (for tests, benchmarks
// and `tohu` one-shot use), with opts.Workers workers.
func (r *BulkRunner) RunUntilIdle(ctx context.Context) error {
	var wg sync.WaitGroup
	errc := make(chan error, r.opts.Workers)
	for i := 0; i < r.opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n, err := r.step(ctx)
				if err != nil {
					errc <- err
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

func (r *BulkRunner) work(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := r.step(ctx)
		if err != nil && ctx.Err() == nil {
			r.opts.Logger.Warn("bulk worker", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
			r.Wake() // pass it on to the next idle worker
		case <-time.After(r.opts.Poll):
		}
	}
}

// maxBatchLeases bounds, in leases, how long one batch may be worked on.
const maxBatchLeases = 10

// keepLeases renews the leases on rows every third of a lease, counted
// from leasedAt (when the claim began, so a claim that waited long is
// renewed soon), until the returned stop is called. Each renewal gets a
// third of a lease: one that hangs (a database that stops answering) is
// cut off rather than holding the worker. When renewing has failed for a
// whole lease, the rows may be another worker's by now, so lost is called
// to stop working on them; a row done twice all the same is caught by its
// idempotency key.
func (r *BulkRunner) keepLeases(ctx context.Context, lost context.CancelFunc, leasedAt time.Time, rows []BulkRow) (stop func()) {
	lines := map[string][]int{}
	for _, row := range rows {
		lines[row.JobID] = append(lines[row.JobID], row.Line)
	}
	every := r.opts.Lease / 3
	ctx, cancel := context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		held := leasedAt // the leases run to held + Lease
		next := time.NewTimer(max(time.Until(leasedAt.Add(every)), 0))
		defer next.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-next.C:
			}
			now := time.Now()
			renewed := true
			for id, ls := range lines {
				rctx, done := context.WithTimeout(ctx, every)
				err := r.s.store.RenewBulkLease(rctx, r.opts.Owner, id, ls, now.Add(r.opts.Lease))
				done()
				if err != nil && ctx.Err() == nil {
					renewed = false
					r.opts.Logger.Warn("bulk lease not renewed", "job", id, "error", err.Error())
				}
			}
			if renewed {
				held = now
			} else if time.Since(held) >= r.opts.Lease {
				lost()
				return
			}
			next.Reset(every)
		}
	}()
	return func() {
		cancel()
		<-finished
	}
}

// step claims one batch and works on it; it returns the rows claimed.
func (r *BulkRunner) step(ctx context.Context) (int, error) {
	t0 := time.Now()
	// The claim is not cut by ctx: cancelled mid-statement, the UPDATE may
	// still commit on the server while the client sees only the
	// cancellation, leaving a batch leased to a stopping process until the
	// lease runs out. Claimed in full, the rows are given back below.
	cctx, cancelClaim := context.WithTimeout(context.WithoutCancel(ctx), r.opts.Lease)
	rows, err := r.s.store.ClaimBulkRows(cctx, r.opts.Owner, t0, t0.Add(r.opts.Lease), r.opts.Batch)
	cancelClaim()
	r.storeNS.Add(int64(time.Since(t0)))
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	if ctx.Err() != nil {
		// Shutting down: give the rows back at once, so another replica
		// need not wait for the lease to expire.
		for _, row := range rows {
			_ = r.s.store.ReleaseBulkRow(context.WithoutCancel(ctx), row.JobID, row.Line, time.Now(), "")
		}
		return 0, nil
	}
	// The rows in flight are finished even when ctx is cancelled, so a
	// transaction is never cut half way (the serve shutdown contract).
	// Their leases are kept while they are worked on; a batch takes a few
	// signatures' time, and maxBatchLeases bounds one that never ends.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), maxBatchLeases*r.opts.Lease)
	stopRenewing := r.keepLeases(pctx, cancel, t0, rows)
	r.process(pctx, rows)
	stopRenewing()
	cancel()
	r.rows.Add(int64(len(rows)))
	touched := map[string]bool{}
	for _, row := range rows {
		touched[row.JobID] = true
	}
	for id := range touched {
		r.maybeFinish(context.WithoutCancel(ctx), id)
	}
	return len(rows), nil
}

// bulkJobCtx is what every row of a job shares: loaded once per process.
type bulkJobCtx struct {
	job      *BulkJob
	actor    Actor
	p        *Provider
	di, jwt  keys.Signer
	mu       sync.Mutex // guards res
	res      *achievementResolver
	loadedAt time.Time
	// cohort lets the job's awards share their Achievement's decoding and
	// canonicalization (credential.Cohort); kept across reloads of jc.
	cohort *credential.Cohort
}

// jobCtx returns the job's shared context, loading it (and marking the job
// running) the first time.
func (r *BulkRunner) jobCtx(ctx context.Context, id string) (*bulkJobCtx, error) {
	r.mu.Lock()
	jc := r.jobs[id]
	r.mu.Unlock()
	if jc != nil && time.Since(jc.loadedAt) < 5*time.Minute {
		return jc, nil
	}
	j, err := r.s.store.BulkJob(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := r.s.store.Provider(ctx, j.ProviderID)
	if err != nil {
		return nil, err
	}
	cohort := credential.NewCohort()
	if jc != nil {
		cohort = jc.cohort
	}
	jc = &bulkJobCtx{job: j, p: p, res: newAchievementResolver(r.s, p), loadedAt: time.Now(), cohort: cohort,
		actor: Actor{APIKeyID: j.APIKeyID, ProviderID: j.ProviderID, Roles: j.Roles, RequestID: "bulk:" + j.ID}}
	if j.Mode == ModeIssue {
		if jc.di, err = r.s.activeSigner(ctx, r.s.store, p, PurposeDI); err != nil {
			return nil, err
		}
		if jc.jwt, err = r.s.activeSigner(ctx, r.s.store, p, PurposeJWT); err != nil {
			return nil, err
		}
	}
	if j.State == JobQueued {
		if _, err := r.s.store.SetBulkJobState(ctx, id, JobRunning, r.s.now(), JobQueued); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	r.jobs[id] = jc
	r.mu.Unlock()
	return jc, nil
}

// fail records a row's error. Errors that retrying may cure (database
// unavailable) put the row back for a later claim, up to MaxAttempts; any
// other error fails the row with its column and message.
func (r *BulkRunner) fail(ctx context.Context, row BulkRow, err error) {
	code := errs.ErrorCode(err)
	if (code == errs.Unavailable || code == errs.Internal) && row.Attempts < r.opts.MaxAttempts && ctx.Err() == nil {
		r.transient.Add(1)
		wait := time.Second << min(row.Attempts, 6)
		if rerr := r.s.store.ReleaseBulkRow(ctx, row.JobID, row.Line, time.Now().Add(wait), oneLineText(errs.ErrorMessage(err))); rerr != nil {
			r.opts.Logger.Warn("bulk row not released; its lease will expire", "job", row.JobID, "line", row.Line, "error", rerr.Error())
		}
		return
	}
	if ctx.Err() != nil {
		return // shutting down: the lease expires and another worker resumes it
	}
	now := r.s.now()
	row.State, row.ErrorField, row.Error, row.FinishedAt = RowFailed, bulkField(err), errs.ErrorMessage(err), &now
	if ferr := r.s.store.FinishBulkRow(ctx, &row); ferr != nil && !errors.Is(ferr, ErrBulkRowClosed) {
		r.opts.Logger.Warn("bulk row outcome not recorded", "job", row.JobID, "line", row.Line, "error", ferr.Error())
	}
}

// process works on a claimed batch: every row is validated and signed
// first, then all are written in ONE transaction (one commit, one WAL
// flush, for the batch) with a few multi-row statements (writeBatch). If that transaction fails (a row's conflict, a
// status index taken), each row is written in a transaction of its own, so
// one row's trouble never holds back the others.
func (r *BulkRunner) process(ctx context.Context, rows []BulkRow) {
	// A job cancelled since the claim is not worked on (its rows, these
	// included, are cancelled already): checked before signing, so a cancel
	// costs at most the batch in flight's signatures, never its issuance
	// (the write re-checks under a lock: ErrBulkRowClosed). The rows are
	// worked on with the submitter's API key: a key revoked since the upload
	// cancels its job, checked per batch too.
	stopped := map[string]error{}
	var ids []string
	for _, row := range rows {
		if _, seen := stopped[row.JobID]; !seen {
			stopped[row.JobID] = nil
			ids = append(ids, row.JobID)
		}
	}
	open, err := r.s.store.OpenBulkJobs(ctx, ids)
	for _, id := range ids {
		switch {
		case err != nil:
			stopped[id] = err
		case !open[id]:
			stopped[id] = errJobClosed
			r.forget(id)
		default:
			if revoked, rerr := r.submitterRevoked(ctx, id); rerr != nil {
				stopped[id] = rerr
			} else if revoked {
				stopped[id] = errJobClosed
			}
		}
	}
	release := r.takeSigningToken(ctx)
	var ready []*preparedRow
	for _, row := range rows {
		if err := stopped[row.JobID]; err != nil {
			if err != errJobClosed { // closed: the job's rows are cancelled already
				r.fail(ctx, row, err)
			}
			continue
		}
		pr, err := r.prepare(ctx, row)
		// A batch is some 50 ms of signing. Without a yield between rows,
		// a goroutine whose database reply (or HTTP request) has arrived
		// waits for the scheduler's 10 ms preemption, once per round trip,
		// whenever the workers outnumber the cores: with one core, the
		// other workers' transactions took twice as long as PostgreSQL's
		// share of them.
		runtime.Gosched()
		if err != nil {
			r.fail(ctx, row, err)
			continue
		}
		ready = append(ready, pr)
	}
	release()
	if len(ready) == 0 {
		return
	}
	if len(ready) > 1 {
		err := r.writeBatch(ctx, ready)
		if err == nil {
			r.issued(ready)
			return
		}
		if errors.Is(err, ErrBulkRowClosed) {
			// A job was cancelled while the batch was signed: write the
			// other jobs' rows, one by one.
			ready = r.stillOpen(ctx, ready)
		}
	}
	for _, pr := range ready {
		if err := r.commit(ctx, pr); err != nil {
			r.fail(ctx, pr.row, err)
		}
	}
}

// takeSigningToken waits for one of the signing tokens (one per core)
// and returns what gives it back. A batch is signed holding one. Without
// them the workers, taking turns row by row, finished their batches'
// signing together and then all waited for the database together: with
// one core, it sat idle ~15 % of a 10,000-row job (the Go runtime's
// /cpu/classes/idle); with the tokens ~5 %, as one worker's batch is
// written while the next one's is signed. When ctx ends first (the lease
// ran out waiting) the batch goes on without one.
func (r *BulkRunner) takeSigningToken(ctx context.Context) (release func()) {
	select {
	case r.signing <- struct{}{}:
	case <-ctx.Done():
		return func() {}
	}
	// The tokens taken now, counting this one (a statistic: others may
	// come and go meanwhile).
	n := int64(len(r.signing))
	for p := r.peakSigning.Load(); n > p && !r.peakSigning.CompareAndSwap(p, n); p = r.peakSigning.Load() {
	}
	return func() { <-r.signing }
}

// stillOpen returns the rows of ready whose job is still open. On a read
// error it returns them all: the write's own check stops any that is not.
func (r *BulkRunner) stillOpen(ctx context.Context, ready []*preparedRow) []*preparedRow {
	var ids []string
	for _, pr := range ready {
		if !slices.Contains(ids, pr.row.JobID) {
			ids = append(ids, pr.row.JobID)
		}
	}
	open, err := r.s.store.OpenBulkJobs(ctx, ids)
	if err != nil {
		return ready
	}
	var out []*preparedRow
	for _, pr := range ready {
		if open[pr.row.JobID] {
			out = append(out, pr)
		} else {
			r.forget(pr.row.JobID)
		}
	}
	return out
}

// forget drops a job's shared context (the job has ended).
func (r *BulkRunner) forget(id string) {
	r.mu.Lock()
	delete(r.jobs, id)
	r.mu.Unlock()
}

// issued reports the rows among done that issued an award (not those that
// only created a pending one, nor those whose award another worker wrote).
func (r *BulkRunner) issued(done []*preparedRow) {
	n := 0
	for _, pr := range done {
		if pr.idx != nil {
			n++
		}
	}
	if n > 0 && r.opts.OnIssued != nil {
		r.opts.OnIssued(n)
	}
}

// errSubmitterRevoked: the job's API key was revoked; the job is cancelled.
var errSubmitterRevoked = errors.New("the API key that submitted the job was revoked")

// errJobClosed: the job is no longer open (cancelled); its rows were
// cancelled with it, so there is nothing to record for them.
var errJobClosed = errors.New("the bulk job is no longer open")

// submitterRevoked reports whether the API key that submitted the job has
// been revoked (or deleted) since; if so it cancels the job (its pending
// rows, those claimed here included, become cancelled) and records why.
// A job the operator submitted has no key to revoke.
func (r *BulkRunner) submitterRevoked(ctx context.Context, jobID string) (bool, error) {
	jc, err := r.jobCtx(ctx, jobID)
	if err != nil {
		return false, err
	}
	if jc.job.APIKeyID == "" {
		return false, nil
	}
	k, err := r.s.store.APIKey(ctx, jc.job.APIKeyID)
	if err != nil && errs.ErrorCode(err) != errs.NotFound {
		return false, err
	}
	if err == nil && k.RevokedAt == nil {
		return false, nil
	}
	ok, err := r.s.store.SetBulkJobState(ctx, jobID, JobCancelled, r.s.now(), JobQueued, JobRunning)
	if err != nil {
		return false, err
	}
	r.forget(jobID)
	if ok {
		if err := r.s.audit(ctx, r.s.store, jc.actor, jc.p.ID, "bulk.cancel", "job:"+jobID,
			map[string]string{"reason": errSubmitterRevoked.Error()}); err != nil {
			r.opts.Logger.Warn("bulk job cancelled, audit event not recorded", "job", jobID, "error", err.Error())
		}
		r.opts.Logger.Info("bulk job cancelled: its API key was revoked", "job", jobID, "key", jc.job.APIKeyID)
	}
	return true, nil
}

// errIndexTaken: another process took a status index we signed into a
// credential in the meantime; draw again and sign again.
var errIndexTaken = errors.New("status index taken")

// preparedRow is a validated, signed row ready to be written.
type preparedRow struct {
	row   BulkRow
	key   string
	idx   map[string]int
	write func(tx Store) error
}

// commit writes one prepared row in its own transaction, drawing new status
// indexes and signing again when one was taken meanwhile.
func (r *BulkRunner) commit(ctx context.Context, pr *preparedRow) error {
	for attempt := 0; ; attempt++ {
		err := r.timedTx(ctx, pr.write)
		if err == nil {
			r.issued([]*preparedRow{pr})
		}
		if errors.Is(err, ErrBulkRowClosed) {
			return nil // cancelled, or done by another worker: its outcome stands
		}
		if !errors.Is(err, errIndexTaken) {
			return r.settle(ctx, pr.row, pr.key, err)
		}
		if attempt == 8 {
			return errs.E(errs.Unavailable, "could not reserve a status index")
		}
		r.redraws.Add(1)
		jc, jerr := r.jobCtx(ctx, pr.row.JobID)
		if jerr != nil {
			return jerr
		}
		for purpose, i := range pr.idx {
			if pool, perr := r.pool(ctx, jc.p.ID, purpose); perr == nil {
				pool.markUsed(i)
			}
		}
		next, perr := r.prepare(ctx, pr.row)
		if perr != nil {
			return perr
		}
		*pr = *next
	}
}

// prepare validates and signs a row: it creates (and in ModeIssue approves and issues) the row's award.
//
// Exactly once: the award, its Idempotency-Key "bulk:<job>:<line>", its
// status entries, both signed forms, the audit events, the learner's
// notification and the row's outcome are written in ONE transaction. A
// crash before the commit leaves nothing (the row's lease expires and it is
// done again from scratch); after it, the row is finished and never claimed
// again. Two workers racing on one row (a lease that expired while the
// first was still working) collide on the idempotency key: the loser
// records the winner's award.
//
// Signing happens before the transaction, so the database holds no locks
// while the CPU signs: the status indexes that go into the credential are
// drawn first from this process's view of the free indexes, then reserved
// in the transaction; one taken meanwhile by another replica
// (errIndexTaken) means draw and sign again.
func (r *BulkRunner) prepare(ctx context.Context, row BulkRow) (*preparedRow, error) {
	jc, err := r.jobCtx(ctx, row.JobID)
	if err != nil {
		return nil, err
	}
	jc.mu.Lock()
	ach, a, err := r.s.bulkAward(ctx, jc.res, row.Input, "", jc.job.Mode)
	jc.mu.Unlock()
	if err != nil {
		return nil, err
	}
	key := "bulk:" + row.JobID + ":" + strconv.Itoa(row.Line)
	in, _ := json.Marshal(row.Input)
	sum := sha256.Sum256(append([]byte(row.JobID+"\n"), in...))
	hash := hex.EncodeToString(sum[:])
	if a.ID, err = r.s.newID(); err != nil {
		return nil, err
	}
	now := r.s.now()
	a.ProviderID, a.CreatedBy, a.CreatedAt, a.UpdatedAt = jc.p.ID, jc.actor.name(), now, now
	actor := jc.actor
	record := func(tx Store) error {
		if err := tx.CreateAward(ctx, a); err != nil {
			return err
		}
		if err := tx.SaveIdempotencyKey(ctx, &Idempotency{ProviderID: a.ProviderID, Key: key, RequestHash: hash,
			AwardID: a.ID, CreatedAt: now}); err != nil {
			return err
		}
		return r.s.audit(ctx, tx, actor, a.ProviderID, "award.create", "award:"+a.ID, map[string]string{
			"achievement": a.AchievementID + "/v" + strconv.Itoa(a.AchievementVersion), "bulkJob": row.JobID, "line": strconv.Itoa(row.Line)})
	}
	finish := func(tx Store, state string) error {
		return tx.FinishBulkRow(ctx, &BulkRow{JobID: row.JobID, Line: row.Line, State: state, AwardID: a.ID, FinishedAt: &now})
	}
	if jc.job.Mode != ModeIssue {
		a.State = AwardPending
		return &preparedRow{row: row, key: key, write: func(tx Store) error {
			if err := record(tx); err != nil {
				return err
			}
			return finish(tx, RowCreated)
		}}, nil
	}
	if err := actor.require(RoleApprover, a.ProviderID); err != nil {
		return nil, err
	}
	a.State, a.ApprovedBy, a.IssuedAt = AwardIssued, actor.name(), &now
	url := r.s.CredentialURL(a.ID)
	idx := map[string]int{}
	for _, purpose := range []string{StatusRevocation, StatusSuspension} {
		pool, err := r.pool(ctx, a.ProviderID, purpose)
		if err != nil {
			return nil, err
		}
		if idx[purpose], err = pool.draw(r.s.cfg.Rand); err != nil {
			return nil, err
		}
	}
	t0 := time.Now()
	unsigned, decoded, err := r.s.buildCredential(jc.p, ach, a, url, idx, jc.cohort)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	di, err := dataintegrity.SignDecoded(ctx, unsigned, decoded, jc.di, dataintegrity.SignOptions{VerificationMethod: jc.di.KeyID(), Created: now, Shared: jc.cohort.Shared})
	if err != nil {
		return nil, err
	}
	t2 := time.Now()
	jwt, err := jose.SignDecoded(ctx, unsigned, decoded, jc.jwt, jose.SignOptions{KeyID: jc.jwt.KeyID(), Algorithm: jc.jwt.Algorithm(), Form: jose.FormOBJWT})
	if err != nil {
		return nil, err
	}
	t3 := time.Now()
	r.buildNS.Add(int64(t1.Sub(t0)))
	r.diNS.Add(int64(t2.Sub(t1)))
	r.jwtNS.Add(int64(t3.Sub(t2)))
	r.signNS.Add(int64(t3.Sub(t0)))
	return &preparedRow{row: row, key: key, idx: idx, write: func(tx Store) error {
		if err := record(tx); err != nil {
			return err
		}
		for purpose, i := range idx {
			ok, err := tx.ReserveStatusIndex(ctx, a.ProviderID, purpose, i, a.ID)
			if err != nil {
				return err
			}
			if !ok {
				return errIndexTaken
			}
		}
		if err := saveCredentials(ctx, tx, a.ID, a.ProviderID, di, jwt, now); err != nil {
			return err
		}
		if err := r.s.audit(ctx, tx, actor, a.ProviderID, "award.approve", "award:"+a.ID, map[string]string{"bulkJob": row.JobID}); err != nil {
			return err
		}
		if err := r.s.audit(ctx, tx, actor, a.ProviderID, "award.issue", "award:"+a.ID, map[string]string{
			"url": url, "revocationIndex": strconv.Itoa(idx[StatusRevocation]), "suspensionIndex": strconv.Itoa(idx[StatusSuspension]),
			"diKey": jc.di.KeyID(), "jwtKey": jc.jwt.KeyID(), "bulkJob": row.JobID,
		}); err != nil {
			return err
		}
		if err := r.s.recordIssued(ctx, tx, jc.p, ach, a); err != nil {
			return err
		}
		return finish(tx, RowIssued)
	}}, nil
}

// settle handles the outcome of a row's transaction: a Conflict on the
// idempotency key means another worker did the row; record its award.
func (r *BulkRunner) settle(ctx context.Context, row BulkRow, key string, err error) error {
	if err == nil || !errs.Is(err, errs.Conflict) {
		return err
	}
	jc, jerr := r.jobCtx(ctx, row.JobID)
	if jerr != nil {
		return err
	}
	prev, perr := r.s.store.IdempotencyKey(ctx, jc.p.ID, key)
	if perr != nil {
		return err // a different conflict: report it
	}
	a, aerr := r.s.store.Award(ctx, prev.AwardID)
	if aerr != nil {
		return aerr
	}
	state := RowCreated
	if a.State != AwardPending && a.State != AwardApproved {
		state = RowIssued
	}
	now := r.s.now()
	err = r.s.store.FinishBulkRow(ctx, &BulkRow{JobID: row.JobID, Line: row.Line, State: state, AwardID: a.ID, FinishedAt: &now})
	if errors.Is(err, ErrBulkRowClosed) {
		return nil // the winner recorded it with its award
	}
	return err
}

func (r *BulkRunner) timedTx(ctx context.Context, fn func(tx Store) error) error {
	t0 := time.Now()
	err := r.s.store.WithTx(ctx, fn)
	r.storeNS.Add(int64(time.Since(t0)))
	return err
}

// maybeFinish marks the job done (or failed, when no row succeeded) once no
// row is pending.
func (r *BulkRunner) maybeFinish(ctx context.Context, id string) {
	if pending, err := r.s.store.BulkJobPending(ctx, id); err != nil || pending {
		return
	}
	j, err := r.s.store.BulkJob(ctx, id)
	if err != nil || j.Counts[RowPending] > 0 || (j.State != JobQueued && j.State != JobRunning) {
		return
	}
	state := JobDone
	if j.Counts[RowIssued]+j.Counts[RowCreated] == 0 {
		state = JobFailed
	}
	if ok, _ := r.s.store.SetBulkJobState(ctx, id, state, r.s.now(), JobQueued, JobRunning); ok {
		r.mu.Lock()
		delete(r.jobs, id)
		r.mu.Unlock()
		r.opts.Logger.Info("bulk job finished", "job", id, "state", state, "issued", j.Counts[RowIssued],
			"created", j.Counts[RowCreated], "failed", j.Counts[RowFailed]+j.Counts[RowInvalid])
	}
}

// indexPool is this process's view of one status list's used indexes, so
// an index can be drawn (and signed into a credential) before the
// transaction that reserves it.
type indexPool struct {
	mu   sync.Mutex
	bits int
	used map[int]bool
}

func (r *BulkRunner) pool(ctx context.Context, providerID, purpose string) (*indexPool, error) {
	k := providerID + "|" + purpose
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.pools[k]; p != nil {
		return p, nil
	}
	used, err := r.s.store.UsedStatusIndexes(ctx, providerID, purpose)
	if err != nil {
		return nil, err
	}
	p := &indexPool{bits: r.s.cfg.StatusListBits, used: make(map[int]bool, len(used))}
	for _, i := range used {
		p.used[i] = true
	}
	r.pools[k] = p
	return p, nil
}

// draw returns a uniformly random index not known to be used, and marks it
// used. Conflict when the list is full.
func (p *indexPool) draw(rnd io.Reader) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.used) >= p.bits {
		return 0, errs.E(errs.Conflict, "the status list is full")
	}
	var b [8]byte
	for {
		if _, err := io.ReadFull(rnd, b[:]); err != nil {
			return 0, errs.Wrap(err, errs.Internal, "no randomness for a status index")
		}
		v := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 | uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
		i := int(v % uint64(p.bits))
		if !p.used[i] {
			p.used[i] = true
			return i, nil
		}
	}
}

func (p *indexPool) markUsed(i int) {
	p.mu.Lock()
	p.used[i] = true
	p.mu.Unlock()
}

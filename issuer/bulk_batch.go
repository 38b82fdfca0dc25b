package issuer

import "context"

// batchRecorder collects what a batch of prepared rows writes, so that the
// batch goes to the database as a few multi-row statements
// (Store.WriteBulkBatch) instead of about a dozen statements per row. The
// rows' write functions run against it unchanged: it implements exactly the
// Store methods they call, and records instead of writing. Any other
// method is a programming error (the embedded nil Store panics).
type batchRecorder struct {
	Store
	b BulkBatch
}

func (r *batchRecorder) CreateAward(_ context.Context, a *Award) error {
	r.b.Awards = append(r.b.Awards, a)
	return nil
}

func (r *batchRecorder) SaveIdempotencyKey(_ context.Context, i *Idempotency) error {
	r.b.Idempotency = append(r.b.Idempotency, i)
	return nil
}

// ReserveStatusIndex records the reservation; whether the index is free is
// known when the batch is written (WriteBulkBatch reports a taken one).
func (r *batchRecorder) ReserveStatusIndex(_ context.Context, providerID, purpose string, idx int, awardID string) (bool, error) {
	r.b.StatusEntries = append(r.b.StatusEntries, StatusEntry{ProviderID: providerID, Purpose: purpose, Index: idx, AwardID: awardID})
	return true, nil
}

func (r *batchRecorder) SaveCredential(_ context.Context, c *Credential) error {
	r.b.Credentials = append(r.b.Credentials, c)
	return nil
}

func (r *batchRecorder) AppendAudit(_ context.Context, e *AuditEvent) error {
	r.b.Audit = append(r.b.Audit, e)
	return nil
}

func (r *batchRecorder) EnqueueNotification(_ context.Context, n *Notification) error {
	r.b.Notifications = append(r.b.Notifications, n)
	return nil
}

func (r *batchRecorder) FinishBulkRow(_ context.Context, row *BulkRow) error {
	r.b.Rows = append(r.b.Rows, row)
	return nil
}

// writeBatch writes the prepared rows in one transaction, as a batch:
// errIndexTaken when a status index was taken meanwhile (nothing is
// written; the caller falls back to one transaction per row, which draws
// again).
func (r *BulkRunner) writeBatch(ctx context.Context, ready []*preparedRow) error {
	rec := &batchRecorder{}
	for _, pr := range ready {
		if err := pr.write(rec); err != nil {
			return err
		}
	}
	return r.timedTx(ctx, func(tx Store) error {
		ok, err := tx.WriteBulkBatch(ctx, &rec.b)
		if err == nil && !ok {
			return errIndexTaken
		}
		return err
	})
}

package store

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

type outboxRow struct {
	ID            string `gorm:"primaryKey"`
	ProviderID    string
	AwardID       string
	Kind          string
	ToAddr        string
	Subject       string
	Body          string
	State         string
	Attempts      int
	Generation    int
	NextAttemptAt int64 // Unix ms
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

func (outboxRow) TableName() string { return "outbox" }

func (r *outboxRow) domain() issuer.Notification {
	return issuer.Notification{ID: r.ID, ProviderID: r.ProviderID, AwardID: r.AwardID, Kind: r.Kind, To: r.ToAddr,
		Subject: r.Subject, Body: r.Body, State: r.State, Attempts: r.Attempts, Generation: r.Generation,
		NextAttemptAt: time.UnixMilli(r.NextAttemptAt).UTC(), LastError: r.LastError,
		CreatedAt: r.CreatedAt.UTC(), SentAt: utcPtr(r.SentAt)}
}

// EnqueueNotification inserts n (normally inside the transaction of the
// change it announces). Conflict if the award already has one of its kind.
func (db *DB) EnqueueNotification(ctx context.Context, n *issuer.Notification) error {
	r := newOutboxRow(n)
	return translate(db.write(ctx).Create(&r).Error, "notification")
}

func newOutboxRow(n *issuer.Notification) outboxRow {
	return outboxRow{ID: n.ID, ProviderID: n.ProviderID, AwardID: n.AwardID, Kind: n.Kind, ToAddr: n.To, Subject: n.Subject,
		Body: n.Body, State: n.State, Attempts: n.Attempts, Generation: n.Generation, NextAttemptAt: n.NextAttemptAt.UnixMilli(), LastError: n.LastError,
		CreatedAt: n.CreatedAt.UTC(), SentAt: utcPtr(n.SentAt)}
}

// ClaimNotifications leases due pending notifications by moving their next
// attempt to leaseUntil, in one UPDATE … RETURNING (FOR UPDATE SKIP LOCKED on
// PostgreSQL, so notifiers on several replicas share the work and never send
// one message twice at the same time). A notifier that dies mid-send leaves
// the row due again at leaseUntil.
func (db *DB) ClaimNotifications(ctx context.Context, now, leaseUntil time.Time, limit int) ([]issuer.Notification, error) {
	q := `UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?
			ORDER BY next_attempt_at LIMIT ?` + db.skipLocked() + `)
		RETURNING id, provider_id, award_id, kind, to_addr, subject, body, state, attempts, generation, next_attempt_at, last_error, created_at, sent_at`
	var rows []outboxRow
	if err := db.write(ctx).Raw(q, leaseUntil.UnixMilli(), now.UnixMilli(), limit).Scan(&rows).Error; err != nil {
		return nil, translate(err, "outbox")
	}
	out := make([]issuer.Notification, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// UpdateNotification writes the outcome of the delivery attempt that
// claimed n (n.Attempts and n.Generation are that claim's). NotFound if it
// does not exist; issuer.ErrAttemptSuperseded, with nothing written, when
// it was claimed again or sent again since.
func (db *DB) UpdateNotification(ctx context.Context, n *issuer.Notification) error {
	res := db.write(ctx).Model(&outboxRow{}).Where("id = ? AND attempts = ? AND generation = ?", n.ID, n.Attempts, n.Generation).Updates(map[string]any{
		"state": n.State, "next_attempt_at": n.NextAttemptAt.UnixMilli(), "last_error": n.LastError, "sent_at": utcPtr(n.SentAt),
	})
	if res.Error != nil {
		return translate(res.Error, "notification")
	}
	if res.RowsAffected == 0 {
		var count int64
		if err := db.write(ctx).Model(&outboxRow{}).Where("id = ?", n.ID).Count(&count).Error; err != nil {
			return translate(err, "notification")
		}
		if count == 0 {
			return errs.E(errs.NotFound, "notification not found")
		}
		return issuer.ErrAttemptSuperseded
	}
	return nil
}

// ResetNotification makes n due again from its first attempt, to n.To, as
// its next generation: pending, no attempts, no error, not sent. NotFound
// if it does not exist.
func (db *DB) ResetNotification(ctx context.Context, n *issuer.Notification) error {
	res := db.write(ctx).Model(&outboxRow{}).Where("id = ?", n.ID).Updates(map[string]any{
		"to_addr": n.To, "state": issuer.NotifyPending, "attempts": 0, "generation": gorm.Expr("generation + 1"),
		"next_attempt_at": n.NextAttemptAt.UnixMilli(), "last_error": "", "sent_at": nil,
	})
	if res.Error != nil {
		return translate(res.Error, "notification")
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, "notification not found")
	}
	return nil
}

// AwardNotifications returns the notifications of kind of those of the
// awards that have one, by award id: one query per thousand awards.
func (db *DB) AwardNotifications(ctx context.Context, awardIDs []string, kind string) (map[string]*issuer.Notification, error) {
	out := make(map[string]*issuer.Notification, len(awardIDs))
	for ids := range slices.Chunk(awardIDs, 1000) {
		var rows []outboxRow
		if err := db.read(ctx).Where("award_id IN ? AND kind = ?", ids, kind).Find(&rows).Error; err != nil {
			return nil, translate(err, "notifications")
		}
		for _, r := range rows {
			n := r.domain()
			out[n.AwardID] = &n
		}
	}
	return out, nil
}

// AwardNotification returns the award's notification of kind. NotFound if none.
func (db *DB) AwardNotification(ctx context.Context, awardID, kind string) (*issuer.Notification, error) {
	var r outboxRow
	if err := db.read(ctx).Where("award_id = ? AND kind = ?", awardID, kind).Take(&r).Error; err != nil {
		return nil, translate(err, "notification")
	}
	n := r.domain()
	return &n, nil
}

package store

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/issuer"
)

type auditRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement"`
	ProviderID string
	Actor      string
	Action     string
	Subject    string
	RequestID  string
	At         time.Time
	Detail     string // JSON object
}

func (auditRow) TableName() string { return "audit_events" }

// AppendAudit inserts e and sets e.ID.
func (db *DB) AppendAudit(ctx context.Context, e *issuer.AuditEvent) error {
	r := auditRow{ProviderID: e.ProviderID, Actor: e.Actor, Action: e.Action, Subject: e.Subject,
		RequestID: e.RequestID, At: e.At.UTC(), Detail: mapToJSON(e.Detail)}
	if err := db.write(ctx).Create(&r).Error; err != nil {
		return translate(err, "audit event")
	}
	e.ID = r.ID
	return nil
}

// AuditEvents returns the provider's events, newest first, at most limit
// (100 when limit ≤ 0).
func (db *DB) AuditEvents(ctx context.Context, providerID string, limit int) ([]issuer.AuditEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	var rows []auditRow
	if err := db.read(ctx).Where("provider_id = ?", providerID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "audit events")
	}
	out := make([]issuer.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = issuer.AuditEvent{ID: r.ID, ProviderID: r.ProviderID, Actor: r.Actor, Action: r.Action,
			Subject: r.Subject, RequestID: r.RequestID, At: r.At.UTC(), Detail: mapFromJSON(r.Detail)}
	}
	return out, nil
}

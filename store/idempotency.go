package store

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/issuer"
)

type idempotencyRow struct {
	ProviderID  string `gorm:"primaryKey"`
	Key         string `gorm:"primaryKey"`
	RequestHash string
	AwardID     string
	CreatedAt   time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// IdempotencyKey returns the saved outcome for (providerID, key). NotFound
// if the key was not used.
func (db *DB) IdempotencyKey(ctx context.Context, providerID, key string) (*issuer.Idempotency, error) {
	var r idempotencyRow
	if err := db.read(ctx).Where("provider_id = ? AND key = ?", providerID, key).Take(&r).Error; err != nil {
		return nil, translate(err, "idempotency key")
	}
	return &issuer.Idempotency{ProviderID: r.ProviderID, Key: r.Key, RequestHash: r.RequestHash, AwardID: r.AwardID, CreatedAt: r.CreatedAt.UTC()}, nil
}

// SaveIdempotencyKey records i. Conflict if the key was already used.
func (db *DB) SaveIdempotencyKey(ctx context.Context, i *issuer.Idempotency) error {
	r := idempotencyRow{ProviderID: i.ProviderID, Key: i.Key, RequestHash: i.RequestHash, AwardID: i.AwardID, CreatedAt: i.CreatedAt.UTC()}
	return translate(db.write(ctx).Create(&r).Error, "idempotency key")
}

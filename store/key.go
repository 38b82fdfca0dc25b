package store

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

type keyRow struct {
	ID                   string `gorm:"primaryKey"`
	ProviderID           string
	Kind                 string
	Purpose              string
	VerificationMethodID string `gorm:"column:verification_method_id"`
	PublicMultikey       string
	PublicJWK            []byte `gorm:"column:public_jwk"`
	Sealed               []byte
	Status               string
	CreatedAt            time.Time
	RetiredAt            *time.Time
}

func (keyRow) TableName() string { return "signing_keys" }

func (r *keyRow) domain() issuer.Key {
	return issuer.Key{
		ID: r.ID, ProviderID: r.ProviderID, Kind: r.Kind, Purpose: r.Purpose,
		VerificationMethodID: r.VerificationMethodID, PublicMultikey: r.PublicMultikey,
		PublicJWK: r.PublicJWK, Sealed: r.Sealed, Status: r.Status,
		CreatedAt: r.CreatedAt.UTC(), RetiredAt: utcPtr(r.RetiredAt),
	}
}

// CreateKey inserts k. Conflict if its id or verification method is taken.
func (db *DB) CreateKey(ctx context.Context, k *issuer.Key) error {
	r := keyRow{
		ID: k.ID, ProviderID: k.ProviderID, Kind: k.Kind, Purpose: k.Purpose,
		VerificationMethodID: k.VerificationMethodID, PublicMultikey: k.PublicMultikey,
		PublicJWK: k.PublicJWK, Sealed: k.Sealed, Status: k.Status,
		CreatedAt: k.CreatedAt.UTC(), RetiredAt: utcPtr(k.RetiredAt),
	}
	return translate(db.write(ctx).Create(&r).Error, "signing key")
}

// Keys returns all of the provider's keys (everyone's for ""), oldest first.
func (db *DB) Keys(ctx context.Context, providerID string) ([]issuer.Key, error) {
	var rows []keyRow
	q := db.read(ctx)
	if providerID != "" {
		q = q.Where("provider_id = ?", providerID)
	}
	if err := q.Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "signing keys")
	}
	out := make([]issuer.Key, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// RetireKey retires an active key. NotFound if there is no such active key.
func (db *DB) RetireKey(ctx context.Context, id string, at time.Time) error {
	at = at.UTC()
	res := db.write(ctx).Model(&keyRow{}).Where("id = ? AND status = ?", id, issuer.KeyActive).
		Updates(map[string]any{"status": issuer.KeyRetired, "retired_at": at})
	if res.Error != nil {
		return translate(res.Error, "signing key")
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, "no active signing key %s", id)
	}
	return nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

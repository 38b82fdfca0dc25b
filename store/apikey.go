package store

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

type apiKeyRow struct {
	ID         string `gorm:"primaryKey"`
	ProviderID string
	Name       string
	Roles      string // JSON array
	Hash       []byte
	Prefix     string
	CreatedAt  time.Time
	RevokedAt  *time.Time
}

func (apiKeyRow) TableName() string { return "api_keys" }

func (r *apiKeyRow) domain() *issuer.APIKey {
	return &issuer.APIKey{
		ID: r.ID, ProviderID: r.ProviderID, Name: r.Name, Roles: fromJSON[issuer.Role](r.Roles),
		Hash: r.Hash, Prefix: r.Prefix, CreatedAt: r.CreatedAt.UTC(), RevokedAt: utcPtr(r.RevokedAt),
	}
}

// CreateAPIKey inserts k. Conflict if its id or prefix is taken.
func (db *DB) CreateAPIKey(ctx context.Context, k *issuer.APIKey) error {
	r := apiKeyRow{
		ID: k.ID, ProviderID: k.ProviderID, Name: k.Name, Roles: toJSON(k.Roles),
		Hash: k.Hash, Prefix: k.Prefix, CreatedAt: k.CreatedAt.UTC(), RevokedAt: utcPtr(k.RevokedAt),
	}
	return translate(db.write(ctx).Create(&r).Error, "API key")
}

// APIKey returns the key with id. NotFound if none.
func (db *DB) APIKey(ctx context.Context, id string) (*issuer.APIKey, error) {
	var r apiKeyRow
	if err := db.read(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate(err, "API key")
	}
	return r.domain(), nil
}

// APIKeyByPrefix returns the key with prefix. NotFound if none.
func (db *DB) APIKeyByPrefix(ctx context.Context, prefix string) (*issuer.APIKey, error) {
	var r apiKeyRow
	if err := db.read(ctx).Where("prefix = ?", prefix).Take(&r).Error; err != nil {
		return nil, translate(err, "API key")
	}
	return r.domain(), nil
}

// APIKeys returns the provider's keys, revoked ones included, oldest first.
func (db *DB) APIKeys(ctx context.Context, providerID string) ([]issuer.APIKey, error) {
	var rows []apiKeyRow
	if err := db.read(ctx).Where("provider_id = ?", providerID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "API keys")
	}
	out := make([]issuer.APIKey, len(rows))
	for i := range rows {
		out[i] = *rows[i].domain()
	}
	return out, nil
}

// RevokeAPIKey revokes an unrevoked key. NotFound if there is none.
func (db *DB) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	res := db.write(ctx).Model(&apiKeyRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", at.UTC())
	if res.Error != nil {
		return translate(res.Error, "API key")
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, "no unrevoked API key %s", id)
	}
	return nil
}

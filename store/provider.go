package store

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/issuer"
)

type providerRow struct {
	ID                 string `gorm:"primaryKey"`
	Slug               string
	Name               string
	URL                string `gorm:"column:url"`
	Email              string
	NZQAProviderNumber string `gorm:"column:nzqa_provider_number"`
	ImageURL           string `gorm:"column:image_url"`
	DIDMethod          string `gorm:"column:did_method"`
	DID                string `gorm:"column:did"`
	JWTAlgorithm       string `gorm:"column:jwt_algorithm"`
	RequireTwoPerson   bool   `gorm:"column:require_two_person"`
	StatusMode         string `gorm:"column:status_mode"`
	CreatedAt          time.Time
}

func (providerRow) TableName() string { return "providers" }

func providerToRow(p *issuer.Provider) *providerRow {
	return &providerRow{
		ID: p.ID, Slug: p.Slug, Name: p.Name, URL: p.URL, Email: p.Email,
		NZQAProviderNumber: p.NZQAProviderNumber, ImageURL: p.ImageURL,
		DIDMethod: p.DIDMethod, DID: p.DID, JWTAlgorithm: p.JWTAlgorithm,
		RequireTwoPerson: p.RequireTwoPersonApproval, StatusMode: p.StatusMode, CreatedAt: p.CreatedAt.UTC(),
	}
}

func (r *providerRow) domain() *issuer.Provider {
	return &issuer.Provider{
		ID: r.ID, Slug: r.Slug, Name: r.Name, URL: r.URL, Email: r.Email,
		NZQAProviderNumber: r.NZQAProviderNumber, ImageURL: r.ImageURL,
		DIDMethod: r.DIDMethod, DID: r.DID, JWTAlgorithm: r.JWTAlgorithm,
		RequireTwoPersonApproval: r.RequireTwoPerson, StatusMode: r.StatusMode, CreatedAt: r.CreatedAt.UTC(),
	}
}

// CreateProvider inserts p. Conflict if the id, slug or DID is taken.
func (db *DB) CreateProvider(ctx context.Context, p *issuer.Provider) error {
	return translate(db.write(ctx).Create(providerToRow(p)).Error, "provider")
}

// Provider returns the provider with id. NotFound if none.
func (db *DB) Provider(ctx context.Context, id string) (*issuer.Provider, error) {
	var r providerRow
	if err := db.read(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate(err, "provider")
	}
	return r.domain(), nil
}

// ProviderBySlug returns the provider with slug. NotFound if none.
func (db *DB) ProviderBySlug(ctx context.Context, slug string) (*issuer.Provider, error) {
	var r providerRow
	if err := db.read(ctx).Where("slug = ?", slug).Take(&r).Error; err != nil {
		return nil, translate(err, "provider")
	}
	return r.domain(), nil
}

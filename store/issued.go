package store

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// issuedRow is a credential signed through the VC-API (migration 002).
type issuedRow struct {
	ID           string `gorm:"primaryKey"`
	ProviderID   string
	CredentialID string
	Format       string
	Body         []byte // verbatim
	State        string
	Reason       string
	IssuedBy     string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (issuedRow) TableName() string { return "issued_credentials" }

// CreateIssuedCredential inserts c. Conflict if the provider already has a
// credential with its credential id.
func (db *DB) CreateIssuedCredential(ctx context.Context, c *issuer.IssuedCredential) error {
	r := issuedRow{ID: c.ID, ProviderID: c.ProviderID, CredentialID: c.CredentialID, Format: c.Format, Body: c.Body,
		State: string(c.State), Reason: c.Reason, IssuedBy: c.IssuedBy, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	return translate(db.write(ctx).Create(&r).Error, "credential id")
}

// IssuedCredential returns the provider's VC-API credential whose id is
// credentialID, with its status indexes. NotFound if none.
func (db *DB) IssuedCredential(ctx context.Context, providerID, credentialID string) (*issuer.IssuedCredential, error) {
	var r issuedRow
	if err := db.read(ctx).Where("provider_id = ? AND credential_id = ?", providerID, credentialID).Take(&r).Error; err != nil {
		return nil, translate(err, "credential")
	}
	var entries []statusEntryRow
	if err := db.read(ctx).Where("award_id = ?", r.ID).Find(&entries).Error; err != nil {
		return nil, translate(err, "status entries")
	}
	c := &issuer.IssuedCredential{ID: r.ID, ProviderID: r.ProviderID, CredentialID: r.CredentialID, Format: r.Format,
		Body: r.Body, State: issuer.AwardState(r.State), Reason: r.Reason, IssuedBy: r.IssuedBy,
		StatusIndex: map[string]int{}, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for _, e := range entries {
		c.StatusIndex[e.Purpose] = e.Idx
	}
	return c, nil
}

// UpdateIssuedCredential writes c's state, reason and update time if the
// stored state is still from. Conflict if not; NotFound if no such row.
func (db *DB) UpdateIssuedCredential(ctx context.Context, c *issuer.IssuedCredential, from issuer.AwardState) error {
	res := db.write(ctx).Model(&issuedRow{}).Where("id = ? AND state = ?", c.ID, string(from)).
		Updates(map[string]any{"state": string(c.State), "reason": c.Reason, "updated_at": c.UpdatedAt.UTC()})
	if res.Error != nil {
		return translate(res.Error, "credential")
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := db.write(ctx).Model(&issuedRow{}).Where("id = ?", c.ID).Count(&n).Error; err != nil {
			return translate(err, "credential")
		}
		if n == 0 {
			return errs.E(errs.NotFound, "credential not found")
		}
		return errs.E(errs.Conflict, "the credential is no longer %s", from)
	}
	return nil
}

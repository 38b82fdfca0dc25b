package store

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/issuer"
)

type credentialRow struct {
	AwardID    string `gorm:"primaryKey"`
	Format     string `gorm:"primaryKey"`
	ProviderID string
	Body       []byte // verbatim; BYTEA/BLOB so no layer re-encodes it
	CreatedAt  time.Time
}

func (credentialRow) TableName() string { return "credentials" }

// SaveCredential inserts one signed form. Conflict if that form exists.
func (db *DB) SaveCredential(ctx context.Context, c *issuer.Credential) error {
	r := credentialRow{AwardID: c.AwardID, Format: c.Format, ProviderID: c.ProviderID, Body: c.Body, CreatedAt: c.CreatedAt.UTC()}
	return translate(db.write(ctx).Create(&r).Error, "credential")
}

// Credential returns the stored form of an award's credential, with its
// status indexes. NotFound if that form was not issued.
func (db *DB) Credential(ctx context.Context, awardID, format string) (*issuer.Credential, error) {
	var r credentialRow
	if err := db.read(ctx).Where("award_id = ? AND format = ?", awardID, format).Take(&r).Error; err != nil {
		return nil, translate(err, "credential")
	}
	var entries []statusEntryRow
	if err := db.read(ctx).Where("award_id = ?", awardID).Find(&entries).Error; err != nil {
		return nil, translate(err, "status entries")
	}
	c := &issuer.Credential{AwardID: r.AwardID, Format: r.Format, ProviderID: r.ProviderID, Body: r.Body,
		CreatedAt: r.CreatedAt.UTC(), StatusIndex: map[string]int{}}
	for _, e := range entries {
		c.StatusIndex[e.Purpose] = e.Idx
	}
	return c, nil
}

package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// masterKeyCheckRow is the single row of master_key_check (migration 004).
type masterKeyCheckRow struct {
	ID        int `gorm:"primaryKey;autoIncrement:false"`
	Token     []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (masterKeyCheckRow) TableName() string { return "master_key_check" }

// MasterKeyCheck returns the stored master key check token. NotFound if the
// database has none yet.
func (db *DB) MasterKeyCheck(ctx context.Context) ([]byte, error) {
	return masterKeyCheck(db.write(ctx))
}

func masterKeyCheck(q *gorm.DB) ([]byte, error) {
	var r masterKeyCheckRow
	if err := q.Where("id = 1").Take(&r).Error; err != nil {
		return nil, translate(err, "master key check token")
	}
	return r.Token, nil
}

// InitMasterKeyCheck stores token as the database's check token unless one
// is stored already, and returns the token stored. Racing replicas each
// insert with ON CONFLICT DO NOTHING on the one allowed id, so exactly one
// wins and all read back the winner's token.
func (db *DB) InitMasterKeyCheck(ctx context.Context, token []byte) ([]byte, error) {
	now := time.Now().UTC()
	row := masterKeyCheckRow{ID: 1, Token: token, CreatedAt: now, UpdatedAt: now}
	if err := db.write(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return nil, translate(err, "master key check token")
	}
	return db.MasterKeyCheck(ctx)
}

package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tohu-nz/tohu/errs"
)

// ResealKeys rewrites every signing key's sealed private key and the
// master key check token in one transaction: recheck gets the stored check
// token (nil if the database has none yet) and returns the new one (open
// under the old master key, seal under the new); reseal gets the key row's
// id and its sealed bytes and returns the new sealed bytes. recheck runs
// first, so a wrong current master key is refused before any key is read.
// If either fails, nothing is changed. On PostgreSQL the rows are locked
// (FOR UPDATE) so a key rotated by a running replica meanwhile waits for the
// rekey rather than being sealed under the old master key after it.
// It returns how many keys were resealed.
func (db *DB) ResealKeys(ctx context.Context, recheck func(token []byte) ([]byte, error), reseal func(id string, sealed []byte) ([]byte, error)) (int, error) {
	n := 0
	err := db.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		lock := func(q *gorm.DB) *gorm.DB {
			if db.dialect == Postgres {
				return q.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			return q
		}
		old, err := masterKeyCheck(lock(tx))
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		token, err := recheck(old)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		// An upsert: a database that never ran a start with the check (only
		// migrated) gets its first token here.
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "id"}},
			DoUpdates: clause.AssignmentColumns([]string{"token", "updated_at"}),
		}).Create(&masterKeyCheckRow{ID: 1, Token: token, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
			return err
		}
		var rows []keyRow
		if err := lock(tx.Order("id")).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			sealed, err := reseal(r.ID, r.Sealed)
			if err != nil {
				return err
			}
			res := tx.Model(&keyRow{}).Where("id = ?", r.ID).Update("sealed", sealed)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return errs.E(errs.Conflict, "signing key %s changed during the rekey", r.ID)
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, translate(err, "signing keys")
	}
	return n, nil
}

package store

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tohu-nz/tohu/errs"
)

// ResealKeys rewrites every signing key's sealed private key in one
// transaction: reseal gets the key row's id and its sealed bytes and returns
// the new sealed bytes (open under the old master key, seal under the new).
// If reseal fails for any key, nothing is changed. On PostgreSQL the rows are
// locked (FOR UPDATE) so a key rotated by a running replica meanwhile waits
// for the rekey rather than being sealed under the old master key after it.
// It returns how many keys were resealed.
func (db *DB) ResealKeys(ctx context.Context, reseal func(id string, sealed []byte) ([]byte, error)) (int, error) {
	n := 0
	err := db.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []keyRow
		q := tx.Order("id")
		if db.dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Find(&rows).Error; err != nil {
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

package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/tohu-nz/tohu/issuer"
)

// WithTx runs fn in one transaction (see issuer.Store). Called on a DB that
// is already bound to a transaction, it joins that transaction.
func (db *DB) WithTx(ctx context.Context, fn func(tx issuer.Store) error) error {
	if db.tx {
		return fn(db)
	}
	err := db.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&DB{dialect: db.dialect, r: tx, w: tx, tx: true})
	})
	return translate(err, "transaction")
}

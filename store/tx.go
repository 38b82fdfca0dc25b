package store

import (
	"context"
	"database/sql"

	"gorm.io/gorm"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

// WithTx runs fn in one transaction (see issuer.Store). Called on a DB that
// is already bound to a transaction, it joins that transaction.
func (db *DB) WithTx(ctx context.Context, fn func(tx issuer.Store) error) error {
	if db.tx {
		return fn(db)
	}
	run := func(g *gorm.DB, conn *sql.Conn) error {
		return g.Transaction(func(tx *gorm.DB) error {
			return fn(&DB{dialect: db.dialect, r: tx, w: tx, tx: true, conn: conn})
		})
	}
	w := db.w.WithContext(ctx)
	if db.dialect != Postgres {
		return txError(ctx, run(w, nil))
	}
	// On PostgreSQL the transaction runs on a connection taken from the
	// pool for it, which the transaction's DB keeps, so that a bulk write
	// can COPY on it (writeRows): database/sql's Tx offers no way to reach
	// its driver connection.
	return txError(ctx, w.Connection(func(c *gorm.DB) error {
		conn, _ := c.Statement.ConnPool.(*sql.Conn)
		return run(c, conn)
	}))
}

// txError translates a transaction's error. An error that is not one the
// store or its caller meant (Internal) from a transaction whose context
// has ended is the deadline's doing, whatever the connection said: pgx
// closes the connection under a COPY and reports the closed socket, or
// reports a write's i/o timeout; so it is reported as the database not
// answering in time (Unavailable, which the bulk workers retry), not as a
// database fault.
func txError(ctx context.Context, err error) error {
	err = translate(err, "transaction")
	if err != nil && ctx.Err() != nil && errs.ErrorCode(err) == errs.Internal {
		return errs.Wrap(err, errs.Unavailable, "the database did not answer in time")
	}
	return err
}

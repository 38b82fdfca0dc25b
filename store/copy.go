package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/tohu-nz/tohu/errs"
)

// writeRows stores the rows whose values are args (len(m.cols) per row, in
// column order) in w's transaction: with COPY on PostgreSQL when the
// transaction's connection is at hand (m must then have no suffix: COPY
// has neither ON CONFLICT nor RETURNING), otherwise as multi-row INSERTs
// (insertRows).
//
// COPY is for the bulk write's wide rows, the signed bodies above all:
// each multi-row INSERT made pgx copy every parameter twice, into buffers
// that start small again after each statement (about a third of the bytes
// a bulk job allocated), and made the server build a VALUES list of
// hundreds of expressions. pgx's COPY streams the rows through the
// connection's own buffer, and the server takes them as they come. The
// rows stored are the same (TestWriteBulkBatchStored compares every column
// with the single-row writes).
func (db *DB) writeRows(ctx context.Context, w *gorm.DB, m *multiInsert, args []any, what string) error {
	if db.conn == nil || m.suffix != "" {
		_, err := db.insertRows(ctx, w, m, args, what)
		return err
	}
	per := len(m.cols)
	rows := make([][]any, 0, len(args)/per)
	for start := 0; start < len(args); start += per {
		rows = append(rows, args[start:start+per:start+per])
	}
	err := db.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errs.E(errs.Internal, "%s: the PostgreSQL connection is not pgx's", what)
		}
		n, err := c.Conn().CopyFrom(ctx, pgx.Identifier{m.table}, m.cols, pgx.CopyFromRows(rows))
		if err != nil {
			return err
		}
		if n != int64(len(rows)) {
			return errs.E(errs.Internal, "%s: %d rows copied of %d", what, n, len(rows))
		}
		return nil
	})
	if err != nil {
		return db.translateRaw(w, err, what)
	}
	return nil
}

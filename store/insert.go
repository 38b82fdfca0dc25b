package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gorm.io/gorm"

	"github.com/tohu-nz/tohu/errs"
)

// multiInsert is a multi-row INSERT into one table, for writes of many
// rows at once (WriteBulkBatch). Its SQL text is built once per dialect and
// row count and sent straight to the transaction's connection with the
// values in row order: gorm's CreateInBatches costs a reflection walk of
// every row, a clause build and a fresh SQL text per call, which showed in
// a bulk job's profile. The columns must be those the row struct's gorm
// Create would write, so that a row is stored the same either way.
type multiInsert struct {
	table  string
	cols   []string
	suffix string // after the VALUES list: ON CONFLICT …, RETURNING …

	mu    sync.Mutex
	texts map[int]string // by row count; negative for PostgreSQL
}

// sql returns the statement for rows rows: $n placeholders on PostgreSQL,
// ? on SQLite.
func (m *multiInsert) sql(dialect string, rows int) string {
	key := rows
	if dialect == Postgres {
		key = -rows
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.texts[key]; ok {
		return s
	}
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(m.table)
	b.WriteString(" (")
	for i, c := range m.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + c + `"`)
	}
	b.WriteString(") VALUES ")
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range m.cols {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			if dialect == Postgres {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	if m.suffix != "" {
		b.WriteByte(' ')
		b.WriteString(m.suffix)
	}
	if m.texts == nil {
		m.texts = map[int]string{}
	}
	s := b.String()
	m.texts[key] = s
	return s
}

// insertRows runs m for the rows whose values are args (len(m.cols) per
// row, in column order), batchChunk rows per statement, on w's connection
// (the transaction's, inside one). It returns the rows inserted; errors
// are translated as gorm's would be (translate, after the dialect's
// ErrorTranslator).
func (db *DB) insertRows(ctx context.Context, w *gorm.DB, m *multiInsert, args []any, what string) (int64, error) {
	var affected int64
	err := m.chunks(args, func(chunk []any, rows int) error {
		res, err := w.Statement.ConnPool.ExecContext(ctx, m.sql(db.dialect, rows), chunk...)
		if err != nil {
			return db.translateRaw(w, err, what)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return db.translateRaw(w, err, what)
		}
		affected += n
		return nil
	})
	return affected, err
}

// chunks calls fn with the values of at most batchChunk rows at a time.
func (m *multiInsert) chunks(args []any, fn func(chunk []any, rows int) error) error {
	per := len(m.cols)
	for start := 0; start < len(args); start += batchChunk * per {
		chunk := args[start:min(start+batchChunk*per, len(args))]
		if err := fn(chunk, len(chunk)/per); err != nil {
			return err
		}
	}
	return nil
}

// insertReturningIDs is insertRows for a table with a generated integer
// id (m's suffix is RETURNING id): the new rows' ids, in row order. The
// ids of one statement are sorted, since a sequence (or SQLite's rowid)
// numbers a statement's rows in VALUES order whatever order RETURNING
// lists them in.
func (db *DB) insertReturningIDs(ctx context.Context, w *gorm.DB, m *multiInsert, args []any, what string) ([]int64, error) {
	ids := make([]int64, 0, len(args)/len(m.cols))
	err := m.chunks(args, func(chunk []any, n int) error {
		rows, err := w.Statement.ConnPool.QueryContext(ctx, m.sql(db.dialect, n), chunk...)
		if err != nil {
			return db.translateRaw(w, err, what)
		}
		first := len(ids)
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return db.translateRaw(w, err, what)
			}
			ids = append(ids, id)
		}
		err = rows.Err()
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return db.translateRaw(w, err, what)
		}
		if got := len(ids) - first; got != n {
			return errs.E(errs.Internal, "%s: %d ids returned for %d rows", what, got, n)
		}
		slices.Sort(ids[first:])
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// translateRaw is translate for an error from the connection itself:
// first the dialect's translation that gorm applies to its own errors
// (TranslateError: unique and foreign-key violations).
func (db *DB) translateRaw(w *gorm.DB, err error, what string) error {
	if t, ok := w.Dialector.(gorm.ErrorTranslator); ok {
		err = t.Translate(err)
	}
	return translate(err, what)
}

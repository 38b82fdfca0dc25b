package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockID is the pg_advisory_lock key that serialises migrations
// across replicas: the first 8 bytes of "tohu-mig" as a big-endian int64.
const migrationLockID int64 = 0x746f68752d6d6967

// migration is one versioned SQL file for this dialect.
type migration struct {
	version int
	name    string // e.g. "001_init"
	sql     string
}

// migrations returns the dialect's migrations in version order. Files are
// named NNN_name.<dialect>.sql.
func migrations(dialect string) ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*."+dialect+".sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "migrations/"), "."+dialect+".sql")
		var v int
		if _, err := fmt.Sscanf(base, "%03d_", &v); err != nil || v <= 0 {
			return nil, errs.E(errs.Internal, "migration file %s is not named NNN_name.%s.sql", n, dialect)
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, errs.E(errs.Internal, "two migrations have version %d", out[i].version)
		}
	}
	return out, nil
}

// Migrate applies the migrations not yet recorded in schema_migrations, each
// in its own transaction together with its record. On PostgreSQL it holds a
// session advisory lock for the whole run, so replicas starting together take
// turns: the first applies, the others then find nothing left to do. On
// SQLite the write lock taken by each transaction (and busy_timeout) does the
// same for two processes on one file.
func (db *DB) Migrate(ctx context.Context) error {
	list, err := migrations(db.dialect)
	if err != nil {
		return err
	}
	sqlDB, err := db.w.DB()
	if err != nil {
		return errs.Wrap(err, errs.Internal, "could not migrate")
	}
	// One connection for the whole run: a session advisory lock belongs to
	// the connection that took it.
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return errs.Wrap(err, errs.Unavailable, "could not connect to migrate")
	}
	defer conn.Close()
	if db.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
			return errs.Wrap(err, errs.Unavailable, "could not take the migration lock")
		}
		defer func() {
			// Unlock even when ctx is done; closing the connection would also
			// release it, but the pool keeps connections open.
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_, _ = conn.ExecContext(uctx, "SELECT pg_advisory_unlock($1)", migrationLockID)
		}()
	}
	ts := "DATETIME"
	if db.dialect == Postgres {
		ts = "TIMESTAMPTZ"
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at `+ts+` NOT NULL)`); err != nil {
		return errs.Wrap(err, errs.Internal, "could not create schema_migrations")
	}
	for _, m := range list {
		if err := applyMigration(ctx, conn, db.dialect, m); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, dialect string, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return errs.Wrap(err, errs.Unavailable, "could not start migration %s", m.name)
	}
	defer tx.Rollback()
	q := "SELECT COUNT(*) FROM schema_migrations WHERE version = ?"
	ins := "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
	if dialect == Postgres {
		q = strings.ReplaceAll(q, "?", "$1")
		ins = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)"
	}
	var n int
	if err := tx.QueryRowContext(ctx, q, m.version).Scan(&n); err != nil {
		return errs.Wrap(err, errs.Internal, "could not read schema_migrations")
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return errs.Wrap(err, errs.Internal, "migration %s failed", m.name)
	}
	if _, err := tx.ExecContext(ctx, ins, m.version, m.name, time.Now().UTC()); err != nil {
		return errs.Wrap(err, errs.Internal, "could not record migration %s", m.name)
	}
	if err := tx.Commit(); err != nil {
		return errs.Wrap(err, errs.Internal, "could not commit migration %s", m.name)
	}
	return nil
}

// AppliedMigrations returns the versions recorded in schema_migrations.
func (db *DB) AppliedMigrations(ctx context.Context) ([]int, error) {
	var v []int
	err := db.read(ctx).Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&v).Error
	return v, translate(err, "schema_migrations")
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/tohu-nz/tohu/errs"
)

// Pools returns the database/sql pools behind the store, by role, for
// metrics (sql.DBStats): "primary" on PostgreSQL; "writer" and "reader" on
// SQLite. The caller must not close them.
func (db *DB) Pools() map[string]*sql.DB {
	out := map[string]*sql.DB{}
	switch {
	case db.dialect == Postgres && len(db.closers) == 1:
		out["primary"] = db.closers[0]
	case db.dialect == SQLite && len(db.closers) == 2:
		out["writer"], out["reader"] = db.closers[0], db.closers[1]
	}
	return out
}

// OpenExisting connects like Open but does not migrate: backup must copy a
// database as it is, not upgrade it first. Errors as Open.
func OpenExisting(ctx context.Context, dsn, dataDir string) (*DB, error) {
	return open(ctx, dsn, dataDir)
}

// BackupSQLite writes a consistent copy of the SQLite database to path with
// VACUUM INTO, which reads one snapshot (WAL lets issuance go on meanwhile)
// and writes a compact, self-contained file. path must not exist.
//
// Errors: Unsupported on PostgreSQL (use pg_dump, see docs/operations.md);
// Conflict when path exists; Unavailable when the copy fails.
func (db *DB) BackupSQLite(ctx context.Context, path string) error {
	if db.dialect != SQLite {
		return errs.E(errs.Unsupported, "tohu backup copies the embedded SQLite database; back up PostgreSQL with pg_dump (docs/operations.md, \"Back up and restore\")")
	}
	if _, err := os.Stat(path); err == nil {
		return errs.E(errs.Conflict, "%s exists already; choose a new file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return errs.Wrap(err, errs.Invalid, "%s: %v", path, err)
	}
	// The reader pool is query_only, which also forbids VACUUM INTO; the
	// writer connection reads the same snapshot and only writes the new file.
	if err := db.w.WithContext(ctx).Exec("VACUUM INTO ?", abs).Error; err != nil {
		os.Remove(abs)
		return errs.Wrap(err, errs.Unavailable, "could not write the backup %s: %v", path, err)
	}
	return nil
}

// BackupInfo describes a backup file.
type BackupInfo struct {
	SchemaVersion int   // highest migration recorded in the backup
	Credentials   int64 // rows in credentials
	SigningKeys   int64
}

// CheckSQLiteBackup opens the SQLite file at path read-only and checks that
// it is an intact tohu database this binary can run: PRAGMA integrity_check
// passes and its schema version is not newer than this binary's migrations.
//
// Errors: NotFound when there is no file; Invalid when it is not an intact
// tohu database or was made by a newer tohu.
func CheckSQLiteBackup(ctx context.Context, path string) (*BackupInfo, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errs.E(errs.NotFound, "%s: no such file", path)
		}
		return nil, errs.Wrap(err, errs.Invalid, "%s cannot be read", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "%s: %v", path, err)
	}
	g, err := gorm.Open(sqlite.Open("file:"+filepath.ToSlash(abs)+"?mode=ro&_pragma=query_only(1)"), gormConfig())
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "%s is not a SQLite database", path)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "%s", path)
	}
	defer sqlDB.Close()
	var check string
	if err := sqlDB.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "%s is not a SQLite database", path)
	}
	if check != "ok" {
		return nil, errs.E(errs.Invalid, "%s fails SQLite's integrity check: %s", path, check)
	}
	info := &BackupInfo{}
	if err := sqlDB.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&info.SchemaVersion); err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "%s is not a tohu database (no schema_migrations)", path)
	}
	known, err := migrations(SQLite)
	if err != nil {
		return nil, err
	}
	if latest := known[len(known)-1].version; info.SchemaVersion > latest {
		return nil, errs.E(errs.Invalid, "%s has schema version %d, newer than this tohu knows (%d): restore it with the tohu that made it", path, info.SchemaVersion, latest)
	}
	for table, n := range map[string]*int64{"credentials": &info.Credentials, "signing_keys": &info.SigningKeys} {
		if err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(n); err != nil {
			return nil, errs.Wrap(err, errs.Invalid, "%s is not a tohu database (no %s)", path, table)
		}
	}
	return info, nil
}

// RestoreSQLite checks the backup at from (CheckSQLiteBackup) and installs it
// as dataDir/tohu.db. It refuses to replace an existing database unless
// force is set; no tohu may be running on dataDir meanwhile. The copy is
// written beside the target and renamed into place, so a failed restore
// leaves the old database as it was; stale -wal/-shm files of the replaced
// database are removed (SQLite would otherwise replay them into the restored
// file).
//
// Errors: Conflict when a database exists and force is false; those of
// CheckSQLiteBackup; Unavailable when the file cannot be written.
func RestoreSQLite(ctx context.Context, from, dataDir string, force bool) (*BackupInfo, error) {
	info, err := CheckSQLiteBackup(ctx, from)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "could not create the data directory %s", dataDir)
	}
	target := filepath.Join(dataDir, "tohu.db")
	if _, err := os.Stat(target); err == nil && !force {
		return nil, errs.E(errs.Conflict, "%s exists; stop tohu and pass --force to replace it", target)
	}
	tmp, err := os.CreateTemp(dataDir, ".tohu.db.restore-*")
	if err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "could not write in %s", dataDir)
	}
	defer os.Remove(tmp.Name())
	src, err := os.Open(from)
	if err != nil {
		tmp.Close()
		return nil, errs.Wrap(err, errs.Unavailable, "could not read %s", from)
	}
	_, err = io.Copy(tmp, src)
	src.Close()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "could not copy %s into %s: %v", from, dataDir, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(target + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, errs.Wrap(err, errs.Unavailable, "could not remove %s%s", target, suffix)
		}
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "could not move the restored database into place: %v", err)
	}
	return info, nil
}

// String summarises the backup for the CLI.
func (b *BackupInfo) String() string {
	return fmt.Sprintf("schema version %d, %d credential rows, %d signing keys", b.SchemaVersion, b.Credentials, b.SigningKeys)
}

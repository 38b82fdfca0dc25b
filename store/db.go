// Package store implements issuer.Store with gorm on PostgreSQL (production,
// any number of replicas) or an embedded SQLite file (the default, so tohu
// runs on a fresh machine with nothing else). Row structs live here and are
// distinct from issuer's domain types; errors are translated to *errs.Error
// at this boundary (record not found → NotFound, unique violation →
// Conflict) and never later.
package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	// SQLite driver choice: github.com/glebarez/sqlite is the gorm dialector
	// for github.com/glebarez/go-sqlite, which wraps modernc.org/sqlite (SQLite
	// translated to pure Go), so CGO_ENABLED=0 builds work. The dialector's own
	// v1.11.0 pins a 2023 modernc; go.mod raises glebarez/go-sqlite to v1.23.0
	// (modernc.org/sqlite v1.55, SQLite 3.53). ncruces/go-sqlite3/gormlite
	// was the alternative (current SQLite via wasm), but it adds a wasm runtime
	// and a second SQLite binding to audit; modernc is plain Go and current
	// enough.
	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tohu-nz/tohu/errs"
)

// Dialects.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// DB is the store. It is safe for concurrent use. Reads go to r and writes
// (and every transaction) to w: on Postgres both are the same pool; on
// SQLite w is a single connection (see Open).
type DB struct {
	dialect string
	r, w    *gorm.DB
	tx      bool // this DB is bound to one transaction (r == w == the tx)
	// conn is the transaction's connection on PostgreSQL (WithTx pins one),
	// for what database/sql cannot send: COPY (writeRows).
	conn    *sql.Conn
	closers []*sql.DB
}

// Open connects to the database named by dsn and migrates it. A dsn that
// starts with postgres:// or postgresql:// selects PostgreSQL; anything else
// (including "") selects the SQLite file dataDir/tohu.db, creating dataDir
// (0700) if needed.
//
// Errors: Unavailable when the database cannot be reached; Internal when a
// migration fails.
func Open(ctx context.Context, dsn, dataDir string) (*DB, error) {
	db, err := open(ctx, dsn, dataDir)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Discard,
		TranslateError:         true, // unique/foreign-key violations become gorm.ErrDuplicatedKey/ErrForeignKeyViolated
		SkipDefaultTransaction: true, // single statements need no wrapping transaction; WithTx is explicit
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

func open(ctx context.Context, dsn, dataDir string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		g, err := gorm.Open(postgres.Open(dsn), gormConfig())
		if err != nil {
			return nil, errs.Wrap(err, errs.Unavailable, "could not connect to PostgreSQL")
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, errs.Wrap(err, errs.Internal, "could not open PostgreSQL")
		}
		sqlDB.SetMaxOpenConns(25)
		sqlDB.SetMaxIdleConns(25)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		db := &DB{dialect: Postgres, r: g, w: g, closers: []*sql.DB{sqlDB}}
		if err := db.Ping(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	return openSQLite(ctx, dataDir)
}

func openSQLite(ctx context.Context, dataDir string) (*DB, error) {
	if dataDir == "" {
		dataDir = "."
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "could not create the data directory %s", dataDir)
	}
	path := filepath.Join(dataDir, "tohu.db")
	// SQLite answers SQLITE_BUSY without calling the busy handler in a few
	// cases (a WAL file being recovered or reset by another process, as when
	// two replicas open a new file at the same moment), so opening is
	// retried for a while on exactly that error.
	for wait := 25 * time.Millisecond; ; wait *= 2 {
		db, err := openSQLiteFile(ctx, path)
		if err == nil || !sqliteBusy(err) || wait > 2*time.Second {
			return db, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
}

// sqliteBusy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED
// (extended codes included).
func sqliteBusy(err error) bool {
	code := sqliteCode(err)
	return code == sqliteBusyCode || code == sqliteLocked
}

// SQLite's primary result codes that tohu tells apart.
const (
	sqliteBusyCode  = 5
	sqliteLocked    = 6
	sqliteInterrupt = 9
)

// sqliteCode is the primary result code of SQLite's error err (extended
// codes reduced to it), from the driver's coded error; -1 for any other
// error.
func sqliteCode(err error) int {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return -1
	}
	return coded.Code() & 0xff
}

func openSQLiteFile(ctx context.Context, path string) (*DB, error) {
	// The pragmas run on every new connection, in this order:
	//   busy_timeout(10000): another connection or process holding the lock
	//     (a second tohu on the same file, `tohu migrate`) makes us wait, not
	//     fail; first, so that switching to WAL below waits too.
	//   journal_mode(WAL): readers do not block the writer nor it them, so
	//     public reads (status lists, credentials) go on during issuance.
	//   foreign_keys(1): SQLite does not enforce REFERENCES unless asked, per
	//     connection.
	//   synchronous(NORMAL): durable at each checkpoint and safe with WAL.
	// _txlock=immediate: a transaction takes the write lock at BEGIN, so it
	// never has to upgrade a read lock later (which fails with SQLITE_BUSY
	// instead of waiting when another writer got there first).
	base := "file:" + filepath.ToSlash(path) +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	w, err := gorm.Open(sqlite.Open(base+"&_txlock=immediate"), gormConfig())
	if err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "could not open %s: %v", path, err)
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "could not open %s", path)
	}
	// One writer connection: SQLite allows one writer at a time anyway, and
	// with a single connection the writers in this process queue in Go
	// (database/sql's pool) instead of spinning on SQLITE_BUSY.
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)

	r, err := gorm.Open(sqlite.Open(base+"&_pragma=query_only(1)"), gormConfig())
	if err != nil {
		wdb.Close()
		return nil, errs.Wrap(err, errs.Unavailable, "could not open %s: %v", path, err)
	}
	rdb, err := r.DB()
	if err != nil {
		wdb.Close()
		return nil, errs.Wrap(err, errs.Internal, "could not open %s", path)
	}
	// Readers: several, since WAL lets them run beside the writer.
	rdb.SetMaxOpenConns(8)
	rdb.SetMaxIdleConns(8)
	db := &DB{dialect: SQLite, r: r, w: w, closers: []*sql.DB{wdb, rdb}}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Dialect returns Postgres or SQLite.
func (db *DB) Dialect() string { return db.dialect }

// Ping checks that the database answers (readiness). Unavailable if not.
func (db *DB) Ping(ctx context.Context) error {
	for _, c := range db.closers {
		if err := c.PingContext(ctx); err != nil {
			return errs.Wrap(err, errs.Unavailable, "the database is not reachable")
		}
	}
	return nil
}

// Close closes the connections. A DB bound to a transaction closes nothing.
func (db *DB) Close() error {
	var first error
	for _, c := range db.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	db.closers = nil
	return first
}

// read returns the handle for queries, bound to ctx.
func (db *DB) read(ctx context.Context) *gorm.DB { return db.r.WithContext(ctx) }

// write returns the handle for changes, bound to ctx.
func (db *DB) write(ctx context.Context) *gorm.DB { return db.w.WithContext(ctx) }

// translate turns a database error into an *errs.Error at the boundary.
// what names the thing for messages ("award", "provider slug").
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return errs.Wrap(err, errs.NotFound, "%s not found", what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return errs.Wrap(err, errs.Conflict, "%s already exists", what)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return errs.Wrap(err, errs.Invalid, "%s refers to something that does not exist", what)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), sqliteCode(err) == sqliteInterrupt:
		// SQLite reports a statement stopped by its context's end as
		// SQLITE_INTERRUPT, without the context's error.
		return errs.Wrap(err, errs.Unavailable, "the database did not answer in time")
	}
	return errs.Wrap(err, errs.Internal, "database error (%s)", what)
}

package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for creating and dropping test schemas

	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/store"
)

var _ issuer.Store = (*store.DB)(nil)

// dialect is one database the tests run on. open returns a fresh, migrated
// store; reopen returns another DB on the same data (for restart tests).
type dialect struct {
	name string
	// target returns (dsn, dataDir) of a fresh, empty database.
	target func(t testing.TB) (dsn, dataDir string)
}

func dialects() []dialect {
	return []dialect{
		{name: store.SQLite, target: func(t testing.TB) (string, string) { return "", t.TempDir() }},
		{name: store.Postgres, target: postgresTarget},
	}
}

func postgresURL() string {
	if u := os.Getenv("TOHU_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// postgresTarget creates a schema of its own for the test (dropped when it
// ends) and returns a DSN whose search_path points there, so runs and tests
// cannot collide. Skips when PostgreSQL is unreachable, unless CI or
// TOHU_TEST_REQUIRE_POSTGRES is set: then a missing database fails.
func postgresTarget(t testing.TB) (string, string) {
	t.Helper()
	base := postgresURL()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("TOHU_TEST_REQUIRE_POSTGRES") != "" {
			t.Fatalf("PostgreSQL is required (CI or TOHU_TEST_REQUIRE_POSTGRES set) but unreachable at %s: %v", base, err)
		}
		t.Skipf("PostgreSQL unreachable at %s (set TOHU_TEST_DATABASE_URL): %v", base, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "tohu_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema, ""
}

// mustOpen opens (and migrates) a store on target, closed when the test ends.
func mustOpen(t testing.TB, dsn, dataDir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, dataDir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// forEachDialect runs fn as a subtest per dialect with a fresh store.
func forEachDialect(t *testing.T, fn func(t *testing.T, db *store.DB, dsn, dataDir string)) {
	for _, d := range dialects() {
		t.Run(d.name, func(t *testing.T) {
			dsn, dir := d.target(t)
			fn(t, mustOpen(t, dsn, dir), dsn, dir)
		})
	}
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tohu-nz/tohu/errs"
)

// TestSQLiteBusy: the open retry (openSQLite) is taken on the driver's
// real SQLITE_BUSY, however wrapped, and on nothing else.
func TestSQLiteBusy(t *testing.T) {
	ctx := context.Background()
	dsn := "file:" + filepath.ToSlash(filepath.Join(t.TempDir(), "busy.db")) + "?_pragma=busy_timeout(0)"
	holder, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	hc, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	if _, err := hc.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, busy := other.ExecContext(ctx, "BEGIN EXCLUSIVE")
	if busy == nil {
		t.Fatal("a second exclusive transaction began beside the first")
	}
	_, syntax := other.ExecContext(ctx, "SELEKT 1")
	for name, tc := range map[string]struct {
		err  error
		want bool
	}{
		"busy":            {busy, true},
		"busy, wrapped":   {errs.Wrap(busy, errs.Unavailable, "could not open x"), true},
		"syntax error":    {syntax, false},
		"not SQLite's":    {errors.New("database is locked"), false},
		"no error at all": {nil, false},
	} {
		if got := sqliteBusy(tc.err); got != tc.want {
			t.Errorf("%s: sqliteBusy(%v) = %v, want %v", name, tc.err, got, tc.want)
		}
	}
}

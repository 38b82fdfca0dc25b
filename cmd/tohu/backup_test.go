package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// freeAddr returns a loopback address that was free a moment ago, so a
// restored tohu can listen where the original did and its credentials'
// did:web and status-list URLs still resolve.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func copyEnv(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// runVerb runs one tohu verb in-process and returns its exit code and output.
func runVerb(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := runEnv(context.Background(), args, &Env{Getenv: envMap(env), Stdout: &out, Stderr: &out})
	return code, out.String()
}

// snapshot is what the public sees of one credential.
type snapshot struct {
	id        string
	di, jwt   []byte
	diResult  string
	jwtResult string
}

func takeSnapshot(t *testing.T, c client, id string) snapshot {
	t.Helper()
	s := snapshot{id: id}
	var code int
	if code, _, _, s.di = c.call("GET", "/credentials/"+id, "", nil); code != 200 {
		t.Fatalf("GET credential %s = %d", id, code)
	}
	if code, _, _, s.jwt = c.call("GET", "/credentials/"+id, "", nil, "Accept", "application/vc+jwt"); code != 200 {
		t.Fatalf("GET credential %s as JWT = %d", id, code)
	}
	_, _, m, _ := c.call("POST", "/credentials/verify", "", map[string]any{"verifiableCredential": json.RawMessage(s.di)})
	s.diResult, _ = m["result"].(string)
	_, _, m, _ = c.call("POST", "/credentials/verify", "", map[string]any{"verifiableCredential": string(s.jwt)})
	s.jwtResult, _ = m["result"].(string)
	return s
}

// TestBackupRestore issues credentials (some revoked or suspended), backs the
// database up while tohu runs, restores it into a fresh database, refuses to
// start it with a wrong master key, starts it with the right one on the same
// public URL, and then checks EVERY credential: both forms byte-identical to
// before, and verified by tohu's verifier with the same result as before.
// SQLite uses `tohu backup` / `tohu restore`; PostgreSQL the documented
// pg_dump --format=custom / pg_restore procedure (docs/operations.md).
func TestBackupRestore(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			addr := freeAddr(t)
			env := map[string]string{
				"TOHU_ADDR":           addr,
				"TOHU_DATA_DIR":       t.TempDir(),
				"TOHU_MASTER_KEY":     newMasterKey(t),
				"TOHU_OPERATOR_TOKEN": testOperatorToken,
			}
			var srcDSN string
			if dialect == "postgres" {
				srcDSN = postgresTarget(t)
				env["TOHU_DATABASE_URL"] = srcDSN
				requireTools(t, "pg_dump", "pg_restore")
			}
			base, stop, logs := startServe(t, env)
			c := client{t, base}
			s := setUpIssuer(c)
			var ids []string
			for i := range 8 {
				id, err := s.issue(c, fmt.Sprintf("Ākonga Whakamuri %d", i))
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			c.must(200, "POST", "/api/v1/awards/"+ids[2]+"/revoke", s.issuerTok, map[string]any{"reason": "issued in error"})
			c.must(200, "POST", "/api/v1/awards/"+ids[5]+"/suspend", s.issuerTok, map[string]any{"reason": "under review"})
			before := make([]snapshot, len(ids))
			for i, id := range ids {
				before[i] = takeSnapshot(t, c, id)
			}
			if before[0].diResult != "verified" || before[0].jwtResult != "verified" || before[2].diResult != "revoked" {
				t.Fatalf("before the backup: %s/%s, revoked one %s", before[0].diResult, before[0].jwtResult, before[2].diResult)
			}

			// Back up while tohu runs.
			backup := filepath.Join(t.TempDir(), "tohu.backup")
			restoredEnv := copyEnv(env, "TOHU_DATA_DIR", t.TempDir())
			if dialect == "sqlite" {
				code, out := runVerb(t, env, "backup", "--out", backup)
				if code != 0 || !strings.Contains(out, "16 credential rows") {
					t.Fatalf("tohu backup: exit %d: %s", code, out)
				}
				if code, out := runVerb(t, env, "backup", "--out", backup); code != exitUsage || !strings.Contains(out, "exists") {
					t.Fatalf("backup over an existing file: exit %d: %s", code, out)
				}
			} else {
				pgBase, schema := splitSearchPath(t, srcDSN)
				runTool(t, "pg_dump", "--format=custom", "--no-owner", "--schema="+schema, "--file="+backup, pgBase)
				restoredEnv["TOHU_DATABASE_URL"] = freshDatabase(t, pgBase, schema)
			}
			if code := stop(); code != 0 {
				t.Fatalf("exit %d:\n%s", code, logs)
			}

			// Restore into a fresh database.
			if dialect == "sqlite" {
				if code, out := runVerb(t, restoredEnv, "restore", backup); code != 0 || !strings.Contains(out, "schema version") {
					t.Fatalf("tohu restore: exit %d: %s", code, out)
				}
				if code, out := runVerb(t, restoredEnv, "restore", backup); code != exitUsage || !strings.Contains(out, "--force") {
					t.Fatalf("restore over a database without --force: exit %d: %s", code, out)
				}
			} else {
				pgBase, _ := splitSearchPath(t, restoredEnv["TOHU_DATABASE_URL"])
				runTool(t, "pg_restore", "--no-owner", "--exit-on-error", "--dbname="+pgBase, backup)
			}

			// The wrong master key refuses to start, before listening.
			wrong := copyEnv(restoredEnv, "TOHU_MASTER_KEY", newMasterKey(t))
			if code, out := runVerb(t, wrong, "serve"); code == 0 || !strings.Contains(out, "wrong master key") {
				t.Fatalf("restored database with a wrong master key: exit %d: %s", code, out)
			}

			// The right one: same public URL, every credential as before.
			base2, stop2, logs2 := startServe(t, restoredEnv)
			if base2 != base {
				t.Fatalf("restored base URL %s, want %s", base2, base)
			}
			c2 := client{t, base2}
			for i, b := range before {
				a := takeSnapshot(t, c2, b.id)
				if !bytes.Equal(a.di, b.di) || !bytes.Equal(a.jwt, b.jwt) {
					t.Fatalf("credential %d (%s) differs after restore", i, b.id)
				}
				if a.diResult != b.diResult || a.jwtResult != b.jwtResult {
					t.Fatalf("credential %d verifies %s/%s after restore, %s/%s before", i, a.diResult, a.jwtResult, b.diResult, b.jwtResult)
				}
			}
			// The signing keys open: a new award is issued, with a new status index.
			if _, err := s.issue(c2, "Ākonga Hou"); err != nil {
				t.Fatalf("issuing after restore: %v", err)
			}
			if code := stop2(); code != 0 {
				t.Fatalf("exit %d:\n%s", code, logs2)
			}
		})
	}
}

// TestBackupRestoreErrors covers the refusals of backup and restore.
func TestBackupRestoreErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "not-a-db")
	os.WriteFile(notDB, []byte("hello"), 0o600)
	pg := map[string]string{"TOHU_DATA_DIR": dir, "TOHU_DATABASE_URL": "postgres://u@127.0.0.1:1/x"}
	tests := map[string]struct {
		env      map[string]string
		args     []string
		wantCode int
		wantMsg  string
	}{
		"error/backup without --out":      {env: map[string]string{"TOHU_DATA_DIR": dir}, args: []string{"backup"}, wantCode: exitUsage, wantMsg: "--out"},
		"error/backup of postgres":        {env: pg, args: []string{"backup", "--out", filepath.Join(dir, "x")}, wantCode: exitUsage, wantMsg: "pg_dump"},
		"error/restore into postgres":     {env: pg, args: []string{"restore", notDB}, wantCode: exitUsage, wantMsg: "pg_restore"},
		"error/restore without file":      {env: map[string]string{"TOHU_DATA_DIR": dir}, args: []string{"restore"}, wantCode: exitUsage, wantMsg: "FILE"},
		"error/restore of a missing file": {env: map[string]string{"TOHU_DATA_DIR": dir}, args: []string{"restore", filepath.Join(dir, "nope")}, wantCode: exitUsage, wantMsg: "no such file"},
		"error/restore of a non-database": {env: map[string]string{"TOHU_DATA_DIR": t.TempDir()}, args: []string{"restore", notDB}, wantCode: exitUsage, wantMsg: "not a SQLite database"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, out := runVerb(t, tc.env, tc.args...)
			if code != tc.wantCode || !strings.Contains(out, tc.wantMsg) {
				t.Fatalf("exit %d, want %d with %q:\n%s", code, tc.wantCode, tc.wantMsg, out)
			}
		})
	}
}

// requireTools skips (or fails in CI) when a PostgreSQL client tool is missing.
func requireTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") != "" || os.Getenv("TOHU_TEST_REQUIRE_POSTGRES") != "" {
				t.Fatalf("%s is required (apt-get install postgresql-client): %v", n, err)
			}
			t.Skipf("%s not installed", n)
		}
	}
}

func runTool(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// splitSearchPath splits postgresTarget's DSN into the libpq URL (which
// pg_dump accepts) and the schema named by its search_path parameter.
func splitSearchPath(t *testing.T, dsn string) (string, string) {
	t.Helper()
	i := strings.Index(dsn, "search_path=")
	if i < 1 {
		t.Fatalf("no search_path in the test DSN")
	}
	return strings.TrimRight(dsn[:i-1], "?&"), dsn[i+len("search_path="):]
}

// freshDatabase creates an empty database on the test server (dropped at
// the end) and returns a DSN for schema in it.
func freshDatabase(t *testing.T, pgBase, schema string) string {
	t.Helper()
	admin, err := sql.Open("pgx", pgBase)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "tohu_restore_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		admin.Close()
	})
	i := strings.LastIndex(pgBase, "/")
	j := strings.IndexByte(pgBase[i:], '?')
	dsn := pgBase[:i+1] + name
	if j >= 0 {
		dsn += pgBase[i+j:] + "&search_path=" + schema
	} else {
		dsn += "?search_path=" + schema
	}
	return dsn
}

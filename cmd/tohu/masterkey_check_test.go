package main

import (
	"database/sql"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// keyFileEnv writes a new master key to a 0600 file and returns it with its
// path.
func keyFileEnv(t *testing.T) (key, path string) {
	t.Helper()
	key = newMasterKey(t)
	path = filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return key, path
}

// serveProc spawns `bin serve` with exactly env (plus PATH and HOME).
func serveProc(t *testing.T, bin string, env map[string]string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	return spawn(t, cmd, env)
}

// settle waits until p is ready (listening and /readyz answers) or has
// exited, and says which: unlike startProc, exiting is an outcome here.
func settle(t *testing.T, p *proc) bool {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-p.done:
			return false
		default:
		}
		p.logs.mu.Lock()
		for _, m := range p.logs.lines {
			if m["msg"] == "listening" {
				p.addr, _ = m["addr"].(string)
			}
		}
		p.logs.mu.Unlock()
		if p.addr == "" {
			continue
		}
		if resp, err := http.Get(p.url() + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
	}
	t.Fatalf("tohu serve neither ready nor exited after 60 s:\n%s", p.logs.raw.String())
	return false
}

// TestMasterKeyCheckReplicas: two `tohu serve` processes with different
// master key files start together on one empty database (PostgreSQL with
// separate data directories; SQLite sharing one). Exactly one runs; the
// other exits non-zero naming the wrong master key and printing neither
// key. Restarted with the winner's key it runs, and signs for a provider
// the winner created. `tohu rekey` then re-seals the check token with the
// signing keys: the old key no longer starts, the new one does.
func TestMasterKeyCheckReplicas(t *testing.T) {
	bin := buildTohu(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			shared := t.TempDir()
			var dsn string
			if dialect == "postgres" {
				dsn = postgresTarget(t)
			}
			keys, files := make([]string, 2), make([]string, 2)
			envs := make([]map[string]string, 2)
			for i := range 2 {
				keys[i], files[i] = keyFileEnv(t)
				envs[i] = map[string]string{"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": shared,
					"TOHU_MASTER_KEY_FILE": files[i], "TOHU_OPERATOR_TOKEN": testOperatorToken, "TOHU_LOG_LEVEL": "info"}
				if dsn != "" {
					envs[i]["TOHU_DATABASE_URL"] = dsn
					envs[i]["TOHU_DATA_DIR"] = t.TempDir()
				}
			}
			// Both spawned before either is waited for: they migrate and check
			// their keys at the same time.
			procs := []*proc{serveProc(t, bin, envs[0]), serveProc(t, bin, envs[1])}
			up := []bool{settle(t, procs[0]), settle(t, procs[1])}
			if up[0] == up[1] {
				t.Fatalf("ready: %v; want exactly one\n--- 0:\n%s\n--- 1:\n%s", up, procs[0].logs.raw.String(), procs[1].logs.raw.String())
			}
			win, lose := 0, 1
			if up[1] {
				win, lose = 1, 0
			}
			out := procs[lose].logs.raw.String()
			if procs[lose].code == 0 || !strings.Contains(errorLine(out), "wrong master key") || !strings.Contains(errorLine(out), files[lose]) {
				t.Fatalf("loser: exit %d, want non-zero naming the wrong master key in %s:\n%s", procs[lose].code, files[lose], out)
			}
			for _, k := range keys {
				if strings.Contains(out, k) || strings.Contains(procs[win].logs.raw.String(), k) {
					t.Fatal("a master key is in a log")
				}
			}

			// The loser restarted with the winner's key runs, and can sign for
			// a provider the winner created.
			right := copyEnv(envs[lose], "TOHU_MASTER_KEY_FILE", files[win])
			again := serveProc(t, bin, right)
			if !settle(t, again) {
				t.Fatalf("restart with the right key exited %d:\n%s", again.code, again.logs.raw.String())
			}
			s := setUpIssuer(client{t, procs[win].url()})
			if _, err := s.issue(client{t, again.url()}, "Ākonga Tuatahi"); err != nil {
				t.Fatalf("the other replica cannot sign for the winner's provider: %v", err)
			}
			if again.stop(t) != 0 || procs[win].stop(t) != 0 {
				t.Fatal("a replica did not stop cleanly")
			}

			// Rekey (winner's key → a new one): the token moves with the keys.
			newKey, newFile := keyFileEnv(t)
			if code, out := runVerb(t, envs[win], "rekey", "--new-master-key-file", newFile); code != 0 {
				t.Fatalf("rekey: exit %d:\n%s", code, out)
			}
			if code, out := runVerb(t, envs[win], "serve"); code == 0 || !strings.Contains(errorLine(out), "wrong master key") || strings.Contains(out, keys[win]) {
				t.Fatalf("old key after rekey: exit %d:\n%s", code, out)
			}
			newEnv := copyEnv(envs[win], "TOHU_MASTER_KEY_FILE", newFile)
			base, stop, logs := startServe(t, newEnv)
			if _, err := s.issue(client{t, base}, "Ākonga Tuarua"); err != nil {
				t.Fatalf("issue after rekey: %v", err)
			}
			stop()
			if strings.Contains(logs.raw.String(), newKey) {
				t.Fatal("the new master key is in the log")
			}
		})
	}
}

// TestMasterKeyCheckAdopt: a database from before the check token (signing
// keys sealed, no token: what migration 004 leaves on an existing database)
// refuses a master key that does not open its keys and stores nothing;
// the right key starts, its credential verifies, and its token is stored,
// after which the wrong key is refused by the token.
func TestMasterKeyCheckAdopt(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			key := newMasterKey(t)
			env := map[string]string{"TOHU_ADDR": freeAddr(t), "TOHU_DATA_DIR": t.TempDir(),
				"TOHU_MASTER_KEY": key, "TOHU_OPERATOR_TOKEN": testOperatorToken}
			driver, dsn := "sqlite", filepath.Join(env["TOHU_DATA_DIR"], "tohu.db")
			if dialect == "postgres" {
				env["TOHU_DATABASE_URL"] = postgresTarget(t)
				driver, dsn = "pgx", env["TOHU_DATABASE_URL"]
			}
			base, stop, _ := startServe(t, env)
			s := setUpIssuer(client{t, base})
			id, err := s.issue(client{t, base}, "Ākonga Tuatahi")
			if err != nil {
				t.Fatal(err)
			}
			stop()

			db, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tokens := func() int {
				var n int
				if err := db.QueryRow("SELECT COUNT(*) FROM master_key_check").Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if tokens() != 1 {
				t.Fatal("the first start stored no check token")
			}
			if _, err := db.Exec("DELETE FROM master_key_check"); err != nil {
				t.Fatal(err)
			}

			wrong := copyEnv(env, "TOHU_MASTER_KEY", newMasterKey(t))
			if code, out := runVerb(t, wrong, "serve"); code == 0 || !strings.Contains(errorLine(out), "wrong master key") {
				t.Fatalf("wrong key on an old database: exit %d:\n%s", code, out)
			}
			if tokens() != 0 {
				t.Fatal("a refused master key stored a check token")
			}
			base, stop, _ = startServe(t, env)
			if snap := takeSnapshot(t, client{t, base}, id); snap.diResult != "verified" {
				t.Fatalf("after adoption the credential verifies %s", snap.diResult)
			}
			stop()
			if tokens() != 1 {
				t.Fatal("the adopted key's check token was not stored")
			}
			if code, out := runVerb(t, wrong, "serve"); code == 0 || !strings.Contains(out, "check token does not open under this key") {
				t.Fatalf("wrong key after adoption: exit %d:\n%s", code, out)
			}
		})
	}
}

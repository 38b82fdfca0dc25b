package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRekey rotates the master key on each database: every signing key is
// resealed in one transaction; afterwards the old key refuses to start, the
// new one starts, old credentials still verify and new ones are issued. A
// rekey run with a wrong current key changes nothing.
func TestRekey(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			oldKey := newMasterKey(t)
			env := map[string]string{
				"TOHU_ADDR": freeAddr(t), "TOHU_DATA_DIR": t.TempDir(),
				"TOHU_MASTER_KEY": oldKey, "TOHU_OPERATOR_TOKEN": testOperatorToken,
			}
			if dialect == "postgres" {
				env["TOHU_DATABASE_URL"] = postgresTarget(t)
			}
			base, stop, _ := startServe(t, env)
			c := client{t, base}
			s := setUpIssuer(c)
			c.must(200, "POST", "/api/v1/signing-keys/rotate", s.adminTok, nil) // retired keys are resealed too
			id, err := s.issue(c, "Ākonga Tuatahi")
			if err != nil {
				t.Fatal(err)
			}
			before := takeSnapshot(t, c, id)
			stop()

			keyFile := filepath.Join(t.TempDir(), "new.key")
			newKey := newMasterKey(t)
			os.WriteFile(keyFile, []byte(newKey+"\n"), 0o600)
			sameFile := filepath.Join(t.TempDir(), "same.key")
			os.WriteFile(sameFile, []byte(oldKey), 0o600)

			errCases := map[string]struct {
				env      map[string]string
				args     []string
				wantCode int
				wantMsg  string
			}{
				"error/no flag":             {env: env, args: []string{"rekey"}, wantCode: exitUsage, wantMsg: "--new-master-key-file"},
				"error/missing file":        {env: env, args: []string{"rekey", "--new-master-key-file", keyFile + ".nope"}, wantCode: exitUsage, wantMsg: "cannot read"},
				"error/same key":            {env: env, args: []string{"rekey", "--new-master-key-file", sameFile}, wantCode: exitUsage, wantMsg: "is the current one"},
				"error/wrong current key":   {env: copyEnv(env, "TOHU_MASTER_KEY", newMasterKey(t)), args: []string{"rekey", "--new-master-key-file", keyFile}, wantCode: exitFail, wantMsg: "nothing changed"},
				"error/not a key in --file": {env: env, args: []string{"rekey", "--new-master-key-file", filepath.Join("testdata", "..", "rekey.go")}, wantCode: exitUsage, wantMsg: "--new-master-key-file"},
			}
			for name, tc := range errCases {
				t.Run(name, func(t *testing.T) {
					code, out := runVerb(t, tc.env, tc.args...)
					if code != tc.wantCode || !strings.Contains(out, tc.wantMsg) {
						t.Fatalf("exit %d, want %d with %q:\n%s", code, tc.wantCode, tc.wantMsg, out)
					}
					if strings.Contains(out, oldKey) || strings.Contains(out, newKey) {
						t.Fatalf("a master key is in the output:\n%s", out)
					}
				})
			}

			code, out := runVerb(t, env, "rekey", "--new-master-key-file", keyFile)
			if code != 0 || !strings.Contains(out, "resealed 4 signing keys") {
				t.Fatalf("rekey: exit %d:\n%s", code, out)
			}
			if code, out := runVerb(t, env, "serve"); code == 0 || !strings.Contains(out, "wrong master key") {
				t.Fatalf("the old master key still starts: exit %d:\n%s", code, out)
			}
			newEnv := copyEnv(env, "TOHU_MASTER_KEY", "", "TOHU_MASTER_KEY_FILE", keyFile)
			base2, stop2, logs2 := startServe(t, newEnv)
			c2 := client{t, base2}
			after := takeSnapshot(t, c2, id)
			if string(after.di) != string(before.di) || after.diResult != "verified" || after.jwtResult != "verified" {
				t.Fatalf("after rekey the credential verifies %s/%s", after.diResult, after.jwtResult)
			}
			if _, err := s.issue(c2, "Ākonga Tuarua"); err != nil {
				t.Fatalf("issuing after rekey: %v", err)
			}
			if code := stop2(); code != 0 {
				t.Fatalf("exit %d:\n%s", code, logs2)
			}
		})
	}
}

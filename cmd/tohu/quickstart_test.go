package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestQuickstart runs examples/quickstart.sh with bash against the real
// server: once creating the provider with the operator token, once with an
// admin key printed by `tohu provider create --json` (run against the same
// data directory while the server runs). Without curl or jq it skips
// locally and fails in CI (.ci/run installs jq).
func TestQuickstart(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required for the quickstart test", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	env := map[string]string{"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": dir, "TOHU_OPERATOR_TOKEN": testOperatorToken}
	base, _, _ := startServe(t, env)

	run := func(t *testing.T, extra ...string) string {
		t.Helper()
		cmd := exec.Command("bash", "../../examples/quickstart.sh")
		cmd.Env = append(os.Environ(), append([]string{"TOHU_URL=" + base}, extra...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("quickstart: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		last := lines[len(lines)-1]
		if !strings.HasPrefix(last, base+"/credentials/") || !strings.Contains(stderr.String(), `"result": "revoked"`) {
			t.Fatalf("last line %q; stderr:\n%s", last, stderr.String())
		}
		return last
	}
	t.Run("ok/operator token", func(t *testing.T) {
		run(t, "TOHU_OPERATOR_TOKEN="+testOperatorToken, "TOHU_SLUG=quickstart-op")
	})
	t.Run("ok/tohu provider create", func(t *testing.T) {
		var stdout, stderr strings.Builder
		code := runEnv(t.Context(), []string{"provider", "create", "--name", "Te Kura CLI", "--slug", "cli-pte", "--json"},
			&Env{Getenv: envMap(map[string]string{"TOHU_DATA_DIR": dir, "TOHU_BASE_URL": base}), Stdout: &stdout, Stderr: &stderr})
		if code != 0 {
			t.Fatalf("provider create exit %d: %s", code, stderr.String())
		}
		var out struct {
			Provider struct{ DID, Slug string }
			AdminKey struct{ Token string }
		}
		if err := json.Unmarshal([]byte(stdout.String()), &out); err != nil || !strings.HasPrefix(out.AdminKey.Token, "tohu_") ||
			!strings.HasPrefix(out.Provider.DID, "did:web:127.0.0.1%3A") {
			t.Fatalf("provider create printed %q (%v)", stdout.String(), err)
		}
		run(t, "TOHU_ADMIN_KEY="+out.AdminKey.Token)
	})
	t.Run("error/provider create", func(t *testing.T) {
		tests := map[string]struct {
			args []string
			want int
			msg  string
		}{
			"error/slug taken":     {[]string{"create", "--name", "x", "--slug", "cli-pte"}, exitUsage, "taken"},
			"error/no name":        {[]string{"create", "--slug", "y"}, exitUsage, "--name and --slug"},
			"error/bad did method": {[]string{"create", "--name", "x", "--slug", "z", "--did-method", "plc"}, exitUsage, "didMethod"},
			"error/no subcommand":  {nil, exitUsage, "create"},
		}
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				var stderr strings.Builder
				code := runEnv(t.Context(), append([]string{"provider"}, tc.args...),
					&Env{Getenv: envMap(map[string]string{"TOHU_DATA_DIR": dir, "TOHU_BASE_URL": base}), Stdout: io.Discard, Stderr: &stderr})
				if code != tc.want || !strings.Contains(stderr.String(), tc.msg) {
					t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tc.want, tc.msg)
				}
			})
		}
	})
}

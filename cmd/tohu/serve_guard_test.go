package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestMasterKeyFileRace: replicas starting together on one data directory
// with no key yet all end up with the one key that was created, never an
// empty or half-written file, and exactly one of them says it created it.
func TestMasterKeyFileRace(t *testing.T) {
	for round := range 50 {
		dir := t.TempDir()
		const n = 8
		keys := make([]string, n)
		errs := make([]error, n)
		var logs [n]bytes.Buffer
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				cfg, err := loadConfig(envMap(map[string]string{"TOHU_DATA_DIR": dir}))
				if err != nil {
					errs[i] = err
					return
				}
				errs[i] = resolveMasterKey(cfg, slog.New(slog.NewJSONHandler(&logs[i], nil)))
				keys[i] = cfg.MasterKey
			})
		}
		wg.Wait()
		created := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, replica %d: %v", round, i, errs[i])
			}
			if keys[i] == "" || keys[i] != keys[0] {
				t.Fatalf("round %d: replicas read different keys (%d and 0)", round, i)
			}
			if strings.Contains(logs[i].String(), "created a new master key") {
				created++
			}
		}
		if created != 1 {
			t.Fatalf("round %d: %d replicas say they created the key, want 1", round, created)
		}
		ents, _ := os.ReadDir(dir)
		if len(ents) != 1 || ents[0].Name() != masterKeyFile {
			t.Fatalf("round %d: data directory holds %v, want only %s", round, ents, masterKeyFile)
		}
		st, _ := os.Stat(filepath.Join(dir, masterKeyFile))
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %v", st.Mode().Perm())
		}
	}
}

// TestServeBodyTooLarge: through the real listener, a client uploading more
// than TOHU_BODY_LIMIT reads the 413 problem document rather than a
// connection reset (serve wraps its listener in api.LingeringListener).
// Without the lingering close most of these attempts fail with "connection
// reset by peer".
func TestServeBodyTooLarge(t *testing.T) {
	base, _, _ := startServe(t, map[string]string{
		"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": t.TempDir(), "TOHU_BODY_LIMIT": "65536",
	})
	body := bytes.Repeat([]byte(`{"a":"`+strings.Repeat("x", 1000)+`"},`), 2048) // 2 MiB
	for i := range 8 {
		req, _ := http.NewRequest("POST", base+"/credentials/verify", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 || resp.Header.Get("Content-Type") != "application/problem+json" || !bytes.Contains(b, []byte(`"status":413`)) {
			t.Fatalf("attempt %d: %d %s: %s", i, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
}

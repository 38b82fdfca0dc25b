package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// logLines collects the server's JSON log lines and lets a test wait for one.
type logLines struct {
	mu    sync.Mutex
	lines []map[string]any
	raw   strings.Builder
	cond  *sync.Cond
}

func newLogLines() *logLines {
	l := &logLines{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.raw.Write(p)
	sc := bufio.NewScanner(strings.NewReader(string(p)))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			l.lines = append(l.lines, m)
		}
	}
	l.cond.Broadcast()
	return len(p), nil
}

// wait returns the first line whose msg is msg, failing after timeout.
func (l *logLines) wait(t *testing.T, msg string, done <-chan struct{}) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	go func() {
		select {
		case <-done:
		case <-time.After(time.Until(deadline)):
		}
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	}()
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		for _, m := range l.lines {
			if m["msg"] == msg {
				return m
			}
		}
		select {
		case <-done:
			t.Fatalf("serve exited before logging %q:\n%s", msg, l.raw.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q log line:\n%s", msg, l.raw.String())
		}
		l.cond.Wait()
	}
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.raw.String()
}

// startServe runs `tohu serve` in-process with env and returns the base URL
// it logged, a stop function that cancels the context and returns the exit
// code, and the log.
func startServe(t *testing.T, env map[string]string) (string, func() int, *logLines) {
	t.Helper()
	logs := newLogLines()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}) // closed when serve returns; code is set then
	code := -1
	go func() {
		defer close(done)
		code = runEnv(ctx, []string{"serve"}, &Env{Getenv: envMap(env), Stdout: io.Discard, Stderr: logs})
	}()
	var once sync.Once
	stop := func() int {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				t.Fatalf("serve did not stop within 15 s:\n%s", logs)
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	line := logs.wait(t, "listening", done)
	base, _ := line["base_url"].(string)
	if base == "" {
		t.Fatalf("listening line without base_url: %v", line)
	}
	return base, stop, logs
}

func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeEndToEnd runs the real `tohu serve` on a random port against
// each database, probes it, then cancels the context and expects a clean
// shutdown with exit code 0.
func TestServeEndToEnd(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dataDir := t.TempDir()
			env := map[string]string{
				"TOHU_ADDR":      "127.0.0.1:0",
				"TOHU_DATA_DIR":  dataDir,
				"TOHU_LOG_LEVEL": "debug",
			}
			if db == "postgres" {
				env["TOHU_DATABASE_URL"] = postgresTarget(t)
			}
			base, stop, logs := startServe(t, env)
			if !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
				t.Fatalf("base URL = %q, want the bound port", base)
			}
			for _, path := range []string{"/healthz", "/readyz"} {
				if code, body := get(t, http.DefaultClient, base+path); code != 200 {
					t.Fatalf("%s = %d: %s", path, code, body)
				}
			}
			if code, body := get(t, http.DefaultClient, base+"/nope"); code != 404 || !strings.Contains(body, `"type":"https://tohu.nz/problems/not-found"`) {
				t.Fatalf("/nope = %d: %s", code, body)
			}
			if code := stop(); code != 0 {
				t.Fatalf("exit code %d:\n%s", code, logs)
			}
			out := logs.String()
			for _, want := range []string{`"msg":"stopped"`, `"msg":"request"`, `"route":"/readyz"`} {
				if !strings.Contains(out, want) {
					t.Errorf("log lacks %s:\n%s", want, out)
				}
			}
			if _, err := http.Get(base + "/healthz"); err == nil {
				t.Errorf("server still answers after shutdown")
			}
			if db == "postgres" && strings.Contains(out, "search_path=") {
				t.Errorf("the database URL (a secret) is in the log:\n%s", out)
			}
			// The generated master key file: 0600, its path logged, never its content.
			keyPath := filepath.Join(dataDir, "master.key")
			st, err := os.Stat(keyPath)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("master key file: %v, mode %v", err, st.Mode().Perm())
			}
			key, _ := os.ReadFile(keyPath)
			if !strings.Contains(out, keyPath) || strings.Contains(out, strings.TrimSpace(string(key))) {
				t.Errorf("want the key path and not the key in the log:\n%s", out)
			}
		})
	}
}

// TestServeInFlightRequestFinishes cancels the context while a request is
// being read, and expects that request to be answered before serve exits.
func TestServeInFlightRequestFinishes(t *testing.T) {
	base, stop, logs := startServe(t, map[string]string{"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": t.TempDir()})
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"verifiableCredential":"x"}`
	// Send the head with "Expect: 100-continue" and wait for the server's
	// 100 Continue: then it has accepted the connection and is reading this
	// request (no fixed sleep, which a busy machine can outlast). Start the
	// shutdown, wait until it has closed the listener (a new connection is
	// refused), and only then send the body.
	head := "POST /credentials/verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " +
		itoa(len(body)) + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(conn)
	cont, err := http.ReadResponse(br, nil)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("no 100 Continue: %v %v", cont, err)
	}
	stopped := make(chan int, 1)
	go func() { stopped <- stop() }()
	addr := strings.TrimPrefix(base, "http://")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break // the listener is closed: the shutdown is under way
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the listener still accepts 30 s after the shutdown began:\n%s", logs)
		}
	}
	if _, err := conn.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight request dropped: %v\n%s", err, logs)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("in-flight request status %d", resp.StatusCode)
	}
	if code := <-stopped; code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// TestServeTLS serves HTTPS when given a certificate and key.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath, pool := selfSigned(t, dir)
	base, stop, logs := startServe(t, map[string]string{
		"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": dir,
		"TOHU_TLS_CERT": certPath, "TOHU_TLS_KEY": keyPath, "TOHU_OPERATOR_TOKEN": testOperatorToken,
	})
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("base URL %q is not https", base)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if code, body := get(t, hc, base+"/healthz"); code != 200 {
		t.Fatalf("healthz over TLS = %d: %s", code, body)
	}
	if resp, err := http.Get("http" + strings.TrimPrefix(base, "https") + "/healthz"); err == nil && resp.StatusCode == 200 {
		t.Fatalf("plain HTTP is served on the TLS port")
	}
	// A credential issued over TLS verifies on the same server, though its
	// certificate is one only this test trusts: the server reads its own
	// keys and status lists from its records, not over the network.
	prev := http.DefaultClient
	http.DefaultClient = hc
	defer func() { http.DefaultClient = prev }()
	c := client{t, base}
	s := setUpIssuer(c)
	id, err := s.issue(c, "Aroha Ngata")
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, vc := c.call("GET", "/credentials/"+id, "", nil)
	if _, _, m, raw := c.call("POST", "/credentials/verify", "", map[string]any{"verifiableCredential": json.RawMessage(vc)}); m["result"] != "verified" {
		t.Fatalf("verify over TLS: %s", raw)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, logs)
	}
}

func TestServeRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	loose := t.TempDir()
	if err := os.WriteFile(filepath.Join(loose, "master.key"), []byte("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := map[string]struct {
		env      map[string]string
		args     []string
		wantCode int
		wantMsg  string
	}{
		"error/bad config":           {env: map[string]string{"TOHU_ADDR": "nonsense", "TOHU_DATA_DIR": dir}, wantCode: exitUsage, wantMsg: "TOHU_ADDR"},
		"error/arguments":            {env: map[string]string{"TOHU_DATA_DIR": dir}, args: []string{"now"}, wantCode: exitUsage, wantMsg: "no arguments"},
		"error/world-readable key":   {env: map[string]string{"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": loose}, wantCode: exitFail, wantMsg: "readable by others"},
		"error/address in use":       {env: map[string]string{"TOHU_ADDR": busy.Addr().String(), "TOHU_DATA_DIR": dir}, wantCode: exitFail, wantMsg: "cannot listen"},
		"error/missing tls files":    {env: map[string]string{"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": dir, "TOHU_TLS_CERT": filepath.Join(dir, "no.pem"), "TOHU_TLS_KEY": filepath.Join(dir, "no.key")}, wantCode: exitUsage, wantMsg: "TOHU_TLS_CERT"},
		"error/unreachable database": {env: map[string]string{"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": dir, "TOHU_DATABASE_URL": "postgres://u:hunter2@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, wantCode: exitFail},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var stderr strings.Builder
			code := runEnv(context.Background(), append([]string{"serve"}, tc.args...), &Env{Getenv: envMap(tc.env), Stdout: io.Discard, Stderr: &stderr})
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.wantCode, stderr.String())
			}
			msg := errorLine(stderr.String())
			if !strings.Contains(msg, tc.wantMsg) {
				t.Fatalf("error line %q, want a one-line error naming %q:\n%s", msg, tc.wantMsg, stderr.String())
			}
			if strings.Contains(stderr.String(), "hunter2") || strings.Contains(stderr.String(), "c2VjcmV0") {
				t.Fatalf("a secret is in the output:\n%s", stderr.String())
			}
		})
	}
}

// errorLine returns the one "tohu: ..." line of the output.
func errorLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "tohu: ") {
			return l
		}
	}
	return ""
}

func TestCmdConfig(t *testing.T) {
	var out strings.Builder
	err := cmdConfig(context.Background(), &Env{Getenv: envMap(map[string]string{"TOHU_MASTER_KEY": "hunter2"}), Stdout: &out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "hunter2") || !strings.Contains(out.String(), "TOHU_MASTER_KEY  ") || !strings.Contains(out.String(), redacted) {
		t.Fatalf("config output:\n%s", out.String())
	}
}

// selfSigned writes a P-256 certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tohu test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}

// serveEnv is the environment of a `tohu serve` under test on db ("sqlite"
// or "postgres"): a random port, a fresh data directory, the operator token
// and, for "postgres", a schema of its own. kv sets further variables, in
// name, value pairs.
func serveEnv(t *testing.T, db string, kv ...string) map[string]string {
	t.Helper()
	env := map[string]string{
		"TOHU_ADDR":           "127.0.0.1:0",
		"TOHU_DATA_DIR":       t.TempDir(),
		"TOHU_OPERATOR_TOKEN": testOperatorToken,
	}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	if db == "postgres" {
		env["TOHU_DATABASE_URL"] = postgresTarget(t)
	}
	return env
}

// postgresTarget returns a DSN for a fresh schema on the test PostgreSQL
// (dropped at the end). It skips when PostgreSQL is unreachable, but fails
// when CI or TOHU_TEST_REQUIRE_POSTGRES is set (CONVENTIONS §11).
func postgresTarget(t *testing.T) string {
	t.Helper()
	base := os.Getenv("TOHU_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("TOHU_TEST_REQUIRE_POSTGRES") != "" {
			t.Fatalf("PostgreSQL is required but unreachable: %v", err)
		}
		t.Skipf("PostgreSQL unreachable (set TOHU_TEST_DATABASE_URL): %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "tohu_serve_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

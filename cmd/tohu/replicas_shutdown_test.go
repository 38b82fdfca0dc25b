package main

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSIGTERMFinishesInFlight sends SIGTERM to a real `tohu serve` process
// while issuance requests are in flight (each has sent its head and half its
// body), then sends the rest: every request is answered 201, the process
// exits 0, and after a restart every award is there, issued.
func TestSIGTERMFinishesInFlight(t *testing.T) {
	bin := buildTohu(t)
	env := map[string]string{
		"TOHU_ADDR":           "127.0.0.1:0",
		"TOHU_DATA_DIR":       t.TempDir(),
		"TOHU_OPERATOR_TOKEN": testOperatorToken,
		"TOHU_LOG_LEVEL":      "info",
	}
	p := startProc(t, bin, env)
	s := setUpIssuer(client{t, p.url()})

	const n = 6
	conns := make([]net.Conn, n)
	bodies := make([]string, n)
	readers := make([]*bufio.Reader, n)
	for i := range n {
		b, _ := json.Marshal(map[string]any{
			"achievementId": s.achID, "completedOn": "2026-03-14", "issue": true,
			"learner": map[string]any{"name": "Tauira " + strconv.Itoa(i), "email": "tauira" + strconv.Itoa(i) + "@example.nz"},
		})
		bodies[i] = string(b)
		c, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
		// "Expect: 100-continue": the server's 100 Continue shows it has
		// accepted the connection and is reading this request — no fixed
		// sleep, which a busy machine can outlast.
		head := "POST /api/v1/awards HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" +
			"Authorization: Bearer " + s.issuerTok + "\r\nContent-Length: " + strconv.Itoa(len(b)) +
			"\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
		if _, err := c.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		readers[i] = bufio.NewReader(c)
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if cont, err := http.ReadResponse(readers[i], nil); err != nil || cont.StatusCode != http.StatusContinue {
			t.Fatalf("request %d: no 100 Continue: %v %v", i, cont, err)
		}
		if _, err := c.Write([]byte(bodies[i][:len(bodies[i])/2])); err != nil {
			t.Fatal(err)
		}
	}
	stopped := make(chan int, 1)
	go func() { stopped <- p.stop(t) }()
	p.logs.wait(t, "shutting down", p.done)

	// A new connection is refused now; the ones in flight are not.
	if c, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
		c.Close()
		// The listener may linger a moment on some kernels; not a failure of tohu.
		t.Logf("a new connection was still accepted just after SIGTERM")
	}
	for i, c := range conns {
		if _, err := c.Write([]byte(bodies[i][len(bodies[i])/2:])); err != nil {
			t.Fatalf("request %d: writing the rest: %v", i, err)
		}
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(readers[i], nil)
		if err != nil {
			t.Fatalf("in-flight request %d dropped: %v\n%s", i, err, p.logs)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("in-flight request %d answered %d: %s", i, resp.StatusCode, body)
		}
	}
	if code := <-stopped; code != 0 {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, p.logs)
	}
	if !strings.Contains(p.logs.String(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", p.logs)
	}

	// Nothing half done: after a restart all n awards are issued.
	p2 := startProc(t, bin, env)
	m := client{t, p2.url()}.must(200, "GET", "/api/v1/awards?limit=1000", s.adminTok, nil)
	list := m["awards"].([]any)
	if len(list) != n {
		t.Fatalf("%d awards after restart, want %d", len(list), n)
	}
	for _, x := range list {
		if st := x.(map[string]any)["state"]; st != "issued" {
			t.Fatalf("award %v is %v after restart", x.(map[string]any)["id"], st)
		}
	}
	if code := p2.stop(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p2.logs)
	}
}

// TestSIGTERMDuringBulkJob sends SIGTERM to a real `tohu serve` on
// PostgreSQL while a bulk job is being worked: the process exits 0, the
// batch in flight is finished (every row marked issued has its award
// issued, and no issued award's row is left pending), no row is left
// leased to the stopped process (the rows it had claimed were handed back,
// so another replica takes them at once rather than after the lease), and
// a restarted process completes the job with every learner issued exactly
// once.
func TestSIGTERMDuringBulkJob(t *testing.T) {
	bin := buildTohu(t)
	dsn := postgresTarget(t)
	env := map[string]string{
		"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": t.TempDir(), "TOHU_DATABASE_URL": dsn,
		"TOHU_OPERATOR_TOKEN": testOperatorToken, "TOHU_MASTER_KEY": newMasterKey(t), "TOHU_LOG_LEVEL": "info",
		"TOHU_WORKERS": "1", // one worker: the job runs long enough to be stopped in the middle
	}
	p := startProc(t, bin, env)
	s := setUpIssuer(client{t, p.url()})
	const n = 300
	id, _ := postCSV(t, p.url(), s.issuerTok, "achievement="+s.achID, cohort(n))
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if j := jobState(t, p.url(), s.issuerTok, id); j["done"].(float64) >= 1 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the job did not get going: %v", j)
		}
	}
	if code := p.stop(t); code != 0 {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, p.logs)
	}
	if !strings.Contains(p.logs.String(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", p.logs)
	}

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string, args ...any) int {
		t.Helper()
		var v int
		if err := db.QueryRow(q, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	issuedRows := count(`SELECT COUNT(*) FROM bulk_rows WHERE job_id = $1 AND state = 'issued'`, id)
	if issuedRows == n {
		t.Fatalf("the job finished before SIGTERM; the test proves nothing")
	}
	if leased := count(`SELECT COUNT(*) FROM bulk_rows WHERE job_id = $1 AND state = 'pending' AND lease_until > $2`, id, time.Now().UnixMilli()); leased != 0 {
		t.Fatalf("%d rows are still leased to the stopped process", leased)
	}
	if awards := count(`SELECT COUNT(*) FROM awards WHERE state = 'issued'`); awards != issuedRows {
		t.Fatalf("%d awards issued but %d rows marked issued: a row was cut half way", awards, issuedRows)
	}
	t.Logf("stopped with %d of %d rows issued", issuedRows, n)

	p2 := startProc(t, bin, copyEnv(env, "TOHU_WORKERS", "0")) // all CPUs for the rest
	var j map[string]any
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if j = jobState(t, p2.url(), s.issuerTok, id); j["state"] != "queued" && j["state"] != "running" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the job did not finish after the restart: %v", j)
		}
	}
	if j["state"] != "done" || j["done"].(float64) != n || j["failed"].(float64) != 0 {
		t.Fatalf("job after restart = %v", j)
	}
	if a, l := count(`SELECT COUNT(*) FROM awards WHERE state = 'issued'`), count(`SELECT COUNT(DISTINCT learner_email) FROM awards`); a != n || l != n {
		t.Fatalf("%d awards issued for %d learners, want %d each", a, l, n)
	}
	if code := p2.stop(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p2.logs)
	}
}

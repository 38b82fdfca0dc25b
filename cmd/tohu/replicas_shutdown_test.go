package main

import (
	"bufio"
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

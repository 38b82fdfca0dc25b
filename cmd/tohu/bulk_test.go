package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// cohort returns a CSV of n learners (line i+2 is learner i).
func cohort(n int) []byte {
	var b bytes.Buffer
	b.WriteString("learner_name,learner_email,nsn,completed_on\n")
	for i := range n {
		fmt.Fprintf(&b, "Ākonga %d,learner%d@example.nz,%d,2026-03-%02d\n", i, i, 100000000+i, 1+i%28)
	}
	return b.Bytes()
}

// postCSV uploads a cohort and returns the job id.
func postCSV(t *testing.T, base, token, query string, body []byte) (string, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v1/awards/bulk?"+query, bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	if resp.StatusCode != 202 {
		t.Fatalf("POST bulk = %d: %s", resp.StatusCode, raw)
	}
	return m["job"].(map[string]any)["id"].(string), m
}

func getAuth(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func jobState(t *testing.T, base, token, id string) map[string]any {
	t.Helper()
	code, raw := getAuth(t, base+"/api/v1/jobs/"+id, token)
	var m map[string]any
	if code != 200 || json.Unmarshal(raw, &m) != nil {
		t.Fatalf("GET job = %d: %s", code, raw)
	}
	return m
}

func bulkFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestBulkCrash builds tohu, runs `tohu serve` on PostgreSQL, submits a
// 2,000-row cohort, kill -9s the server in the middle of the job, starts it
// again on the same database, and checks that every row was issued exactly
// once: one award per learner, 2,000 distinct status indexes per list, a
// complete results file with 2,000 distinct credential URLs.
func TestBulkCrash(t *testing.T) {
	bin := buildTohu(t)
	dsn := postgresTarget(t)
	addr := bulkFreeAddr(t)
	env := map[string]string{
		"TOHU_ADDR": addr, "TOHU_BASE_URL": "http://" + addr, "TOHU_DATA_DIR": t.TempDir(), "TOHU_DATABASE_URL": dsn,
		"TOHU_OPERATOR_TOKEN": testOperatorToken, "TOHU_MASTER_KEY": newMasterKey(t), "TOHU_LOG_LEVEL": "info",
	}
	start := time.Now()
	p := startProc(t, bin, env)
	c := client{t, p.url()}
	s := setUpIssuer(c)
	const n = 2000
	id, _ := postCSV(t, p.url(), s.issuerTok, "achievement=5150", cohort(n))

	// Wait until the job is well under way, then kill -9.
	var before float64
	for deadline := time.Now().Add(60 * time.Second); ; {
		j := jobState(t, p.url(), s.issuerTok, id)
		before = j["done"].(float64)
		if before >= 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job did not get going: %v", j)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
	if before >= n {
		t.Fatalf("the job finished before the kill (%v done); the test proves nothing", before)
	}
	t.Logf("killed with %v of %d rows done after %s", before, n, time.Since(start).Round(time.Millisecond))

	// `tohu bulk --job` follows the job across the restart: it finds no
	// server, keeps trying, and finishes with the results once it is back.
	follow := exec.Command(bin, "bulk", "--job", id, "--url", p.url(), "--token", s.issuerTok, "--interval", "100ms", "--wait", "3m",
		"--out", filepath.Join(t.TempDir(), "results.csv"))
	follow.Env = []string{"PATH=" + os.Getenv("PATH")}
	var followOut, followErr bytes.Buffer
	follow.Stdout, follow.Stderr = &followOut, &followErr
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	followed := make(chan error, 1)
	go func() { followed <- follow.Wait() }()
	time.Sleep(300 * time.Millisecond) // it meets the server down

	p2 := startProc(t, bin, env)
	var j map[string]any
	for deadline := time.Now().Add(3 * time.Minute); ; {
		j = jobState(t, p2.url(), s.issuerTok, id)
		if j["state"] != "queued" && j["state"] != "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job not finished after restart: %v", j)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("job %v after %s: %v", j["state"], time.Since(start).Round(time.Millisecond), j)
	if j["state"] != "done" || j["done"].(float64) != n || j["failed"].(float64) != 0 {
		t.Fatalf("job = %v", j)
	}

	// Results: one line per row, all issued, distinct credential URLs.
	code, raw := getAuth(t, p2.url()+"/api/v1/jobs/"+id+"/results", s.issuerTok)
	select {
	case err := <-followed:
		if err != nil || !strings.Contains(followErr.String(), "cannot reach") || !strings.Contains(followErr.String(), "again after") ||
			!strings.Contains(followOut.String(), fmt.Sprintf("%d done, 0 failed", n)) {
			t.Fatalf("tohu bulk --job: %v\nstdout: %s\nstderr: %s", err, &followOut, &followErr)
		}
		if got, err := os.ReadFile(follow.Args[len(follow.Args)-1]); err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("tohu bulk --job's results file differs from the server's (%v):\n%s", err, got)
		}
	case <-time.After(time.Minute):
		_ = follow.Process.Kill()
		t.Fatalf("tohu bulk --job did not finish:\n%s", &followErr)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if code != 200 || err != nil || len(recs) != n+1 {
		t.Fatalf("results = %d, %d records, %v", code, len(recs), err)
	}
	urls := map[string]bool{}
	for i, r := range recs[1:] {
		if r[0] != strconv.Itoa(i+2) || r[1] != fmt.Sprintf("learner%d@example.nz", i) || r[2] != "issued" || r[3] == "" || urls[r[3]] {
			t.Fatalf("results line %d = %v", i+2, r)
		}
		urls[r[3]] = true
	}

	// The database: exactly one award per learner, distinct indexes.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var awards, learners, rev, susp, creds, outbox int
	q := func(sql string, v *int) {
		if err := db.QueryRow(sql).Scan(v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q("SELECT COUNT(*) FROM awards WHERE state = 'issued'", &awards)
	q("SELECT COUNT(DISTINCT learner_email) FROM awards", &learners)
	q("SELECT COUNT(DISTINCT idx) FROM status_entries WHERE purpose = 'revocation'", &rev)
	q("SELECT COUNT(DISTINCT idx) FROM status_entries WHERE purpose = 'suspension'", &susp)
	q("SELECT COUNT(*) FROM credentials", &creds)
	q("SELECT COUNT(DISTINCT award_id) FROM outbox", &outbox)
	if awards != n || learners != n || rev != n || susp != n || creds != 2*n || outbox != n {
		t.Fatalf("awards %d, learners %d, revocation indexes %d, suspension %d, credentials %d, emails %d; want %d each (credentials 2×)",
			awards, learners, rev, susp, creds, outbox, n)
	}
	if code := p2.stop(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// TestBulkCLI runs `tohu bulk` (the built binary, not a terminal) against a
// real server on SQLite: upload with one bad row, plain progress lines,
// results file, exit code 1 because a row failed; and usage errors.
func TestBulkCLI(t *testing.T) {
	bin := buildTohu(t)
	p := startProc(t, bin, map[string]string{
		"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": t.TempDir(), "TOHU_OPERATOR_TOKEN": testOperatorToken,
		"TOHU_MASTER_KEY": newMasterKey(t), "TOHU_LOG_LEVEL": "info",
	})
	s := setUpIssuer(client{t, p.url()})
	dir := t.TempDir()
	file := filepath.Join(dir, "cohort.csv")
	data := append(cohort(30), []byte("Bad Row,not-an-email,,2026-03-01\n")...)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	notTohu := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>an intranet page</html>"))
	}))
	defer notTohu.Close()
	cases := map[string]struct {
		args      []string
		env       []string
		code      int
		stderr    []string
		stdout    string
		notStderr string // a line that must not be printed
		wantFile  bool
	}{
		"ok/one bad row reported, good rows issued": {
			args: []string{"bulk", file, "--achievement", "5150", "--url", p.url(), "--interval", "200ms"},
			env:  []string{"TOHU_API_KEY=" + s.issuerTok}, code: 1,
			stderr: []string{"31 rows, 1 invalid", "line 32, learner_email:", " done: 31/31 (30 done, 1 failed), "}, stdout: "30 done, 1 failed", wantFile: true,
		},
		"error/no API key":   {args: []string{"bulk", file, "--url", p.url()}, code: 2, stderr: []string{"an API key is needed"}},
		"error/no such file": {args: []string{"bulk", filepath.Join(dir, "nope.csv"), "--token", "x", "--url", p.url()}, code: 2, stderr: []string{"no such file"}},
		"error/wrong key":    {args: []string{"bulk", file, "--token", "wrong", "--url", p.url()}, code: 1, stderr: []string{"401"}},
		"error/list and job": {args: []string{"bulk", "--list", "--job", "abc", "--token", "x", "--url", p.url()}, code: 2, stderr: []string{"--list takes no file and no --job"}},
		"error/file and job": {args: []string{"bulk", file, "--job", "abc", "--token", "x", "--url", p.url()}, code: 2, stderr: []string{"a cohort file or --job, not both"}},
		"error/job with achievement": {args: []string{"bulk", "--job", "abc", "--achievement", "5150", "--token", "x", "--url", p.url()}, code: 2,
			stderr: []string{"--achievement and --create go with a file"}},
		"error/no such job": {args: []string{"bulk", "--job", "nosuchjob", "--url", p.url()}, env: []string{"TOHU_API_KEY=" + s.issuerTok}, code: 2, stderr: []string{"404"}},
		"error/server gone, no wait": {args: []string{"bulk", "--job", "abc", "--token", "x", "--url", "http://" + bulkFreeAddr(t), "--wait", "0"}, code: 1,
			stderr: []string{"cannot reach", "Follow it again with: tohu bulk --job abc"}, notStderr: "trying again"},
		// Something else answers (not tohu): said at once, not retried.
		"error/not tohu": {args: []string{"bulk", "--job", "abc", "--token", "x", "--url", notTohu.URL, "--wait", "1m"}, code: 2,
			stderr: []string{"did not answer as tohu does", "check --url"}, notStderr: "trying again"},
		// Nothing listens: tried for --wait, then the hint to take the job up again.
		"error/server gone": {args: []string{"bulk", "--job", "abc", "--token", "x", "--url", "http://" + bulkFreeAddr(t), "--interval", "50ms", "--wait", "300ms"}, code: 1,
			stderr: []string{"cannot reach", "trying again for up to 300ms", "Follow it again with: tohu bulk --job abc"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, tc.args...)
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, tc.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			_ = cmd.Run()
			if got := cmd.ProcessState.ExitCode(); got != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", got, tc.code, &stdout, &stderr)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, &stderr)
				}
			}
			if tc.notStderr != "" && strings.Contains(stderr.String(), tc.notStderr) {
				t.Errorf("stderr has %q:\n%s", tc.notStderr, &stderr)
			}
			if strings.Contains(stderr.String(), "\r") {
				t.Errorf("carriage returns in non-terminal output:\n%q", &stderr)
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout lacks %q: %s", tc.stdout, &stdout)
			}
			if !tc.wantFile {
				return
			}
			b, err := os.ReadFile(filepath.Join(dir, "cohort.results.csv"))
			if err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil || len(recs) != 32 || strings.Join(recs[0], ",") != "line,learner_email,state,credential_url,error_field,error,email,email_detail" {
				t.Fatalf("results: %d records, %v\n%s", len(recs), err, b)
			}
			if r := recs[31]; r[0] != "32" || r[2] != "invalid" || r[4] != "learner_email" || r[5] == "" {
				t.Fatalf("bad row result = %v", r)
			}
			if r := recs[1]; r[2] != "issued" || !strings.HasPrefix(r[3], p.base+"/credentials/") || r[6] != "recorded" || r[7] != "no SMTP server configured" {
				t.Fatalf("first row result = %v", r)
			}
			if r := recs[31]; r[6] != "" || r[7] != "" {
				t.Fatalf("an invalid row has an email state: %v", r)
			}
			// Bulk signing shares the cohort's Achievement canonicalization
			// (credential.Cohort): what it signs must verify elsewhere too,
			// in both forms.
			c := client{t, p.url()}
			if s.did == "" {
				t.Fatal("the provider has no DID")
			}
			for _, r := range [][]string{recs[1], recs[15], recs[30]} {
				path := strings.TrimPrefix(r[3], p.base)
				for _, accept := range []string{"application/vc+ld+json", "application/vc+jwt"} {
					code, _, _, body := c.call("GET", path, "", nil, "Accept", accept)
					if code != 200 {
						t.Fatalf("GET %s (%s) = %d", path, accept, code)
					}
					xverify(t, c, body, s.did, s.slug)
				}
			}
		})
	}

	// On a terminal: one line redrawn with \r — bar, count, rate, ETA — and
	// no plain progress lines. In-process, with stderr a pseudo-terminal.
	// Interrupted (Ctrl-C) while the server is out of reach: the hint to
	// take the job up again, and no talk of trying again.
	t.Run("ok/interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var stdout, stderr bytes.Buffer
		env := &Env{Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr, Now: time.Now}
		err := cmdBulk(ctx, env, []string{"--job", "abc", "--url", "http://" + bulkFreeAddr(t), "--token", "x"})
		if !errors.Is(err, context.Canceled) || !strings.Contains(stderr.String(), "Follow it again with: tohu bulk --job abc") ||
			strings.Contains(stderr.String(), "trying again") {
			t.Fatalf("err %v\nstderr: %s", err, &stderr)
		}
	})

	t.Run("ok/terminal progress bar", func(t *testing.T) {
		master, tty := openPTY(t)
		var b bytes.Buffer
		b.WriteString("learner_name,learner_email,completed_on\n")
		for i := range 60 {
			fmt.Fprintf(&b, "Tauira %d,tty%d@example.nz,2026-03-02\n", i, i)
		}
		ttyFile := filepath.Join(dir, "tty.csv")
		if err := os.WriteFile(ttyFile, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		shown := make(chan string)
		go func() { out, _ := io.ReadAll(master); shown <- string(out) }() // ends when the terminal side closes
		var stdout bytes.Buffer
		env := &Env{Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: tty, Now: time.Now}
		err := cmdBulk(context.Background(), env, []string{ttyFile, "--achievement", "5150", "--url", p.url(), "--token", s.issuerTok, "--interval", "50ms"})
		tty.Close()
		screen := <-shown
		if err != nil {
			t.Fatalf("tohu bulk: %v\n%q", err, screen)
		}
		if !strings.Contains(stdout.String(), "60 done, 0 failed") {
			t.Errorf("stdout = %q", &stdout)
		}
		frames := regexp.MustCompile(`\r\[([#.]{30})\] (\d+)/60  (\d+\.\d)/s  ETA (\S+)   `).FindAllStringSubmatch(screen, -1)
		if len(frames) == 0 {
			t.Fatalf("no progress bar on the terminal:\n%q", screen)
		}
		last := frames[len(frames)-1]
		if last[1] != strings.Repeat("#", 30) || last[2] != "60" || last[3] == "0.0" || last[4] != "-" {
			t.Errorf("last frame = %q, want a full bar, 60/60, a rate and no ETA", last[0])
		}
		if strings.Contains(screen, " running: ") || strings.Contains(screen, "rows/s") {
			t.Errorf("plain progress lines on a terminal:\n%q", screen)
		}
	})

	// No TOHU_SMTP_URL: the learner's email is recorded, not sent, and the
	// API says so.
	t.Run("ok/notification recorded, not sent", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(dir, "cohort.results.csv"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("results: %v\n%s", err, b)
		}
		awardID := recs[1][3][strings.LastIndexByte(recs[1][3], '/')+1:]
		code, raw := getAuth(t, p.url()+"/api/v1/awards/"+awardID+"/notification", s.issuerTok)
		var got struct {
			Notification struct {
				State, Reason, To string
			} `json:"notification"`
		}
		if code != 200 || json.Unmarshal(raw, &got) != nil || got.Notification.State != "recorded" ||
			got.Notification.Reason != "no SMTP server configured" {
			t.Fatalf("GET notification = %d: %s", code, raw)
		}
	})

	// The metrics see the bulk workers: awards they issued (30 + 60) and,
	// counted in the database at scrape time, the jobs by state.
	series := scrape(t, p.url())
	for name, want := range map[string]float64{
		`tohu_credentials_issued_total{source="bulk"}`: 90, `tohu_jobs{state="done"}`: 2, `tohu_jobs{state="queued"}`: 0,
		`tohu_jobs{state="running"}`: 0, `tohu_jobs{state="failed"}`: 0, `tohu_jobs{state="cancelled"}`: 0,
	} {
		if got, ok := series[name]; !ok || got != want {
			t.Errorf("metric %s = %v (present %v), want %v", name, got, ok, want)
		}
	}

	// The NZQA completions report over HTTP: the 30 awards of the first
	// cohort carry an NSN (cohort gives each one); the 60 of the terminal
	// run have none and are listed apart, for staff to fix.
	reports := map[string]struct {
		query       string
		code, lines int
		other       string
		pointer     string // of a refusal
	}{
		"ok/with NSN":            {"from=2026-03-01&to=2026-03-31", 200, 31, "60", ""},
		"ok/missing NSN section": {"from=2026-03-01&to=2026-03-31&missing_nsn=1", 200, 61, "30", ""},
		"ok/range excludes all":  {"from=2025-01-01&to=2025-12-31", 200, 1, "0", ""},
		"error/no range":         {"", 422, 0, "", "/from"},
		"error/no end":           {"from=2026-03-01", 422, 0, "", "/to"},
		"error/bad date":         {"from=2026-03-01&to=31/03/2026", 422, 0, "", "/to"},
	}
	for name, tc := range reports {
		t.Run("report/"+name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", p.url()+"/api/v1/reports/nzqa-completions?"+tc.query, nil)
			req.Header.Set("Authorization", "Bearer "+s.issuerTok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.code, raw)
			}
			if tc.code != 200 {
				var prob struct {
					Errors []struct{ Pointer string } `json:"errors"`
				}
				if err := json.Unmarshal(raw, &prob); err != nil || len(prob.Errors) == 0 || prob.Errors[0].Pointer != tc.pointer {
					t.Fatalf("problem %s: want pointer %s", raw, tc.pointer)
				}
				return
			}
			recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
			if err != nil || len(recs) != tc.lines || resp.Header.Get("X-Tohu-Other-Section-Rows") != tc.other {
				t.Fatalf("%d lines (want %d), other %q, %v:\n%s", len(recs), tc.lines, resp.Header.Get("X-Tohu-Other-Section-Rows"), err, raw)
			}
			if strings.Join(recs[0], ",") != "nsn,learner_name,nzqa_reference,nzqa_version,title,date_of_achievement,credits,award_id" {
				t.Fatalf("header %v", recs[0])
			}
			// Lines are ordered by completion date, then award id (random):
			// learners 0 and 28 both completed on 2026-03-01, so either may
			// come first. Every line is one distinct learner of the cohort.
			if strings.Contains(tc.query, "missing_nsn") {
				seen := map[string]bool{}
				for i, r := range recs[1:] {
					if r[0] != "" || !strings.HasPrefix(r[1], "Tauira ") || seen[r[1]] || r[2] != "5150" || r[5] != "2026-03-02" || r[7] == "" {
						t.Fatalf("missing-NSN line %d %v", i+2, r)
					}
					seen[r[1]] = true
				}
				return
			}
			if len(recs) > 1 && (recs[1][0] != "100000000" && recs[1][0] != "100000028" || recs[1][5] != "2026-03-01") {
				t.Fatalf("first line %v", recs[1])
			}
			seen := map[string]bool{}
			for i, r := range recs[1:] {
				if r[2] != "5150" || r[3] != "1" || r[6] != "15" || seen[r[0]] || !strings.HasPrefix(r[0], "1000000") ||
					i > 0 && r[5] < recs[i][5] {
					t.Fatalf("line %d %v (previous %v)", i+2, r, recs[i])
				}
				seen[r[0]] = true
			}
		})
	}

	// Last, as the counts above take no more jobs: a spreadsheet's own "CSV": semicolons, column titles, a byte order
	// mark and CRLF, and a date written day first, which is not taken but
	// answered with the value to write.
	t.Run("ok/spreadsheet export", func(t *testing.T) {
		sheet := filepath.Join(dir, "sheet.csv")
		body := "\ufeffLearner Name;Learner Email;NSN;Completed On\r\n" +
			"\"Ngata, Aroha\";aroha.sheet@example.nz;123456789;2026-03-02\r\n" +
			"Tama Rāwiri;tama.sheet@example.nz;;2026-03-03\r\n" +
			"Mere Parata;mere.sheet@example.nz;;04/03/2026\r\n"
		if err := os.WriteFile(sheet, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "bulk", sheet, "--achievement", "5150", "--url", p.url(), "--token", s.issuerTok, "--interval", "100ms")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), "3 rows, 1 invalid") ||
			!strings.Contains(stderr.String(), "line 4, completed_on:") || !strings.Contains(stderr.String(), "if 04/03/2026 is 4 March 2026, write 2026-03-04") ||
			!strings.Contains(stdout.String(), "2 done, 1 failed") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, &stdout, &stderr)
		}
		b, err := os.ReadFile(filepath.Join(dir, "sheet.results.csv"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(recs) != 4 || recs[1][1] != "aroha.sheet@example.nz" || recs[1][2] != "issued" || recs[2][2] != "issued" || recs[3][2] != "invalid" {
			t.Fatalf("results: %v\n%s", err, b)
		}

		// --list: the provider's jobs, newest (this one) first.
		list := exec.Command(bin, "bulk", "--list", "--url", p.url(), "--token", s.issuerTok)
		list.Env = []string{"PATH=" + os.Getenv("PATH")}
		lines, err := list.Output()
		got := strings.Split(strings.TrimSpace(string(lines)), "\n")
		if err != nil || len(got) < 3 || !strings.Contains(got[0], " done: 3/3 (2 done, 1 failed)") || !strings.HasPrefix(got[len(got)-1], "job ") {
			t.Fatalf("tohu bulk --list: %v\n%s", err, lines)
		}
	})
}

// TestWaitAtMost: the shutdown wait for the background workers is bounded.
func TestWaitAtMost(t *testing.T) {
	var done, stuck sync.WaitGroup
	stuck.Add(1)
	defer stuck.Done()
	if !waitAtMost(&done, time.Minute) {
		t.Error("a finished group was reported unfinished")
	}
	if waitAtMost(&stuck, 20*time.Millisecond) {
		t.Error("a stuck group was reported finished")
	}
}

package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildTohu builds the binary under test into a temporary directory exactly
// as deploy/Dockerfile's build stage does (dockerfileBuild), so the process
// tests run the image's binary.
func buildTohu(t *testing.T) string {
	t.Helper()
	return dockerfileBuild(t, "v0.0.0-test", "0123456789abcdef0123456789abcdef01234567")
}

// proc is one `tohu serve` process.
type proc struct {
	cmd  *exec.Cmd
	logs *logLines
	done chan struct{} // closed when the process has exited
	code int           // exit code, valid after done
	base string        // the base URL it logged
	addr string        // the address it bound
}

// startProc starts `bin serve` with exactly env (plus PATH and HOME) and
// waits for its "listening" line. The process is killed at the end of the
// test if it is still running.
func startProc(t *testing.T, bin string, env map[string]string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	return startCmd(t, cmd, env)
}

// startCmd is startProc for a prepared command that ends in `tohu serve`
// (e.g. inside a sandbox), adding env to cmd.Env.
func startCmd(t *testing.T, cmd *exec.Cmd, env map[string]string) *proc {
	t.Helper()
	p := spawn(t, cmd, env)
	p.waitReady(t, p.logs.wait(t, "listening", p.done))
	return p
}

// spawn starts cmd, adding env to cmd.Env, and returns at once; its stderr
// is collected in p.logs line by line and p.done closes when it exits. It is
// killed at the end of the test if it is still running.
func spawn(t *testing.T, cmd *exec.Cmd, env map[string]string) *proc {
	t.Helper()
	p := &proc{cmd: cmd, logs: newLogLines(), done: make(chan struct{})}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		// Whole lines only: logLines parses each Write as JSON lines.
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.logs.Write(append(sc.Bytes(), '\n'))
		}
		err := p.cmd.Wait()
		p.code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			p.code = ee.ExitCode()
		} else if err != nil {
			p.code = -1
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitReady takes the address from p's "listening" line and waits for
// /readyz.
func (p *proc) waitReady(t *testing.T, line map[string]any) {
	t.Helper()
	p.base, _ = line["base_url"].(string)
	p.addr, _ = line["addr"].(string)
	if p.base == "" || p.addr == "" {
		t.Fatalf("listening line without base_url/addr: %v", line)
	}
	// Bound is not ready: wait for /readyz (database reachable) with a
	// generous deadline, so a slow start on a busy machine is not a failure.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(p.url() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-p.done:
			t.Fatalf("tohu exited before it was ready:\n%s", p.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("tohu not ready 60 s after listening (%v):\n%s", err, p.logs)
		}
	}
}

// stop sends SIGTERM and returns the exit code.
func (p *proc) stop(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("tohu did not exit within 20 s of SIGTERM:\n%s", p.logs)
	}
	return p.code
}

// url is the process's own address (not the shared public base URL).
func (p *proc) url() string { return "http://" + p.addr }

func newMasterKey(t *testing.T) string {
	t.Helper()
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// issuerSetup is a provider with an approved micro-credential and a key
// that may create, approve and issue awards.
type issuerSetup struct {
	slug, did, adminTok, issuerTok, achID string
}

// setUpIssuer creates a provider, an issuing key and an approved
// micro-credential through the API.
func setUpIssuer(c client) issuerSetup {
	c.t.Helper()
	created := c.must(201, "POST", "/api/v1/providers", testOperatorToken, map[string]any{
		"slug": "kura-ops", "name": "Te Kura Whakahaere", "url": "https://kura.example.nz",
	})
	s := issuerSetup{slug: "kura-ops", adminTok: created["adminKey"].(map[string]any)["token"].(string)}
	s.did, _ = created["provider"].(map[string]any)["did"].(string)
	s.issuerTok = c.must(201, "POST", "/api/v1/api-keys", s.adminTok, map[string]any{
		"name": "issuing", "roles": []string{"assessor", "approver"}})["token"].(string)
	ach := c.must(201, "POST", "/api/v1/achievements", s.adminTok, map[string]any{
		"title": "Whakahaere Pūnaha", "nzqaRef": "5150", "nzqaVersion": "1", "level": 5, "credits": 15,
		"aim":        "Learners run a production service safely.",
		"outcomes":   []string{"Back up and restore a service.", "Rotate keys without downtime."},
		"nzscedCode": "020199", "developer": "Toi Mai", "approvalStatus": "approved",
		"listedOn": "2025-01-01", "nextReviewOn": time.Now().AddDate(2, 0, 0).Format(time.DateOnly),
	})
	s.achID = ach["id"].(string)
	return s
}

// issue creates, approves and issues one award and returns its id.
func (s issuerSetup) issue(c client, learner string) (string, error) {
	code, _, m, raw := c.call("POST", "/api/v1/awards", s.issuerTok, map[string]any{
		"achievementId": s.achID, "completedOn": "2026-03-14", "issue": true,
		"learner": map[string]any{"name": learner, "email": strings.ToLower(strings.ReplaceAll(learner, " ", ".")) + "@example.nz"},
	})
	if code != 201 || m["state"] != "issued" {
		return "", fmt.Errorf("issue %s = %d: %s", learner, code, raw)
	}
	return m["id"].(string), nil
}

// scrape reads a /metrics page into series → value, keyed by the exposition
// line's name and labels as written ("name{a=\"b\"}").
func scrape(t *testing.T, baseURL string) map[string]float64 {
	t.Helper()
	code, body := get(t, http.DefaultClient, baseURL+"/metrics")
	if code != 200 {
		t.Fatalf("GET /metrics = %d: %s", code, body)
	}
	out := map[string]float64{}
	for _, l := range strings.Split(body, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", l, err)
		}
		out[l[:i]] = v
	}
	return out
}

// sum adds the series of metric name whose labels include every want pair.
func sum(series map[string]float64, name string, want ...string) float64 {
	var total float64
	for k, v := range series {
		n, labels, _ := strings.Cut(k, "{")
		if n != name {
			continue
		}
		ok := true
		for i := 0; i+1 < len(want); i += 2 {
			if !strings.Contains(labels, want[i]+`="`+want[i+1]+`"`) {
				ok = false
			}
		}
		if ok {
			total += v
		}
	}
	return total
}

// TestReplicas runs three `tohu serve` processes on one PostgreSQL, as
// behind a load balancer: each listens on its own port but all write the
// same public base URL (the first one's, standing in for the balancer's).
// 60 awards are issued concurrently, round-robin across them; then no award
// is lost, no status-list index is handed out twice, a revocation made on
// one replica is reported by the others, and every replica's metrics count
// what it did with route templates as labels.
func TestReplicas(t *testing.T) {
	dsn := postgresTarget(t)
	bin := buildTohu(t)
	env := map[string]string{
		"TOHU_ADDR":           "127.0.0.1:0",
		"TOHU_DATABASE_URL":   dsn,
		"TOHU_MASTER_KEY":     newMasterKey(t),
		"TOHU_OPERATOR_TOKEN": testOperatorToken,
		"TOHU_LOG_LEVEL":      "info",
	}
	// Start the first, learn its URL, make it everyone's public base URL.
	env["TOHU_DATA_DIR"] = t.TempDir()
	a := startProc(t, bin, env)
	env["TOHU_BASE_URL"] = a.base
	replicas := []*proc{a}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 2 {
		wg.Go(func() {
			e := map[string]string{}
			for k, v := range env {
				e[k] = v
			}
			e["TOHU_DATA_DIR"] = t.TempDir()
			p := startProc(t, bin, e) // migrations race here: the advisory lock serialises them
			mu.Lock()
			replicas = append(replicas, p)
			mu.Unlock()
		})
	}
	wg.Wait()
	clients := make([]client, len(replicas))
	for i, p := range replicas {
		clients[i] = client{t, p.url()}
	}

	s := setUpIssuer(clients[1])

	const n = 60
	ids := make([]string, n)
	sem := make(chan struct{}, 12) // 12 requests in flight across the three
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			id, err := s.issue(clients[i%len(clients)], fmt.Sprintf("Ākonga %02d", i))
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = id
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// No lost award: every replica lists all 60, each issued, no duplicate id.
	for i, c := range clients {
		m := c.must(200, "GET", "/api/v1/awards?limit=1000", s.adminTok, nil)
		list := m["awards"].([]any)
		seen := map[string]bool{}
		for _, x := range list {
			aw := x.(map[string]any)
			if aw["state"] != "issued" {
				t.Errorf("replica %d: award %v is %v", i, aw["id"], aw["state"])
			}
			seen[aw["id"].(string)] = true
		}
		if len(list) != n || len(seen) != n {
			t.Fatalf("replica %d lists %d awards (%d distinct), want %d", i, len(list), len(seen), n)
		}
		for _, id := range ids {
			if !seen[id] {
				t.Fatalf("replica %d does not list award %s", i, id)
			}
		}
	}

	// No duplicate status index, and every credential names the shared base URL.
	creds := make([][]byte, n)
	index := map[string]string{} // list#index → award
	for i, id := range ids {
		c := clients[(i+1)%len(clients)] // read from a different replica than issued it
		code, _, _, raw := c.call("GET", "/credentials/"+id, "", nil)
		if code != 200 {
			t.Fatalf("GET credential %s = %d: %s", id, code, raw)
		}
		creds[i] = raw
		var vc struct {
			ID               string `json:"id"`
			CredentialStatus struct {
				StatusListCredential string `json:"statusListCredential"`
				StatusListIndex      string `json:"statusListIndex"`
				StatusPurpose        string `json:"statusPurpose"`
			} `json:"credentialStatus"`
		}
		if err := json.Unmarshal(raw, &vc); err != nil {
			t.Fatalf("credential %s: %v", id, err)
		}
		st := vc.CredentialStatus
		if !strings.HasPrefix(vc.ID, a.base+"/") || !strings.HasPrefix(st.StatusListCredential, a.base+"/") || st.StatusListIndex == "" {
			t.Fatalf("credential %s: id %q, status %+v; want URLs under the shared base %s", id, vc.ID, st, a.base)
		}
		key := st.StatusListCredential + "#" + st.StatusListIndex
		if other, dup := index[key]; dup {
			t.Fatalf("awards %s and %s share status index %s", other, id, key)
		}
		index[key] = id
	}

	// Revoke on A; B and C report it revoked, and the others still verified.
	revoked := 7
	clients[0].must(200, "POST", "/api/v1/awards/"+ids[revoked]+"/revoke", s.issuerTok, map[string]any{"reason": "issued in error"})
	for i, c := range clients[1:] {
		for _, k := range []int{revoked, 8} {
			want, code := "verified", 200
			if k == revoked {
				want, code = "revoked", 400
			}
			m := c.must(code, "POST", "/credentials/verify", "", map[string]any{"verifiableCredential": json.RawMessage(creds[k])})
			if m["result"] != want {
				t.Fatalf("replica %d verifies award %d: %v, want %s", i+1, k, m["result"], want)
			}
		}
	}
	// Every replica serves the same revocation list.
	var lists []string
	for _, c := range clients {
		_, _, _, raw := c.call("GET", "/issuers/"+s.slug+"/status/revocation", "", nil)
		lists = append(lists, string(raw))
	}
	if lists[0] != lists[1] || lists[1] != lists[2] {
		t.Fatalf("the replicas serve different revocation lists")
	}

	// Metrics: the three together counted 60 issued through POST
	// /api/v1/awards, one revocation on A, revoked verifications on B and C,
	// and no route label holds an id.
	//
	// This failed now and then with "60 issued, 40 POST /api/v1/awards 201"
	// while the method label aliased fasthttp's reused request buffer
	// (fixed in api/metrics.go, methodLabel): a series created by a POST
	// had its label bytes overwritten by a later request on the same
	// buffer ("GETT"), so one replica's 20 POSTs were counted under a
	// garbled method. Every method label must therefore be a known one.
	var issued, posted float64
	var perReplica []string
	idLabel := regexp.MustCompile(`route="[^"]*[0-9a-f]{8}-`)
	methodLabel := regexp.MustCompile(`method="([^"]*)"`)
	for i, p := range replicas {
		m := scrape(t, p.url())
		issued += sum(m, "tohu_credentials_issued_total", "source", "award")
		posted += sum(m, "tohu_http_requests_total", "method", "POST", "route", "/api/v1/awards", "status", "201")
		for k, v := range m {
			if strings.Contains(k, "route=") && (idLabel.MatchString(k) || strings.Contains(k, ids[0])) {
				t.Fatalf("replica %d: a route label holds an id: %s", i, k)
			}
			if ml := methodLabel.FindStringSubmatch(k); ml != nil && strings.HasPrefix(k, "tohu_http_requests_total{") &&
				!slices.Contains([]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}, ml[1]) {
				t.Errorf("replica %d: garbled method label %q in %s", i, ml[1], k)
			}
			if strings.HasPrefix(k, "tohu_http_requests_total{") && strings.Contains(k, `route="/api/v1/awards"`) {
				perReplica = append(perReplica, fmt.Sprintf("replica %d: %s %v", i, k, v))
			}
		}
		if i == 0 && sum(m, "tohu_credential_status_changes_total", "action", "revoked") != 1 {
			t.Errorf("replica A: revoked counter %v, want 1", sum(m, "tohu_credential_status_changes_total", "action", "revoked"))
		}
		if i > 0 && sum(m, "tohu_credentials_verified_total", "result", "revoked") != 1 {
			t.Errorf("replica %d: verified{result=revoked} = %v, want 1", i, sum(m, "tohu_credentials_verified_total", "result", "revoked"))
		}
		if sum(m, "go_sql_open_connections", "db_name", "primary") < 1 {
			t.Errorf("replica %d: no DB pool stats", i)
		}
	}
	if issued != n || posted != n {
		slices.Sort(perReplica)
		t.Fatalf("metrics: %v issued, %v POST /api/v1/awards 201; want %d each\n%s", issued, posted, n, strings.Join(perReplica, "\n"))
	}

	for i, p := range replicas {
		if code := p.stop(t); code != 0 {
			t.Fatalf("replica %d exit %d:\n%s", i, code, p.logs)
		}
	}
}

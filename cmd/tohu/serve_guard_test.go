package main

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tohu-nz/tohu/credential/statuslist"
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

// TestServeGuarantees checks, through the real server on each database,
// what issue 4 promises about what is issued and kept: both credential
// forms signed from one unsigned document and served verbatim, no NSN in
// either, audit events carrying the client's request id, the status list's
// format (≥131,072 entries, "u" + base64url of GZIP, no statusSize), many
// concurrent issuances never sharing an index, suspension and revocation
// through /api/v1 failing verification, a verifier that fetches only from
// its own base URL, a restart keeping every byte, and logs that carry
// request ids but no secret.
func TestServeGuarantees(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			masterKey := newMasterKey(t)
			env := serveEnv(t, db, "TOHU_MASTER_KEY", masterKey, "TOHU_LOG_LEVEL", "debug")
			base, stop, logs := startServe(t, env)
			c := client{t, base}
			s := setUpIssuer(c)

			// One award, created, approved and issued in one call.
			const nsn = "987654321"
			award := c.must(201, "POST", "/api/v1/awards", s.issuerTok, map[string]any{
				"achievementId": s.achID, "completedOn": "2026-03-14", "issue": true,
				"learner": map[string]any{"name": "Aroha Ngata", "email": "aroha@example.nz", "nsn": nsn},
			}, "X-Request-ID", "req-guarantees-1")
			awardID, credURL := award["id"].(string), award["credentialUrl"].(string)
			credPath := strings.TrimPrefix(credURL, base)

			// The audit log names who did it and the client's request id.
			seen := map[string]bool{}
			for _, e := range asList(c.must(200, "GET", "/api/v1/audit-events?limit=100", s.adminTok, nil)["auditEvents"]) {
				ev := e.(map[string]any)
				if ev["subject"] == "award:"+awardID {
					if ev["requestId"] != "req-guarantees-1" || ev["actor"] == "" || ev["at"] == nil {
						t.Errorf("audit event %v: want the actor, the time and request id req-guarantees-1", ev)
					}
					seen[ev["action"].(string)] = true
				}
			}
			for _, a := range []string{"award.create", "award.approve", "award.issue"} {
				if !seen[a] {
					t.Errorf("no %s audit event for the award (have %v)", a, seen)
				}
			}

			// Both forms from the same unsigned document, no NSN in either.
			_, _, _, di := c.call("GET", credPath, "", nil)
			_, _, _, jwt := c.call("GET", credPath, "", nil, "Accept", "application/vc+jwt")
			payload := jwtPayload(t, string(jwt))
			if bytes.Contains(di, []byte(nsn)) || bytes.Contains(payload, []byte(nsn)) {
				t.Fatalf("the NSN is in the credential")
			}
			var diDoc, jwtDoc map[string]any
			if err := json.Unmarshal(di, &diDoc); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(payload, &jwtDoc); err != nil {
				t.Fatal(err)
			}
			if diDoc["proof"] == nil {
				t.Fatalf("the JSON-LD form has no proof")
			}
			delete(diDoc, "proof")
			for _, claim := range []string{"iss", "jti", "nbf", "sub", "exp"} { // OB 3.0 §8.2.3 JWT claims
				delete(jwtDoc, claim)
			}
			if !reflect.DeepEqual(diDoc, jwtDoc) {
				t.Fatalf("the two forms were signed from different documents:\nDI:  %v\nJWT: %v", diDoc, jwtDoc)
			}

			// The status entry and the list it points at.
			entry := diDoc["credentialStatus"].(map[string]any)
			if _, has := entry["statusSize"]; has || entry["type"] != "BitstringStatusListEntry" {
				t.Fatalf("status entry %v: want a 1-bit BitstringStatusListEntry without statusSize", entry)
			}
			listPath := strings.TrimPrefix(entry["statusListCredential"].(string), base)
			list := statusList(t, c, listPath)
			if list.Len() < statuslist.MinBits {
				t.Fatalf("status list of %d entries, want at least %d", list.Len(), statuslist.MinBits)
			}

			// Many issuers at once: no index handed out twice, and the
			// indexes are drawn at random, not counted up.
			const n = 40
			urls := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					code, _, m, raw := c.call("POST", "/api/v1/awards", s.issuerTok, map[string]any{
						"achievementId": s.achID, "completedOn": "2026-03-14", "issue": true,
						"learner": map[string]any{"name": fmt.Sprintf("Ākonga %02d", i), "email": fmt.Sprintf("akonga%02d@example.nz", i)},
					})
					if code != 201 {
						t.Errorf("parallel issue %d = %d: %s", i, code, raw)
						return
					}
					urls[i] = m["credentialUrl"].(string)
				})
			}
			wg.Wait()
			if t.Failed() {
				t.FailNow()
			}
			indexes := map[string]bool{entry["statusListIndex"].(string): true}
			low := 0
			for _, u := range urls {
				_, _, m, _ := c.call("GET", strings.TrimPrefix(u, base), "", nil)
				i := m["credentialStatus"].(map[string]any)["statusListIndex"].(string)
				if indexes[i] {
					t.Fatalf("status index %s handed out twice", i)
				}
				indexes[i] = true
				if v, _ := strconv.Atoi(i); v < 4*n {
					low++
				}
			}
			if low > n/2 {
				t.Fatalf("%d of %d indexes are below %d: not drawn at random over the list", low, n, 4*n)
			}

			// Suspend, reinstate, revoke through /api/v1: verification follows,
			// in both forms, and the list is re-signed with the bit set.
			verify := func(want string) {
				t.Helper()
				for _, cred := range []any{json.RawMessage(di), string(jwt)} {
					_, _, m, raw := c.call("POST", "/credentials/verify", "", map[string]any{"verifiableCredential": cred})
					if m["result"] != want {
						t.Fatalf("verify = %v, want %s: %s", m["result"], want, raw)
					}
				}
			}
			verify("verified")
			reason := map[string]any{"reason": "guarantees test"}
			c.must(200, "POST", "/api/v1/awards/"+awardID+"/suspend", s.issuerTok, reason)
			verify("suspended")
			c.must(200, "POST", "/api/v1/awards/"+awardID+"/reinstate", s.issuerTok, reason)
			verify("verified")
			idx, _ := strconv.Atoi(entry["statusListIndex"].(string))
			if on, _ := statusList(t, c, listPath).Get(idx); on {
				t.Fatal("revocation bit set before revocation")
			}
			c.must(200, "POST", "/api/v1/awards/"+awardID+"/revoke", s.issuerTok, reason)
			verify("revoked")
			if on, _ := statusList(t, c, listPath).Get(idx); !on {
				t.Fatal("revocation bit not set in the served list")
			}

			// Key rotation: the old keys stay published, what they signed still
			// verifies, and so does what the new keys sign.
			didPath := "/issuers/" + s.slug + "/did.json"
			keysBefore := len(asList(c.must(200, "GET", didPath, "", nil)["verificationMethod"]))
			c.must(200, "POST", "/api/v1/signing-keys/rotate", s.adminTok, nil)
			if n := len(asList(c.must(200, "GET", didPath, "", nil)["verificationMethod"])); n != 2*keysBefore {
				t.Fatalf("after a rotation the DID document has %d keys, want %d (old ones kept)", n, 2*keysBefore)
			}
			verify("revoked") // genuine (old key), and revoked
			fresh := c.must(201, "POST", "/api/v1/awards", s.issuerTok, map[string]any{
				"achievementId": s.achID, "completedOn": "2026-03-14", "issue": true,
				"learner": map[string]any{"name": "Rangi", "email": "rangi@example.nz"},
			})
			_, _, _, freshDI := c.call("GET", strings.TrimPrefix(fresh["credentialUrl"].(string), base), "", nil)
			if _, _, m, raw := c.call("POST", "/credentials/verify", "", map[string]any{"verifiableCredential": json.RawMessage(freshDI)}); m["result"] != "verified" {
				t.Fatalf("a credential signed after the rotation: %s", raw)
			}

			// Another tohu (its own base URL, also on loopback) must not fetch
			// from this one: private addresses are refused except one's own.
			// (Any fetch would show as a request line in this server's log: the
			// test sends this server nothing meanwhile.)
			requestsBefore := strings.Count(logs.String(), `"msg":"request"`)
			otherBase, _, _ := startServe(t, map[string]string{"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": t.TempDir()})
			_, _, m, raw := client{t, otherBase}.call("POST", "/credentials/verify", "", map[string]any{"verifiableCredential": json.RawMessage(di)})
			if m["result"] != "could_not_check" {
				t.Fatalf("another tohu checked this credential against this server: %s", raw)
			}
			if after := strings.Count(logs.String(), `"msg":"request"`); after != requestsBefore {
				t.Fatalf("another tohu sent this one %d requests", after-requestsBefore)
			}
			_, _, _, listBody := c.call("GET", listPath, "", nil)

			// Restart: every byte kept.
			if code := stop(); code != 0 {
				t.Fatalf("exit %d:\n%s", code, logs)
			}
			base2, stop2, logs2 := startServe(t, env)
			c2 := client{t, base2}
			_, _, _, di2 := c2.call("GET", credPath, "", nil)
			_, _, _, jwt2 := c2.call("GET", credPath, "", nil, "Accept", "application/vc+jwt")
			_, _, _, listBody2 := c2.call("GET", listPath, "", nil)
			if !bytes.Equal(di, di2) || !bytes.Equal(jwt, jwt2) || !bytes.Equal(listBody, listBody2) {
				t.Fatal("a restart changed a stored credential or status list")
			}
			if m := c2.must(200, "GET", "/api/v1/awards/"+awardID, s.adminTok, nil); m["state"] != "revoked" || m["learner"].(map[string]any)["nsn"] != nsn {
				t.Fatalf("after restart: %v", m)
			}
			if code := stop2(); code != 0 {
				t.Fatalf("exit %d:\n%s", code, logs2)
			}

			// API keys are kept only as hashes: no token in the database.
			var stored string
			if u := env["TOHU_DATABASE_URL"]; u != "" {
				pg, err := sql.Open("pgx", u)
				if err != nil {
					t.Fatal(err)
				}
				err = pg.QueryRow("SELECT coalesce(string_agg(k::text, ' '), '') FROM api_keys k").Scan(&stored)
				pg.Close()
				if err != nil {
					t.Fatal(err)
				}
			} else {
				files, _ := filepath.Glob(filepath.Join(env["TOHU_DATA_DIR"], "tohu.db*"))
				for _, f := range files {
					b, _ := os.ReadFile(f)
					stored += string(b)
				}
			}
			if !strings.Contains(stored, s.adminTok[:len("tohu_")+12]) {
				t.Fatalf("the stored data does not even hold the keys' lookup prefix: the check below proves nothing")
			}
			for _, tok := range []string{s.adminTok, s.issuerTok} {
				if strings.Contains(stored, tok) || strings.Contains(stored, tok[len("tohu_")+12:]) {
					t.Fatalf("an API token is stored in the clear")
				}
			}

			// Logs: a request id on every request line; no secret anywhere.
			all := logs.String() + logs2.String()
			secrets := map[string]string{"master key": masterKey, "operator token": testOperatorToken, "admin key": s.adminTok, "issuing key": s.issuerTok}
			if u := env["TOHU_DATABASE_URL"]; u != "" {
				secrets["database URL"] = u
			}
			for what, secret := range secrets {
				if strings.Contains(all, secret) {
					t.Errorf("the %s is in the log", what)
				}
			}
			if strings.Contains(all, `"d":"`) || strings.Contains(all, "PRIVATE KEY") {
				t.Errorf("private key material in the log")
			}
			requests := 0
			for _, l := range append(logLinesOf(logs), logLinesOf(logs2)...) {
				if l["msg"] == "request" {
					requests++
					if id, _ := l["request_id"].(string); id == "" {
						t.Errorf("request log line without a request id: %v", l)
					}
				}
			}
			if requests < n {
				t.Fatalf("only %d request log lines", requests)
			}
		})
	}
}

// jwtPayload decodes the payload of a compact JWS.
func jwtPayload(t *testing.T, tok string) []byte {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// statusList fetches a status list credential and decodes its bitstring,
// checking the encoding on the way: multibase "u", base64url, GZIP.
func statusList(t *testing.T, c client, path string) *statuslist.List {
	t.Helper()
	m := c.must(200, "GET", path, "", nil)
	enc, _ := m["credentialSubject"].(map[string]any)["encodedList"].(string)
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(enc, "u"))
	if !strings.HasPrefix(enc, "u") || err != nil || len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		t.Fatalf("encodedList %.40q… is not u + base64url(GZIP): %v", enc, err)
	}
	if m["proof"] == nil {
		t.Fatalf("status list is not signed: %v", m)
	}
	l, err := statuslist.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func logLinesOf(l *logLines) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]map[string]any(nil), l.lines...)
}

// TestReplicasStartTogether: on an empty database, two `tohu migrate` and
// two `tohu serve` started at the same moment (as a rollout's migration Job
// beside new replicas) all succeed; the schema ends at the latest version.
// On SQLite the serves also share the data directory, so they race to
// create the master key file as well.
func TestReplicasStartTogether(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			env := map[string]string{"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": t.TempDir(), "TOHU_LOG_LEVEL": "info"}
			if db == "postgres" {
				env["TOHU_DATABASE_URL"] = postgresTarget(t)
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			migrated := make([]string, 2)
			codes := make([]int, 2)
			for i := range 2 {
				wg.Go(func() {
					var out, errOut strings.Builder
					<-start
					codes[i] = runEnv(t.Context(), []string{"migrate"}, &Env{Getenv: envMap(env), Stdout: &out, Stderr: &errOut})
					migrated[i] = out.String() + errOut.String()
				})
			}
			bases := make([]string, 2)
			for i := range 2 {
				wg.Go(func() {
					<-start
					bases[i], _, _ = startServe(t, env)
				})
			}
			close(start)
			wg.Wait()
			if t.Failed() {
				t.FailNow()
			}
			want := ""
			for i := range 2 {
				if codes[i] != 0 || !strings.Contains(migrated[i], "at schema version ") {
					t.Fatalf("migrate %d: exit %d: %s", i, codes[i], migrated[i])
				}
				v := migrated[i][strings.LastIndex(migrated[i], " ")+1:]
				if want == "" {
					want = v
				}
				if v != want {
					t.Fatalf("migrations ended at %q and %q", want, v)
				}
			}
			for _, b := range bases {
				if code, body := get(t, http.DefaultClient, b+"/readyz"); code != 200 {
					t.Fatalf("%s/readyz = %d: %s", b, code, body)
				}
			}
		})
	}
}

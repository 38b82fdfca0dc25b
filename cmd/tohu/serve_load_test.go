package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestServeLoad measures awards issued per second through the API and the
// latency of public verify, on each database. It is a measurement, not a
// check, so it runs only with TOHU_LOAD=1:
//
//	TOHU_LOAD=1 go test ./cmd/tohu -run TestServeLoad -v
func TestServeLoad(t *testing.T) {
	if os.Getenv("TOHU_LOAD") == "" {
		t.Skip("set TOHU_LOAD=1 to measure")
	}
	const awards, verifies, workers = 200, 1000, 8
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			env := serveEnv(t, db, "TOHU_LOG_LEVEL", "info")
			base, stop, _ := startServe(t, env)
			defer stop()
			c := client{t, base}
			created := c.must(201, "POST", "/api/v1/providers", testOperatorToken, map[string]any{"slug": "load", "name": "Load"})
			tok := created["adminKey"].(map[string]any)["token"].(string)
			ach := c.must(201, "POST", "/api/v1/achievements", tok, map[string]any{
				"title": "Load", "nzqaRef": "1", "nzqaVersion": "1", "level": 4, "credits": 10, "aim": "a",
				"outcomes": []string{"a", "b"}, "nzscedCode": "050999", "developer": "d", "approvalStatus": "approved",
				"nextReviewOn": time.Now().AddDate(1, 0, 0).Format(time.DateOnly)})

			jobs := make(chan int)
			var wg sync.WaitGroup
			var credURL string
			var once sync.Once
			cpu0 := cpuTime(t)
			start := time.Now()
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range jobs {
						m := c.must(201, "POST", "/api/v1/awards", tok, map[string]any{"achievementId": ach["id"],
							"learner": map[string]any{"name": "L", "email": fmt.Sprintf("l%d@example.nz", i)}, "completedOn": "2026-01-01", "issue": true})
						once.Do(func() { credURL = m["credentialUrl"].(string) })
					}
				}()
			}
			for i := range awards {
				jobs <- i
			}
			close(jobs)
			wg.Wait()
			issueRate := float64(awards) / time.Since(start).Seconds()
			issueCPU := (cpuTime(t) - cpu0) / awards

			_, _, _, vc := c.call("GET", strings.TrimPrefix(credURL, base), "", nil)
			body, _ := json.Marshal(map[string]any{"verifiableCredential": json.RawMessage(vc)})
			lat := make([]time.Duration, verifies)
			vj := make(chan int)
			cpu0 = cpuTime(t)
			start = time.Now()
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range vj {
						t0 := time.Now()
						c.must(200, "POST", "/credentials/verify", "", body)
						lat[i] = time.Since(t0)
					}
				}()
			}
			for i := range verifies {
				vj <- i
			}
			close(vj)
			wg.Wait()
			verifyRate := float64(verifies) / time.Since(start).Seconds()
			verifyCPU := (cpuTime(t) - cpu0) / verifies
			slices.Sort(lat)
			t.Logf("%s: %d awards issued (create+approve+issue, both proof forms) at %.0f/s, %v CPU each; public verify %.0f/s, p50 %v, p99 %v, %v CPU each (%d workers, %d CPUs)",
				db, awards, issueRate, issueCPU.Round(10*time.Microsecond), verifyRate, lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond),
				verifyCPU.Round(10*time.Microsecond), workers, runtime.NumCPU())
		})
	}
}

// cpuTime is the user+system CPU time this process (the server and the
// load client, which run in it) has used so far. It does not include the
// PostgreSQL server's own processes. Where other work shares the machine it
// is a steadier measure than a wall-clock rate.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

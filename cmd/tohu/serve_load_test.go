package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
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
			env := map[string]string{"TOHU_ADDR": "127.0.0.1:0", "TOHU_DATA_DIR": t.TempDir(),
				"TOHU_OPERATOR_TOKEN": testOperatorToken, "TOHU_LOG_LEVEL": "info"}
			if db == "postgres" {
				env["TOHU_DATABASE_URL"] = postgresTarget(t)
			}
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

			_, _, _, vc := c.call("GET", strings.TrimPrefix(credURL, base), "", nil)
			body, _ := json.Marshal(map[string]any{"verifiableCredential": json.RawMessage(vc)})
			lat := make([]time.Duration, verifies)
			vj := make(chan int)
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
			slices.Sort(lat)
			t.Logf("%s: %d awards issued (create+approve+issue, both proof forms) at %.0f/s; public verify %.0f/s, p50 %v, p99 %v (%d workers)",
				db, awards, issueRate, verifyRate, lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond), workers)
		})
	}
}

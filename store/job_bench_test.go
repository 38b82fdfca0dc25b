package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/store"
)

// TestBulkBench issues a whole cohort end to end (CSV parsing, validation
// of every row, the job stored, then claiming, building, signing in both
// forms, status index allocation and storing, with the notification
// outbox) on each database, and reports wall time, awards/s, peak memory
// and where the workers' time went. Off unless TOHU_BULK_BENCH=1;
// TOHU_BULK_BENCH_ROWS sets the cohort size (default 10,000),
// TOHU_WORKERS the workers and TOHU_BULK_BENCH_BATCH the rows claimed at
// once per worker (default: the runner's, issuer.DefaultBulkWorkers and 128).
//
//	TOHU_BULK_BENCH=1 go test ./store -run TestBulkBench -v -timeout 30m
func TestBulkBench(t *testing.T) {
	if os.Getenv("TOHU_BULK_BENCH") == "" {
		t.Skip("set TOHU_BULK_BENCH=1 (TOHU_BULK_BENCH_ROWS=N) to run the cohort benchmark")
	}
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("TOHU_BULK_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	batch, _ := strconv.Atoi(os.Getenv("TOHU_BULK_BENCH_BATCH")) // 0: the runner's default
	workers, _ := strconv.Atoi(os.Getenv("TOHU_WORKERS"))        // 0: the runner's default
	var csv bytes.Buffer
	csv.WriteString("learner_name,learner_email,nsn,completed_on\n")
	for i := range n {
		fmt.Fprintf(&csv, "Ākonga %d,learner%d@example.nz,%d,2026-04-%02d\n", i, i, 100000000+i, 1+i%28)
	}
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "kura-bench", false)
		if _, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement()); err != nil {
			t.Fatal(err)
		}
		var peakHeap atomic.Uint64
		stop := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peakHeap.Load() {
					peakHeap.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
		cpu0 := readCPUClasses()
		start := time.Now()
		sub := submitCohort(t, e, pr, csv.String())
		submitted := time.Since(start)
		r := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: workers, Batch: batch})
		if err := r.RunUntilIdle(ctx); err != nil {
			t.Fatal(err)
		}
		wall := time.Since(start)
		cpu := readCPUClasses().since(cpu0)
		close(stop)
		st, err := e.svc.BulkJobStatus(ctx, pr.admin, sub.Job.ID)
		if err != nil || st.Done != n || st.Job.State != issuer.JobDone {
			t.Fatalf("status = %+v, %v", st, err)
		}
		s := r.Stats()
		busy := s.Sign + s.Store
		t.Logf("%s: %d awards, %d workers (batch %d), GOMAXPROCS %d: wall %s (validate+store job %s), %.0f awards/s; peak heap in use %.0f MiB, VmHWM %s",
			db.Dialect(), n, r.Workers(), r.Batch(), runtime.GOMAXPROCS(0), wall.Round(time.Millisecond), submitted.Round(time.Millisecond),
			float64(n)/wall.Seconds(), float64(peakHeap.Load())/(1<<20), vmHWM())
		t.Logf("%s: worker time: signing %.0f%% (build+validate %s, DI %s, JWT %s), storage %.0f%% (claims + issue transactions %s); per award: build %s, DI %s, JWT %s, store %s; index redraws %d; peak batches signed at once %d",
			db.Dialect(), 100*s.Sign.Seconds()/busy.Seconds(), s.Build.Round(time.Millisecond), s.SignDI.Round(time.Millisecond),
			s.SignJWT.Round(time.Millisecond), 100*s.Store.Seconds()/busy.Seconds(), s.Store.Round(time.Millisecond),
			s.Build/time.Duration(n), s.SignDI/time.Duration(n), s.SignJWT/time.Duration(n), s.Store/time.Duration(n), s.IndexRedraws, s.PeakSigning)
		t.Logf("%s: Go runtime's CPU over the job (GOMAXPROCS × wall): user %.0f%%, GC %.0f%%, idle %.0f%%, scavenge %.0f%%; user+GC per award %s",
			db.Dialect(), 100*cpu.user/cpu.total, 100*cpu.gc/cpu.total, 100*cpu.idle/cpu.total, 100*cpu.scavenge/cpu.total,
			time.Duration((cpu.user+cpu.gc)*float64(time.Second)/float64(n)).Round(time.Microsecond))
	})
}

// cpuClasses is the Go runtime's own account of its CPU time (the
// /cpu/classes metrics): where the Ps' time went, idle included. Idle is
// what the bulk workers left unused while they waited for the database.
type cpuClasses struct{ user, gc, idle, scavenge, total float64 }

func readCPUClasses() cpuClasses {
	names := []string{"/cpu/classes/user:cpu-seconds", "/cpu/classes/gc/total:cpu-seconds",
		"/cpu/classes/idle:cpu-seconds", "/cpu/classes/scavenge/total:cpu-seconds", "/cpu/classes/total:cpu-seconds"}
	samples := make([]metrics.Sample, len(names))
	for i, n := range names {
		samples[i].Name = n
	}
	metrics.Read(samples)
	v := func(i int) float64 { return samples[i].Value.Float64() }
	return cpuClasses{v(0), v(1), v(2), v(3), v(4)}
}

func (c cpuClasses) since(o cpuClasses) cpuClasses {
	return cpuClasses{c.user - o.user, c.gc - o.gc, c.idle - o.idle, c.scavenge - o.scavenge, c.total - o.total}
}

// vmHWM is the process's peak resident set size (Linux).
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "n/a"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.Join(strings.Fields(strings.TrimPrefix(l, "VmHWM:")), " ")
		}
	}
	return "n/a"
}

package main

import "runtime/debug"

// defaultGCPercent is tohu's garbage collector target when GOGC is not
// set. Signing and storing a credential allocates several times its size
// (canonical N-Quads, two signed forms, database parameter buffers), while
// little of it stays live: the heap in use during a 10,000-row bulk job
// peaks at ~60–75 MiB (6 workers, batches of 128). At Go's default of 100
// the collector ran about a fifth of the process's CPU time in that job;
// at 200 it runs half as often for some more heap (docs/operations.md,
// "Memory"). GOGC and GOMEMLIMIT, when set, are the runtime's as usual.
const defaultGCPercent = 200

// tuneGC applies defaultGCPercent unless GOGC is set, and returns the
// target in force.
func tuneGC(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		p := debug.SetGCPercent(100)
		debug.SetGCPercent(p)
		return p
	}
	debug.SetGCPercent(defaultGCPercent)
	return defaultGCPercent
}

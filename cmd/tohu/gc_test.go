package main

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	for _, tc := range []struct {
		name, gogc string
		set        int // what the runtime was started with
		want       int
	}{
		{"unset: tohu's default", "", 100, defaultGCPercent},
		{"GOGC=50 is kept", "50", 50, 50},
		{"GOGC=off is kept", "off", -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(tc.set)
			got := tuneGC(func(k string) string {
				if k == "GOGC" {
					return tc.gogc
				}
				return ""
			})
			now := debug.SetGCPercent(tc.set)
			if got != tc.want || now != tc.want {
				t.Fatalf("tuneGC = %d, runtime's target %d; want %d", got, now, tc.want)
			}
		})
	}
}

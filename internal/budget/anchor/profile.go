package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles writes a CPU profile to $ANCHOR_CPUPROFILE and, at stop, an
// allocation profile to $ANCHOR_MEMPROFILE, for the table in
// docs/high-volume.md. Without them it does nothing.
func startProfiles() (stop func()) {
	var cpu *os.File
	if path := os.Getenv("ANCHOR_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			cpu = f
		} else {
			fmt.Fprintf(os.Stderr, "anchor: no CPU profile: %v\n", err)
		}
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			cpu.Close()
		}
		if path := os.Getenv("ANCHOR_MEMPROFILE"); path != "" {
			f, err := os.Create(path)
			if err != nil {
				fmt.Fprintf(os.Stderr, "anchor: no allocation profile: %v\n", err)
				return
			}
			defer f.Close()
			runtime.GC()
			pprof.Lookup("allocs").WriteTo(f, 0)
		}
	}
}

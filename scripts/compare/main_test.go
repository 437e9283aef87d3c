package main

import (
	"os"
	"strconv"
	"testing"
)

// allocEnv makes the test binary a program that touches that many MiB of
// memory and exits: a program whose peak RSS is known.
const allocEnv = "COMPARE_TEST_ALLOC_MIB"

// TestMain lets the test binary serve as the launcher of the programs, as
// the harness's own binary does, and as a program of known size.
func TestMain(m *testing.M) {
	if isLauncher() {
		launcher()
	}
	if mib, err := strconv.Atoi(os.Getenv(allocEnv)); err == nil {
		touch(mib)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var held []byte

// touch allocates mib MiB and writes every page, so that it is resident.
func touch(mib int) {
	held = make([]byte, mib<<20)
	for i := 0; i < len(held); i += 4096 {
		held[i] = 1
	}
}

package main

import (
	"bytes"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The peak RSS of a program is its own, however big the harness has grown:
// the harness holds 300 MiB here, the program touches 100 MiB, then 0.
func TestPeakRSSIsTheProgramsOwn(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the high-water mark carried across exec is Linux's")
	}
	touch(300)
	defer func() { held = nil }()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	measure := func(mib string) Measured {
		m, err := Launch(self, nil, []string{allocEnv + "=" + mib}, os.Stdout, os.Stderr, time.Minute)
		if err != nil || m.Exit != 0 {
			t.Fatalf("Launch: %+v, %v", m, err)
		}
		return m
	}
	big, small := measure("100"), measure("0")
	if big.PeakRSS < 100<<20 || big.PeakRSS > 250<<20 {
		t.Errorf("a program that touches 100 MiB: peak RSS %d MiB, want 100 MiB and a runtime's worth", big.PeakRSS>>20)
	}
	if small.PeakRSS > 64<<20 {
		t.Errorf("a program that touches nothing: peak RSS %d MiB, want a runtime's worth, not the harness's 300 MiB", small.PeakRSS>>20)
	}
	if big.CPU <= 0 || big.Wall <= 0 {
		t.Errorf("CPU %s, wall %s, want both positive", big.CPU, big.Wall)
	}
}

// The program gets the given environment and nothing of the launcher's;
// its exit code and output come back.
func TestLaunchPassesOutputExitCodeAndEnvironment(t *testing.T) {
	var stdout, stderr bytes.Buffer
	m, err := Launch("/bin/sh", []string{"-c", `echo "out $COMPARE_X ${COMPARE_LAUNCHER:-none}"; echo err >&2; exit 3`},
		[]string{"PATH=" + os.Getenv("PATH"), "COMPARE_X=x"}, &stdout, &stderr, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if m.Exit != 3 || stdout.String() != "out x none\n" || stderr.String() != "err\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 3, \"out x none\\n\", \"err\\n\"", m.Exit, stdout.String(), stderr.String())
	}
	m, err = Launch("/bin/sh", []string{"-c", "sleep 30"}, nil, &stdout, &stderr, 200*time.Millisecond)
	if err != nil || !m.TimedOut {
		t.Errorf("a program past its time limit: %+v, %v; want TimedOut", m, err)
	}
	if _, err := Launch("/no/such/program", nil, nil, &stdout, &stderr, time.Minute); err == nil || !strings.Contains(err.Error(), "/no/such/program") {
		t.Errorf("a program that cannot start: %v, want an error naming it", err)
	}
}

package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"example.com/gftrace/internal/sampletest"
)

// fullDisk is an output on a full disk: every write fails.
type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestOutputThatCannotBeWritten: when a trace cannot be written, the
// export that would have printed it is refused, so is every later one,
// and the viewer stops, says so and how many spans it lost, and exits 3.
func TestOutputThatCannotBeWritten(t *testing.T) {
	v := serveInProcess(t, settings{quiet: time.Hour, limits: limits{maxAge: time.Hour, maxSpans: 2, maxTraces: 100_000, maxBytes: 128 << 20}}, fullDisk{})
	// Two spans of a trace reach the limit, so the export's own handler
	// prints them: its answer can tell whether they were written.
	code, text := post(t, v.httpRec.Addr, marshal(t, export("svc", hspan(1, 0, "a", t0, t0+1e6), hspan(2, 1, "b", t0, t0+1e6))), "")
	if want := "the viewer cannot take spans: no space left on device"; code != http.StatusServiceUnavailable || text != want {
		t.Errorf("the export whose spans could not be written was answered %d %q; want 503 %q", code, text, want)
	}
	select {
	case <-v.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the viewer goes on 30s after its output failed")
	}
	if cause, lost := v.view.failure(); cause == nil || lost != 2 {
		t.Errorf("failure %v, %d spans lost; want the write's error and 2", cause, lost)
	}
}

// TestOutputOnAFullDisk runs the viewer with its stdout on /dev/full: the
// first trace it prints makes it say why on stderr and exit 3.
func TestOutputOnAFullDisk(t *testing.T) {
	bin := sampletest.Build(t, ".")
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("this test needs /dev/full: %v", err)
	}
	defer full.Close()
	addr := sampletest.FreeAddr(t)
	cmd := exec.Command(bin, "-grpc", "", "-http", addr, "-quiet", "100ms")
	var stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = full, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	waitFor(t, &stderr, "OTLP/HTTP on")
	if code, text := post(t, addr, marshal(t, export("svc", hspan(1, 0, "a", t0, t0+1e6))), ""); code != http.StatusOK {
		t.Fatalf("export answered %d %q", code, text)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("the viewer still runs 30s after it could not print a trace; stderr:\n%s", stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	want := "otlpreceiver: cannot write the traces (write /dev/stdout: no space left on device): 1 spans received were not printed, and exports were refused from then on"
	if code := cmd.ProcessState.ExitCode(); code != exitOutput || len(lines) != 2 || lines[1] != want {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d and, after the announcement:\n%s", code, stderr.String(), exitOutput, want)
	}
}

// panicky is an output whose writes panic with a text that must not be
// printed (a panic's value may quote what a sender sent).
type panicky struct{}

func (panicky) Write([]byte) (int, error) { panic("secret-token-0f3a") }

// crashLine is the one line a crash prints.
var crashLine = regexp.MustCompile(`\notlpreceiver: crashed \(a panic, in [a-z]+\.panicky\.Write at failure_test\.go:[0-9]+\): a bug in the viewer, please report it\n$`)

// TestCrashExitCode: a panic, whether where traces are printed as they go
// quiet or in an export's handler, ends the viewer with one line that
// names the place but not the panic's value, and exit code 4, which no
// bad flag shares. The export whose handler crashed is refused.
func TestCrashExitCode(t *testing.T) {
	for _, c := range []struct {
		name  string
		quiet string
		send  []byte
		code  int // the export's answer
	}{
		{"printing a trace gone quiet", "10ms", marshal(t, export("svc", hspan(1, 0, "a", t0, t0+1e6))), http.StatusOK},
		// 10,000 spans, the default limit of a trace: printed in the handler.
		{"printing in an export's handler", "1h", marshal(t, longSpans(1, 10_000)), http.StatusServiceUnavailable},
	} {
		addr := sampletest.FreeAddr(t)
		var stderr bytes.Buffer
		stop := make(chan os.Signal)
		done := make(chan int, 1)
		go func() { done <- run([]string{"-grpc", "", "-http", addr, "-quiet", c.quiet}, panicky{}, &stderr, stop) }()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if conn, err := (&net.Dialer{}).Dial("tcp", addr); err == nil {
				conn.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the viewer does not listen on %s", c.name, addr)
			}
		}
		if code, text := post(t, addr, c.send, ""); code != c.code {
			t.Errorf("%s: export answered %d %q, want %d", c.name, code, text, c.code)
		}
		select {
		case code := <-done:
			// After the line that says where it listens, one line.
			if code != exitCrash || !crashLine.MatchString(stderr.String()) || strings.Count(stderr.String(), "\n") != 2 || strings.Contains(stderr.String(), "secret") {
				t.Errorf("%s: exit %d, stderr %q; want exit %d and one line naming where, not what", c.name, code, stderr.String(), exitCrash)
			}
		case <-time.After(30 * time.Second):
			close(stop)
			t.Errorf("%s: the viewer goes on 30s after it crashed", c.name)
		}
	}
}

// TestCountsOnAFullDisk: -count with its stdout on /dev/full says on
// SIGINT that it could not write the total, and exits 3.
func TestCountsOnAFullDisk(t *testing.T) {
	bin := sampletest.Build(t, ".")
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("this test needs /dev/full: %v", err)
	}
	defer full.Close()
	cmd := exec.Command(bin, "-count", "-grpc", "", "-http", sampletest.FreeAddr(t))
	var stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = full, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, &stderr, "counting spans")
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	want := "otlpreceiver: cannot write the counts: write /dev/stdout: no space left on device"
	if lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n"); cmd.ProcessState.ExitCode() != exitOutput || lines[len(lines)-1] != want {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", cmd.ProcessState.ExitCode(), stderr.String(), exitOutput, want)
	}
}

// Package sampletest runs the sample's real binaries in tests and checks
// what a user would see: the output, the exit code, and the trace a
// collector received.
package sampletest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/report"
	"example.com/gftrace/internal/receiver"
)

// Build compiles the main package in dir (for a main's own test: ".") and
// returns the path of the binary.
func Build(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sample")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v\n%s", dir, err, out)
	}
	return bin
}

// Result is what one run of a binary did.
type Result struct {
	Stdout, Stderr string
	Code           int
	Elapsed        time.Duration
	// Ended is when the process exited, for bounds measured from an
	// event during the run (time.Since would add how late the test
	// itself got round to looking).
	Ended time.Time
	// Late is how long, over the run, a busy machine kept this test's
	// timers waiting (see busyProbe): bounds on the time a run takes add
	// it to their allowance.
	Late time.Duration
}

// Output is stdout and stderr together, for checks that a text appears
// (or not) anywhere.
func (r Result) Output() string { return r.Stdout + r.Stderr }

// Run runs bin with args and an environment made of env alone (plus PATH
// and HOME), so that no OTEL_* variable of the test's own environment leaks
// in. It fails the test if the binary does not end within a minute.
func Run(t testing.TB, bin string, env []string, args ...string) Result {
	t.Helper()
	return Start(t, bin, env, args...).Wait()
}

// Process is a run of a binary in the background, for a test that acts
// while it runs: brings the collector up, sends a signal.
type Process struct {
	t              testing.TB
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	start, ended   time.Time
	done           chan error
	busy           *busyProbe
}

// Start starts bin as Run does, without waiting for it to end.
func Start(t testing.TB, bin string, env []string, args ...string) *Process {
	t.Helper()
	return StartIn(t, "", bin, env, args...)
}

// RunIn is Run in the working directory dir ("": the test's), as a
// program run inside a project is.
func RunIn(t testing.TB, dir, bin string, env []string, args ...string) Result {
	t.Helper()
	return StartIn(t, dir, bin, env, args...).Wait()
}

// StartIn is Start in the working directory dir ("": the test's).
func StartIn(t testing.TB, dir, bin string, env []string, args ...string) *Process {
	t.Helper()
	p := &Process{t: t, cmd: exec.Command(bin, args...), done: make(chan error, 1)}
	p.cmd.Dir = dir
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	p.busy = startBusyProbe()
	go func() {
		err := p.cmd.Wait()
		p.ended = time.Now()
		p.done <- err
	}()
	return p
}

// WaitOutput waits until the output so far contains text, at most timeout,
// and tells whether it does.
func (p *Process) WaitOutput(text string, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(p.stdout.String()+p.stderr.String(), text) {
			return true
		}
	}
	return false
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) {
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Errorf("signal %v: %v", sig, err)
	}
}

// Wait waits for the process to end, at most a minute from its start, and
// returns what it did. Whatever the test, the output must show no token
// (in any escaping), panic or stack trace (see noLeaks).
func (p *Process) Wait() Result {
	p.t.Helper()
	var err error
	select {
	case err = <-p.done:
	case <-time.After(time.Minute - time.Since(p.start)):
		p.cmd.Process.Kill()
		p.t.Fatalf("%s %v did not end within a minute; output so far:\n%s%s", p.cmd.Path, p.cmd.Args[1:], p.stdout.String(), p.stderr.String())
	}
	r := Result{Stdout: p.stdout.String(), Stderr: p.stderr.String(), Elapsed: p.ended.Sub(p.start), Ended: p.ended, Late: p.busy.stop()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.Code = exit.ExitCode() // -1 if a signal killed it
	case err != nil:
		p.t.Fatalf("run %s: %v", p.cmd.Path, err)
	}
	noLeaks(p.t, r)
	return r
}

// lockedBuffer is a bytes.Buffer that a process writes while a test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Outcome reads the result that a run with -json printed, the last line of
// its stdout, or fails the test.
func Outcome(t testing.TB, r Result) report.Result {
	t.Helper()
	res, err := report.ParseResult(r.Stdout)
	if err != nil {
		t.Fatalf("%v; exit %d, output:\n%s", err, r.Code, r.Output())
	}
	if res.Unseen > 0 && (res.Delivered != 0 || strings.Contains(res.Summary, "spans delivered")) {
		t.Errorf("%d spans sent with answers unseen, yet the result calls spans delivered: delivered %d, summary %q", res.Unseen, res.Delivered, res.Summary)
	}
	return res
}

// Reached is how many spans the program says reached the collector:
// delivered, or, where it reads none of the exporter's answers (gf's
// otlphttp.Init), sent with answers unseen (see delivery's unseen.go).
func Reached(res report.Result) int64 { return res.Delivered + res.Unseen }

// allReached is what follows "N of N" in the summary of a run of the
// default program (gf's Init) whose spans all reached the collector: over
// OTLP/HTTP the program cannot read the exporter's answers.
var allReached = map[config.Protocol]string{config.GRPC: "spans delivered to ", config.HTTP: "spans sent to "}

// ReachedSummary is how the summary of a run begins when n of its total
// spans reached target over p: delivered, or sent with answers unseen.
func ReachedSummary(res report.Result, n, total int64, target string, p config.Protocol) string {
	if res.Unseen > 0 {
		return fmt.Sprintf("%d of %d spans sent to %s over %s, answers unseen: ", n, total, target, p)
	}
	return fmt.Sprintf("%d of %d spans delivered to %s over %s", n, total, target, p)
}

// TraceIDPattern finds the trace id line that the report prints.
var TraceIDPattern = regexp.MustCompile(`(?m)^trace id: ([0-9a-f]{32})$`)

// PrintedTraceID returns the trace id that a run printed, or fails the test.
func PrintedTraceID(t testing.TB, r Result) string {
	t.Helper()
	m := TraceIDPattern.FindStringSubmatch(r.Stdout)
	if m == nil {
		t.Fatalf("no trace id line in the output:\n%s", r.Stdout)
	}
	return m[1]
}

// DefaultTree is the trace of a run with the default users 100,1, as Tree
// renders it.
const DefaultTree = `main
  GetUser user.id=100
    GetInfo baggage.user.id=100
    GetDetail baggage.user.id=100
    GetScores baggage.user.id=100
  GetUser user.id=1 rpc.grpc.status_code=5 Error: user 1 not found
    GetInfo baggage.user.id=1 rpc.grpc.status_code=5 Error: user 1 not found
    GetDetail baggage.user.id=1 rpc.grpc.status_code=5 Error: user 1 not found
    GetScores baggage.user.id=1 rpc.grpc.status_code=5 Error: user 1 not found
`

// TraceIDs returns the distinct trace ids of spans, in order of appearance.
func TraceIDs(spans []receiver.Span) []string {
	seen := map[string]bool{}
	var ids []string
	for _, s := range spans {
		if !seen[s.TraceID] {
			seen[s.TraceID] = true
			ids = append(ids, s.TraceID)
		}
	}
	return ids
}

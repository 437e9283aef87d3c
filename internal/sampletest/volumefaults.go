package sampletest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/receiver"
)

// volumeFaults are the faults of a -traces run: the collector restarts in
// the middle, the process is interrupted. faults runs them in parallel with
// the others.
func volumeFaults(t *testing.T, p config.Protocol, bin string) {
	for _, way := range tokenWays(p) {
		t.Run("collector restarts during a -traces run, "+way.name, func(t *testing.T) {
			t.Parallel()
			restartDuringRun(t, p, bin, way)
		})
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(fmt.Sprintf("%s during a -traces run, %s", sigName[sig], way.name), func(t *testing.T) {
				t.Parallel()
				interrupted(t, p, bin, way, sig, false)
			})
		}
		t.Run("SIGINT during a -traces run while the collector hangs, "+way.name, func(t *testing.T) {
			t.Parallel()
			interrupted(t, p, bin, way, syscall.SIGINT, true)
		})
		t.Run("a second SIGINT exits at once, "+way.name, func(t *testing.T) {
			t.Parallel()
			interruptedTwice(t, p, bin, way)
		})
		t.Run("collector refuses a -traces run, "+way.name, func(t *testing.T) {
			t.Parallel()
			rec := NewReceiverWith(p, receiver.Options{CountOnly: true})
			defer rec.Close()
			rec.SetFault(receiver.Fault{Refuse: codes.InvalidArgument, Message: "no thanks"})
			args := append([]string{"-endpoint", rec.Addr, "-traces", "5000000", "-concurrency", "4", "-timeout", "2s", "-json"}, way.args...)
			r := Run(t, bin, way.env, args...)
			ends(t, p, r, rec.Addr, 2*time.Second, 0, "the collector refused the spans", "no thanks")
			if c := readCounts(t, r); c.traces != 1 || c.failed != 9 || c.stopped == "" || c.interrupted {
				t.Errorf("the run did not stop at the first refusal: %+v\n%s", c, r.Stdout)
			}
		})
	}
}

// interruptedTwice sends SIGINT twice while the collector does not answer:
// the second one ends the program at once, without the summary.
func interruptedTwice(t *testing.T, p config.Protocol, bin string, way run) {
	rec := NewReceiverWith(p, receiver.Options{CountOnly: true})
	defer rec.Close()
	args := append([]string{"-endpoint", rec.Addr, "-traces", "5000000", "-concurrency", "4", "-timeout", "30s"}, way.args...)
	proc := Start(t, bin, way.env, args...)
	if !rec.WaitSpans(20000, 30*time.Second) {
		proc.Signal(os.Kill)
		t.Fatalf("no spans arrived; output:\n%s", proc.Wait().Output())
	}
	rec.SetFault(receiver.Fault{Delay: time.Hour})
	proc.Signal(syscall.SIGINT)
	time.Sleep(300 * time.Millisecond) // the first is being handled: the flush may wait 30s
	sent := time.Now()
	proc.Signal(syscall.SIGINT)
	r := proc.Wait()
	if r.Code != 130 || !strings.Contains(r.Stderr, "SIGINT again: exiting without waiting for the collector") {
		t.Errorf("exit code %d, stderr %q; want 130 and a word about the second signal", r.Code, r.Stderr)
	}
	if took, limit := r.Ended.Sub(sent), startAllowance+r.Late; took > limit {
		t.Errorf("the program ended %s after the second signal; the bound is %s (of which %s is how long this busy machine kept the test's timers waiting)", took, limit, r.Late)
	}
	noLeaks(t, r)
}

var sigName = map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}

// counts are the span counts of a -traces run, and why it stopped early.
type counts struct {
	traces, created, delivered, failed, dropped, unconfirmed int
	unseen                                                   int // of the unconfirmed, sent with answers unseen (see Reached)
	stopped                                                  string
	interrupted                                              bool
}

// readCounts reads the counts of a -traces run made with -json.
func readCounts(t *testing.T, r Result) counts {
	t.Helper()
	res := Outcome(t, r)
	if res.Volume == nil {
		t.Fatalf("no volume figures in the result:\n%s", r.Stdout)
	}
	return counts{
		traces: res.Volume.Traces, created: int(res.Recorded), delivered: int(res.Delivered),
		failed: int(res.Failed), dropped: int(res.Dropped), unconfirmed: int(res.Unconfirmed), unseen: int(res.Unseen),
		stopped: res.Volume.Stopped, interrupted: res.Volume.Interrupted,
	}
}

// exact checks that the summary accounts for every span made (delivered,
// failed, dropped or unconfirmed) and that the receiver holds exactly the
// delivered ones, or over gf's otlphttp.Init the unseen ones.
func exact(t *testing.T, c counts, rec *receiver.Receiver) {
	t.Helper()
	if c.created != 9*c.traces || c.delivered+c.failed+c.dropped+c.unconfirmed != c.created || c.unconfirmed < 0 {
		t.Errorf("counts do not add up: %+v", c)
	}
	if got := rec.SpanCount(); got != c.delivered+c.unseen {
		t.Errorf("the receiver got %d spans, the summary says %d were delivered and %d sent with answers unseen", got, c.delivered, c.unseen)
	}
}

// restartDuringRun stops the collector once part of a -traces run has
// arrived and starts it again half a second later. The run goes on: the
// gRPC exporter retries (within -timeout, 10s here: its first retry comes
// 2.5 to 7.5 s later) and loses nothing; the HTTP exporter does not retry a
// refused connection, so the batches it sent meanwhile are lost. Either
// way the summary counts exactly, and the exit code is 0 only if nothing
// was lost.
func restartDuringRun(t *testing.T, p config.Protocol, bin string, way run) {
	const traces = 40000
	rec := NewReceiverWith(p, receiver.Options{CountOnly: true})
	defer rec.Close()
	args := append([]string{"-endpoint", rec.Addr, "-traces", strconv.Itoa(traces), "-concurrency", "4", "-timeout", "10s", "-json"}, way.args...)
	proc := Start(t, bin, way.env, args...)
	if !rec.WaitSpans(9*traces/4, 30*time.Second) {
		proc.Signal(os.Kill)
		t.Fatalf("a quarter of the spans did not arrive; output:\n%s", proc.Wait().Output())
	}
	rec.Stop()
	before := rec.SpanCount()
	time.Sleep(500 * time.Millisecond)
	if err := rec.Restart(); err != nil {
		t.Fatal(err)
	}
	r := proc.Wait()
	c := readCounts(t, r)
	if c.traces != traces || before >= 9*traces {
		t.Errorf("%d of %d traces made, %d spans had arrived when the collector stopped: the run did not go on around the restart", c.traces, traces, before)
	}
	exact(t, c, rec)
	lost := c.created - c.delivered - c.unseen
	if want := map[bool]int{true: 0, false: 1}[lost == 0]; r.Code != want {
		t.Errorf("%d spans lost, exit code %d; want %d", lost, r.Code, want)
	}
	if p == config.GRPC && lost != 0 {
		t.Errorf("the gRPC exporter retries within -timeout, yet %d spans were lost", lost)
	}
	if summary := Outcome(t, r).Summary; lost != 0 && !strings.Contains(summary, "went away during the run") {
		t.Errorf("%d spans lost; the summary does not say why: %q", lost, summary)
	}
	t.Logf("%d spans lost around the restart", lost)
	noLeaks(t, r)
}

// interrupted sends sig to a -traces run that would take minutes, once part
// of it has arrived: the run stops making traces, flushes what it made,
// prints the summary and exits 128 + the signal's number. With hang, the
// collector stops answering first: the flush then gives up at -timeout
// after the signal, and the summary counts the lost spans.
func interrupted(t *testing.T, p config.Protocol, bin string, way run, sig syscall.Signal, hang bool) {
	// With a hanging collector the run stops on its own -timeout after the
	// hang: 5s leaves the signal room on a busy machine (with 2s, one run
	// of two packages side by side signalled a process that had ended).
	const traces, timeout = 5_000_000, 5 * time.Second
	rec := NewReceiverWith(p, receiver.Options{CountOnly: true})
	defer rec.Close()
	args := append([]string{"-endpoint", rec.Addr, "-traces", strconv.Itoa(traces), "-concurrency", "4", "-timeout", timeout.String(), "-json"}, way.args...)
	proc := Start(t, bin, way.env, args...)
	if !rec.WaitSpans(midRunSpans, 30*time.Second) {
		proc.Signal(os.Kill)
		t.Fatalf("fewer than %d spans arrived within 30s; output:\n%s", midRunSpans, proc.Wait().Output())
	}
	if hang {
		rec.SetFault(receiver.Fault{Delay: time.Hour})
		time.Sleep(200 * time.Millisecond) // exports are under way, unanswered
	}
	sent := time.Now()
	proc.Signal(sig)
	r := proc.Wait()
	if want := 128 + int(sig); r.Code != want {
		t.Errorf("exit code %d, want %d; output:\n%s", r.Code, want, r.Output())
	}
	c := readCounts(t, r)
	if want := "interrupted by " + sigName[sig]; c.stopped != want || !c.interrupted {
		t.Errorf("the result says the run stopped %q (interrupted: %v), want %q", c.stopped, c.interrupted, want)
	}
	if c.traces >= traces {
		t.Errorf("all %d traces were made; the signal did not stop the run", c.traces)
	}
	exact(t, c, rec)
	switch lost := c.created - c.delivered - c.unseen; {
	case !hang && lost != 0:
		t.Errorf("%d spans lost; what was made must be flushed", lost)
	case hang && lost == 0:
		t.Errorf("nothing lost though the collector stopped answering")
	}
	// The flush may take -timeout after the signal and a moment for the
	// exporter's error; the rest is the allowance for a busy machine.
	if took, limit := r.Ended.Sub(sent), timeout+time.Second+startAllowance+r.Late; took > limit {
		t.Errorf("the program ended %s after the signal with -timeout %s; the bound is %s (of which %s is how long this busy machine kept the test's timers waiting)", took, timeout, limit, r.Late)
	}
	noLeaks(t, r)
}

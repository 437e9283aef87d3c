package sampletest

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/receiver"
)

// startAllowance is a generous allowance for starting a process on a busy
// machine, on top of the time the program itself may take.
const startAllowance = 2 * time.Second

// tokenWays are the ways each fault is tried for protocol p, all with the
// token: gRPC through gf's Init, which sends it; HTTP through gf's Init
// (which cannot send a token, so without one) and with the token, which
// takes package provider.
func tokenWays(p config.Protocol) []run {
	if p == config.GRPC {
		return []run{{"gf's Init with -token", nil, []string{"-token", Token}}}
	}
	return []run{
		{"gf's Init", nil, nil},
		{"own provider with TRACE_TOKEN", []string{"TRACE_TOKEN=" + Token}, nil},
	}
}

// faults checks each fault of a collector against the real binary: how it
// ends, what it says, how long it takes, and that the token never shows.
// The faults take seconds each, mostly waiting, so they run in parallel.
// volumeFaults has those of a -traces run.
func faults(t *testing.T, p config.Protocol, bin string) {
	// The -traces runs go first, in parallel among themselves, before the
	// single runs (whose subtests below wait until this function returns).
	t.Run("-traces runs", func(t *testing.T) { volumeFaults(t, p, bin) })
	other := map[config.Protocol]config.Protocol{config.GRPC: config.HTTP, config.HTTP: config.GRPC}[p]
	refusal := map[config.Protocol][2]string{
		config.GRPC: {"InvalidArgument (bad spans)", "Unauthenticated (who are you)"},
		config.HTTP: {"400 Bad Request (bad spans)", "401 Unauthorized (who are you)"},
	}[p]
	cases := []struct {
		name      string
		fault     receiver.Fault
		timeout   time.Duration
		delivered int      // of 9
		want      []string // in the summary line, besides the target
		hint      string   // in the advice after the summary
		attempts  int      // exports the receiver saw; 0: not checked
	}{
		{"collector accepts connections and never answers", receiver.Fault{Hold: true}, 2 * time.Second, 0,
			[]string{"did not answer within 2s"}, "Something accepts connections there but did not answer", 0},
		{"collector answers slower than -timeout", receiver.Fault{Delay: 4 * time.Second}, 2 * time.Second, 0,
			[]string{"did not answer within 2s"}, "give it longer with -timeout", 1},
		{"collector unavailable, then accepts", receiver.Fault{Unavailable: 1, RetryAfter: time.Second, Message: "starting up"}, 15 * time.Second, 9,
			nil, "", 2},
		{"collector refuses the spans: not retried", receiver.Fault{Refuse: codes.InvalidArgument, Message: "bad spans"}, 5 * time.Second, 0,
			[]string{"the collector refused the spans: " + refusal[0]}, "", 1},
		{"collector refuses the token: not retried", receiver.Fault{Refuse: codes.Unauthenticated, Message: "who are you"}, 5 * time.Second, 0,
			[]string{"the collector refused the token: " + refusal[1], "-token"}, "", 1},
		{"collector rejects some spans", receiver.Fault{Reject: 3, Message: "spans too old"}, 5 * time.Second, 6,
			[]string{"the collector rejected 3 spans: spans too old"}, "", 1},
		{"collector claims to reject more spans than it got", receiver.Fault{Reject: 9, ClaimRejected: 1000, Message: "spans too old"}, 5 * time.Second, 0,
			[]string{"the collector rejected 9 spans: spans too old (the collector said 1000, more than the 9 spans it was sent: an impossible figure)"}, "", 1},
	}
	for _, c := range cases {
		for _, way := range tokenWays(p) {
			t.Run(c.name+", "+way.name, func(t *testing.T) {
				t.Parallel()
				rec := NewReceiver(p)
				defer rec.Close()
				rec.SetFault(c.fault)
				args := append([]string{"-endpoint", rec.Addr, "-timeout", c.timeout.String(), "-json"}, way.args...)
				r := Run(t, bin, way.env, args...)
				ends(t, p, r, rec.Addr, c.timeout, c.delivered, c.want...)
				if hint := Outcome(t, r).Hint; c.hint != "" && !strings.Contains(hint, c.hint) {
					t.Errorf("the hint %q does not say %q", hint, c.hint)
				}
				if c.attempts != 0 && rec.Attempts() != c.attempts {
					t.Errorf("the receiver saw %d export attempts, want %d", rec.Attempts(), c.attempts)
				}
				if rec.SpanCount() != c.delivered {
					t.Errorf("the receiver kept %d spans, the program says %d", rec.SpanCount(), c.delivered)
				}
			})
		}
	}
	for _, way := range tokenWays(p) {
		t.Run("collector down at the start, up within the timeout, "+way.name, func(t *testing.T) {
			t.Parallel()
			downThenUp(t, p, bin, way)
		})
		t.Run("the other protocol's port, "+way.name, func(t *testing.T) {
			t.Parallel()
			rec := NewReceiver(other)
			defer rec.Close()
			args := append([]string{"-endpoint", rec.Addr, "-timeout", "1s", "-json"}, way.args...)
			r := Run(t, bin, way.env, args...)
			ends(t, p, r, rec.Addr, time.Second, 0, "that is an "+other.String()+" port", "use its "+p.String()+" port")
		})
		t.Run("nothing listens, "+way.name, func(t *testing.T) {
			t.Parallel()
			addr := FreeAddr(t)
			r := Run(t, bin, way.env, append([]string{"-endpoint", addr, "-timeout", "2s", "-json"}, way.args...)...)
			ends(t, p, r, addr, 2*time.Second, 0, "connection refused: nothing listens at")
			if hint := Outcome(t, r).Hint; !strings.Contains(hint, "scripts/jaeger.sh start") {
				t.Errorf("no hint to start a collector: %q", hint)
			}
		})
	}
}

// downThenUp starts the program while nothing listens at the endpoint and
// brings the collector up once the program has made its spans: they must
// all arrive, in one export (the exporter waited for the collector rather
// than fail an attempt).
func downThenUp(t *testing.T, p config.Protocol, bin string, way run) {
	rec := NewReceiver(p)
	defer rec.Close()
	rec.Stop()
	const timeout = 10 * time.Second
	proc := Start(t, bin, way.env, append([]string{"-endpoint", rec.Addr, "-timeout", timeout.String(), "-json"}, way.args...)...)
	// The users are printed before the flush: the program has made its
	// spans and is about to wait for the collector.
	if !proc.WaitOutput("\n{}\n", timeout) {
		t.Error("the program did not print the users")
	}
	time.Sleep(500 * time.Millisecond)
	if err := rec.Restart(); err != nil {
		t.Fatal(err)
	}
	r := proc.Wait()
	ends(t, p, r, rec.Addr, timeout, 9)
	if got := Tree(rec.Spans()); got != DefaultTree {
		t.Errorf("received tree:\n%s\nwant:\n%s", got, DefaultTree)
	}
	if rec.Attempts() != 1 {
		t.Errorf("%d export attempts reached the collector, want 1", rec.Attempts())
	}
}

// ends checks how a run made with -json ended: the exit code (0 when all 9
// spans were delivered, else 1), the summary with the count, the target and
// each of want, within timeout + 1s (and the allowance for starting), with
// no panic, stack trace or token in the output.
func ends(t *testing.T, p config.Protocol, r Result, addr string, timeout time.Duration, delivered int, want ...string) {
	t.Helper()
	code := 1
	if delivered == 9 {
		code = 0
	}
	if r.Code != code {
		t.Errorf("exit code %d, want %d; output:\n%s", r.Code, code, r.Output())
	}
	target := plainTarget(p, addr)
	res := Outcome(t, r)
	if res.ExitCode != r.Code {
		t.Errorf("the result says exit code %d, the process exited %d", res.ExitCode, r.Code)
	}
	summary := res.Summary
	for _, w := range append([]string{ReachedSummary(res, int64(delivered), 9, target, p)}, want...) {
		if !strings.Contains(summary, w) {
			t.Errorf("summary %q does not say %q; output:\n%s", summary, w, r.Stdout)
		}
	}
	if limit := timeout + time.Second + startAllowance + r.Late; r.Elapsed > limit {
		t.Errorf("took %s with -timeout %s; the bound is %s (of which %s is how long this busy machine kept the test's timers waiting)", r.Elapsed, timeout, limit, r.Late)
	}
	noLeaks(t, r)
}

// noLeaks fails the test if the output shows the token or one of secrets
// in any escaping (see Escaped), a panic or a stack trace.
func noLeaks(t testing.TB, r Result, secrets ...string) {
	t.Helper()
	for _, secret := range append([]string{Token}, secrets...) {
		for _, form := range Escaped(secret) {
			if strings.Contains(r.Output(), form) {
				t.Errorf("the secret %q appears in the output as %q:\n%s", secret, form, r.Output())
			}
		}
	}
	for _, s := range []string{"panic:", "goroutine ", "Stack:", "[FATA]"} {
		if strings.Contains(r.Output(), s) {
			t.Errorf("the output has %q:\n%s", s, r.Output())
		}
	}
}

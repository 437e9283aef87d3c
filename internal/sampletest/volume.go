package sampletest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/receiver"
)

// HighVolume checks -traces mode (see package load) on the binary bin:
// every span of many traces reaches the collector, a run that drops spans
// says how many and exits 1, the output is a summary, and bad counts are
// bad input. Suite runs it.
func HighVolume(t *testing.T, p config.Protocol, bin string) {
	t.Run("every span delivered", func(t *testing.T) { everySpan(t, p, bin) })
	t.Run("pacing saves a tiny queue", func(t *testing.T) { tinyQueue(t, p, bin) })
	t.Run("drops are counted", func(t *testing.T) { drops(t, p, bin) })
	t.Run("no collector", func(t *testing.T) { volumeNoCollector(t, p, bin) })
	t.Run("bad input", func(t *testing.T) { volumeBadInput(t, p, bin) })
}

// target is where a run to rec says it delivers.
func target(p config.Protocol, rec *receiver.Receiver) string { return plainTarget(p, rec.Addr) }

// plainTarget is how a run names a plaintext collector at addr: host:port
// for gRPC, the URL for HTTP.
func plainTarget(p config.Protocol, addr string) string {
	if p == config.HTTP {
		return "http://" + addr + config.DefaultPath
	}
	return addr
}

func everySpan(t *testing.T, p config.Protocol, bin string) {
	const traces = 20000
	rec := NewReceiver(p)
	defer rec.Close()
	r := Run(t, bin, nil, "-endpoint", rec.Addr, "-traces", strconv.Itoa(traces), "-concurrency", "4", "-json")
	if r.Code != 0 {
		t.Fatalf("exit code %d, want 0; output:\n%s", r.Code, r.Output())
	}
	spans := rec.Spans()
	if len(spans) != 9*traces {
		t.Errorf("the receiver got %d spans, want %d", len(spans), 9*traces)
	}
	// Each trace is the sample's whole tree, exactly once.
	byTrace := map[string][]receiver.Span{}
	for _, s := range spans {
		byTrace[s.TraceID] = append(byTrace[s.TraceID], s)
	}
	if len(byTrace) != traces {
		t.Errorf("spans of %d traces, want %d", len(byTrace), traces)
	}
	checked := 0
	for id, trace := range byTrace {
		if got := Tree(trace); got != DefaultTree {
			t.Fatalf("trace %s:\n%s\nwant:\n%s", id, got, DefaultTree)
		}
		if checked++; checked == 100 {
			break
		}
	}
	res := Outcome(t, r)
	v := res.Volume
	if v == nil {
		t.Fatalf("no volume figures in the result: %+v", res)
	}
	for name, c := range map[string][2]int64{
		"traces": {int64(v.Traces), traces}, "spans recorded": {res.Recorded, 9 * traces}, "delivered or unseen": {Reached(res), 9 * traces},
		"dropped": {res.Dropped, 0}, "failed": {res.Failed, 0},
	} {
		if c[0] != c[1] {
			t.Errorf("the result says %s: %d, want %d", name, c[0], c[1])
		}
	}
	if want := ReachedSummary(res, 9*traces, 9*traces, target(p, rec), p); !strings.HasPrefix(res.Summary, want) || res.Cause != "" {
		t.Errorf("summary %q, cause %q; want %q and no cause", res.Summary, res.Cause, want)
	}
	// spans_per_second counts delivered spans: none over gf's otlphttp.Init.
	if v.QueueSize != 8192 || v.BatchSize != 1024 || !v.Paced || (v.SpansPerSecond <= 0) != (res.Unseen > 0) || v.ElapsedMS <= 0 {
		t.Errorf("queue %d, batch %d, paced %v, %.0f spans/s in %.0f ms; want 8192, 1024, paced", v.QueueSize, v.BatchSize, v.Paced, v.SpansPerSecond, v.ElapsedMS)
	}
	if got, want := strings.Join(v.Set, " "), "OTEL_BSP_MAX_QUEUE_SIZE=8192 OTEL_BSP_MAX_EXPORT_BATCH_SIZE=1024 GOGC=400"; got != want {
		t.Errorf("set by program %q, want %q", got, want)
	}
	// A summary, not the single run's dump of users, picture and warnings.
	for _, unwanted := range []string{`"name": "john"`, "{}", "trace id:", "GetUser", "█", "not found"} {
		if strings.Contains(r.Output(), unwanted) {
			t.Errorf("the output shows %q; want only the summary:\n%s", unwanted, r.Output())
		}
	}
	// The batch size the program set reached the SDK: the SDK's own
	// default would cap a request at 512 spans.
	largest := 0
	for _, req := range rec.Requests() {
		largest = max(largest, len(req.Spans))
	}
	if largest != 1024 {
		t.Errorf("the largest export request had %d spans, want 1024 (OTEL_BSP_MAX_EXPORT_BATCH_SIZE)", largest)
	}
}

// tinyQueue runs with a queue smaller than two traces: without pacing most
// spans would be dropped (see drops), with it none is.
func tinyQueue(t *testing.T, p config.Protocol, bin string) {
	rec := NewReceiver(p)
	defer rec.Close()
	env := []string{"OTEL_BSP_MAX_QUEUE_SIZE=16"}
	r := Run(t, bin, env, "-endpoint", rec.Addr, "-traces", "300", "-concurrency", "4")
	if r.Code != 0 {
		t.Fatalf("exit code %d, want 0; output:\n%s", r.Code, r.Output())
	}
	if n := rec.SpanCount(); n != 9*300 {
		t.Errorf("the receiver got %d spans, want %d", n, 9*300)
	}
	// The report a person reads: the summary of the run, in words.
	summary := fmt.Sprintf("%d of %d %s%s over %s", 9*300, 9*300, allReached[p], target(p, rec), p)
	for _, want := range []string{summary, "queue 16, batch 16", "Waited ", "Spans per second:", "Elapsed:", "Pacing:",
		"Set by program:    OTEL_BSP_MAX_EXPORT_BATCH_SIZE=16 GOGC=400 (where the environment did not say)"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("the summary does not say %q:\n%s", want, r.Stdout)
		}
	}
	for _, unwanted := range []string{`"name": "john"`, "{}", "trace id:", "GetUser", "█", "not found"} {
		if strings.Contains(r.Output(), unwanted) {
			t.Errorf("the output shows %q; want only the summary:\n%s", unwanted, r.Output())
		}
	}
	if lines := strings.Count(r.Stdout, "\n"); lines > 20 {
		t.Errorf("the summary has %d lines:\n%s", lines, r.Stdout)
	}
}

// drops turns pacing off with a tiny queue: the batch processor drops
// spans, and the program must say how many, as the SDK counted them.
func drops(t *testing.T, p config.Protocol, bin string) {
	const traces = 2000
	rec := NewReceiver(p)
	defer rec.Close()
	env := []string{"OTEL_BSP_MAX_QUEUE_SIZE=16"}
	r := Run(t, bin, env, "-endpoint", rec.Addr, "-traces", strconv.Itoa(traces), "-concurrency", "4", "-pace=false", "-json")
	if r.Code != 1 {
		t.Fatalf("exit code %d, want 1; output:\n%s", r.Code, r.Output())
	}
	res := Outcome(t, r)
	dropped, delivered := int(res.Dropped), int(Reached(res))
	if dropped == 0 {
		t.Fatalf("no span dropped with a queue of 16 and no pacing:\n%s", r.Stdout)
	}
	// The counts add up, and the collector confirms the delivered one.
	if dropped+delivered != 9*traces {
		t.Errorf("dropped %d + delivered %d != %d spans made", dropped, delivered, 9*traces)
	}
	if n := rec.SpanCount(); n != delivered {
		t.Errorf("the summary says %d delivered, the receiver got %d", delivered, n)
	}
	summary, cause := ReachedSummary(res, int64(delivered), 9*traces, target(p, rec), p), fmt.Sprintf("the batch processor's queue was full and dropped %d spans", dropped)
	if !strings.HasPrefix(res.Summary, summary) || !strings.HasSuffix(res.Summary, cause) {
		t.Errorf("summary %q, want %q … %q", res.Summary, summary, cause)
	}
	if !strings.Contains(res.Hint, "-pace") {
		t.Errorf("the hint does not point at pacing: %q", res.Hint)
	}
}

// volumeNoCollector checks that a run with nothing to deliver to stops
// soon instead of failing for every trace in turn.
func volumeNoCollector(t *testing.T, p config.Protocol, bin string) {
	addr := FreeAddr(t)
	r := Run(t, bin, nil, "-endpoint", addr, "-traces", "100000", "-concurrency", "4", "-timeout", "1s")
	if r.Code != 1 {
		t.Errorf("exit code %d, want 1", r.Code)
	}
	for _, want := range []string{"connection refused", addr, "Stopped early"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("output does not say %q:\n%s", want, r.Stdout)
		}
	}
	// Waiting -timeout for the first flush and again for the last, plus a
	// generous allowance for a busy machine.
	if limit := 2*time.Second + 1*time.Second + 5*time.Second + r.Late; r.Elapsed > limit {
		t.Errorf("took %s with -timeout 1s; the bound is %s (of which %s is how long this busy machine kept the test's timers waiting)", r.Elapsed, limit, r.Late)
	}
}

func volumeBadInput(t *testing.T, p config.Protocol, bin string) {
	rec := NewReceiver(p)
	defer rec.Close()
	cases := []struct {
		args  []string
		env   []string
		value string // the bad value, named in the message
		bound string // the limit, said in the message
	}{
		{args: []string{"-traces", "0"}, value: `-traces "0"`, bound: "10000000"},
		{args: []string{"-traces", "-5"}, value: `-traces "-5"`, bound: "10000000"},
		{args: []string{"-traces", "10000001"}, value: `"10000001"`, bound: "10000000"},
		{args: []string{"-traces", "many"}, value: `"many"`, bound: "10000000"},
		{args: []string{"-concurrency", "0"}, value: `-concurrency "0"`, bound: "1024"},
		{args: []string{"-concurrency", "100000"}, value: `"100000"`, bound: "1024"},
		{env: []string{"OTEL_BSP_MAX_QUEUE_SIZE=0"}, value: `OTEL_BSP_MAX_QUEUE_SIZE "0"`, bound: "1048576"},
		{env: []string{"OTEL_BSP_MAX_QUEUE_SIZE=lots"}, value: `"lots"`, bound: "1048576"},
		{env: []string{"OTEL_BSP_SCHEDULE_DELAY=-1"}, value: `OTEL_BSP_SCHEDULE_DELAY "-1"`, bound: "3600000"},
	}
	for _, c := range cases {
		r := Run(t, bin, c.env, append([]string{"-endpoint", rec.Addr, "-traces", "1000"}, c.args...)...)
		if !Rejected(r, c.value, c.bound) {
			t.Errorf("%v %v: exit %d, stderr %q, stdout %q; want exit 2 and one line naming %s and the bound %s", c.env, c.args, r.Code, r.Stderr, r.Stdout, c.value, c.bound)
		}
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("bad input still sent %d export requests", n)
	}
}

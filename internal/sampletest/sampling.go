package sampletest

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/jaegertest"
	"example.com/gftrace/internal/receiver"
)

// Sampling checks head sampling on the binary bin: a run the sampler did
// not keep is drawn, marked, sends nothing and exits 0; a sampler that
// keeps the trace delivers it whole through the program's own provider;
// a -traces run keeps whole traces in the share the ratio says, and counts
// what it recorded and delivered as the receiver does; bad settings are
// bad input. Suite runs it.
func Sampling(t *testing.T, p config.Protocol, bin string) {
	t.Run("not sampled", func(t *testing.T) { notSampled(t, p, bin) })
	t.Run("not sampled, no collector: nothing to wait for", func(t *testing.T) { notSampledNoCollector(t, p, bin) })
	t.Run("sampled", func(t *testing.T) { sampledRun(t, p, bin) })
	t.Run("whole traces at a ratio", func(t *testing.T) { WholeTraces(t, p, bin, 2000, 0.25) })
	t.Run("none of many", func(t *testing.T) { noneOfMany(t, p, bin) })
	t.Run("bad input", func(t *testing.T) { samplerBadInput(t, p, bin) })
}

// notTraceparent finds the traceparent line of a trace not sampled (flags 00).
var notSampledTraceparent = regexp.MustCompile(`(?m)^(gRPC metadata|HTTP headers) main would send downstream: traceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-00$`)

// notSampledNoCollector: a run whose sampler recorded nothing has nothing
// to send, so it does not wait -timeout for a collector that is not there.
func notSampledNoCollector(t *testing.T, p config.Protocol, bin string) {
	const timeout = 30 * time.Second
	r := Run(t, bin, nil, "-endpoint", FreeAddr(t), "-sample", "0", "-timeout", timeout.String(), "-json")
	res := Outcome(t, r)
	if r.Code != 0 || res.Recorded != 0 || res.Made != 9 || res.WaitedMS != 0 {
		t.Errorf("exit %d, %d of %d spans recorded, waited %.3f ms; want exit 0, none recorded, no wait:\n%s", r.Code, res.Recorded, res.Made, res.WaitedMS, r.Output())
	}
	if r.Elapsed >= timeout {
		t.Errorf("took %s: it waited for a collector with nothing to send", r.Elapsed)
	}
	noLeaks(t, r)
}

func notSampled(t *testing.T, p config.Protocol, bin string) {
	rec := NewReceiver(p)
	defer rec.Close()
	for _, c := range []struct {
		env     []string
		args    []string
		setting string
	}{
		{[]string{"OTEL_TRACES_SAMPLER=always_off"}, nil, "OTEL_TRACES_SAMPLER=always_off"},
		{[]string{"OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0"}, nil, "OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0"},
		{[]string{"OTEL_TRACES_SAMPLER=always_on"}, []string{"-sample", "0"}, "-sample 0"}, // the flag wins
	} {
		r := Run(t, bin, c.env, append([]string{"-endpoint", rec.Addr}, c.args...)...)
		if r.Code != 0 {
			t.Errorf("%v %v: exit code %d, want 0; output:\n%s", c.env, c.args, r.Code, r.Output())
		}
		mark := "Not recorded (" + c.setting + "): the picture shows what the program made; no collector has this trace.\n"
		summary := fmt.Sprintf("The sampler (%s) recorded none of this run's 9 spans: nothing was sent to %s over %s.\n", c.setting, target(p, rec), p)
		// The picture: the whole tree, the missing user's spans marked.
		for _, want := range []string{mark, summary, "\nmain ", "├─ GetUser ", "└─ GetUser ", "✗ user 1 not found", "Waited "} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("%v %v: the output does not say %q:\n%s", c.env, c.args, want, r.Stdout)
			}
		}
		if !notSampledTraceparent.MatchString(r.Stdout) {
			t.Errorf("%v %v: no traceparent flagged not sampled (00) in:\n%s", c.env, c.args, r.Stdout)
		}
		if strings.Contains(r.Stdout, "View it in Jaeger") || strings.Contains(r.Stdout, "spans delivered") {
			t.Errorf("%v %v: the output speaks of delivery of a trace nobody has:\n%s", c.env, c.args, r.Stdout)
		}
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("runs the sampler did not keep sent %d export requests", n)
	}
}

// sampledRun: a sampler that keeps the trace selects the program's own
// provider, which delivers the same exact tree as gf's Init.
func sampledRun(t *testing.T, p config.Protocol, bin string) {
	rec := NewReceiver(p)
	defer rec.Close()
	r := Run(t, bin, []string{"OTEL_TRACES_SAMPLER=parentbased_always_on"}, "-endpoint", rec.Addr, "-json")
	if r.Code != 0 {
		t.Fatalf("exit code %d, want 0; output:\n%s", r.Code, r.Output())
	}
	if got := Tree(rec.Spans()); got != DefaultTree {
		t.Errorf("received tree:\n%s\nwant:\n%s", got, DefaultTree)
	}
	res := Outcome(t, r)
	if got := TraceIDs(rec.Spans()); len(got) != 1 || got[0] != res.TraceID {
		t.Errorf("the result's trace id %s, received %v", res.TraceID, got)
	}
	if summary := fmt.Sprintf("9 of 9 spans delivered to %s over %s.", target(p, rec), p); res.Summary != summary {
		t.Errorf("summary %q, want %q", res.Summary, summary)
	}
	if res.Made != 9 || res.Recorded != 9 || strings.Contains(r.Stderr, "warning") {
		t.Errorf("%d of %d spans recorded, or a warning; want all 9 recorded:\n%s", res.Recorded, res.Made, r.Output())
	}
}

// WholeTraces runs -traces n -sample ratio and checks that every trace
// that arrived is whole (9 spans in the exact tree), that the share of
// traces kept is within 4 standard deviations of the binomial, and that
// the summary's counts are what the receiver got.
func WholeTraces(t *testing.T, p config.Protocol, bin string, n int, ratio float64) {
	rec := NewReceiver(p)
	defer rec.Close()
	sample := strconv.FormatFloat(ratio, 'f', -1, 64)
	r := Run(t, bin, nil, "-endpoint", rec.Addr, "-traces", strconv.Itoa(n), "-sample", sample, "-json")
	if r.Code != 0 {
		t.Fatalf("exit code %d, want 0; output:\n%s", r.Code, r.Output())
	}
	byTrace := map[string][]receiver.Span{}
	spans := rec.Spans()
	for _, s := range spans {
		byTrace[s.TraceID] = append(byTrace[s.TraceID], s)
	}
	for id, trace := range byTrace {
		if got := Tree(trace); got != DefaultTree {
			t.Fatalf("trace %s arrived partial or wrong:\n%s\nwant:\n%s", id, got, DefaultTree)
		}
	}
	kept := len(byTrace)
	t.Logf("%d of %d traces kept at ratio %s (%.2f%%)", kept, n, sample, 100*float64(kept)/float64(n))
	if lo, hi := BinomialBounds(n, ratio); kept < lo || kept > hi {
		t.Errorf("%d of %d traces kept at ratio %s; 4 standard deviations allow %d to %d", kept, n, sample, lo, hi)
	}
	res := Outcome(t, r)
	if res.Volume == nil {
		t.Fatalf("no volume figures in the result:\n%s", r.Stdout)
	}
	for name, c := range map[string][2]int64{
		"traces": {int64(res.Volume.Traces), int64(n)}, "traces sampled": {res.Volume.TracesSampled, int64(kept)},
		"spans made": {res.Made, int64(9 * n)}, "spans recorded": {res.Recorded, int64(len(spans))},
		"delivered": {res.Delivered, int64(len(spans))}, "dropped": {res.Dropped, 0}, "failed": {res.Failed, 0},
	} {
		if c[0] != c[1] {
			t.Errorf("the result says %s: %d, want %d", name, c[0], c[1])
		}
	}
	if want := "-sample " + sample; res.Sampler != want {
		t.Errorf("the result names the sampler %q, want %q", res.Sampler, want)
	}
	if want := fmt.Sprintf("%d of %d spans delivered to %s over %s.", len(spans), len(spans), target(p, rec), p); res.Summary != want {
		t.Errorf("summary %q, want %q", res.Summary, want)
	}
}

// BinomialBounds is the range of kept traces, out of n at ratio, within 4
// standard deviations of the mean: a correct sampler falls outside it
// about once in 16,000 runs.
func BinomialBounds(n int, ratio float64) (lo, hi int) {
	mean, sd := float64(n)*ratio, math.Sqrt(float64(n)*ratio*(1-ratio))
	return int(math.Ceil(mean - 4*sd)), int(math.Floor(mean + 4*sd))
}

// noneOfMany: a -traces run whose sampler keeps nothing has delivered all
// it had to, nothing, and says why.
func noneOfMany(t *testing.T, p config.Protocol, bin string) {
	rec := NewReceiver(p)
	defer rec.Close()
	r := Run(t, bin, []string{"OTEL_TRACES_SAMPLER=always_off"}, "-endpoint", rec.Addr, "-traces", "200")
	if r.Code != 0 {
		t.Fatalf("exit code %d, want 0; output:\n%s", r.Code, r.Output())
	}
	for _, want := range []string{
		"Traces sampled:    0 of 200 (0.0%; OTEL_TRACES_SAMPLER=always_off expects 0%)\n",
		fmt.Sprintf("The sampler (OTEL_TRACES_SAMPLER=always_off) recorded none of this run's 1800 spans: nothing was sent to %s over %s.\n", target(p, rec), p),
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("the summary does not say %q:\n%s", want, r.Stdout)
		}
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("sent %d export requests", n)
	}
}

// samplerBadInput: bad sampler settings exit 2 with one line naming the
// setting and the value. gf's gtrace package builds a default provider
// before main, and the SDK logs a line of its own about a bad variable
// first (see badCase.sdkFirst).
func samplerBadInput(t *testing.T, p config.Protocol, bin string) {
	rec := NewReceiver(p)
	defer rec.Close()
	cases := []badCase{
		{args: []string{"-sample", "1.5"}, want: `invalid -sample "1.5": want a ratio from 0 to 1`},
		{args: []string{"-sample", "all"}, want: `invalid -sample "all"`},
		{env: []string{"OTEL_TRACES_SAMPLER=sometimes"}, want: `invalid OTEL_TRACES_SAMPLER "sometimes"`, sdkFirst: true},
		{env: []string{"OTEL_TRACES_SAMPLER=traceidratio", "OTEL_TRACES_SAMPLER_ARG=-1"}, want: `invalid OTEL_TRACES_SAMPLER_ARG "-1"`, sdkFirst: true},
	}
	for _, c := range cases {
		r := Run(t, bin, c.env, append([]string{"-endpoint", rec.Addr}, c.args...)...)
		lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
		if r.Code != 2 || r.Stdout != "" || !strings.Contains(lines[len(lines)-1], c.want) || len(lines) != 1 && !c.sdkFirst {
			t.Errorf("%v %v: exit %d, stderr %q, stdout %q; want exit 2 and one line saying %s", c.env, c.args, r.Code, r.Stderr, r.Stdout, c.want)
		}
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("bad input still sent %d export requests", n)
	}
}

// TailSampling runs the binary bin against the real Jaeger with
// scripts/jaeger/tail-sampling.yaml, keeping JAEGER_TAIL_PERCENT=25 of the
// traces that have no error: 200 traces of the missing user (-users 1, an
// error in every trace) and 1,000 of the found one (-users 100, none). Read
// back through Jaeger's search API, every error trace is stored, whole, and
// the share of the others kept is within 4 standard deviations of 25%.
func TailSampling(t *testing.T, p config.Protocol, bin string) {
	const percent, errorTraces, plainTraces, slowTraces = 25, 200, 1000, 20
	j := jaegertest.StartWith(t, jaegertest.Options{Config: "scripts/jaeger/tail-sampling.yaml",
		Env: []string{"JAEGER_TAIL_PERCENT=" + strconv.Itoa(percent), "JAEGER_TAIL_SLOW_MS=500"}})
	endpoint := j.GRPCAddr
	if p == config.HTTP {
		endpoint = j.HTTPAddr
	}
	// The plain and slow traces first: once the last error trace is
	// stored, the processor has decided on every trace that came before it.
	for _, run := range []struct {
		service, users string
		traces         int
	}{{"tail-plain", "100", plainTraces}, {"tail-slow", "", slowTraces}, {"tail-errors", "1", errorTraces}} {
		if run.users == "" {
			sendSlow(t, j.GRPCAddr, run.service, run.traces)
			continue
		}
		r := Run(t, bin, nil, "-endpoint", endpoint, "-service", run.service, "-users", run.users, "-traces", strconv.Itoa(run.traces))
		if want := fmt.Sprintf("%d of %d spans delivered", 5*run.traces, 5*run.traces); r.Code != 0 || !strings.Contains(r.Stdout, want) {
			t.Fatalf("-users %s: exit code %d, want 0 and %q; output:\n%s", run.users, r.Code, want, r.Output())
		}
	}
	const limit = 10 * plainTraces // more than were sent: the API's answer is never cut short
	var errs []jaegertest.Trace
	for deadline := time.Now().Add(30 * time.Second); len(errs) < errorTraces && time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		errs = j.Search(t, "tail-errors", limit)
	}
	if len(errs) != errorTraces {
		t.Fatalf("Jaeger stored %d of the %d traces with an error", len(errs), errorTraces)
	}
	for _, tr := range errs {
		if got := Tree(tr.Spans); AnyOrder(got) != AnyOrder(missingUserTree) {
			t.Fatalf("an error trace as Jaeger stored it:\n%s\nwant:\n%s", got, missingUserTree)
		}
	}
	plain := j.Search(t, "tail-plain", limit)
	for _, tr := range plain {
		if len(tr.Spans) != 5 {
			t.Fatalf("a kept trace has %d spans, want 5:\n%s", len(tr.Spans), Tree(tr.Spans))
		}
	}
	// A slow trace has no error, and 25% of the others would keep all 20
	// about once in 10^12 runs: only the latency policy keeps them all.
	if slow := j.Search(t, "tail-slow", limit); len(slow) != slowTraces {
		t.Errorf("Jaeger kept %d of the %d traces slower than JAEGER_TAIL_SLOW_MS; want every one", len(slow), slowTraces)
	}
	t.Logf("tail sampling kept %d of %d error traces and %d of %d others (%.1f%%; JAEGER_TAIL_PERCENT=%d)",
		len(errs), errorTraces, len(plain), plainTraces, 100*float64(len(plain))/plainTraces, percent)
	if lo, hi := BinomialBounds(plainTraces, percent/100.0); len(plain) < lo || len(plain) > hi {
		t.Errorf("Jaeger kept %d of %d traces without an error at %d%%; 4 standard deviations allow %d to %d", len(plain), plainTraces, percent, lo, hi)
	}
}

// sendSlow sends n traces of one root span that lasts a second, more than
// the tail-sampling configuration's latency threshold, and has no error:
// made with the OpenTelemetry SDK, since the sample's traces take about a
// millisecond.
func sendSlow(t *testing.T, grpcAddr, service string, n int) {
	ctx := context.Background()
	exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithInsecure(), otlptracegrpc.WithEndpoint(grpcAddr))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))))
	end := time.Now()
	for range n {
		_, span := tp.Tracer("slow").Start(ctx, "slow", trace.WithTimestamp(end.Add(-time.Second)))
		span.End(trace.WithTimestamp(end))
	}
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("sending the slow traces: %v", err)
	}
}

// missingUserTree is the trace of a run with -users 1, as Tree renders it.
const missingUserTree = `main
  GetUser user.id=1 rpc.grpc.status_code=5 Error: user 1 not found
    GetInfo baggage.user.id=1 rpc.grpc.status_code=5 Error: user 1 not found
    GetDetail baggage.user.id=1 rpc.grpc.status_code=5 Error: user 1 not found
    GetScores baggage.user.id=1 rpc.grpc.status_code=5 Error: user 1 not found
`

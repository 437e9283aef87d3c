package report

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/exitcode"
	"example.com/gftrace/common/load"
	"example.com/gftrace/common/waterfall"
)

func TestPrint(t *testing.T) {
	cfg := config.Config{Protocol: config.GRPC, Endpoint: "localhost:4317", Token: "s3cr3t"}
	var out strings.Builder

	code := Print(&out, cfg, &waterfall.Recorder{}, delivery.Result{Recorded: 9, Delivered: 9, Waited: 1500 * time.Microsecond})
	if code != exitcode.Delivered {
		t.Errorf("all delivered: exit %d", code)
	}
	for _, want := range []string{"9 of 9 spans delivered to localhost:4317 over OTLP/gRPC.\n", "Waited 1.5ms for the collector's answer.\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	refusal := errors.New(`traces export: rpc error: code = PermissionDenied desc = token "s3cr3t" is revoked`)
	code = Print(&out, cfg, &waterfall.Recorder{}, delivery.Result{Recorded: 9, Failed: 9, Errs: []error{refusal}})
	if code != exitcode.NotDelivered {
		t.Errorf("refused: exit %d", code)
	}
	if strings.Contains(out.String(), "s3cr3t") || !strings.Contains(out.String(), "[token]") {
		t.Errorf("the token is not redacted:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "0 of 9 spans delivered to localhost:4317 over OTLP/gRPC: ") || !strings.Contains(out.String(), "scripts/jaeger.sh start") {
		t.Errorf("no cause or hint:\n%s", out.String())
	}
}

// TestPrintLinksToJaeger: a run delivered to the default endpoint, where
// scripts/jaeger.sh listens, ends with the trace's address in Jaeger; a run
// elsewhere, or one that failed, has no such line.
func TestPrintLinksToJaeger(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	rec := waterfall.Record(tp)
	_, span := tp.Tracer("test").Start(context.Background(), "main")
	span.End()
	id := span.SpanContext().TraceID().String()
	link := "View it in Jaeger: " + JaegerUI + id + " (its API: " + JaegerAPI + id + ")\n"
	delivered := delivery.Result{Recorded: 1, Delivered: 1}
	for _, c := range []struct {
		name     string
		endpoint string
		res      delivery.Result
		want     bool
	}{
		{"delivered to the default endpoint", "localhost:4317", delivered, true},
		{"delivered elsewhere", "127.0.0.1:4317", delivered, false},
		{"failed at the default endpoint", "localhost:4317", delivery.Result{Recorded: 1, Failed: 1, Errs: []error{errors.New("refused")}}, false},
	} {
		var out strings.Builder
		Print(&out, config.Config{Protocol: config.GRPC, Endpoint: c.endpoint}, rec, c.res)
		if got := strings.Contains(out.String(), link); got != c.want {
			t.Errorf("%s: link %q printed: %v, want %v:\n%s", c.name, link, got, c.want, out.String())
		}
	}
}

func TestPrintVolume(t *testing.T) {
	cfg := config.Config{Protocol: config.HTTP, Endpoint: "127.0.0.1:4318", Path: "/v1/traces", Traces: 1000, Concurrency: 4, Pace: true,
		Batch: config.Batch{QueueSize: 2048, BatchSize: 512, ScheduleDelay: 5 * time.Second, ExportTimeout: 30 * time.Second,
			Set: []string{"OTEL_BSP_MAX_QUEUE_SIZE=2048"}}}
	st := load.Stats{Traces: 1000, SpansPerTrace: 9, Elapsed: 90 * time.Millisecond, Flushes: 8, Room: 2047, Set: []string{"GOGC=400"}}
	var out strings.Builder

	code := PrintVolume(&out, cfg, st, delivery.Result{Recorded: 9000, Delivered: 9000, Waited: time.Millisecond})
	want := `Traces:            1000 of 1000 (9 spans each, from 4 goroutines)
Spans recorded:    9000
Spans delivered:   9000
Spans dropped:     0
Spans failed:      0
Spans unconfirmed: 0 (queued or being exported when the program stopped waiting)
Elapsed:           90ms (first span to the collector's last answer)
Spans per second:  100000 delivered
Exporter:          OTLP/HTTP with gzip; batch span processor: queue 2048, batch 512, schedule delay 5s, export timeout 30s (OTEL_BSP_*)
Pacing:            at most 2047 spans wait in the queue; 8 flushes
Set by program:    OTEL_BSP_MAX_QUEUE_SIZE=2048 GOGC=400 (where the environment did not say)
9000 of 9000 spans delivered to http://127.0.0.1:4318/v1/traces over OTLP/HTTP.
Waited 1ms for the collector's answer.
`
	if code != exitcode.Delivered || out.String() != want {
		t.Errorf("exit %d, output:\n%s\nwant:\n%s", code, out.String(), want)
	}

	out.Reset()
	cfg.Pace = false
	code = PrintVolume(&out, cfg, st, delivery.Result{Recorded: 9000, Delivered: 512, Dropped: 8488})
	for _, want := range []string{
		"Spans dropped:     8488\n",
		"Pacing:            off (-pace=false)",
		"512 of 9000 spans delivered to http://127.0.0.1:4318/v1/traces over OTLP/HTTP: the batch processor's queue was full and dropped 8488 spans\n",
		"leave -pace on",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dropped: output lacks %q:\n%s", want, out.String())
		}
	}
	if code != exitcode.NotDelivered || strings.Contains(out.String(), "jaeger.sh") {
		t.Errorf("dropped: exit %d, or the hint is about the collector:\n%s", code, out.String())
	}

	// Interrupted while the collector did not answer: the counts say what
	// became of every span, and the exit code is the signal's.
	cfg.Pace = true
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		out.Reset()
		st.Traces, st.Stopped = 400, load.Interrupted{Signal: c.sig}
		code = PrintVolume(&out, cfg, st, delivery.Result{Recorded: 3600, Delivered: 2000, Failed: 1000, Timeout: time.Second, Errs: []error{context.DeadlineExceeded}})
		for _, want := range []string{
			"Traces:            400 of 1000",
			"Spans failed:      1000\n",
			"Spans unconfirmed: 600 (queued or being exported when the program stopped waiting)\n",
			"Stopped early:     interrupted by " + map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}[c.sig] + "; the traces made were flushed, within -timeout\n",
			"2000 of 3600 spans delivered to http://127.0.0.1:4318/v1/traces over OTLP/HTTP: the collector at http://127.0.0.1:4318/v1/traces did not answer within 1s\n",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("interrupted: output lacks %q:\n%s", want, out.String())
			}
		}
		if code != c.code {
			t.Errorf("interrupted by %v: exit %d, want %d", c.sig, code, c.code)
		}
	}
}

// TestAdvice: the line after a failed summary fits the cause: start a
// collector when nothing listens, check the port or the timeout when
// something listens but does not answer, nothing when the collector said no
// or went away after taking spans.
func TestAdvice(t *testing.T) {
	cfg := config.Config{Protocol: config.HTTP, Endpoint: "127.0.0.1:4318", Path: config.DefaultPath}
	const start, noAnswer = "scripts/jaeger.sh start", "Something accepts connections there but did not answer: check that it is a collector's OTLP/HTTP port; if the collector is busy, give it longer with -timeout."
	refused := errors.New(`Post "http://127.0.0.1:4318/v1/traces": dial tcp 127.0.0.1:4318: connect: connection refused`)
	for _, c := range []struct {
		name      string
		delivered int64
		err       error
		want      string // "" for no advice
	}{
		{"refused", 0, refused, start},
		{"refused after some were delivered: the collector went away", 7, refused, ""},
		{"no answer", 0, context.DeadlineExceeded, noAnswer},
		{"partial success", 7, errors.New("OTLP partial success: too old (2 spans rejected)"), ""},
	} {
		var out strings.Builder
		Print(&out, cfg, &waterfall.Recorder{}, delivery.Result{Recorded: 9, Delivered: c.delivered, Failed: 9 - c.delivered, Timeout: time.Second, Errs: []error{c.err}})
		for _, advice := range []string{start, noAnswer} {
			if got := strings.Contains(out.String(), advice); got != (advice == c.want) {
				t.Errorf("%s: output says %q: %v\n%s", c.name, advice, got, out.String())
			}
		}
	}
}

// A sampled -traces run says how many traces the sampler kept against the
// share its setting expects, and how many spans it recorded of those made.
func TestPrintVolumeSampled(t *testing.T) {
	cfg := config.Config{Protocol: config.GRPC, Endpoint: "127.0.0.1:4317", Traces: 2000, Concurrency: 1, Pace: true,
		Sampling: config.Sampling{Sampler: sdktrace.TraceIDRatioBased(0.25), SamplerSetting: "-sample 0.25", SampleRatio: 0.25}}
	st := load.Stats{Traces: 2000, SpansPerTrace: 9, Elapsed: time.Second}
	var out strings.Builder
	code := PrintVolume(&out, cfg, st, delivery.Result{Made: 18000, Recorded: 4518, RootsSampled: 502, Delivered: 4518})
	for _, want := range []string{
		"Traces sampled:    502 of 2000 (25.1%; -sample 0.25 expects 25%)\n",
		"Spans recorded:    4518 of 18000 made",
		"4518 of 4518 spans delivered to 127.0.0.1:4317 over OTLP/gRPC.\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the summary does not say %q:\n%s", want, out.String())
		}
	}
	if code != exitcode.Delivered {
		t.Errorf("exit code %d, want %d", code, exitcode.Delivered)
	}
}

// TestDropHint: the advice for a full queue names -pace only where pacing
// applies, a -traces run with -pace=false; otherwise the queue's variable
// and size (issue 18, class 9).
func TestDropHint(t *testing.T) {
	res := delivery.Result{Recorded: 9, Delivered: 8, Dropped: 1}
	for _, c := range []struct {
		traces int
		pace   bool
		want   string
	}{
		{0, true, "More spans ended at once than the batch processor's queue holds (OTEL_BSP_MAX_QUEUE_SIZE=1): raise it; -pace applies to -traces runs only."},
		{1000, false, "Spans ended faster than the exporter sent them: leave -pace on (the default) or raise the queue (OTEL_BSP_MAX_QUEUE_SIZE=1)."},
		{1000, true, "The batch processor's queue (OTEL_BSP_MAX_QUEUE_SIZE=1) was too small even with -pace: raise it."},
	} {
		cfg := config.Config{Protocol: config.GRPC, Traces: c.traces, Pace: c.pace, Batch: config.Batch{QueueSize: 1}}
		if got := Hint(cfg, res); got != c.want {
			t.Errorf("-traces %d -pace=%v: Hint =\n%q, want\n%q", c.traces, c.pace, got, c.want)
		}
	}
}

// TestUnseenNeverDelivered: over gf's otlphttp.Init, whose answers nobody
// reads, the spans the exporter counted are sent, answers unseen, in every
// form of the report; the checks decide the exit code (issue 18, class 1).
func TestUnseenNeverDelivered(t *testing.T) {
	cfg := config.Config{Protocol: config.HTTP, Endpoint: "127.0.0.1:4318", Path: config.DefaultPath, Traces: 100, Concurrency: 1, Pace: true}
	st := load.Stats{Traces: 100, SpansPerTrace: 9, Elapsed: time.Second}
	page := errors.New(`the collector's answer was not an OTLP response (200 OK, "text/html")`)
	for _, c := range []struct {
		name    string
		closing error
		code    int
	}{{"both checks found a collector", nil, exitcode.Delivered}, {"the check after found a page", page, exitcode.NotDelivered}} {
		res := delivery.Result{AnswersUnread: true, Recorded: 900, Unseen: 900, Closing: c.closing}
		var out strings.Builder
		code := PrintVolume(&out, cfg, st, res)
		got := out.String()
		for _, want := range []string{
			"Spans delivered:   0\n",
			"Spans unseen:      900 (sent; each export was answered 2xx, but neither gf's exporter nor this program reads those answers as OTLP, so the spans are unconfirmed)\n",
			"Spans unconfirmed: 900 (the 900 unseen, and 0 queued or being exported when the program stopped waiting)\n",
			"Spans per second:  900 sent, answers unseen\n",
			"900 of 900 spans sent to http://127.0.0.1:4318/v1/traces over OTLP/HTTP, answers unseen: ",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: the report does not say %q:\n%s", c.name, want, got)
			}
		}
		if strings.Count(got, "delivered") != 1 {
			t.Errorf("%s: the report says delivered beyond 'Spans delivered:   0':\n%s", c.name, got)
		}
		if code != c.code {
			t.Errorf("%s: exit %d, want %d", c.name, code, c.code)
		}
		answers := strings.Contains(got, "\nAnswers unseen: an OTLP collector answered this program's checks before the first export and after the last;")
		found := strings.Contains(got, "this program's check after the last export found no OTLP collector there ("+page.Error()+")") && strings.Contains(got, "-provider own exports")
		if answers != (c.closing == nil) || found != (c.closing != nil) {
			t.Errorf("%s: the checks' line %v, the failed check and hint %v:\n%s", c.name, answers, found, got)
		}
		r := (&Run{cfg: cfg, stats: &st}).result(res, code)
		if r.Delivered != 0 || r.Unseen != 900 || r.Unconfirmed != 900 || (r.Answers != "") != (c.closing == nil) || r.Volume.SpansPerSecond != 0 {
			t.Errorf("%s: -json %+v", c.name, r)
		}
	}
}

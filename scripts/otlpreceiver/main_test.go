package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gogf/gf/v2/os/gctx"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"example.com/gftrace/internal/receiver"
	"example.com/gftrace/internal/sampletest"
)

// TestViewer runs the viewer as a real process, with real programs sending
// to it.
func TestViewer(t *testing.T) {
	bin := sampletest.Build(t, ".")
	t.Run("the sample's runs, drawn", func(t *testing.T) { samplesDrawn(t, bin) })
	t.Run("the sample's runs, as JSON", func(t *testing.T) { samplesJSON(t, bin) })
	t.Run("an SDK's trace, field by field", func(t *testing.T) { sdkTrace(t, bin) })
	t.Run("a root from gctx.New", func(t *testing.T) { orphan(t, bin) })
	t.Run("two services interleaved", func(t *testing.T) { interleaved(t, bin) })
	t.Run("count", func(t *testing.T) { count(t, bin) })
	t.Run("bad input", func(t *testing.T) { badInput(t, bin) })
	t.Run("busy port", func(t *testing.T) { busyPort(t, bin) })
}

// viewerProcess is the viewer running on free 127.0.0.1 ports.
type viewerProcess struct {
	*sampletest.Process
	grpc, http string
}

func startViewer(t *testing.T, bin string, args ...string) viewerProcess {
	t.Helper()
	v := viewerProcess{grpc: sampletest.FreeAddr(t), http: sampletest.FreeAddr(t)}
	v.Process = sampletest.Start(t, bin, nil, append([]string{"-grpc", v.grpc, "-http", v.http}, args...)...)
	if !v.WaitOutput("OTLP/HTTP on "+v.http, 30*time.Second) {
		t.Fatalf("the viewer did not start listening:\n%s", v.Wait().Output())
	}
	return v
}

// stop sends SIGINT, as Ctrl-C does, and checks that the viewer exits 0.
func (v viewerProcess) stop(t *testing.T) sampletest.Result {
	t.Helper()
	v.Signal(os.Interrupt)
	r := v.Wait()
	if r.Code != 0 {
		t.Errorf("viewer exit code %d after SIGINT, want 0:\n%s", r.Code, r.Output())
	}
	return r
}

// runSamples runs both real mains against the viewer, each to its own
// port, and returns the trace id each reported in its -json result.
func runSamples(t *testing.T, v viewerProcess) (grpcID, httpID string) {
	t.Helper()
	ids := map[string]string{}
	for _, s := range []struct{ dir, endpoint string }{{"../../inprocess-grpc", v.grpc}, {"../../inprocess-http", v.http}} {
		r := sampletest.Run(t, sampletest.Build(t, s.dir), nil, "-endpoint", s.endpoint, "-json")
		if r.Code != 0 {
			t.Fatalf("%s exit code %d, want 0:\n%s", s.dir, r.Code, r.Output())
		}
		ids[s.dir] = sampletest.Outcome(t, r).TraceID
	}
	return ids["../../inprocess-grpc"], ids["../../inprocess-http"]
}

// bars masks what varies from run to run: each span's bar and duration.
var bars = regexp.MustCompile(`\|[ █]*█[ █]*\| +[0-9]+\.[0-9]{3} ms`)

func masked(s string) string { return bars.ReplaceAllString(s, "|bar| ms") }

// sampleDrawing is how the viewer draws a run of the sample with the
// default users, bars and durations masked.
func sampleDrawing(service, id string) string {
	return service + " · trace " + id + ` · 9 spans
main             |bar| ms
├─ GetUser       |bar| ms
│  ├─ GetInfo    |bar| ms
│  ├─ GetDetail  |bar| ms
│  └─ GetScores  |bar| ms
└─ GetUser       |bar| ms  ✗ user 1 not found
   ├─ GetInfo    |bar| ms  ✗ user 1 not found
   ├─ GetDetail  |bar| ms  ✗ user 1 not found
   └─ GetScores  |bar| ms  ✗ user 1 not found

`
}

func samplesDrawn(t *testing.T, bin string) {
	v := startViewer(t, bin, "-quiet", "300ms")
	grpcID, httpID := runSamples(t, v)
	if !v.WaitOutput("trace "+httpID, 30*time.Second) {
		t.Errorf("the HTTP run's trace was not printed")
	}
	r := v.stop(t)
	want := sampleDrawing("inprocess-grpc", grpcID) + sampleDrawing("inprocess-http", httpID)
	if got := masked(r.Stdout); got != want {
		t.Errorf("viewer printed:\n%s\nwant (bars and durations masked):\n%s", r.Stdout, want)
	}
	if want := fmt.Sprintf("otlpreceiver: OTLP/gRPC on %s, OTLP/HTTP on %s; each trace is printed 300ms after its last span\n", v.grpc, v.http); r.Stderr != want {
		t.Errorf("stderr %q, want %q", r.Stderr, want)
	}
}

// jsonLine is what a -json line holds; attribute values are left as JSON,
// to compare them exactly.
type jsonLine struct {
	TraceID  string   `json:"trace_id"`
	Services []string `json:"services"`
	Spans    []struct {
		TraceID       string                     `json:"trace_id"`
		SpanID        string                     `json:"span_id"`
		ParentID      string                     `json:"parent_span_id"`
		Name          string                     `json:"name"`
		Kind          string                     `json:"kind"`
		Service       string                     `json:"service"`
		Start         time.Time                  `json:"start"`
		End           time.Time                  `json:"end"`
		Status        string                     `json:"status"`
		StatusMessage string                     `json:"status_message"`
		Attributes    map[string]json.RawMessage `json:"attributes"`
		Events        []struct {
			Name       string                     `json:"name"`
			Time       time.Time                  `json:"time"`
			Attributes map[string]json.RawMessage `json:"attributes"`
		} `json:"events"`
	} `json:"spans"`
}

// values decodes attribute values.
func values(attrs map[string]json.RawMessage) map[string]any {
	m := map[string]any{}
	for k, raw := range attrs {
		var v any
		json.Unmarshal(raw, &v)
		m[k] = v
	}
	return m
}

func samplesJSON(t *testing.T, bin string) {
	v := startViewer(t, bin, "-json", "-quiet", "300ms")
	grpcID, httpID := runSamples(t, v)
	if !v.WaitOutput(httpID, 30*time.Second) {
		t.Errorf("the HTTP run's trace was not printed")
	}
	r := v.stop(t)
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want one per run:\n%s", len(lines), r.Stdout)
	}
	for i, want := range []struct{ service, id string }{{"inprocess-grpc", grpcID}, {"inprocess-http", httpID}} {
		var got jsonLine
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, lines[i])
		}
		if got.TraceID != want.id || len(got.Services) != 1 || got.Services[0] != want.service {
			t.Errorf("line %d: trace %s of %v, want %s of %s", i+1, got.TraceID, got.Services, want.id, want.service)
		}
		// The spans, read back as a collector's, make the sample's tree.
		var spans []receiver.Span
		for _, s := range got.Spans {
			spans = append(spans, receiver.Span{TraceID: s.TraceID, SpanID: s.SpanID, ParentSpanID: s.ParentID, Name: s.Name,
				Attributes: values(s.Attributes), StatusCode: s.Status, StatusMessage: s.StatusMessage, Start: s.Start})
			if s.TraceID != want.id || s.Service != want.service || s.Kind != "internal" {
				t.Errorf("line %d: span %s of trace %s, service %q, kind %q", i+1, s.Name, s.TraceID, s.Service, s.Kind)
			}
		}
		if tree := sampletest.Tree(spans); tree != sampletest.DefaultTree {
			t.Errorf("line %d: tree\n%s\nwant\n%s", i+1, tree, sampletest.DefaultTree)
		}
		if len(got.Spans) > 0 && got.Spans[0].Name == "main" && got.Spans[0].ParentID != "" {
			t.Errorf("line %d: main has parent %q", i+1, got.Spans[0].ParentID)
		}
	}
}

// sdkTo returns a tracer provider that exports each span as it ends, over
// OTLP/HTTP with gzip or over plain OTLP/gRPC, as service.
func sdkTo(t *testing.T, protocol, addr, service string) *sdktrace.TracerProvider {
	t.Helper()
	var exp sdktrace.SpanExporter
	var err error
	if protocol == "http" {
		exp, err = otlptracehttp.New(context.Background(), otlptracehttp.WithEndpoint(addr), otlptracehttp.WithInsecure(),
			otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	} else {
		exp, err = otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpoint(addr), otlptracegrpc.WithInsecure())
	}
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	return tp
}

func orphan(t *testing.T, bin string) {
	// A long -quiet: what SIGINT finds pending is printed.
	v := startViewer(t, bin, "-quiet", "10m")
	tp := sdkTo(t, "http", v.http, "my-service")
	// gf's gctx.New starts a span of its own on gf's default provider,
	// which exports nothing: the root below gets it as parent.
	ctx := gctx.New()
	parent := trace.SpanContextFromContext(ctx).SpanID().String()
	ctx, root := tp.Tracer("t").Start(ctx, "handler")
	_, child := tp.Tracer("t").Start(ctx, "query")
	child.SetStatus(codes.Error, "no rows")
	child.End()
	root.End()
	id := root.SpanContext().TraceID().String()

	r := v.stop(t)
	want := "my-service · trace " + id + ` · 2 spans
handler   |bar| ms
│  ⚠ parent ` + parent + ` never arrived
└─ query  |bar| ms  ✗ no rows
` + noRootAdvice + "\n\n"
	if got := masked(r.Stdout); got != want {
		t.Errorf("viewer printed:\n%s\nwant:\n%s", r.Stdout, want)
	}
	if !strings.Contains(r.Stdout, "start the root span from context.Background(), not gctx.New()") {
		t.Errorf("the advice does not name the fix: %s", noRootAdvice)
	}
}

func interleaved(t *testing.T, bin string) {
	v := startViewer(t, bin, "-quiet", "2s", "-attrs")
	// One service over gRPC, the other over HTTP, each span exported as it
	// ends, the two traces' spans taking turns.
	a := sdkTo(t, "grpc", v.grpc, "orders").Tracer("t")
	b := sdkTo(t, "http", v.http, "billing").Tracer("t")
	ctxA, rootA := a.Start(context.Background(), "POST /orders")
	ctxB, rootB := b.Start(context.Background(), "charge", trace.WithSpanKind(trace.SpanKindServer))
	_, childA := a.Start(ctxA, "insert", trace.WithAttributes(attribute.Int("rows", 1)))
	_, childB := b.Start(ctxB, "card")
	childB.AddEvent("declined", trace.WithAttributes(attribute.String("reason", "expired")))
	childA.End()
	childB.End()
	rootA.End()
	rootB.End()
	idA, idB := rootA.SpanContext().TraceID().String(), rootB.SpanContext().TraceID().String()
	if !v.WaitOutput("trace "+idB, 30*time.Second) {
		t.Errorf("the second trace was not printed")
	}
	r := v.stop(t)
	// In the order the traces began; each whole, once, under its service.
	got := regexp.MustCompile(`at \+[0-9.]+ ms`).ReplaceAllString(masked(r.Stdout), "at + ms")
	want := "orders · trace " + idA + ` · 2 spans
POST /orders  |bar| ms
└─ insert     |bar| ms
      rows: 1

billing · trace ` + idB + ` · 2 spans
charge   |bar| ms
│  kind: server
└─ card  |bar| ms
      event declined at + ms
        reason: expired

`
	if got != want {
		t.Errorf("viewer printed:\n%s\nwant:\n%s", r.Stdout, want)
	}
}

func count(t *testing.T, bin string) {
	v := startViewer(t, bin, "-count")
	r := sampletest.Run(t, sampletest.Build(t, "../../inprocess-grpc"), nil, "-endpoint", v.grpc)
	if r.Code != 0 {
		t.Fatalf("sample exit code %d:\n%s", r.Code, r.Output())
	}
	if !v.WaitOutput("otlpreceiver: 9 spans (+9)\n", 30*time.Second) {
		t.Errorf("no count line for the 9 spans")
	}
	if got := v.stop(t).Stdout; got != "otlpreceiver: 9 spans (+9)\notlpreceiver: 9 spans in total\n" {
		t.Errorf("-count printed %q", got)
	}
}

func badInput(t *testing.T, bin string) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-quiet", "soon"}, `invalid value "soon" for flag -quiet: parse error`},
		{[]string{"-quiet", "0s"}, `invalid -quiet 0s: want a duration above zero, such as 1s`},
		{[]string{"-grpc", "4317"}, `invalid -grpc "4317": want host:port, such as 127.0.0.1:4317`},
		{[]string{"-http", ":4318"}, `invalid -http ":4318": want host:port, such as 127.0.0.1:4317`},
		{[]string{"-http", "127.0.0.1:99999"}, `invalid -http "127.0.0.1:99999": the port is not a number from 0 to 65535`},
		{[]string{"-grpc", "", "-http", ""}, `-grpc and -http are both empty: nothing to listen on`},
		{[]string{"-count", "-json"}, `-count prints only counts: it does not go with -json or -attrs`},
		{[]string{"-json", "-attrs"}, `-attrs is for the picture: -json lines always carry the attributes`},
		{[]string{"-verbose"}, `flag provided but not defined: -verbose`},
		{[]string{"grpc"}, `unexpected argument "grpc": every setting is a flag`},
	} {
		r := sampletest.Run(t, bin, nil, c.args...)
		if want := "otlpreceiver: " + c.want + "\n"; r.Code != 2 || r.Stderr != want || r.Stdout != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want exit 2 and %q", c.args, r.Code, r.Stderr, r.Stdout, want)
		}
	}
	r := sampletest.Run(t, bin, nil, "-h")
	if r.Code != 0 || !strings.Contains(r.Stdout, "-quiet duration") || !strings.Contains(r.Stdout, `(default "127.0.0.1:4317")`) {
		t.Errorf("-h: exit %d\n%s", r.Code, r.Output())
	}
}

func busyPort(t *testing.T, bin string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().String()
	for _, flag := range []string{"grpc", "http"} {
		args := []string{"-grpc", sampletest.FreeAddr(t), "-http", sampletest.FreeAddr(t)}
		if flag == "grpc" {
			args[1] = busy
		} else {
			args[3] = busy
		}
		r := sampletest.Run(t, bin, nil, args...)
		want := fmt.Sprintf("otlpreceiver: cannot listen on %s (-%s): the port is in use, perhaps by another collector\n", busy, flag)
		if r.Code != 1 || r.Stderr != want {
			t.Errorf("-%s on a busy port: exit %d, stderr %q; want exit 1 and %q", flag, r.Code, r.Stderr, want)
		}
	}
}

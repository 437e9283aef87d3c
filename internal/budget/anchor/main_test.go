package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"example.com/gftrace/common/user"
	"example.com/gftrace/internal/receiver"
)

// TestAnchorMakesTheSampleTrace keeps the comparison of --vs-sdk fair: the
// built anchor must deliver, trace for trace, the spans that the sample's
// user.Trace makes (names, parents, attributes, statuses), gzip-compressed.
func TestAnchorMakesTheSampleTrace(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "anchor")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	got := receiver.NewGRPC()
	defer got.Close()
	out, err := exec.Command(bin, "-endpoint", got.Addr, "-traces", "3", "-concurrency", "2").CombinedOutput()
	if err != nil {
		t.Fatalf("anchor: %v\n%s", err, out)
	}

	// The sample's trace, through the same exporter to a receiver of its own.
	want := receiver.NewGRPC()
	defer want.Close()
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithInsecure(), otlptracegrpc.WithEndpoint(want.Addr))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	user.Trace([]int{100, 1})
	otel.SetTracerProvider(prev)
	tp.Shutdown(context.Background())
	if !want.WaitSpans(9, 10*time.Second) {
		t.Fatalf("the sample's trace: %d spans arrived, want 9", want.SpanCount())
	}
	sample := traces(want.Spans())
	if len(sample) != 1 || len(sample[0]) != 9 {
		t.Fatalf("the sample's trace is %d traces: %q", len(sample), sample)
	}
	anchor := traces(got.Spans())
	if len(anchor) != 3 {
		t.Fatalf("the anchor delivered %d traces, want 3: %q", len(anchor), anchor)
	}
	for _, tr := range anchor {
		if !reflect.DeepEqual(tr, sample[0]) {
			t.Errorf("the anchor makes another trace than the sample:\nsample: %q\nanchor: %q", sample[0], tr)
		}
	}
	for _, r := range got.Requests() {
		if r.Compression != "gzip" {
			t.Errorf("the anchor exported with compression %q, want gzip", r.Compression)
		}
	}

	// -batch B: no export request carries more than B spans.
	small := receiver.NewGRPC()
	defer small.Close()
	if out, err := exec.Command(bin, "-endpoint", small.Addr, "-traces", "1", "-batch", "2").CombinedOutput(); err != nil {
		t.Fatalf("anchor -batch 2: %v\n%s", err, out)
	}
	if !small.WaitSpans(spansPerTrace, 10*time.Second) {
		t.Fatalf("anchor -batch 2: %d spans arrived, want %d", small.SpanCount(), spansPerTrace)
	}
	for _, r := range small.Requests() {
		if len(r.Spans) > 2 {
			t.Errorf("anchor -batch 2 exported %d spans in one request", len(r.Spans))
		}
	}
	for _, b := range []string{"0", "8193"} {
		out, err := exec.Command(bin, "-batch", b).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "-batch "+b) {
			t.Errorf("anchor -batch %s: %v, output %q; want exit code 2 and a line naming -batch %s", b, err, out, b)
		}
	}
}

// traces describes each trace as its spans, sorted: name, parent's name,
// attributes, status.
func traces(spans []receiver.Span) [][]string {
	names := map[string]string{}
	for _, s := range spans {
		names[s.SpanID] = s.Name
	}
	byTrace := map[string][]string{}
	var order []string
	for _, s := range spans {
		if _, ok := byTrace[s.TraceID]; !ok {
			order = append(order, s.TraceID)
		}
		byTrace[s.TraceID] = append(byTrace[s.TraceID], fmt.Sprintf("%s parent=%q attrs=%v status=%s %q",
			s.Name, names[s.ParentSpanID], s.Attributes, s.StatusCode, s.StatusMessage))
	}
	var out [][]string
	for _, id := range order {
		slices.Sort(byTrace[id])
		out = append(out, byTrace[id])
	}
	return out
}

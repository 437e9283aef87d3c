package delivery

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/receiver"
)

// install builds the pipeline gf's otlpgrpc.Init builds (a batch processor
// in front of the OTLP/gRPC exporter), makes it the global provider and
// has w count its spans.
func install(t *testing.T, w *Watcher, endpoint string, opts ...sdktrace.BatchSpanProcessorOption) {
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithInsecure(), otlptracegrpc.WithEndpoint(endpoint))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(exp, opts...)))
	otel.SetTracerProvider(tp)
	w.Count(tp)
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
}

func makeSpans(n int) {
	tr := otel.Tracer("delivery-test")
	for range n {
		_, s := tr.Start(context.Background(), "work")
		s.End()
	}
}

// The counts are cumulative over the process, so the phases run in order
// in one test and each checks what it added.
func TestCountsComeFromTheSDK(t *testing.T) {
	w := Watch(config.Config{Timeout: 2 * time.Second})

	rec := receiver.NewGRPC()
	install(t, w, rec.Addr)
	makeSpans(20)
	w.Flush()
	r := w.Result()
	if r.Recorded != 20 || r.Delivered != 20 || r.Failed != 0 || r.Dropped != 0 || !r.OK() {
		t.Fatalf("delivered run: %+v", r)
	}
	if got := rec.SpanCount(); got != 20 {
		t.Fatalf("the receiver got %d spans, the SDK counted 20", got)
	}

	addr := rec.Addr
	rec.Close()
	install(t, w, addr)
	makeSpans(5)
	w.Flush()
	r = w.Result()
	if r.Recorded != 25 || r.Delivered != 20 || r.Failed != 5 || r.OK() {
		t.Fatalf("refused run: %+v", r)
	}
	if cause := r.Cause(addr); !strings.Contains(cause, "connection refused") {
		t.Errorf("refused run: cause %q", cause)
	}

	// A queue of one, never waited on, must drop and the SDK must say so.
	rec = receiver.NewGRPC()
	defer rec.Close()
	install(t, w, rec.Addr, sdktrace.WithMaxQueueSize(1), sdktrace.WithMaxExportBatchSize(1), sdktrace.WithBatchTimeout(time.Hour))
	makeSpans(1000)
	w.Flush()
	r = w.Result()
	dropped := r.Dropped
	if dropped == 0 || r.Recorded != 1025 || r.Delivered-20 != int64(rec.SpanCount()) || r.Delivered-20+dropped != 1000 {
		t.Fatalf("tiny queue: %+v, receiver got %d", r, rec.SpanCount())
	}
}

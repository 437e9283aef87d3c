package receiver

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TestOnSpans: the callback gets each request's spans, with their kind and
// events, and the receiver keeps none of them.
func TestOnSpans(t *testing.T) {
	var mu sync.Mutex
	var got []Span
	rec := NewHTTPWith(Options{OnSpans: func(s []Span) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, s...)
		return nil
	}})
	defer rec.Close()
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpoint(rec.Addr), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	_, span := tp.Tracer("t").Start(context.Background(), "handle", trace.WithSpanKind(trace.SpanKindServer))
	at := time.Now()
	span.RecordError(errors.New("disk full"), trace.WithTimestamp(at))
	span.SetStatus(codes.Error, "disk full")
	span.End()
	tp.Shutdown(context.Background())

	if len(got) != 1 {
		t.Fatalf("callback got %d spans, want 1", len(got))
	}
	s := got[0]
	if s.Name != "handle" || s.Kind != "server" || s.StatusCode != "Error" {
		t.Errorf("span %+v", s)
	}
	want := []Event{{Name: "exception", Time: time.Unix(0, at.UnixNano()), Attributes: map[string]any{
		"exception.type": "*errors.errorString", "exception.message": "disk full"}}}
	if !reflect.DeepEqual(s.Events, want) {
		t.Errorf("events %+v, want %+v", s.Events, want)
	}
	if n := len(rec.Requests()); n != 0 || rec.SpanCount() != 1 {
		t.Errorf("receiver kept %d requests and counted %d spans; want 0 kept, 1 counted", n, rec.SpanCount())
	}
}

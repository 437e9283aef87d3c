package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// sdkTrace sends a trace over OTLP/gRPC with the SDK and records the same
// spans in this process, then compares the viewer's -json line with them,
// field by field.
func sdkTrace(t *testing.T, bin string) {
	v := startViewer(t, bin, "-json", "-quiet", "10m")
	tp := sdkTo(t, "grpc", v.grpc, "checkout")
	sent := tracetest.NewSpanRecorder()
	tp.RegisterSpanProcessor(sent)
	tr := tp.Tracer("t")

	ctx, root := tr.Start(context.Background(), "POST /checkout", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.route", "/checkout"), attribute.Int64("big", 1<<60),
			attribute.Float64("ratio", 0.25), attribute.Bool("retry", false),
			attribute.StringSlice("tags", []string{"a", "b"}), attribute.Int64Slice("sizes", []int64{1, 2})))
	_, pay := tr.Start(ctx, "charge", trace.WithSpanKind(trace.SpanKindClient))
	pay.RecordError(errors.New("card declined"), trace.WithAttributes(attribute.String("card", "visa")))
	pay.SetStatus(codes.Error, "card declined")
	pay.End()
	_, mail := tr.Start(ctx, "send mail", trace.WithSpanKind(trace.SpanKindProducer))
	mail.AddEvent("queued")
	mail.SetStatus(codes.Ok, "")
	mail.End()
	root.End()

	r := v.stop(t)
	var got jsonLine
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || strings.Count(r.Stdout, "\n") != 1 {
		t.Fatalf("want one JSON line (%v):\n%s", err, r.Stdout)
	}
	ended := sent.Ended()
	id := root.SpanContext().TraceID().String()
	if got.TraceID != id || fmt.Sprint(got.Services) != "[checkout]" || len(got.Spans) != len(ended) {
		t.Fatalf("trace %s of %v with %d spans; want %s of [checkout] with %d", got.TraceID, got.Services, len(got.Spans), id, len(ended))
	}
	for _, want := range ended {
		i := 0
		for i < len(got.Spans) && got.Spans[i].SpanID != want.SpanContext().SpanID().String() {
			i++
		}
		if i == len(got.Spans) {
			t.Errorf("span %s (%s) not printed", want.SpanContext().SpanID(), want.Name())
			continue
		}
		s := got.Spans[i]
		parent := ""
		if want.Parent().IsValid() {
			parent = want.Parent().SpanID().String()
		}
		service, _ := want.Resource().Set().Value("service.name")
		for _, f := range []struct {
			field     string
			got, want any
		}{
			{"trace_id", s.TraceID, want.SpanContext().TraceID().String()},
			{"parent_span_id", s.ParentID, parent},
			{"name", s.Name, want.Name()},
			{"kind", s.Kind, want.SpanKind().String()},
			{"service", s.Service, service.AsString()},
			{"start", s.Start.UnixNano(), want.StartTime().UnixNano()},
			{"end", s.End.UnixNano(), want.EndTime().UnixNano()},
			{"status", s.Status, want.Status().Code.String()},
			{"status_message", s.StatusMessage, want.Status().Description},
			{"attributes", rawJSON(s.Attributes), attributesJSON(want.Attributes())},
			{"events", len(s.Events), len(want.Events())},
		} {
			if f.got != f.want {
				t.Errorf("span %s: %s %v, sent %v", want.Name(), f.field, f.got, f.want)
			}
		}
		for j, e := range want.Events() {
			if j >= len(s.Events) {
				break
			}
			g := s.Events[j]
			if g.Name != e.Name || !g.Time.Equal(e.Time) || rawJSON(g.Attributes) != attributesJSON(e.Attributes) {
				t.Errorf("span %s: event %s at %s %s, sent %s at %s %s", want.Name(), g.Name, g.Time, rawJSON(g.Attributes), e.Name, e.Time, attributesJSON(e.Attributes))
			}
		}
	}
}

// rawJSON is attributes as a JSON object, keys sorted; none is {} (an
// event's are left out when it has none).
func rawJSON(attrs map[string]json.RawMessage) string {
	if len(attrs) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(attrs) // json.Marshal sorts map keys
	return string(b)
}

// attributesJSON is what the SDK recorded as a JSON object, keys sorted.
func attributesJSON(kvs []attribute.KeyValue) string {
	m := map[string]json.RawMessage{}
	for _, kv := range kvs {
		m[string(kv.Key)], _ = json.Marshal(kv.Value.AsInterface())
	}
	return rawJSON(m)
}

package waterfall

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

func TestDrawWithDetailsAndAMissingParent(t *testing.T) {
	// GetUser's parent never arrived; its children did, one with an event.
	spans := []Span{
		{SpanID: "b2", ParentID: "a1", Name: "GetUser", Kind: "server", Start: at(0), End: at(4),
			StatusCode: "Error", StatusMessage: "user 1 not found", Attributes: map[string]any{"user.id": "1", "rpc.grpc.status_code": int64(5)}},
		{SpanID: "c3", ParentID: "b2", Name: "GetInfo", Kind: "internal", Start: at(0), End: at(2),
			Attributes: map[string]any{"baggage.user.id": int64(1)},
			Events:     []Event{{Name: "exception", Time: at(1.5), Attributes: map[string]any{"exception.message": "no row"}}}},
		{SpanID: "d4", ParentID: "b2", Name: "GetScores", Start: at(2), End: at(4), Attributes: map[string]any{}},
	}
	var b strings.Builder
	Draw(&b, spans, Options{Details: true})
	want := strings.Join([]string{
		"GetUser       |██████████████████████████████|    4.000 ms  ✗ user 1 not found",
		"│  ⚠ parent a1 never arrived",
		"│  kind: server",
		"│  rpc.grpc.status_code: 5",
		"│  user.id: 1",
		"├─ GetInfo    |███████████████               |    2.000 ms",
		"│     baggage.user.id: 1",
		"│     event exception at +1.500 ms",
		"│       exception.message: no row",
		"└─ GetScores  |               ███████████████|    2.000 ms",
	}, "\n") + "\n"
	if got := b.String(); got != want {
		t.Errorf("Draw:\n%s\nwant:\n%s", got, want)
	}

	b.Reset()
	Draw(&b, spans, Options{})
	if got := b.String(); strings.Count(got, "\n") != 4 || !strings.Contains(got, "│  ⚠ parent a1 never arrived\n├─ GetInfo") {
		t.Errorf("without details, want the three spans and the warning:\n%s", got)
	}
}

func TestTree(t *testing.T) {
	// In end order, with a second root whose parent is missing.
	spans := []Span{
		{SpanID: "3", ParentID: "2", Name: "c", Start: at(1)},
		{SpanID: "2", ParentID: "1", Name: "b", Start: at(1)},
		{SpanID: "4", ParentID: "1", Name: "d", Start: at(0.5)},
		{SpanID: "1", Name: "a", Start: at(0)},
		{SpanID: "5", ParentID: "9", Name: "e", Start: at(2)},
	}
	type row struct {
		name          string
		depth         int
		branch, under string
		missing       string
	}
	var got []row
	for _, r := range Tree(spans) {
		got = append(got, row{r.Span.Name, r.Depth, r.Branch, r.Under, r.MissingParent()})
	}
	want := []row{
		{"a", 0, "", "│  ", ""},
		{"d", 1, "├─ ", "│     ", ""},
		{"b", 1, "└─ ", "   │  ", ""},
		{"c", 2, "   └─ ", "         ", ""},
		{"e", 0, "", "   ", "9"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Tree:\n%+v\nwant:\n%+v", got, want)
	}
}

func TestFromSDK(t *testing.T) {
	tid := trace.TraceID{1}
	s := tracetest.SpanStub{
		Name:        "GetUser",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{2}}),
		Parent:      trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{1}}),
		SpanKind:    trace.SpanKindClient,
		StartTime:   at(0),
		EndTime:     at(1),
		Attributes:  []attribute.KeyValue{attribute.String("user.id", "1")},
		Events:      []sdktrace.Event{{Name: "retry", Time: at(0.5), Attributes: []attribute.KeyValue{attribute.Int("attempt", 2)}}},
		Status:      sdktrace.Status{Code: codes.Error, Description: "user 1 not found"},
		Resource:    resource.NewSchemaless(attribute.String("service.name", "svc")),
	}.Snapshot()
	want := Span{
		TraceID: tid.String(), SpanID: "0200000000000000", ParentID: "0100000000000000",
		Name: "GetUser", Kind: "client", Service: "svc", Start: at(0), End: at(1),
		StatusCode: "Error", StatusMessage: "user 1 not found",
		Attributes: map[string]any{"user.id": "1"},
		Events:     []Event{{Name: "retry", Time: at(0.5), Attributes: map[string]any{"attempt": int64(2)}}},
	}
	if got := FromSDK([]sdktrace.ReadOnlySpan{s}); !reflect.DeepEqual(got, []Span{want}) {
		t.Errorf("FromSDK:\n%+v\nwant:\n%+v", got, []Span{want})
	}
}

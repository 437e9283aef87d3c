package waterfall

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// stub makes a span of the trace 0102… that starts at offset ms and lasts d ms.
func stub(name string, id, parent byte, offset, d float64, status codes.Code, msg string) sdktrace.ReadOnlySpan {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(f float64) time.Time { return t0.Add(time.Duration(f * float64(time.Millisecond))) }
	tid := trace.TraceID{1, 2}
	s := tracetest.SpanStub{
		Name:        name,
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{id}}),
		StartTime:   ms(offset),
		EndTime:     ms(offset + d),
		Status:      sdktrace.Status{Code: status, Description: msg},
	}
	if parent != 0 {
		s.Parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{parent}})
	}
	return s.Snapshot()
}

func TestDraw(t *testing.T) {
	// Given in end order, as a span processor sees them.
	spans := []sdktrace.ReadOnlySpan{
		stub("GetInfo", 3, 2, 0, 1, codes.Unset, ""),
		stub("GetScores", 4, 2, 1.5, 0.5, codes.Unset, ""),
		stub("GetUser", 2, 1, 0, 2, codes.Unset, ""),
		stub("GetUser", 5, 1, 2, 1, codes.Error, "user 1 not found"),
		stub("main", 1, 0, 0, 3, codes.Unset, ""),
	}
	var b strings.Builder
	Draw(&b, FromSDK(spans), Options{})
	got := b.String()
	wantLines := []string{
		"main             |██████████████████████████████|    3.000 ms",
		"├─ GetUser       |████████████████████          |    2.000 ms",
		"│  ├─ GetInfo    |██████████                    |    1.000 ms",
		"│  └─ GetScores  |               █████          |    0.500 ms",
		"└─ GetUser       |                    ██████████|    1.000 ms  ✗ user 1 not found",
	}
	if want := strings.Join(wantLines, "\n") + "\n"; got != want {
		t.Errorf("Draw:\n%s\nwant:\n%s", got, want)
	}
}

func TestDrawMarksAMissingParent(t *testing.T) {
	// A span whose parent never arrived is drawn as a root, not dropped.
	var b strings.Builder
	Draw(&b, FromSDK([]sdktrace.ReadOnlySpan{stub("orphan", 7, 9, 0, 1, codes.Unset, "")}), Options{})
	if !strings.HasPrefix(b.String(), "orphan  |") {
		t.Errorf("Draw = %q", b.String())
	}
}

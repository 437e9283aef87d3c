package waterfall

import (
	"context"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TestRecorderBound: a run of more spans than the picture draws (main with
// 2,000 users, as -users can ask) keeps the first spans to end and their
// parents, so that none is drawn as if its parent never arrived, counts
// the others, and still knows the trace's root (issue 18, class 9).
func TestRecorderBound(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	rec := Record(tp)
	tracer := tp.Tracer("test")
	ctx, main := tracer.Start(context.Background(), "main")
	const users = 2000
	for range users {
		uctx, user := tracer.Start(ctx, "GetUser")
		for _, name := range []string{"GetInfo", "GetDetail", "GetScores"} {
			_, s := tracer.Start(uctx, name)
			s.End()
		}
		user.End()
	}
	main.End()

	spans, omitted := rec.Spans()
	if total := len(spans) + omitted; total != 1+4*users {
		t.Errorf("kept %d and omitted %d spans, %d in all; want %d", len(spans), omitted, total, 1+4*users)
	}
	if len(spans) > 2*maxSpans || omitted == 0 {
		t.Errorf("kept %d spans, omitted %d: the bound is %d and their parents", len(spans), omitted, maxSpans)
	}
	if !rec.Root().Equal(main.SpanContext()) {
		t.Errorf("Root() = %v, want main's %v", rec.Root(), main.SpanContext())
	}
	var b strings.Builder
	Draw(&b, FromSDK(spans), Options{})
	if strings.Contains(b.String(), "never arrived") {
		t.Errorf("the picture marks a span whose parent it left out as one whose parent never arrived:\n%.2000s", b.String())
	}
}

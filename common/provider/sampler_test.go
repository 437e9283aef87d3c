package provider_test

import (
	"context"
	"testing"

	"github.com/gogf/gf/v2/net/gtrace"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/provider"
	"example.com/gftrace/common/user"
	"example.com/gftrace/internal/sampletest"
)

// TestParentDecides: with a parent-based sampler, a service that takes a
// call follows the caller's decision whatever its own ratio says. The
// provider keeps none of its own new traces (-sample 0), yet it exports
// the tree made under a traceparent flagged sampled (01), in the caller's
// trace and under the caller's span; with -sample 1 it keeps every trace of
// its own, yet exports nothing of the tree under a traceparent flagged not
// sampled (00).
func TestParentDecides(t *testing.T) {
	const traceID, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	for _, c := range []struct {
		sample, flags string
		want          int // spans exported
	}{
		{"0", "01", 5},
		{"1", "00", 0},
	} {
		rec := sampletest.NewReceiver(config.GRPC)
		cfg, _, err := config.Parse(config.GRPC, []string{"-endpoint", rec.Addr, "-sample", c.sample}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		shutdown, err := provider.GRPC(cfg.ProviderOptions())
		if err != nil {
			t.Fatal(err)
		}
		// What a server's middleware does with the incoming headers.
		incoming := propagation.MapCarrier{"traceparent": "00-" + traceID + "-" + callerSpan + "-" + c.flags}
		ctx := otel.GetTextMapPropagator().Extract(context.Background(), incoming)
		ctx, span := gtrace.NewSpan(ctx, "main")
		user.GetUser(ctx, 100)
		sampled := span.SpanContext().IsSampled()
		span.End()
		shutdown(context.Background())
		rec.Close()

		spans := rec.Spans()
		if sampled != (c.flags == "01") || len(spans) != c.want {
			t.Errorf("-sample %s, caller's flags %s: sampled %v, %d spans exported; want %v and %d", c.sample, c.flags, sampled, len(spans), c.flags == "01", c.want)
		}
		for _, s := range spans {
			if s.TraceID != traceID {
				t.Errorf("span %s in trace %s, want the caller's %s", s.Name, s.TraceID, traceID)
			}
			if s.Name == "main" && s.ParentSpanID != callerSpan {
				t.Errorf("main's parent %q, want the caller's span %s", s.ParentSpanID, callerSpan)
			}
		}
	}
}

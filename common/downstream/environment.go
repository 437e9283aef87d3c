package downstream

import (
	"context"

	"go.opentelemetry.io/contrib/propagators/envcar"
	"go.opentelemetry.io/otel"
)

// FromEnvironment returns ctx continuing the trace named by the TRACEPARENT
// (and TRACESTATE, BAGGAGE) environment variables, the OpenTelemetry
// carrier for a process started by another one: a span started from it is
// a child of the caller's span. Without them, or with a malformed
// TRACEPARENT, ctx is returned as it is, so the span is a new root: the
// propagator ignores what it cannot parse, as it does with a bad
// traceparent header.
func FromEnvironment(ctx context.Context) context.Context {
	return otel.GetTextMapPropagator().Extract(ctx, &envcar.Carrier{})
}

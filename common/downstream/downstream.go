// Package downstream shows how trace context leaves a process: the W3C
// headers (traceparent, and baggage when the context carries some) that the
// installed OpenTelemetry propagator writes into gRPC metadata, and how the
// receiving side reads them back. GoFrame's grpcx interceptors do this on
// every call; the sample has no second process, so it shows the metadata.
package downstream

import (
	"context"

	"go.opentelemetry.io/contrib/propagators/envcar"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc/metadata"
)

// Inject returns the metadata a gRPC call made with ctx would carry to the
// next service, as written by the propagator that gf's Init installed.
func Inject(ctx context.Context) metadata.MD {
	headers := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, headers)
	return metadata.New(headers)
}

// Extract is the receiving side of Inject: a span started from the context
// it returns continues the caller's trace, with the caller's baggage.
func Extract(ctx context.Context, md metadata.MD) context.Context {
	headers := propagation.MapCarrier{}
	for key, values := range md {
		if len(values) > 0 {
			headers[key] = values[0]
		}
	}
	return otel.GetTextMapPropagator().Extract(ctx, headers)
}

// CarriesBaggage tells whether the installed propagator writes baggage: if
// not, baggage set in this process never reaches the next one.
func CarriesBaggage() bool {
	m, _ := baggage.NewMemberRaw("probe", "1")
	b, _ := baggage.New(m)
	return len(Inject(baggage.ContextWithBaggage(context.Background(), b)).Get("baggage")) > 0
}

// FromEnvironment returns ctx continuing the trace that the TRACEPARENT (and
// TRACESTATE, BAGGAGE) environment variables name, OpenTelemetry's carrier
// for a process started by another. Without them, or with a malformed
// TRACEPARENT, the propagator leaves ctx as it is: the span is a new root.
func FromEnvironment(ctx context.Context) context.Context {
	return otel.GetTextMapPropagator().Extract(ctx, &envcar.Carrier{})
}

// Package propagation shows how trace context leaves a process: the W3C
// headers (traceparent, and baggage when the context carries some) that the
// installed OpenTelemetry propagator writes into gRPC metadata, and how the
// receiving side reads them back.
//
// GoFrame's grpcx client and server interceptors do exactly this on every
// call; the sample has no second process, so it shows the metadata instead.
package downstream

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"google.golang.org/grpc/metadata"
)

// Inject returns the metadata a gRPC call made with ctx would carry to the
// next service, as written by the propagator that gf's Init installed.
func Inject(ctx context.Context) metadata.MD {
	md := metadata.MD{}
	otel.GetTextMapPropagator().Inject(ctx, carrier(md))
	return md
}

// Extract is the receiving side of Inject: it returns ctx with the caller's
// span as the remote parent and the caller's baggage, so a span started
// from it continues the caller's trace.
func Extract(ctx context.Context, md metadata.MD) context.Context {
	return otel.GetTextMapPropagator().Extract(ctx, carrier(md))
}

// CarriesBaggage tells whether the installed propagator writes baggage:
// it injects a context holding a member and looks for the header. If not,
// baggage set in this process never reaches the next one.
func CarriesBaggage() bool {
	m, _ := baggage.NewMemberRaw("probe", "1")
	b, _ := baggage.New(m)
	return len(Inject(baggage.ContextWithBaggage(context.Background(), b)).Get("baggage")) > 0
}

// carrier lets a propagator read and write gRPC metadata, whose keys are
// lower case, as the W3C header names are.
type carrier metadata.MD

func (c carrier) Get(key string) string {
	if v := metadata.MD(c).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (c carrier) Set(key, value string) { metadata.MD(c).Set(key, value) }

func (c carrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

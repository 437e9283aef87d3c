package downstream_test

import (
	"context"
	"net"
	"testing"

	"github.com/gogf/gf/v2/net/gtrace"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"example.com/gftrace/common/downstream"
)

// The propagators gf's Init functions install: otlpgrpc's carries baggage,
// otlphttp's (v2.7.2) does not.
var (
	otlpgrpcPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	otlphttpPropagator = propagation.TraceContext{}
)

// install makes p the global propagator and a fresh SDK provider the global
// tracer provider for one test, and returns what the provider records.
func install(t *testing.T, p propagation.TextMapPropagator) *tracetest.SpanRecorder {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	oldTP, oldP := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(p)
	t.Cleanup(func() {
		otel.SetTracerProvider(oldTP)
		otel.SetTextMapPropagator(oldP)
	})
	return rec
}

// acrossGRPC makes a real gRPC call on 127.0.0.1 with ctx: the client sends
// Inject(ctx) as metadata, and the server, in the same process, extracts it
// and runs serve with the context it got, as grpcx's interceptors would.
func acrossGRPC(t *testing.T, ctx context.Context, serve func(ctx context.Context)) {
	t.Helper()
	extract := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		serve(downstream.Extract(ctx, md))
		return handler(ctx, req)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(extract))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Stop()

	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	out := metadata.NewOutgoingContext(ctx, downstream.Inject(ctx))
	if _, err := healthpb.NewHealthClient(conn).Check(out, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("gRPC call: %v", err)
	}
}

// serverSpan starts and ends a span named "server" with ctx, and reads the
// user.id baggage there, the way the sample's children do.
func serverSpan(baggage *string) func(ctx context.Context) {
	return func(ctx context.Context) {
		_, span := gtrace.NewSpan(ctx, "server")
		*baggage = gtrace.GetBaggageVar(ctx, "user.id").String()
		span.End()
	}
}

func ended(t *testing.T, rec *tracetest.SpanRecorder, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, s := range rec.Ended() {
		if s.Name() == name {
			return s
		}
	}
	t.Fatalf("no span %q ended", name)
	return nil
}

func TestChildAcrossGRPCContinuesTheTrace(t *testing.T) {
	rec := install(t, otlpgrpcPropagator)
	ctx, client := gtrace.NewSpan(context.Background(), "client")
	var baggage string
	acrossGRPC(t, ctx, serverSpan(&baggage))
	client.End()

	server := ended(t, rec, "server")
	want := client.SpanContext()
	if got := server.SpanContext().TraceID(); got != want.TraceID() {
		t.Errorf("server span in trace %s, want the client's %s", got, want.TraceID())
	}
	if got := server.Parent().SpanID(); got != want.SpanID() {
		t.Errorf("server span's parent %s, want the client span %s", got, want.SpanID())
	}
	if !server.Parent().IsRemote() {
		t.Error("server span's parent is not marked remote")
	}
	if !server.SpanContext().IsSampled() {
		t.Error("the sampled flag did not cross")
	}
}

func TestBaggageSurvivesTheRoundTrip(t *testing.T) {
	install(t, otlpgrpcPropagator)
	ctx := gtrace.SetBaggageValue(context.Background(), "user.id", 100)
	ctx, client := gtrace.NewSpan(ctx, "client")
	defer client.End()

	if got := downstream.Inject(ctx).Get("baggage"); len(got) != 1 || got[0] != "user.id=100" {
		t.Errorf("baggage metadata %q, want [user.id=100]", got)
	}
	var baggage string
	acrossGRPC(t, ctx, serverSpan(&baggage))
	if baggage != "100" {
		t.Errorf("server read baggage user.id %q, want 100", baggage)
	}
	if !downstream.CarriesBaggage() {
		t.Error("CarriesBaggage is false for TraceContext+Baggage")
	}
}

// TestTraceContextOnlyDropsBaggage is what the HTTP main does: gf's otlphttp
// Init installs the TraceContext propagator alone, so the trace crosses but
// the baggage does not.
func TestTraceContextOnlyDropsBaggage(t *testing.T) {
	rec := install(t, otlphttpPropagator)
	ctx := gtrace.SetBaggageValue(context.Background(), "user.id", 100)
	ctx, client := gtrace.NewSpan(ctx, "client")
	var baggage string
	acrossGRPC(t, ctx, serverSpan(&baggage))
	client.End()

	if got := ended(t, rec, "server").Parent().SpanID(); got != client.SpanContext().SpanID() {
		t.Errorf("server span's parent %s, want the client span %s", got, client.SpanContext().SpanID())
	}
	if baggage != "" {
		t.Errorf("server read baggage user.id %q, want none", baggage)
	}
	if md := downstream.Inject(ctx); len(md.Get("baggage")) != 0 || len(md.Get("traceparent")) != 1 {
		t.Errorf("metadata %v, want traceparent alone", md)
	}
	if downstream.CarriesBaggage() {
		t.Error("CarriesBaggage is true for TraceContext alone")
	}
}

// Package provider builds your own tracer provider, for when gf's Init is
// not enough. It builds what otlpgrpc.Init and otlphttp.Init build (the
// exporter with gzip, the resource, a batch span processor, the
// propagators) in plain OpenTelemetry SDK calls, and adds what they cannot
// do: TLS (they always dial in plaintext), any header, such as
// "authorization: Bearer …" (gRPC's Init sends only Authentication, HTTP's
// none), and a sampler (they sample every trace). Copy this file into your
// service and drop what you do not need.
package provider

import (
	"context"
	"time"

	"github.com/gogf/gf/v2/frame/g"
	"github.com/gogf/gf/v2/net/gipv4"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.24.0"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding/gzip"

	"example.com/gftrace/common/config"
)

// Needed tells whether cfg asks for more than gf's Init can do.
func Needed(cfg config.Config) bool {
	return cfg.TLS != nil || len(cfg.Headers) > 0 || (cfg.Protocol == config.HTTP && cfg.Token != "") || cfg.Sampler != nil
}

// GRPC is otlpgrpc.Init(cfg.Service, cfg.Endpoint, cfg.Token) with TLS, more headers and a sampler.
func GRPC(cfg config.Config) (shutdown func(context.Context), err error) {
	security := otlptracegrpc.WithInsecure()
	if cfg.TLS != nil {
		security = otlptracegrpc.WithTLSCredentials(credentials.NewTLS(cfg.TLS))
	}
	exporter, err := otlptracegrpc.New(context.Background(), security,
		otlptracegrpc.WithEndpoint(cfg.Endpoint), // host:port, not a URL
		otlptracegrpc.WithHeaders(withAuthentication(cfg)),
		otlptracegrpc.WithCompressor(gzip.Name))
	if err != nil {
		return nil, err
	}
	return start(cfg, exporter, propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
}

// HTTP is otlphttp.Init(cfg.Service, cfg.Endpoint, cfg.Path) with TLS, headers and a sampler.
func HTTP(cfg config.Config) (shutdown func(), err error) {
	exporter, err := otlptracehttp.New(context.Background(),
		otlptracehttp.WithEndpointURL(cfg.Target()),    // its scheme says TLS or not, whatever OTEL_* says
		otlptracehttp.WithTLSClientConfig(cfg.TLS),     // nil: the system's roots
		otlptracehttp.WithHTTPClient(cfg.HTTPClient),   // nil: the exporter's own, with the TLS above
		otlptracehttp.WithHeaders(cfg.ExportHeaders()), // the token as Authentication, and the others
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	if err != nil {
		return nil, err
	}
	stop, err := start(cfg, exporter, propagation.TraceContext{}) // gf's otlphttp.Init sets no Baggage
	return func() { stop(context.Background()) }, err
}

// withAuthentication is cfg.ExportHeaders with Authentication always there,
// empty without a token, as gf's otlpgrpc.Init sends it.
func withAuthentication(cfg config.Config) map[string]string {
	h := cfg.ExportHeaders()
	h[config.AuthHeader] = cfg.Token
	return h
}

// start makes the tracer provider around exporter and installs it, with
// the resource gf's Init gives: service.name, and the host's IP as
// host.name and hostname.
func start(cfg config.Config, exporter sdktrace.SpanExporter, propagator propagation.TextMapPropagator) (func(context.Context), error) {
	ip := "NoHostIpFound" // the first intranet IPv4 address, else the first IPv4 address, as gf's Init
	ips, _ := gipv4.GetIntranetIpArray()
	if len(ips) == 0 {
		ips, _ = gipv4.GetIpArray()
	}
	if len(ips) > 0 {
		ip = ips[0]
	}
	res, err := resource.New(context.Background(),
		resource.WithFromEnv(), resource.WithProcess(), resource.WithTelemetrySDK(), resource.WithHost(),
		resource.WithAttributes(semconv.ServiceNameKey.String(cfg.Service), semconv.HostNameKey.String(ip), attribute.String("hostname", ip)))
	if err != nil {
		return nil, err
	}
	// A sampler of your own is one line, such as 1 new trace in 10, a
	// caller's decision followed (see docs/sampling.md):
	// sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.1))
	sampler := cfg.Sampler
	if sampler == nil {
		sampler = sdktrace.AlwaysSample() // as gf's Init: every trace
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sampler),
		sdktrace.WithResource(res),
		sdktrace.WithBatcher(exporter)) // the queue and batch sizes come from OTEL_BSP_*
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagator)
	return func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, time.Second) // as gf's shutdown: bounded
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			g.Log().Errorf(ctx, "Shutdown tracerProvider failed err:%+v", err)
		}
	}, nil
}

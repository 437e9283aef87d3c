// Package provider builds your own tracer provider, for when gf's Init is
// not enough. It builds what otlpgrpc.Init and otlphttp.Init build (the
// exporter with gzip, the resource, a batch span processor, the
// propagators) in plain OpenTelemetry SDK calls, and adds what they cannot
// do: TLS, any header (gRPC's Init sends only Authentication, HTTP's none),
// and a sampler (they sample every trace). This file imports nothing else
// of its repository: copy it into your service.
package provider

import (
	"context"
	"crypto/tls"
	"net/http"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding/gzip"
)

// Options are the settings of a provider. Only Service and Endpoint are
// needed; every other field may be left zero.
type Options struct {
	Service string // service.name
	// Endpoint is host:port for GRPC, and the full URL for HTTP, such as
	// http://localhost:4318/v1/traces (https:// for TLS).
	Endpoint string
	// TLS is the client's TLS configuration. For GRPC, nil dials in
	// plaintext; for HTTP, the URL's scheme decides and nil means the
	// system's roots.
	TLS *tls.Config
	// Headers are sent with every export, such as
	// {"authorization": "Bearer …"}.
	Headers map[string]string
	// Sampler is the head sampler. Nil leaves it to the SDK, which reads
	// OTEL_TRACES_SAMPLER (unset: every trace, a caller's decision followed).
	// 1 new trace in 10: sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.1))
	Sampler sdktrace.Sampler
	// HTTPClient, for HTTP only, sends the exports; nil: the exporter's own.
	HTTPClient *http.Client
}

// GRPC starts a provider that exports over OTLP/gRPC and installs it, as
// otlpgrpc.Init(service, endpoint, token) does with
// Headers{"Authentication": token}. Call shutdown before the program ends:
// it exports what is left, within ctx.
func GRPC(o Options) (shutdown func(ctx context.Context) error, err error) {
	security := otlptracegrpc.WithInsecure()
	if o.TLS != nil {
		security = otlptracegrpc.WithTLSCredentials(credentials.NewTLS(o.TLS))
	}
	exporter, err := otlptracegrpc.New(context.Background(), security,
		otlptracegrpc.WithEndpoint(o.Endpoint), // host:port, not a URL
		otlptracegrpc.WithHeaders(o.Headers),
		otlptracegrpc.WithCompressor(gzip.Name))
	if err != nil {
		return nil, err
	}
	return start(o, exporter)
}

// HTTP starts a provider that exports over OTLP/HTTP and installs it, as
// otlphttp.Init(service, host:port, path) does. Call shutdown before the
// program ends: it exports what is left, within ctx.
func HTTP(o Options) (shutdown func(ctx context.Context) error, err error) {
	exporter, err := otlptracehttp.New(context.Background(),
		otlptracehttp.WithEndpointURL(o.Endpoint), // its scheme says TLS or not, whatever OTEL_* says
		otlptracehttp.WithTLSClientConfig(o.TLS),
		otlptracehttp.WithHTTPClient(o.HTTPClient),
		otlptracehttp.WithHeaders(o.Headers),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	if err != nil {
		return nil, err
	}
	return start(o, exporter)
}

// start makes the tracer provider around exporter and installs it, with
// the propagators of W3C trace context and baggage.
func start(o Options, exporter sdktrace.SpanExporter) (func(context.Context) error, error) {
	// resource.WithHost sets host.name to the host's name, as the
	// conventions say. (gf's Init sets it, and "hostname", to an IP address.)
	res, err := resource.New(context.Background(),
		resource.WithFromEnv(), resource.WithProcess(), resource.WithTelemetrySDK(), resource.WithHost(),
		resource.WithAttributes(semconv.ServiceName(o.Service)))
	if err != nil {
		return nil, err
	}
	options := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithBatcher(exporter), // the queue and batch sizes come from OTEL_BSP_*
	}
	if o.Sampler != nil {
		options = append(options, sdktrace.WithSampler(o.Sampler))
	}
	tp := sdktrace.NewTracerProvider(options...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, nil
}

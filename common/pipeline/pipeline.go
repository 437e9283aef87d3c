// Package pipeline builds the tracing pipeline that gf's Init functions
// build, for the settings they cannot take.
//
// gf's otlpgrpc.Init always dials without TLS (WithInsecure) and sends only
// the Authentication header; gf's otlphttp.Init always uses plain HTTP and
// sends no header at all. Neither can reach a collector that requires TLS,
// and the HTTP one cannot send a token. GRPC and HTTP here build, step for
// step, what those Init functions build: the same exporter with gzip, the
// same resource attributes, a batch span processor with the SDK's defaults
// (which read OTEL_BSP_*), the same propagators, the AlwaysSample sampler,
// the same shutdown; only TLS and the headers are added. The mains call
// gf's Init whenever it can do the job (see Needed).
package pipeline

import (
	"context"
	"time"

	"github.com/gogf/gf/v2/frame/g"
	"github.com/gogf/gf/v2/net/gipv4"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
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

// Needed tells whether cfg asks for more than gf's Init can do: TLS, or
// headers it cannot send (for gRPC any but the token, for HTTP any).
func Needed(cfg config.Config) bool {
	return cfg.TLS != nil || len(cfg.Headers) > 0 || (cfg.Protocol == config.HTTP && cfg.Token != "")
}

// GRPC does what gf's otlpgrpc.Init(cfg.Service, cfg.Endpoint, cfg.Token)
// does, with cfg.TLS and cfg.Headers besides.
func GRPC(cfg config.Config) (shutdown func(context.Context), err error) {
	// gf always sends Authentication, empty when there is no token.
	headers := map[string]string{config.AuthHeader: cfg.Token}
	for k, v := range cfg.Headers {
		headers[k] = v
	}
	opts := []otlptracegrpc.Option{
		otlptracegrpc.WithEndpoint(cfg.Endpoint),
		otlptracegrpc.WithHeaders(headers),
		otlptracegrpc.WithCompressor(gzip.Name),
	}
	if cfg.TLS != nil {
		opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(cfg.TLS)))
	} else {
		opts = append(opts, otlptracegrpc.WithInsecure())
	}
	tp, err := install(otlptracegrpc.NewClient(opts...), cfg.Service,
		propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) { stop(ctx, tp) }, nil
}

// HTTP does what gf's otlphttp.Init(cfg.Service, cfg.Endpoint, cfg.Path)
// does, with cfg.TLS, the token and cfg.Headers besides.
func HTTP(cfg config.Config) (shutdown func(), err error) {
	headers := map[string]string{}
	for k, v := range cfg.Headers {
		headers[k] = v
	}
	if cfg.Token != "" {
		headers[config.AuthHeader] = cfg.Token
	}
	opts := []otlptracehttp.Option{
		// The URL sets the scheme explicitly, so that no OTEL_* variable
		// can turn TLS on or off behind the settings' back.
		otlptracehttp.WithEndpointURL(cfg.Target()),
		otlptracehttp.WithHeaders(headers),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression),
	}
	if cfg.TLS != nil {
		opts = append(opts, otlptracehttp.WithTLSClientConfig(cfg.TLS))
	}
	// gf's otlphttp.Init sets TraceContext alone, without Baggage.
	tp, err := install(otlptracehttp.NewClient(opts...), cfg.Service, propagation.TraceContext{})
	if err != nil {
		return nil, err
	}
	return func() { stop(context.Background(), tp) }, nil
}

// install builds the exporter, resource and tracer provider around client
// as gf's Init functions do, and makes them global.
func install(client otlptrace.Client, service string, propagator propagation.TextMapPropagator) (*sdktrace.TracerProvider, error) {
	hostIP, err := hostIP()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	exporter, err := otlptrace.New(ctx, client)
	if err != nil {
		return nil, err
	}
	res, err := resource.New(ctx,
		resource.WithFromEnv(),
		resource.WithProcess(),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithAttributes(
			semconv.ServiceNameKey.String(service),
			semconv.HostNameKey.String(hostIP),
			attribute.String("hostname", hostIP),
		),
	)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithResource(res),
		sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(exporter)),
	)
	otel.SetTextMapPropagator(propagator)
	otel.SetTracerProvider(tp)
	return tp, nil
}

// hostIP is the address gf's Init functions report as host.name and
// hostname: the first intranet IPv4 address, else the first IPv4 address.
func hostIP() (string, error) {
	ips, err := gipv4.GetIntranetIpArray()
	if err != nil {
		return "", err
	}
	if len(ips) == 0 {
		if ips, err = gipv4.GetIpArray(); err != nil {
			return "", err
		}
	}
	if len(ips) == 0 {
		return "NoHostIpFound", nil
	}
	return ips[0], nil
}

// stop shuts the tracer provider down within a second, logging as gf does.
func stop(ctx context.Context, tp *sdktrace.TracerProvider) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		g.Log().Errorf(ctx, "Shutdown tracerProvider failed err:%+v", err)
	} else {
		g.Log().Debug(ctx, "Shutdown tracerProvider success")
	}
}

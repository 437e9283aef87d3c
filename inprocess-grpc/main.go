// Command inprocess-grpc makes the trace main → GetUser → GetInfo, GetDetail,
// GetScores and exports it over OTLP/gRPC with gf's otlpgrpc; run is what a service does.
package main

import (
	"context"
	"os"
	"time"

	"github.com/gogf/gf/contrib/trace/otlpgrpc/v2"
	"github.com/gogf/gf/v2/frame/g"
	"github.com/gogf/gf/v2/net/gtrace"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/downstream"
	"example.com/gftrace/common/provider"
	"example.com/gftrace/common/report"
	"example.com/gftrace/common/user"
)

func main() {
	// Not needed in a service: reads the flags and environment (bad input
	// exits 2), runs run with the report hooked in, and exits with the
	// report's code.
	os.Exit(report.Main(config.GRPC, run))
}

// run sets tracing up, makes the trace and shuts tracing down.
func run(cfg config.Config, rep *report.Run) error {
	shutdown, err := startTracing(cfg)
	if err != nil {
		return err
	}
	defer shutdown(context.Background()) // exports what is left, then stops
	defer rep.Record().Flush()           // not needed in a service: keeps the spans for the report, waits for the collector
	if cfg.Traces > 1 {
		return rep.Load(func() { user.Trace(cfg.Users) }) // not needed in a service: the high-volume mode, -traces N
	}

	// The root span has no parent, unless TRACEPARENT names a caller's span to continue.
	ctx, span := gtrace.NewSpan(downstream.FromEnvironment(context.Background()), "main")
	defer span.End()
	for _, id := range cfg.Users {
		g.DumpJson(user.GetUser(ctx, id))
	}
	return nil
}

// startTracing installs gf's exporter, or your own provider where gf's Init is not enough.
func startTracing(cfg config.Config) (shutdown func(context.Context), err error) {
	if cfg.NeedsProvider() {
		stop, err := provider.GRPC(cfg.ProviderOptions())
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) { shutdownWithin(ctx, stop) }, nil
	}
	// host:port, never a URL: gf's Init would lose every span, silently.
	return otlpgrpc.Init(cfg.Service, cfg.Endpoint, cfg.Token)
}

// shutdownWithin shuts the own provider down as gf's Init does: within a
// second, with an error logged. (The report has waited for the collector
// already; a service may want longer.)
func shutdownWithin(ctx context.Context, stop func(context.Context) error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		g.Log().Errorf(ctx, "Shutdown tracerProvider failed err:%+v", err)
	}
}

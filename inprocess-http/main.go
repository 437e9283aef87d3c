// Command inprocess-http traces a call tree in one process and exports the
// spans over OTLP/HTTP with GoFrame's otlphttp package or, for TLS or a token,
// with the same pipeline built by package pipeline:
//
//	main → GetUser(id) → GetInfo, GetDetail, GetScores
//
// It prints each user, a picture of the trace, and whether every span
// reached the collector (exit 0) or not (exit 1, with the reason). With
// -traces N it makes the tree N times, each its own trace, and prints a
// summary instead (see package load).
package main

import (
	"context"
	"os"

	"github.com/gogf/gf/contrib/trace/otlphttp/v2"
	"github.com/gogf/gf/v2/frame/g"
	"github.com/gogf/gf/v2/net/gtrace"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/downstream"
	"example.com/gftrace/common/load"
	"example.com/gftrace/common/provider"
	"example.com/gftrace/common/report"
	"example.com/gftrace/common/user"
	"example.com/gftrace/common/waterfall"
)

func main() {
	cfg := config.Load(config.HTTP) // flags and environment; bad input exits 2
	if cfg.Traces == 1 {
		cfg.Sampler = waterfall.KeepUnsampled(cfg.Sampler) // for the picture of a trace not sampled
	}

	// Count what the SDK delivers and drops; this must come before the
	// exporter is built.
	watch := delivery.Watch(cfg)

	// gf's Init exports in plaintext. For TLS or headers it cannot send,
	// package pipeline builds the same pipeline with them (see the README).
	var shutdown func()
	var err error
	if provider.Needed(cfg) {
		shutdown, err = provider.HTTP(cfg)
	} else {
		shutdown, err = otlphttp.Init(cfg.Service, cfg.Endpoint, cfg.Path)
	}
	if err != nil {
		g.Log().Fatal(context.Background(), err)
	}
	if cfg.Traces > 1 { // many traces, paced so that the batch processor drops none
		stats := load.Run(cfg, watch, os.Stderr, func() { user.Trace(cfg.Users) })
		shutdown()
		os.Exit(report.PrintVolume(os.Stdout, cfg, stats, watch.Result()))
	}
	picture := waterfall.Record() // keep this run's spans for the picture

	// The root span starts from an empty context, so it has no parent.
	ctx, span := gtrace.NewSpan(context.Background(), "main")
	for _, id := range cfg.Users {
		g.DumpJson(user.GetUser(ctx, id))
	}
	// What a gRPC call from here would carry to the next service.
	outgoing := downstream.Inject(ctx)
	span.End()

	watch.Flush() // wait for the collector's answer, at most -timeout
	shutdown()
	os.Exit(report.Print(os.Stdout, cfg, picture, outgoing, watch.Result()))
}

// Command anchor is the raw OpenTelemetry Go SDK doing the work of the
// sample's high-volume mode (-traces) with no GoFrame: the yardstick that
// scripts/compare.sh --vs-sdk measures the sample against. It makes the same
// tree with the same attributes (one main span, GetUser 100 and GetUser 1,
// three children each, the second's marked NOT_FOUND), exports it over
// OTLP/gRPC with gzip through a blocking batch processor (queue 8192,
// batches of 1024, or -batch), at GOGC=400, and prints one line: the spans
// it made.
// It is lab code: a service copies common/provider, not this.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gogf/gf/v2/frame/g"
	"github.com/gogf/gf/v2/os/glog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding/gzip"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/user"
)

// spansPerTrace is main + 2 × (GetUser + 3 children).
const spansPerTrace = 9

// queueSize is the batch processor's queue, as the sample's -traces run.
const queueSize = 8192

func main() { os.Exit(run()) }

func run() int {
	endpoint := flag.String("endpoint", "127.0.0.1:4317", "OTLP/gRPC collector, host:port")
	traces := flag.Int("traces", 50000, "traces to make")
	concurrency := flag.Int("concurrency", 4, "goroutines making traces")
	// Each adds one cost of the sample, to measure it alone.
	counters := flag.Bool("counters", false, "also count spans with the SDK's observability counters, as the sample's report does (common/delivery)")
	withGtrace := flag.Bool("gtrace", false, "make the trace with the sample's own code (common/user, gtrace) instead of the SDK's API")
	batch := flag.Int("batch", 1024, fmt.Sprintf("spans per export request, at most the queue's %d (the yardstick of --vs-sdk is 1024, as the sample's -traces)", queueSize))
	flag.Parse()
	if *traces < 1 || *concurrency < 1 {
		fmt.Fprintf(os.Stderr, "anchor: invalid -traces %d or -concurrency %d: want 1 or more\n", *traces, *concurrency)
		return 2
	}
	if *batch < 1 || *batch > queueSize {
		fmt.Fprintf(os.Stderr, "anchor: invalid -batch %d: want 1 to %d\n", *batch, queueSize)
		return 2
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400) // as the sample's -traces run
	}

	var watch *delivery.Watcher
	if *counters {
		// What report.Setup does: the SDK reads the variable when it builds
		// the provider and exporter, and counts into the global meter provider.
		os.Setenv(delivery.SwitchVariable, "true")
		watch = delivery.NewWatcher(config.Config{})
		otel.SetMeterProvider(watch.MeterProvider())
	}
	ctx := context.Background()
	exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithInsecure(), otlptracegrpc.WithEndpoint(*endpoint),
		otlptracegrpc.WithCompressor(gzip.Name))
	if err != nil {
		fmt.Fprintf(os.Stderr, "anchor: %v\n", err)
		return 1
	}
	res, err := resource.New(ctx, resource.WithProcess(), resource.WithTelemetrySDK(), resource.WithHost(),
		resource.WithAttributes(semconv.ServiceName("anchor")))
	if err != nil {
		fmt.Fprintf(os.Stderr, "anchor: %v\n", err)
		return 1
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(exp,
		sdktrace.WithBlocking(), sdktrace.WithMaxQueueSize(queueSize), sdktrace.WithMaxExportBatchSize(*batch)))
	if watch != nil { // as rep.Record() does: the span counter, and tracers without the SDK's counts
		watch.Count(tp)
		os.Unsetenv(delivery.SwitchVariable)
	}
	tracer := tp.Tracer("anchor")
	trace := func() { makeTrace(tracer) }
	if *withGtrace {
		otel.SetTracerProvider(tp)                          // gtrace finds it there
		g.Log().SetLevel(glog.LEVEL_ERRO | glog.LEVEL_CRIT) // as the sample's -traces run
		trace = func() { user.Trace([]int{100, 1}) }
	}

	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range *concurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(*traces) {
				trace()
			}
		})
	}
	wg.Wait()
	if err := tp.Shutdown(ctx); err != nil { // exports what is queued
		fmt.Fprintf(os.Stderr, "anchor: %v\n", err)
		return 1
	}
	fmt.Printf("anchor: %d spans in %d traces, exported in %s\n", *traces*spansPerTrace, *traces, time.Since(start).Round(time.Millisecond))
	return 0
}

// makeTrace is user.Trace([]int{100, 1}) with the SDK's API.
func makeTrace(tracer trace.Tracer) {
	ctx, span := tracer.Start(context.Background(), "main")
	defer span.End()
	getUser(ctx, tracer, 100)
	getUser(ctx, tracer, 1)
}

func getUser(ctx context.Context, tracer trace.Tracer, id int) {
	ctx, span := tracer.Start(ctx, "GetUser")
	defer span.End()
	span.SetAttributes(semconv.UserID(strconv.Itoa(id)))
	m, _ := baggage.NewMemberRaw("user.id", strconv.Itoa(id))
	b, _ := baggage.FromContext(ctx).SetMember(m)
	ctx = baggage.ContextWithBaggage(ctx, b)
	found := true
	for _, name := range []string{"GetInfo", "GetDetail", "GetScores"} {
		found = lookup(ctx, tracer, name, id)
	}
	if !found {
		span.SetAttributes(semconv.RPCGRPCStatusCodeKey.Int(int(codes.NotFound)))
		span.SetStatus(otelcodes.Error, fmt.Sprintf("user %d not found", id))
	}
}

func lookup(ctx context.Context, tracer trace.Tracer, name string, id int) bool {
	_, span := tracer.Start(ctx, name)
	defer span.End()
	span.SetAttributes(attribute.String("baggage.user.id", baggage.FromContext(ctx).Member("user.id").Value()))
	if id != 100 {
		span.SetAttributes(semconv.RPCGRPCStatusCodeKey.Int(int(codes.NotFound)))
		span.SetStatus(otelcodes.Error, fmt.Sprintf("user %d not found", id))
		return false
	}
	return true
}

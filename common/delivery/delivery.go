// Package delivery tells how many spans reached the collector, and if not
// all did, why. It does not guess: the counts are the OpenTelemetry SDK's own
// metrics (spans started, spans dropped by the batch processor, spans the
// exporter got accepted or not), and the cause is the exporter's own error.
//
// gf's Init functions build the exporter and the batch processor inside, so
// they cannot be wrapped; the SDK's observability metrics see into them all
// the same. They must be switched on before Init, because the SDK decides
// at construction whether to record them (see NewWatcher).
package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"example.com/gftrace/common/config"
)

// The SDK's metric names (OpenTelemetry semantic conventions for SDK health).
const (
	metricStarted   = "otel.sdk.span.started"
	metricProcessed = "otel.sdk.processor.span.processed"
	metricExported  = "otel.sdk.exporter.span.exported"
	metricLive      = "otel.sdk.span.live" // not needed: dropped
)

// flushGrace lets the exporter, which gives up at the timeout with its own
// error, report that error before the flush itself gives up.
const flushGrace = 500 * time.Millisecond

// Watcher collects the SDK's counts and export errors of one process.
type Watcher struct {
	reader   *sdkmetric.ManualReader
	timeout  time.Duration
	endpoint string      // host:port of the collector
	tls      *tls.Config // nil for plaintext

	mu     sync.Mutex
	errs   []error
	waited time.Duration
	cutoff time.Time // when not zero, no flush waits past it (see Cutoff)
}

// NewWatcher makes a Watcher for the collector at cfg.Endpoint; it changes
// nothing in the process. To count, the SDK needs what report.Setup does
// before tracing starts: OTEL_GO_X_OBSERVABILITY=true in the environment,
// the Watcher's MeterProvider as the global one, and the Watcher as the
// global error handler. cfg.Timeout is the longest Flush waits for the
// collector.
func NewWatcher(cfg config.Config) *Watcher {
	return &Watcher{reader: sdkmetric.NewManualReader(), timeout: cfg.Timeout, endpoint: cfg.Endpoint, tls: cfg.TLS}
}

// Env is what the SDK must find in the environment before tracing starts,
// as KEY=value: the switch of its span counts, an experimental feature of
// OpenTelemetry Go, and, unless the user set one, an export timeout of
// cfg.Timeout, so that an export and its retries end within it.
func Env(cfg config.Config, getenv func(string) string) []string {
	env := []string{"OTEL_GO_X_OBSERVABILITY=true"}
	if getenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") == "" && getenv("OTEL_EXPORTER_OTLP_TIMEOUT") == "" {
		env = append(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="+strconv.FormatInt(cfg.Timeout.Milliseconds(), 10))
	}
	return env
}

// MeterProvider is where the SDK's own span counts go, for Result. It
// keeps no exemplars, nor the count of spans not yet ended: the SDK would
// otherwise do both on every span started and ended, a few percent of a
// busy run's CPU each.
func (w *Watcher) MeterProvider() *sdkmetric.MeterProvider {
	return sdkmetric.NewMeterProvider(sdkmetric.WithReader(w.reader),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: metricLive},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})))
}

// Handle keeps an error of the SDK: exports that fail in the background (a
// full batch, the batch timer) report their error only to the global error
// handler.
func (w *Watcher) Handle(err error) { w.handle(err) }

func (w *Watcher) handle(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.errs = append(w.errs, err)
}

// Flush waits until the collector accepts a connection (see
// waitForCollector), exports every span that has ended and waits for the
// collector's answer: at most the timeout given to Watch, and a moment for
// the exporter to give its own error.
func (w *Watcher) Flush() {
	start := time.Now()
	w.Sync()
	w.mu.Lock()
	w.waited = time.Since(start)
	w.mu.Unlock()
}

// Sync is Flush in the middle of a run: it waits the same way and returns
// the error, which Result reports too. When it returns nil, every span that
// ended before the call has left the batch processor's queue: exported, or
// lost with a collector that went away after taking spans (Result counts
// them; the next Sync waits for the collector again). An error means the
// collector could not be reached within the timeout, or said no.
func (w *Watcher) Sync() error {
	tp, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider)
	if !ok {
		err := errors.New("no OpenTelemetry SDK tracer provider is installed: call Init first")
		w.handle(err)
		return err
	}
	deadline := time.Now().Add(w.timeout)
	w.mu.Lock()
	if !w.cutoff.IsZero() && w.cutoff.Before(deadline) {
		deadline = w.cutoff
	}
	w.mu.Unlock()
	waitCtx, cancelWait := context.WithDeadline(context.Background(), deadline.Add(-flushGrace))
	refused := waitForCollector(waitCtx, w.endpoint, w.tls)
	cancelWait()
	if refused == nil {
		deadline = deadline.Add(flushGrace)
	} // else nothing listened all along: the flush is a last attempt, within the timeout
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	err := tp.ForceFlush(ctx)
	if err == nil {
		return nil
	}
	w.handle(err)
	if refused != nil {
		w.handle(refused) // the exporter's error may only say it gave up
		return err
	}
	if ctx.Err() == nil && disconnected(err.Error()) && w.Result().Delivered > 0 {
		return nil // the collector went away during the flush: see above
	}
	return err
}

// Cutoff makes the flushes that start from now on wait at most until at
// (and a moment for the exporter's own error), for a program that was asked
// to stop: the flush under way ends by its own deadline, which is no later.
func (w *Watcher) Cutoff(at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cutoff = at
}

// Result is what the SDK counted, and the errors it reported.
type Result struct {
	Created   int64 // spans started and sampled
	Delivered int64 // spans the collector accepted
	Failed    int64 // spans whose export failed or that the collector rejected
	Dropped   int64 // spans the batch processor dropped because its queue was full
	Errs      []error
	Timeout   time.Duration // how long Flush was allowed to wait
	Waited    time.Duration // how long Flush waited

	// Made and RootsSampled count what a sampler decided (see sampling.go).
	Made, RootsSampled int64
}

// Lost is the number of spans that did not reach the collector: failed,
// dropped, or still unconfirmed when the program stopped waiting.
func (r Result) Lost() int64 { return r.Created - r.Delivered }

// OK tells whether every span that was made reached the collector.
func (r Result) OK() bool {
	return r.Created > 0 && r.Delivered == r.Created && r.Failed == 0 && r.Dropped == 0
}

// Result reads the counts. Call it after Flush and the exporter's shutdown,
// so that no export is still in flight.
func (w *Watcher) Result() Result {
	var rm metricdata.ResourceMetrics
	if err := w.reader.Collect(context.Background(), &rm); err != nil {
		w.handle(err)
	}
	var r Result
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				continue
			}
			for _, dp := range sum.DataPoints {
				failed := dp.Attributes.HasValue(attribute.Key("error.type"))
				switch {
				case m.Name == metricStarted:
					if v, _ := dp.Attributes.Value("otel.span.sampling_result"); v.AsString() == "RECORD_AND_SAMPLE" {
						r.Created += dp.Value
					}
					r.countSampling(dp)
				case m.Name == metricProcessed && failed:
					r.Dropped += dp.Value
				case m.Name == metricExported && failed:
					r.Failed += dp.Value
				case m.Name == metricExported:
					r.Delivered += dp.Value
				}
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	r.Errs = append([]error(nil), w.errs...)
	r.Timeout, r.Waited = w.timeout, w.waited
	return r
}

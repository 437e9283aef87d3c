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
	"errors"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/otelconv"

	"example.com/gftrace/common/config"
)

// The SDK's metric names (OpenTelemetry semantic conventions for SDK
// health), from the semconv version that SDK v1.47.0 itself uses.
var (
	metricStarted   = otelconv.SDKSpanStarted{}.Name()
	metricProcessed = otelconv.SDKProcessorSpanProcessed{}.Name()
	metricExported  = otelconv.SDKExporterSpanExported{}.Name()
	metricLive      = otelconv.SDKSpanLive{}.Name() // not needed: dropped
)

// flushGrace lets the exporter, which gives up at the timeout with its own
// error, report that error before the flush itself gives up.
const flushGrace = 500 * time.Millisecond

// Watcher collects the SDK's counts and export errors of one process.
type Watcher struct {
	reader *sdkmetric.ManualReader
	cfg    config.Config            // where the collector is, how to speak to it, and the timeout
	tp     *sdktrace.TracerProvider // the provider the run exports with (see Begin)
	halt   func()                   // keeps what tp holds from leaving (see Begin and stop)

	mu     sync.Mutex
	errs   []error
	waited time.Duration
	// the longest a failed Sync waited
	failedWait time.Duration
	cutoff     time.Time // when not zero, no flush waits past it (see Cutoff)
	checked    bool      // the collector answered the check, and no export lost its connection since
	stopped    error     // why no span may go any more, or nil (see stop)
	verdict    bool      // stopped because the endpoint is no OTLP collector: it took no span
	status     string    // the HTTP status of the check's answer when it refused

	// For an exporter whose answers are unseen (see unseen.go): what a
	// check after exports found, when not an OTLP collector.
	closing error
}

// NewWatcher makes a Watcher for the collector at cfg.Endpoint; it changes
// nothing in the process. To count, the SDK needs what report.Setup does
// before tracing starts: OTEL_GO_X_OBSERVABILITY=true in the environment,
// the Watcher's MeterProvider as the global one, and the Watcher as the
// global error handler. cfg.Timeout is the longest Flush waits for the
// collector.
func NewWatcher(cfg config.Config) *Watcher {
	return &Watcher{reader: sdkmetric.NewManualReader(), cfg: cfg}
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
	if disconnected(err) {
		w.checked = false // the next flush checks the collector again
	}
}

// Begin takes the tracer provider that the run exports with, once tracing
// is set up and before any span is made, and checks the collector once,
// without waiting for it (Sync waits). It returns the check's verdict when
// the endpoint is no OTLP collector (a web page, a redirect): then no span
// may go there, and nothing has gone yet. halt is what stop calls to keep
// the spans that tp holds from leaving; the Watcher changes nothing in the
// process by itself.
func (w *Watcher) Begin(tp *sdktrace.TracerProvider, halt func()) error {
	// Within the timeout less the exporter's moment, as Sync's check: a
	// timeout too short for that finds no connection here either.
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Timeout-flushGrace)
	defer cancel()
	found := check(ctx, w.cfg, false)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tp, w.halt = tp, halt
	var status *statusError
	switch {
	case verdict(found):
		w.errs = append(w.errs, found)
		w.stopped, w.verdict = found, true
		return found
	case errors.As(found, &status):
		w.checked, w.status = true, status.status
	case found == nil:
		w.checked = true
	} // else no connection yet: Sync waits for one
	return nil
}

// verdict tells whether the check's answer says that the endpoint is no
// OTLP collector.
func verdict(found error) bool {
	return errors.As(found, new(*NotOTLPError)) || errors.As(found, new(*RedirectError)) || errors.As(found, new(*UnreadableError))
}

// Flush waits until the collector accepts a connection and answers as one
// (see check), exports every span that has ended and waits for the
// collector's answer: at most the cfg.Timeout of NewWatcher, and a moment
// for the exporter to give its own error.
func (w *Watcher) Flush() {
	start := time.Now()
	w.Sync()
	w.mu.Lock()
	// A flush that failed before (a pacing flush of a -traces run) is
	// the wait the report speaks of: this one may not have waited at all.
	w.waited = max(time.Since(start), w.failedWait)
	w.mu.Unlock()
	w.close()
}

// close makes the closing check (see unseen.go) when the exporter's
// answers are unseen and the exporter counted spans as exported.
func (w *Watcher) close() {
	w.mu.Lock()
	judged, stopped := w.verdict, w.stopped
	w.mu.Unlock()
	switch {
	case !AnswersUnread(w.cfg) || judged || w.counts().Delivered == 0:
		return
	case stopped != nil: // the collector did not answer in time: a check would wait too
		w.mu.Lock()
		w.closing = errors.New("none was made: the run had stopped waiting for the collector")
		w.mu.Unlock()
		return
	}
	found := closingCheck(context.Background(), w.cfg)
	w.mu.Lock()
	w.closing = found
	w.mu.Unlock()
}

// Sync is Flush in the middle of a run: it waits the same way and returns
// the error, which Result reports too. When it returns nil, every span that
// ended before the call has left the batch processor's queue: exported, or
// lost with a collector that went away after taking spans (Result counts
// them; the next Sync waits for the collector again). An error means the
// collector could not be reached within the timeout, or said no; the flushes
// after it wait no longer, so that a run ends within one timeout of the
// collector's last answer.
func (w *Watcher) Sync() error {
	start := time.Now()
	w.mu.Lock()
	tp := w.tp
	w.mu.Unlock()
	if tp == nil { // a Watcher that Begin was not given a provider: the global one
		var ok bool
		if tp, ok = otel.GetTracerProvider().(*sdktrace.TracerProvider); !ok {
			err := errors.New("no OpenTelemetry SDK tracer provider is installed: call Init first")
			w.handle(err)
			return err
		}
	}
	deadline := time.Now().Add(w.cfg.Timeout)
	w.mu.Lock()
	if !w.cutoff.IsZero() && w.cutoff.Before(deadline) {
		deadline = w.cutoff
	}
	checked, stopped := w.checked, w.stopped
	w.mu.Unlock()
	if stopped != nil {
		return stopped
	}
	var unreached error // why no connection was made, if none was
	if !checked {
		waitCtx, cancelWait := context.WithDeadline(context.Background(), deadline.Add(-flushGrace))
		found := check(waitCtx, w.cfg, true)
		cancelWait()
		var status *statusError
		switch {
		case verdict(found):
			w.handle(found)
			w.mu.Lock()
			w.closing = found
			w.mu.Unlock()
			w.stop(found, true)
			return found
		case errors.As(found, &status):
			w.mu.Lock()
			w.checked, w.status = true, status.status
			w.mu.Unlock()
		case found != nil:
			unreached = found
		default:
			w.mu.Lock()
			w.checked = true
			w.mu.Unlock()
		}
	}
	if unreached == nil {
		deadline = deadline.Add(flushGrace)
	} // else no connection was made: the flush is a last attempt, within the timeout
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	err := tp.ForceFlush(ctx)
	if err == nil {
		return nil
	}
	w.handle(err)
	w.mu.Lock()
	w.failedWait = max(w.failedWait, time.Since(start))
	w.mu.Unlock()
	switch {
	case errors.As(unreached, new(errNoConnection)):
		// The spans are still queued: the shutdown at the end would try
		// once more, and gf's would log its failure with a stack.
		w.handle(unreached)
		w.stop(err, false)
	case unreached != nil:
		w.handle(unreached) // the exporter's error may only say it gave up
	case ctx.Err() == nil && disconnected(err) && w.counts().Delivered > 0:
		return nil // the collector went away during the flush: see above
	case ctx.Err() != nil:
		// No answer within the timeout: what is still queued stays, so
		// that gf's shutdown does not wait for the collector a second more.
		w.stop(err, false)
	}
	w.Cutoff(time.Now())
	return err
}

// stop keeps the spans still queued from leaving at the program's end, with
// the halt that Begin was given: it is for an endpoint that could not be
// reached within the timeout, or whose answer to a check made after spans
// were queued says that it is no OTLP collector (verdict: see Result; Begin
// finds most verdicts before any span is made).
func (w *Watcher) stop(why error, verdict bool) {
	w.mu.Lock()
	w.stopped, w.verdict = why, verdict
	halt := w.halt
	w.mu.Unlock()
	w.Cutoff(time.Now())
	if halt != nil {
		halt()
	}
}

// Stopped tells whether the Watcher stopped the run's exports (see Begin
// and stop).
func (w *Watcher) Stopped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopped != nil
}

// Cutoff makes the flushes that start from now on wait at most until at
// (and a moment for the exporter's own error), for a program that was asked
// to stop: the flush under way ends by its own deadline, which is no later.
func (w *Watcher) Cutoff(at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cutoff.IsZero() || at.Before(w.cutoff) {
		w.cutoff = at
	}
}

// Result is what the SDK counted, and the errors it reported.
type Result struct {
	Recorded  int64 // spans started and sampled: the spans to deliver
	Delivered int64 // spans the collector accepted
	Failed    int64 // spans whose export failed or that the collector rejected
	Dropped   int64 // spans the batch processor dropped because its queue was full
	Errs      []error
	Timeout   time.Duration // how long Flush was allowed to wait
	Waited    time.Duration // how long Flush waited

	// Made and RootsSampled count what a sampler decided (see sampling.go).
	Made, RootsSampled int64
	// Refusal is the HTTP status with which the collector refused the
	// program's check (see check), or "".
	Refusal string
	// Redact removes the secrets from what the collector and the libraries
	// said, where Cause quotes it; nil redacts nothing. The report sets
	// its configuration's.
	Redact func(string) string
	// AnswersUnread tells whether the exporter's answers are unseen (gf's
	// otlphttp.Init, see unseen.go): then Delivered is 0, and Unseen
	// counts the spans the exporter counted as exported, sent and answered
	// 2xx; they count as unconfirmed. Closing is what a check after
	// exports found when it was not an OTLP collector, or nil.
	AnswersUnread bool
	Unseen        int64
	Closing       error
}

// Lost is the number of spans that did not reach the collector: failed,
// dropped, or still unconfirmed when the program stopped waiting.
func (r Result) Lost() int64 { return r.Recorded - r.Delivered }

// OK tells whether every span to be delivered reached the collector: every
// span the sampler recorded, or none when it recorded none of those made
// (then nothing was to be sent). A run that made no span is not OK.
func (r Result) OK() bool {
	if r.Recorded == 0 {
		return r.Made > 0
	}
	if r.AnswersUnread { // no span is known delivered: the checks decide
		return r.Unseen == r.Recorded && r.Closing == nil && r.Failed == 0 && r.Dropped == 0
	}
	return r.Delivered == r.Recorded && r.Failed == 0 && r.Dropped == 0
}

// NoneRecorded tells whether spans were made but the sampler recorded none
// of them: they are neither delivered nor lost.
func (r Result) NoneRecorded() bool { return r.Made > 0 && r.Recorded == 0 }

// Result reads the counts. Call it after Flush and the exporter's shutdown,
// so that no export is still in flight.
func (w *Watcher) Result() Result {
	r := w.counts()
	w.mu.Lock()
	defer w.mu.Unlock()
	r.Errs = append([]error(nil), w.errs...)
	r.Timeout, r.Waited, r.Refusal = w.cfg.Timeout, w.waited, w.status
	if r.AnswersUnread = AnswersUnread(w.cfg); r.AnswersUnread {
		r.Unseen, r.Delivered, r.Closing = r.Delivered, 0, w.closing
	}
	return r
}

// counts reads the SDK's counts.
func (w *Watcher) counts() Result {
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
				failed := dp.Attributes.HasValue(semconv.ErrorTypeKey)
				switch {
				case m.Name == metricStarted:
					if has(dp.Attributes, semconv.OTelSpanSamplingResultRecordAndSample) {
						r.Recorded += dp.Value
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
	return r
}

// Package delivery tells how many spans reached the collector, and if not
// all did, why. The counts are the OpenTelemetry SDK's own metrics (spans
// dropped by the batch processor, exported or not) and a span processor's
// count of the spans recorded; the cause is the exporter's own error. gf's
// Init builds the exporter and the batch processor inside, so they cannot
// be wrapped; the SDK's metrics see into them all the same, once switched
// on before Init (see NewWatcher).
package delivery

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
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

// The SDK's metric names, from the semconv version that SDK v1.47.0 uses.
var (
	metricStarted   = otelconv.SDKSpanStarted{}.Name()
	metricProcessed = otelconv.SDKProcessorSpanProcessed{}.Name()
	metricExported  = otelconv.SDKExporterSpanExported{}.Name()
	metricLive      = otelconv.SDKSpanLive{}.Name()
)

// flushGrace lets the exporter, which gives up at the timeout, report its
// own error before the flush itself gives up.
const flushGrace = 500 * time.Millisecond

// Watcher collects the SDK's counts and export errors of one process.
type Watcher struct {
	reader *sdkmetric.ManualReader
	spans  *spanCount
	cfg    config.Config
	tp     *sdktrace.TracerProvider // see Begin
	halt   func()                   // keeps what tp holds from leaving (see stop)

	mu         sync.Mutex
	errs       []error
	waited     time.Duration
	failedWait time.Duration // the longest a failed Sync waited
	cutoff     time.Time     // when not zero, no flush waits past it
	checked    bool          // the collector answered the check, and no export lost its connection since
	stopped    error         // why no span may go any more (see stop)
	status     string        // the HTTP status of the check's answer when it refused

	// For an exporter whose answers are unseen (see unseen.go): what a
	// check after exports found, when not an OTLP collector.
	closing error
}

// NewWatcher makes a Watcher for the collector of cfg; it changes nothing
// in the process. report.Setup does what the SDK needs before tracing
// starts: Env in the environment, MeterProvider as the global one, and
// Handle as the global error handler.
func NewWatcher(cfg config.Config) *Watcher {
	return &Watcher{reader: sdkmetric.NewManualReader(), spans: &spanCount{}, cfg: cfg}
}

// SwitchVariable switches the SDK's own counts on (experimental). Each
// part reads it when it is built: the exporter, the batch processor, and
// each tracer.
const SwitchVariable = "OTEL_GO_X_OBSERVABILITY"

// Env is what the SDK must find in the environment, as KEY=value: the
// switch of its counts and, unless the user set one, an export timeout of
// cfg.Timeout, so that an export and its retries end within it.
func Env(cfg config.Config, getenv func(string) string) []string {
	env := []string{SwitchVariable + "=true"}
	if getenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") == "" && getenv("OTEL_EXPORTER_OTLP_TIMEOUT") == "" {
		env = append(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="+strconv.FormatInt(cfg.Timeout.Milliseconds(), 10))
	}
	return env
}

// MeterProvider is where the SDK's span counts go. It keeps no exemplars
// nor the counts made per span, each of which would cost a busy run a few
// percent of its CPU: the live spans, and the spans started unless a
// sampler is set (then only they count the spans it did not record).
// Count counts the recorded spans for a fraction of that.
func (w *Watcher) MeterProvider() *sdkmetric.MeterProvider {
	perSpan := []string{metricLive}
	if w.cfg.Sampler == nil {
		perSpan = append(perSpan, metricStarted)
	}
	opts := []sdkmetric.Option{sdkmetric.WithReader(w.reader), sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter)}
	for _, name := range perSpan {
		opts = append(opts, sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: name},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})))
	}
	return sdkmetric.NewMeterProvider(opts...)
}

// Count counts the spans that tp records from now on. Begin calls it; a
// provider that replaces tp needs it too.
func (w *Watcher) Count(tp *sdktrace.TracerProvider) { tp.RegisterSpanProcessor(w.spans) }

// spanCount is a span processor that counts the sampled spans that start,
// and of those the roots (new traces).
type spanCount struct{ sampled, roots atomic.Int64 }

func (c *spanCount) OnStart(_ context.Context, s sdktrace.ReadWriteSpan) {
	if !s.SpanContext().IsSampled() {
		return // recorded only for the picture (sdktrace.AlwaysRecord)
	}
	c.sampled.Add(1)
	if !s.Parent().IsValid() {
		c.roots.Add(1)
	}
}

func (*spanCount) OnEnd(sdktrace.ReadOnlySpan)      {}
func (*spanCount) Shutdown(context.Context) error   { return nil }
func (*spanCount) ForceFlush(context.Context) error { return nil }

// Handle keeps an error of the SDK: background exports report theirs only
// to the global error handler.
func (w *Watcher) Handle(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.errs = append(w.errs, err)
	if disconnected(err) {
		w.checked = false // the next flush checks the collector again
	}
}

// Begin takes the tracer provider the run exports with, before any span,
// and checks the collector once without waiting (Sync waits). It returns
// the check's verdict when the endpoint is no OTLP collector: then no span
// may go there. halt is what stop calls to keep tp's spans from leaving.
func (w *Watcher) Begin(tp *sdktrace.TracerProvider, halt func()) error {
	w.Count(tp)
	found := w.checkUntil(time.Now().Add(w.cfg.Timeout-flushGrace), false)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tp, w.halt = tp, halt
	if verdict(found) {
		w.errs = append(w.errs, found)
		w.stopped = found
		return found
	}
	return nil // with no connection yet, Sync waits for one
}

// checkUntil checks the collector until deadline (see check) and notes one
// that answered, if only to refuse (Refusal). It returns what else it
// found: a verdict, or why no connection was made.
func (w *Watcher) checkUntil(deadline time.Time, poll bool) error {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	found := check(ctx, w.cfg, poll)
	var status *statusError
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case errors.As(found, &status):
		w.checked, w.status = true, status.status
		return nil
	case found == nil:
		w.checked = true
	}
	return found
}

// verdict tells whether the check's answer says that the endpoint is no
// OTLP collector.
func verdict(found error) bool {
	return errors.As(found, new(*NotOTLPError)) || errors.As(found, new(*RedirectError)) || errors.As(found, new(*UnreadableError))
}

// Flush is Sync at the end of a run, and the closing check (see unseen.go).
func (w *Watcher) Flush() {
	start := time.Now()
	w.Sync()
	w.mu.Lock()
	// A failed pacing flush of a -traces run is the wait the report speaks of.
	w.waited = max(time.Since(start), w.failedWait)
	w.mu.Unlock()
	w.close(start.Add(w.cfg.Timeout))
}

// close makes the closing check (see unseen.go), until deadline, when the
// exporter's answers are unseen and the exporter counted spans as exported;
// a check that stopped the run has made it already.
func (w *Watcher) close(deadline time.Time) {
	w.mu.Lock()
	stopped := w.stopped
	w.mu.Unlock()
	var found error
	switch {
	case !AnswersUnread(w.cfg) || w.counts().Delivered == 0:
		return
	case verdict(stopped): // gf's exports never fail with a verdict's error: a check found it
		found = stopped
	case stopped != nil: // the collector did not answer in time: a check would wait too
		found = errors.New("none was made: the run had stopped waiting for the collector")
	default:
		found = closingCheck(context.Background(), w.cfg, deadline)
	}
	w.mu.Lock()
	w.closing = found
	w.mu.Unlock()
}

// Sync waits until the collector accepts a connection and answers as one
// (see check), then exports every span that has ended and waits for the
// answer: at most cfg.Timeout, and flushGrace for the exporter's error. nil
// means every span ended before the call left the queue (exported, or lost
// with a collector that went away after taking spans). After an error the
// flushes wait no longer, so that a run ends within one timeout of the
// collector's last answer.
func (w *Watcher) Sync() error {
	start := time.Now()
	w.mu.Lock()
	tp, checked, stopped := w.tp, w.checked, w.stopped
	deadline := time.Now().Add(w.cfg.Timeout)
	if !w.cutoff.IsZero() && w.cutoff.Before(deadline) {
		deadline = w.cutoff
	}
	w.mu.Unlock()
	if tp == nil { // Begin was not called: the global provider
		var ok bool
		if tp, ok = otel.GetTracerProvider().(*sdktrace.TracerProvider); !ok {
			err := errors.New("no OpenTelemetry SDK tracer provider is installed: call Init first")
			w.Handle(err)
			return err
		}
	}
	if stopped != nil {
		return stopped
	}
	var unreached error // why no connection was made, if none was
	if !checked {
		found := w.checkUntil(deadline.Add(-flushGrace), true)
		if verdict(found) {
			w.Handle(found)
			w.stop(found)
			return found
		}
		unreached = found
	}
	if unreached == nil {
		deadline = deadline.Add(flushGrace)
	} // else the flush is a last attempt, within the timeout
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	err := tp.ForceFlush(ctx)
	if err == nil {
		return nil
	}
	w.Handle(err)
	w.mu.Lock()
	w.failedWait = max(w.failedWait, time.Since(start))
	w.mu.Unlock()
	switch {
	case errors.As(unreached, new(errNoConnection)):
		// The spans stay queued: else the shutdown would try once more,
		// and gf's would log its failure with a stack.
		w.Handle(unreached)
		w.stop(err)
	case unreached != nil:
		w.Handle(unreached) // the exporter's error may only say it gave up
	case ctx.Err() == nil && disconnected(err) && w.counts().Delivered > 0:
		return nil // the collector went away during the flush: see above
	case ctx.Err() != nil:
		w.stop(err) // so that gf's shutdown does not wait a second more
	}
	w.Cutoff(time.Now())
	return err
}

// stop keeps the spans still queued from leaving, with Begin's halt: for
// an endpoint not reached within the timeout, or one that a check after
// spans were queued found to be no OTLP collector (a verdict).
func (w *Watcher) stop(why error) {
	w.mu.Lock()
	w.stopped = why
	halt := w.halt
	w.mu.Unlock()
	w.Cutoff(time.Now())
	if halt != nil {
		halt()
	}
}

// Stopped tells whether the Watcher stopped the run's exports.
func (w *Watcher) Stopped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopped != nil
}

// Cutoff makes the flushes that start from now on wait at most until at
// (and flushGrace), for a program that was asked to stop.
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

	// Made counts the spans started, whatever a sampler decided: a span it
	// did not record is neither delivered nor lost, it was never made for
	// export. RootsSampled counts the new traces it kept.
	Made, RootsSampled int64
	// Refusal is the HTTP status with which the collector refused the
	// check, or "".
	Refusal string
	// Redact removes secrets from what Cause quotes; nil redacts nothing.
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

// OK tells whether every span to deliver reached the collector; with none
// to deliver, whether the sampler made any. A run that made none is not OK.
func (r Result) OK() bool {
	if r.Recorded == 0 {
		return r.Made > 0
	}
	if r.AnswersUnread { // no span is known delivered: the checks decide
		return r.Unseen == r.Recorded && r.Closing == nil && r.Failed == 0 && r.Dropped == 0
	}
	return r.Delivered == r.Recorded && r.Failed == 0 && r.Dropped == 0
}

// NoneRecorded tells whether spans were made but the sampler recorded none.
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

// Exported counts the spans whose export succeeded so far, as the SDK
// counts them: accepted by the collector or, over gf's otlphttp.Init, sent
// and answered 2xx (see unseen.go). Each call collects the SDK's metrics.
func (w *Watcher) Exported() int64 { return w.counts().Delivered }

// counts reads the SDK's counts, and the recorded spans that Count saw.
func (w *Watcher) counts() Result {
	var rm metricdata.ResourceMetrics
	if err := w.reader.Collect(context.Background(), &rm); err != nil {
		w.Handle(err)
	}
	r := Result{Recorded: w.spans.sampled.Load(), RootsSampled: w.spans.roots.Load()}
	if w.cfg.Sampler == nil {
		r.Made = r.Recorded // every span made is sampled; the SDK's count is off (see MeterProvider)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, _ := m.Data.(metricdata.Sum[int64])
			for _, dp := range sum.DataPoints {
				failed := dp.Attributes.HasValue(semconv.ErrorTypeKey)
				switch {
				case m.Name == metricStarted:
					r.Made += dp.Value
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

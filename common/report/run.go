package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/exitcode"
	"example.com/gftrace/common/load"
	"example.com/gftrace/common/waterfall"
)

// Run is one run of a main, as the report sees it: the main's run function
// calls Record once tracing is set up, with its Flush deferred after the
// shutdown's, and Load for the high-volume mode. A hook out of order panics
// with a message that names it. A service has no such thing.
type Run struct {
	cfg      config.Config
	watch    *delivery.Watcher
	set      []string                 // what Setup set for a -traces run
	tp       *sdktrace.TracerProvider // the provider Init installed; nil until Record
	picture  *waterfall.Recorder      // nil until Record, and in a -traces run
	stats    *load.Stats              // nil unless Load ran
	flushed  bool
	withheld bool // Record kept every span from an endpoint that is no collector

	interrupted   context.Context // ended by the first SIGINT or SIGTERM; nil unless Load ran
	endInterrupts func()          // stops catching the signals
}

// Main reads the flags and the environment (bad input: exit code 2), makes
// the process-wide settings the report needs (Setup), calls run, the main's
// service code, and prints what reached the collector: the report, or with
// -json one JSON line. It returns the exit code (see package exitcode).
func Main(p config.Protocol, run func(config.Config, *Run) error) int {
	cfg, code, ok := config.Load(p)
	if !ok {
		return code
	}
	return mainWith(cfg, run)
}

func mainWith(cfg config.Config, run func(config.Config, *Run) error) int {
	if _, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider); ok {
		panic("report: tracing was set up before report.Main: Setup must come first, so that the SDK counts the spans; call Init in run")
	}
	if cfg.Protocol == config.HTTP && cfg.NeedsProvider() {
		// The own provider's exporter takes a client: one that follows no
		// redirect and counts only OTLP answers as delivered.
		cfg.HTTPClient = delivery.HTTPClient(cfg)
	}
	watch, set := Setup(cfg)
	if cfg.Traces <= 1 && cfg.Sampler != nil {
		// The picture shows a trace the sampler dropped too: its spans are
		// recorded, not sampled, so the batch processor sends none of them.
		cfg.Sampler = sdktrace.AlwaysRecord(cfg.Sampler)
	}
	r := &Run{cfg: cfg, watch: watch, set: set}
	if err := run(cfg, r); err != nil {
		why := "tracing did not start: " + cfg.Redact(err.Error())
		fmt.Fprintf(os.Stderr, "%s: %s\n", cfg.Protocol.Program(), why)
		if cfg.JSON {
			WriteJSON(os.Stdout, cfg, Result{Program: cfg.Protocol.Program(), Protocol: cfg.Protocol.String(), Target: cfg.Target(),
				Cause: why, Summary: why, ExitCode: exitcode.NotDelivered})
		}
		return exitcode.NotDelivered
	}
	switch {
	case r.tp == nil:
		panic("report: run returned without calling rep.Record(): call it once tracing is set up, as defer rep.Record().Flush() after defer shutdown")
	case !r.flushed:
		panic("report: run returned without calling Flush: write defer rep.Record().Flush(), after defer shutdown")
	}
	code := r.print(os.Stdout)
	if r.endInterrupts != nil {
		var late load.Interrupted
		if errors.As(context.Cause(r.interrupted), &late) && !errors.As(r.stats.Stopped, new(load.Interrupted)) {
			fmt.Fprintf(os.Stderr, "%s: %s came during the shutdown, after the run had ended: the summary counts every span\n", cfg.Protocol.Program(), load.SignalName(late.Signal))
		}
		r.endInterrupts()
	}
	return code
}

// Record starts the report's watch on the tracer provider that Init
// installed: it checks the collector before any span is made, and keeps
// this run's spans for the picture.
func (r *Run) Record() *Run {
	tp, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider)
	switch {
	case r.tp != nil:
		panic("report: rep.Record() called twice")
	case !ok:
		panic("report: rep.Record() called before tracing was set up: call it after Init (or your own provider)")
	case shutDown(tp):
		panic("report: rep.Record() called after the tracer provider was shut down: call it after Init, before any span")
	}
	r.tp = tp
	countSpansWithoutTracers(r.cfg)
	if err := r.watch.Begin(tp, func() { halt(tp) }); err != nil {
		tp, r.withheld = withhold(tp, r.cfg.Sampler), true
		r.watch.Count(tp)
	}
	if r.cfg.Traces <= 1 {
		r.picture = waterfall.Record(tp)
	}
	return r
}

// shutDown tells whether tp was shut down: its tracers then do nothing.
func shutDown(tp *sdktrace.TracerProvider) bool {
	_, noop := tp.Tracer("example.com/gftrace/common/report").(noop.Tracer)
	return noop
}

// Flush waits for the collector's answer to every span that has ended, at
// most -timeout, so that the report can say what it accepted: the shutdown
// that follows would give up after a second.
func (r *Run) Flush() {
	if shutDown(r.tp) && !r.withheld && !r.watch.Stopped() {
		panic("report: Flush ran after the tracer provider's shutdown, so it had nothing to wait for: defer rep.Record().Flush() after defer shutdown, so that it runs first")
	}
	r.flushed = true
	// Load flushed already; a run whose spans the sampler dropped has nothing to wait for.
	if r.stats == nil && !r.watch.Result().NoneRecorded() {
		r.watch.Flush()
	}
}

// Load is the high-volume mode (see package load): trace makes one trace,
// and Load makes -traces of them, paced, with progress on stderr.
func (r *Run) Load(trace func()) error {
	// The signals stay caught until the report is printed (see mainWith):
	// one during the shutdown must not kill the process before the summary.
	r.interrupted, r.endInterrupts = interrupts()
	st := load.Run(r.interrupted, r.cfg, r.watch, os.Stderr, trace)
	st.Set = r.set
	r.stats = &st
	return nil
}

// print writes the report, or the JSON result, to stdout and returns the
// exit code. When stdout takes no more (a full disk, a closed pipe), the
// summary goes to stderr and the code is exitcode.OutputLost: a script must
// not take an empty result for a run that went well.
func (r *Run) print(stdout io.Writer) int {
	res := r.watch.Result()
	var out bytes.Buffer
	var code int
	if r.stats != nil {
		code = PrintVolume(&out, r.cfg, *r.stats, res)
	} else {
		if r.picture == nil {
			r.picture = &waterfall.Recorder{}
		}
		code = Print(&out, r.cfg, r.picture, res)
	}
	what := "report"
	if r.cfg.JSON {
		what = "JSON result"
		out.Reset()
		WriteJSON(&out, r.cfg, r.result(res, code))
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		fmt.Fprintf(r.cfg.RedactWriter(os.Stderr), "%s: the %s could not be written to stdout (%v); its summary: %s\n",
			r.cfg.Protocol.Program(), what, err, Summary(r.cfg, r.watch.Result()))
		return exitcode.OutputLost
	}
	return code
}

package report

import (
	"context"
	"fmt"
	"log"
	"maps"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/go-logr/stdr"
	"github.com/gogf/gf/v2/errors/gerror"
	"github.com/gogf/gf/v2/frame/g"
	"github.com/gogf/gf/v2/os/gcfg"
	"github.com/gogf/gf/v2/os/glog"
	"github.com/gogf/gf/v2/util/gutil"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/exitcode"
	"example.com/gftrace/common/load"
)

// gcPercent is the garbage collector's setting for a -traces run, unless
// GOGC says otherwise: every span is garbage soon after its export, and at
// Go's default (100) the collector takes the CPU the exporter needs. 400
// costs a few tens of megabytes and buys about a sixth more spans a second.
const gcPercent = 400

// Setup makes every change to the process that the report needs, before
// tracing starts; this file is the one place of the sample that changes the
// process (internal/processwide keeps it so). It returns the Watcher that
// counts the spans, and what it set for a -traces run, as KEY=value.
//
// It sets the environment the SDK reads when Init builds it (delivery.Env,
// cfg.Batch.Set) and unsets the certificate variables, whose files were
// read already; makes gf's and OpenTelemetry's loggers safe (setUpLogging);
// routes the SDK's counts and background errors to the Watcher; ignores
// SIGPIPE, so that a stdout whose reader went away (| head -1) fails a write
// instead of killing the process before a span is sent. A -traces run gets
// GOGC, and gf's log level raised: the sample warns once per missing user.
func Setup(cfg config.Config) (*delivery.Watcher, []string) {
	for _, kv := range append(delivery.Env(cfg, os.Getenv), cfg.Batch.Set...) {
		key, value, _ := strings.Cut(kv, "=")
		os.Setenv(key, value)
	}
	for _, key := range config.CertificateVariables() {
		os.Unsetenv(key)
	}
	for _, w := range setUpLogging(cfg) {
		fmt.Fprintf(cfg.RedactWriter(os.Stderr), "%s: warning: %s\n", cfg.Protocol.Program(), w)
	}
	signal.Ignore(syscall.SIGPIPE)
	watch := delivery.NewWatcher(cfg)
	otel.SetMeterProvider(watch.MeterProvider())
	otel.SetErrorHandler(otel.ErrorHandlerFunc(watch.Handle))

	var set []string
	if cfg.Traces > 1 {
		g.Log().SetLevel(glog.LEVEL_ERRO | glog.LEVEL_CRIT)
		g.Log().SetStack(false) // gf's shutdown may log an unanswered export, which the summary counts
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(gcPercent)
			set = append(set, "GOGC="+strconv.Itoa(gcPercent))
		}
	}
	return watch, set
}

// setUpLogging makes the loggers of gf and OpenTelemetry safe to use: it
// drops the settings of the GoFrame project's own configuration that gf's
// logger cannot use, with a warning each (that configuration is not this
// program's input, so the run goes on), and redacts the secrets of cfg from
// every log line.
func setUpLogging(cfg config.Config) []string {
	warnings := goFrameConfigWarnings()
	// Every logger without handlers of its own, g.Log() included.
	next := glog.GetDefaultHandler()
	glog.SetDefaultHandler(func(ctx context.Context, in *glog.HandlerInput) {
		in.Content = cfg.Redact(in.Content)
		for i, v := range in.Values {
			in.Values[i] = cfg.Redact(fmt.Sprint(v))
		}
		if next != nil {
			next(ctx, in)
		} else {
			in.Next(ctx)
		}
	})
	otel.SetLogger(stdr.New(log.New(cfg.RedactWriter(os.Stderr), "", log.LstdFlags|log.Lshortfile)))
	// net/http logs a collector's unsolicited bytes through Go's standard
	// logger, and they may echo the headers it was sent.
	log.SetOutput(cfg.RedactWriter(os.Stderr))
	return warnings
}

// goFrameConfigWarnings makes g.Cfg() and g.Log() work whatever the
// project's configuration says: a configuration directory that does not
// exist makes every g.Log() crash, and a logger setting gf cannot apply (a
// path it cannot create, an unknown level) makes the first g.Log() panic,
// possibly after the spans were sent and before the report.
func goFrameConfigWarnings() []string {
	var warnings []string
	if gcfg.Instance() == nil {
		warnings = append(warnings, fmt.Sprintf("GF_GCFG_PATH=%q is not a directory: gf looks for its configuration in the usual places instead", os.Getenv("GF_GCFG_PATH")))
		os.Unsetenv("GF_GCFG_PATH")
		if gcfg.Instance() == nil {
			return warnings
		}
	}
	ctx := context.Background()
	adapter, _ := g.Cfg().GetAdapter().(*gcfg.AdapterFile)
	if adapter == nil {
		return warnings // another adapter: not a file of the project
	}
	file, _ := adapter.GetFilePath()
	if file == "" {
		return warnings // no configuration file: gf's defaults
	}
	data, err := g.Cfg().Data(ctx)
	if err != nil {
		return append(warnings, fmt.Sprintf("%s cannot be read (%s): GoFrame's configuration is not used", file, firstLine(err)))
	}
	// The logger's node as gins.Log finds it: "logger", in any case, and
	// its "default" child if it has one.
	node := "logger"
	if key, _ := gutil.MapPossibleItemByKey(data, node); key != "" {
		node = key
	}
	for _, n := range []string{node + "." + glog.DefaultName, node} {
		v, _ := g.Cfg().Get(ctx, n)
		if v.IsEmpty() {
			continue
		}
		settings := v.Map()
		if glog.New().SetConfigWithMap(settings) == nil {
			break
		}
		// Keep what gf can use; drop and name each setting it cannot.
		usable := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(settings)) {
			if err := glog.New().SetConfigWithMap(map[string]any{k: settings[k]}); err != nil {
				warnings = append(warnings, fmt.Sprintf("%s: %s.%s cannot be used (%s): gf's logger goes on without it", file, n, k, firstLine(err)))
			} else {
				usable[k] = settings[k]
			}
		}
		adapter.Set(n, usable)
		break
	}
	// Whatever gf still cannot use (settings that fail only together) must
	// not crash the run.
	if err := firstLog(); err != nil {
		warnings = append(warnings, fmt.Sprintf("%s: gf's logger cannot use its %s settings (%v): it goes on with its defaults", file, node, err))
		adapter.Set(node+"."+glog.DefaultName, nil)
		adapter.Set(node, nil)
	}
	return warnings
}

// firstLine is the first line of gf's cause of err.
func firstLine(err error) string {
	line, _, _ := strings.Cut(gerror.Cause(err).Error(), "\n")
	return line
}

// firstLog makes gf's logger, whose first use panics when its settings
// fail, and returns what it panicked with.
func firstLog() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	g.Log()
	return nil
}

// interrupts catches SIGINT and SIGTERM until end is called: the first ends
// ctx, with load.Interrupted as its cause, so that load.Run stops making
// traces and flushes what was made; a second ends the process at once,
// without waiting for the collector: the user asked twice.
func interrupts() (ctx context.Context, end func()) {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan struct{})
	go func() {
		select {
		case s := <-signals:
			cancel(load.Interrupted{Signal: s})
		case <-done:
			return
		}
		select {
		case s := <-signals:
			fmt.Fprintf(os.Stderr, "%s again: exiting without waiting for the collector\n", load.SignalName(s))
			os.Exit(exitcode.Signal(s))
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(done)
	}
}

// withhold keeps every span from an endpoint that Record's check found is
// no collector (a web page, a redirect), before any span was made: it shuts
// tp down while its batch processor holds nothing, so that the exporter
// stops without sending, and installs in its place a provider that only
// counts and records the run's spans for the report.
func withhold(tp *sdktrace.TracerProvider, sampler sdktrace.Sampler) *sdktrace.TracerProvider {
	tp.Shutdown(context.Background())
	if sampler == nil {
		sampler = sdktrace.AlwaysSample() // gf's Init's
	}
	kept := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler))
	otel.SetTracerProvider(kept)
	return kept
}

// countSpansWithoutTracers switches the SDK's own counts off for the
// tracers made from now on, unless a sampler is set. Init has built the
// exporter and the batch processor, which keep theirs (delivered, failed,
// dropped). A tracer's would cost every span a context, a deferred call
// and a metric, about 2% of a busy run's instructions, for the count of
// spans recorded that delivery.Watcher.Count keeps for less. A sampler
// needs them: only they see the spans it did not record.
func countSpansWithoutTracers(cfg config.Config) {
	if cfg.Sampler == nil {
		os.Unsetenv(delivery.SwitchVariable)
	}
}

// halt keeps the spans that tp holds from leaving at the program's end, once
// the Watcher judged that no span may go (see delivery.Watcher.stop): gf's
// exporter cannot be replaced, so tp is shut down with a context that has
// already ended, which marks it shut down without exporting. What its batch
// processor holds stays queued; its timer would export it after
// OTEL_BSP_SCHEDULE_DELAY in a process that lived on, which the sample's
// programs do not.
func halt(tp *sdktrace.TracerProvider) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tp.Shutdown(ctx)
}

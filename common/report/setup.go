package report

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
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
// GOGC says otherwise. Every span is garbage soon after it is exported; at
// Go's default (100) the collector runs every few megabytes and takes the
// CPU that the exporter needs. 400 costs a few tens of megabytes and buys
// about a sixth more spans per second.
const gcPercent = 400

// Setup makes every change to the process that the report needs, before
// tracing starts. This file is the one place of the sample that changes
// the process (internal/processwide's test keeps it so): Setup, the
// interrupts of a -traces run, and what Record does to the provider that
// Init installed (withhold, halt); besides, main calls os.Exit. It
// returns the Watcher that counts the spans, and what it set for a
// -traces run besides cfg.Batch.Set, as KEY=value, for the report.
//
//   - the environment: the SDK's span counts switched on and an export
//     timeout (delivery.Env), and a -traces run's batch processor sizes
//     (config.Batch.Set), which the SDK reads when Init builds it; the
//     certificate variables unset, since their files were read already;
//   - the loggers and configuration of gf and OpenTelemetry: the GoFrame
//     project's settings that gf cannot use dropped with a warning (and
//     GF_GCFG_PATH unset when it names no directory), the secrets of cfg
//     redacted from every line (setUpLogging);
//   - the global meter provider and error handler, which receive the
//     SDK's counts and its background export errors;
//   - SIGPIPE ignored: a write to a stdout whose reader went away
//     (| head -1) fails instead of killing the process before a span
//     is sent; the report then says on stderr that stdout was lost;
//   - for a -traces run: GOGC, and gf's log level, since the sample logs a
//     warning per missing user, which would be a line per trace (its
//     errors come without a stack: gf's shutdown may report an export a
//     collector left unanswered, which the summary counts already).
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
		g.Log().SetStack(false)
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(gcPercent)
			set = append(set, "GOGC="+strconv.Itoa(gcPercent))
		}
	}
	return watch, set
}

// setUpLogging makes the loggers of gf and OpenTelemetry safe to use: it
// checks the GoFrame project's own configuration (manifest/config/config.yaml
// and the other files gf reads), drops the settings gf's logger cannot use,
// and redacts the secrets of cfg from every log line. It returns a warning
// for each problem: the project's configuration is not this program's input,
// so the run goes on without the bad setting. It changes the process's
// loggers.
func setUpLogging(cfg config.Config) []string {
	warnings := goFrameConfigWarnings()
	// Every logger without handlers of its own, g.Log() included, whatever
	// it writes to: stdout, a file, a writer.
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
	// OpenTelemetry's own log lines, as it writes them by default.
	otel.SetLogger(stdr.New(log.New(cfg.RedactWriter(os.Stderr), "", log.LstdFlags|log.Lshortfile)))
	// Go's standard logger: net/http logs through it a collector's
	// unsolicited bytes ("Unsolicited response received on idle HTTP
	// channel starting with ..."), which may echo the headers it was sent.
	log.SetOutput(cfg.RedactWriter(os.Stderr))
	return warnings
}

// goFrameConfigWarnings makes g.Cfg() and g.Log() work whatever the
// project's configuration says. Left alone, a configuration directory that
// does not exist makes every g.Log() crash, and a logger setting that gf
// cannot apply (a path it cannot create, an unknown level) makes the first
// g.Log() panic, possibly after the spans were sent and before the report.
func goFrameConfigWarnings() []string {
	var warnings []string
	if gcfg.Instance() == nil {
		// gf reads the directory from GF_GCFG_PATH (or -gf.gcfg.path, which
		// Parse refuses as an unknown flag).
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
		cause, _, _ := strings.Cut(gerror.Cause(err).Error(), "\n")
		return append(warnings, fmt.Sprintf("%s cannot be read (%s): GoFrame's configuration is not used", file, cause))
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
		if err := glog.New().SetConfigWithMap(settings); err == nil {
			break
		}
		// Keep what gf can use; drop and name each setting it cannot.
		keys := make([]string, 0, len(settings))
		for k := range settings {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		usable := map[string]any{}
		for _, k := range keys {
			if err := glog.New().SetConfigWithMap(map[string]any{k: settings[k]}); err != nil {
				cause, _, _ := strings.Cut(gerror.Cause(err).Error(), "\n")
				warnings = append(warnings, fmt.Sprintf("%s: %s.%s cannot be used (%s): gf's logger goes on without it", file, n, k, cause))
				continue
			}
			usable[k] = settings[k]
		}
		if glog.New().SetConfigWithMap(usable) != nil {
			usable = nil // the settings only fail together: gf's defaults
		}
		adapter.Set(n, usable)
		break
	}
	// Whatever gf still cannot use, it is not to crash the run.
	if err := firstLog(); err != nil {
		warnings = append(warnings, fmt.Sprintf("%s: gf's logger cannot use its %s settings (%v): it goes on with its defaults", file, node, err))
		adapter.Set(node+"."+glog.DefaultName, nil)
		adapter.Set(node, nil)
	}
	return warnings
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

// interrupts hands the first SIGINT or SIGTERM of a -traces run to load.Run
// (see load.Interrupted) until end is called. A second signal ends the
// process at once, without waiting for the collector: the user asked twice.
func interrupts() (first <-chan os.Signal, end func()) {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	out := make(chan os.Signal, 1)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-signals:
			out <- s
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
	return out, func() {
		signal.Stop(signals)
		close(done)
	}
}

// withhold keeps every span from an endpoint that the check found is no
// collector (a web page, a redirect), before any span was made: it shuts
// tp, the provider that Init installed, down while its batch processor
// holds nothing, so that the exporter stops without sending, and installs
// in its place a provider that only counts and records the run's spans for
// the report. It returns that provider.
func withhold(tp *sdktrace.TracerProvider, sampler sdktrace.Sampler) *sdktrace.TracerProvider {
	tp.Shutdown(context.Background())
	if sampler == nil {
		sampler = sdktrace.AlwaysSample() // gf's Init's
	}
	kept := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler))
	otel.SetTracerProvider(kept)
	return kept
}

// halt keeps the spans that tp holds from leaving at the program's end, for
// the Watcher once it judged that no span may go (see delivery.Watcher.stop).
// gf's Init builds an exporter that would follow a redirect and take a web
// page's 200 for a delivery, and cannot be given another: tp is shut down
// with a context that has already ended, which marks it shut down without
// exporting, so that the shutdown the program calls at its end sends
// nothing. What its batch processor holds stays there: the processor's
// timer would still export it after OTEL_BSP_SCHEDULE_DELAY in a process
// that lived on, which the sample's programs do not (Record's check finds
// a web page or a redirect before any span is made: see withhold).
func halt(tp *sdktrace.TracerProvider) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tp.Shutdown(ctx)
}

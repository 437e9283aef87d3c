package report

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/gogf/gf/v2/frame/g"
	"github.com/gogf/gf/v2/os/glog"
	"go.opentelemetry.io/otel"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
)

// gcPercent is the garbage collector's setting for a -traces run, unless
// GOGC says otherwise. Every span is garbage soon after it is exported; at
// Go's default (100) the collector runs every few megabytes and takes the
// CPU that the exporter needs. 400 costs a few tens of megabytes and buys
// about a sixth more spans per second.
const gcPercent = 400

// Setup makes every change to the process that the report needs, before
// tracing starts; nothing else in the sample changes global state. It
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
//     redacted from every line (config.SetUpLogging);
//   - the global meter provider and error handler, which receive the
//     SDK's counts and its background export errors;
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
	config.RedactStandardLogger(cfg, os.Stderr)
	for _, w := range config.SetUpLogging(cfg) {
		fmt.Fprintf(cfg.RedactWriter(os.Stderr), "%s: warning: %s\n", cfg.Protocol.Program(), w)
	}
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

package config

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
	"strings"

	"github.com/go-logr/stdr"
	"github.com/gogf/gf/v2/errors/gerror"
	"github.com/gogf/gf/v2/frame/g"
	"github.com/gogf/gf/v2/os/gcfg"
	"github.com/gogf/gf/v2/os/glog"
	"github.com/gogf/gf/v2/util/gutil"
	"go.opentelemetry.io/otel"
)

// SetUpLogging makes the loggers of gf and OpenTelemetry safe to use: it
// checks the GoFrame project's own configuration (manifest/config/config.yaml
// and the other files gf reads), drops the settings gf's logger cannot use,
// and redacts the secrets of cfg from every log line. It returns a warning
// for each problem: the project's configuration is not this program's input,
// so the run goes on without the bad setting. It changes the process's
// loggers: report.Setup calls it, with every other process-wide change.
func SetUpLogging(cfg Config) []string {
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
	return warnings
}

// RedactStandardLogger sends the lines of Go's standard logger to w with
// the secrets of cfg redacted: net/http logs through it, for one, a
// collector's unsolicited bytes ("Unsolicited response received on idle
// HTTP channel starting with ..."), which may echo the headers it was sent.
// It changes the process's standard logger: report.Setup calls it.
func RedactStandardLogger(cfg Config, w io.Writer) {
	log.SetOutput(cfg.RedactWriter(w))
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

package delivery

import (
	"os"
	"strings"

	"go.opentelemetry.io/otel"

	"example.com/gftrace/common/config"
)

// Watch makes a Watcher and the process-wide settings that report.Setup
// makes for it, for the tests of this package.
func Watch(cfg config.Config) *Watcher {
	for _, kv := range Env(cfg, os.Getenv) {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	w := NewWatcher(cfg)
	otel.SetMeterProvider(w.MeterProvider())
	otel.SetErrorHandler(otel.ErrorHandlerFunc(w.Handle))
	return w
}

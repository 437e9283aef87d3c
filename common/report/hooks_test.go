package report

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"example.com/gftrace/common/config"
)

// A hook of the report out of its place in run, or missing, stops the run
// at once with a message that names it, instead of a report that silently
// waited for nothing.
func TestHooksOutOfOrderFail(t *testing.T) {
	initTracing := func() func() {
		tp := sdktrace.NewTracerProvider()
		otel.SetTracerProvider(tp)
		return func() { tp.Shutdown(context.Background()) }
	}
	for _, c := range []struct {
		name   string
		before func() // what the main does before report.Main
		run    func(config.Config, *Run) error
		want   string
	}{
		{"Record before Init", nil, func(_ config.Config, rep *Run) error {
			defer rep.Record().Flush()
			defer initTracing()()
			return nil
		}, "called before tracing was set up"},
		{"the two defers swapped: Flush runs after the shutdown", nil, func(_ config.Config, rep *Run) error {
			shutdown := initTracing()
			rec := rep.Record()
			defer rec.Flush()
			defer shutdown()
			return nil
		}, "Flush ran after the tracer provider's shutdown"},
		{"no Record", nil, func(config.Config, *Run) error {
			defer initTracing()()
			return nil
		}, "without calling rep.Record()"},
		{"no Flush", nil, func(_ config.Config, rep *Run) error {
			defer initTracing()()
			rep.Record()
			return nil
		}, "without calling Flush"},
		{"Init before Setup", func() { initTracing() }, func(_ config.Config, rep *Run) error {
			return nil
		}, "tracing was set up before report.Main"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer otel.SetTracerProvider(noop.NewTracerProvider())
			if c.before != nil {
				c.before()
			}
			got := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				mainWith(config.Config{Protocol: config.GRPC, Timeout: time.Second, JSON: true}, c.run)
				return ""
			}()
			if !strings.Contains(got, c.want) {
				t.Errorf("panic %q, want one that says %q", got, c.want)
			}
		})
	}
	// In order, the same run passes.
	defer otel.SetTracerProvider(noop.NewTracerProvider())
	mainWith(config.Config{Protocol: config.GRPC, Timeout: time.Second, JSON: true}, func(_ config.Config, rep *Run) error {
		defer initTracing()()
		defer rep.Record().Flush()
		return nil
	})
}

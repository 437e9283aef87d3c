// Package report prints how a run ended: the picture of its trace, the trace
// id, the trace context a call to another service would carry, and one line
// saying how many spans reached which collector, or why not.
package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/downstream"
	"example.com/gftrace/common/exitcode"
	"example.com/gftrace/common/load"
	"example.com/gftrace/common/printable"
	"example.com/gftrace/common/waterfall"
)

// JaegerUI and JaegerAPI are where a Jaeger on the default ports serves a
// trace: its UI (Jaeger's Docker image, or scripts/jaeger.sh with the UI
// assets), and its API, which every Jaeger serves.
const (
	JaegerUI  = "http://localhost:16686/trace/"
	JaegerAPI = "http://localhost:16686/api/traces/"
)

// Print writes the report of one run to w and returns the exit code: the
// picture of the spans rec kept, the trace id, the trace context main would
// send to a service downstream, and how many spans the collector accepted.
func Print(w io.Writer, cfg config.Config, rec *waterfall.Recorder, res delivery.Result) int {
	var b strings.Builder
	fmt.Fprintln(&b)
	markNotSampled(&b, cfg, res)
	spans, omitted := rec.Spans()
	waterfall.Draw(&b, waterfall.FromSDK(spans), waterfall.Options{})
	if omitted > 0 {
		fmt.Fprintf(&b, "The picture shows %d of the %d spans that ended (the first to end, and their parents); it leaves out %d.\n", len(spans), omitted+len(spans), omitted)
	}
	root := rec.Root()
	id := root.TraceID()
	if id.IsValid() {
		fmt.Fprintf(&b, "trace id: %s\n", id)
	}
	// GetUser sets the baggage on its own context: main's carries traceparent alone.
	if outgoing := downstream.Inject(trace.ContextWithSpanContext(context.Background(), root)); len(outgoing) > 0 {
		fmt.Fprintf(&b, "%s main would send downstream: %s\n", carrier[cfg.Protocol], headers(outgoing))
	}
	if !downstream.CarriesBaggage() {
		fmt.Fprintf(&b, "No baggage header: the installed propagator writes %s alone, so baggage does not reach other services.\n",
			strings.Join(otel.GetTextMapPropagator().Fields(), ", "))
	}
	code := outcome(&b, cfg, res)
	if code == exitcode.Delivered && cfg.IsDefaultEndpoint() && id.IsValid() && res.Recorded > 0 {
		fmt.Fprintf(&b, "View it in Jaeger: %s%s (its API: %s%s)\n", JaegerUI, id, JaegerAPI, id)
	}
	io.WriteString(w, b.String())
	return code
}

// carrier names what carries the trace context to the next service.
var carrier = map[config.Protocol]string{config.GRPC: "gRPC metadata", config.HTTP: "HTTP headers"}

// PrintVolume writes the report of a high-volume run (see package load) to
// w and returns the exit code: the counts and rate of the run and the
// settings that made them, then the same lines as Print ends with.
func PrintVolume(w io.Writer, cfg config.Config, st load.Stats, res delivery.Result) int {
	var b strings.Builder
	secs := st.Elapsed.Seconds()
	fmt.Fprintf(&b, "Traces:            %d of %d (%d spans each, from %d goroutines)\n", st.Traces, cfg.Traces, st.SpansPerTrace, cfg.Concurrency)
	writeSampling(&b, cfg, st, res)
	fmt.Fprintf(&b, "Spans delivered:   %d\n", res.Delivered)
	if res.AnswersUnread {
		fmt.Fprintf(&b, "Spans unseen:      %d (sent; %s)\n", res.Unseen, unseenSpans)
	}
	fmt.Fprintf(&b, "Spans dropped:     %d\n", res.Dropped)
	fmt.Fprintf(&b, "Spans failed:      %d\n", res.Failed)
	unconfirmed := res.Recorded - res.Delivered - res.Failed - res.Dropped
	if res.AnswersUnread {
		fmt.Fprintf(&b, "Spans unconfirmed: %d (the %d unseen, and %d queued or being exported when the program stopped waiting)\n", unconfirmed, res.Unseen, unconfirmed-res.Unseen)
	} else {
		fmt.Fprintf(&b, "Spans unconfirmed: %d (queued or being exported when the program stopped waiting)\n", unconfirmed)
	}
	fmt.Fprintf(&b, "Elapsed:           %s (first span to the collector's last answer)\n", st.Elapsed.Round(time.Millisecond))
	if res.AnswersUnread {
		fmt.Fprintf(&b, "Spans per second:  %.0f sent, answers unseen\n", float64(res.Unseen)/secs)
	} else {
		fmt.Fprintf(&b, "Spans per second:  %.0f delivered\n", float64(res.Delivered)/secs)
	}
	bsp := cfg.Batch
	fmt.Fprintf(&b, "Exporter:          %s with gzip; batch span processor: queue %d, batch %d, schedule delay %s, export timeout %s (OTEL_BSP_*)\n",
		cfg.Protocol, bsp.QueueSize, bsp.BatchSize, bsp.ScheduleDelay, bsp.ExportTimeout)
	if cfg.Pace {
		fmt.Fprintf(&b, "Pacing:            at most %d spans wait in the queue; %d flushes\n", st.Room, st.Flushes)
	} else {
		fmt.Fprintln(&b, "Pacing:            off (-pace=false): a span that finds the queue full is dropped")
	}
	set := "nothing: the environment said it all"
	if all := append(append([]string(nil), cfg.Batch.Set...), st.Set...); len(all) > 0 {
		set = strings.Join(all, " ") + " (where the environment did not say)"
	}
	fmt.Fprintf(&b, "Set by program:    %s\n", set)
	var interrupted load.Interrupted
	switch {
	case errors.As(st.Stopped, &interrupted):
		fmt.Fprintf(&b, "Stopped early:     %v; the traces made were flushed, within -timeout\n", interrupted)
	case st.Stopped != nil:
		fmt.Fprintln(&b, "Stopped early:     exports failed and did not recover within -timeout (the cause is below), so the other traces were not made")
	}
	code := outcome(&b, cfg, res)
	if interrupted.Signal != nil {
		code = exitcode.Signal(interrupted.Signal)
	}
	io.WriteString(w, b.String()) // what came from outside is redacted in the cause
	return code
}

// outcome writes the lines every run ends with (the summary, the wait, a
// hint on failure) and returns the exit code.
func outcome(b *strings.Builder, cfg config.Config, res delivery.Result) int {
	fmt.Fprintln(b, Summary(cfg, res))
	if a := Answers(res); a != "" {
		fmt.Fprintln(b, a)
	}
	fmt.Fprintf(b, "Waited %s for the collector's answer.\n", res.Waited.Round(time.Microsecond))
	if h := Hint(cfg, res); h != "" {
		fmt.Fprintln(b, h)
	}
	if res.OK() {
		return exitcode.Delivered
	}
	return exitcode.NotDelivered
}

// Hint is the advice that follows a failed run's summary, or "".
func Hint(cfg config.Config, res delivery.Result) string {
	switch {
	case res.OK():
		return ""
	case res.Unseen > 0 && res.Closing != nil:
		return unseenHint
	case res.Dropped > 0 && len(res.Errs) == 0:
		return dropHint(cfg)
	case res.NoAnswer():
		return fmt.Sprintf("Something accepts connections there but did not answer: check that it is a collector's %s port; if the collector is busy, give it longer with -timeout.", cfg.Protocol)
	case !res.Answered() && res.Delivered+res.Unseen == 0:
		return "Is a collector running there? To start one locally: scripts/jaeger.sh start (see the README)."
	}
	return ""
}

// dropHint is the advice when the batch processor's queue overflowed:
// pacing (-pace) keeps it from overflowing only in a -traces run, so
// otherwise, or when it was on, the queue was too small.
func dropHint(cfg config.Config) string {
	queue := fmt.Sprintf("OTEL_BSP_MAX_QUEUE_SIZE=%d", cfg.Batch.QueueSize)
	switch {
	case cfg.Traces > 1 && !cfg.Pace:
		return fmt.Sprintf("Spans ended faster than the exporter sent them: leave -pace on (the default) or raise the queue (%s).", queue)
	case cfg.Traces > 1:
		return fmt.Sprintf("The batch processor's queue (%s) was too small even with -pace: raise it.", queue)
	}
	return fmt.Sprintf("More spans ended at once than the batch processor's queue holds (%s): raise it; -pace applies to -traces runs only.", queue)
}

// Summary is the one line that says how many spans were delivered, where,
// over which protocol, and if not all, why.
func Summary(cfg config.Config, res delivery.Result) string {
	if res.NoneRecorded() {
		return notSampledSummary(cfg, res)
	}
	where := cfg.Target()
	res.Redact = cfg.Redact
	cause := printable.Escaped(cause(res, where)) // it quotes what the collector said
	if res.Unseen > 0 {
		return unseenSummary(res, where, cfg.Protocol.String(), cause)
	}
	s := fmt.Sprintf("%d of %d spans delivered to %s over %s", res.Delivered, res.Recorded, where, cfg.Protocol)
	if cause != "" {
		return s + ": " + cause
	}
	return s + "."
}

// headers writes metadata as "key: value" pairs in key order, separated by
// "; ".
func headers(md metadata.MD) string {
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(md)) {
		pairs = append(pairs, k+": "+strings.Join(md[k], ", "))
	}
	return strings.Join(pairs, "; ")
}

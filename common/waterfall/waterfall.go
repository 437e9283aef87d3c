// Package waterfall keeps the spans of one run and draws them in the
// terminal as a trace viewer would: the tree by indentation, each span's
// time as a bar on a common time axis, its duration, and a mark on errors.
// The same drawing serves the sample's report (Draw, spans of this process)
// and the trace viewer scripts/otlpreceiver (DrawSpans, received spans).
package waterfall

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// maxSpans bounds what a Recorder keeps: a picture of more is unreadable.
const maxSpans = 1000

// Recorder is a span processor that keeps the spans that end, for the picture.
type Recorder struct {
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
}

// Record starts keeping the spans of the SDK tracer provider that gf's Init
// installed. Call it after Init.
func Record() *Recorder {
	r := &Recorder{}
	if tp, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider); ok {
		tp.RegisterSpanProcessor(r)
	}
	return r
}

// OnStart does nothing: a span is drawn once it has ended.
func (r *Recorder) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd keeps the span.
func (r *Recorder) OnEnd(s sdktrace.ReadOnlySpan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.spans) < maxSpans {
		r.spans = append(r.spans, s)
	}
}

// Shutdown does nothing: there is nothing to release.
func (r *Recorder) Shutdown(context.Context) error { return nil }

// ForceFlush does nothing: spans are kept as they end.
func (r *Recorder) ForceFlush(context.Context) error { return nil }

// Spans returns the spans kept so far, in the order they ended.
func (r *Recorder) Spans() []sdktrace.ReadOnlySpan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sdktrace.ReadOnlySpan(nil), r.spans...)
}

// TraceID returns the trace of the first root span kept, or an invalid id.
func (r *Recorder) TraceID() trace.TraceID { return r.Root().TraceID() }

// Root returns the span context of the first root span kept (a span with
// no parent, or whose parent is in the process that started this one), or
// an invalid one.
func (r *Recorder) Root() trace.SpanContext {
	for _, s := range r.Spans() {
		if !s.Parent().IsValid() || s.Parent().IsRemote() {
			return s.SpanContext()
		}
	}
	return trace.SpanContext{}
}

// barWidth is the width of the time axis in characters.
const barWidth = 30

// Draw writes the spans as a waterfall: roots first, children under their
// parent in start order, each line with its bar, its duration in ms and, on
// error spans, a ✗ and the status message. A root whose parent is missing
// gets a warning line under it.
func Draw(w io.Writer, spans []sdktrace.ReadOnlySpan) { DrawSpans(w, FromSDK(spans), false) }

// DrawSpans writes spans as Draw does, wherever they were recorded; with
// details, each span's attributes and events go under it.
func DrawSpans(w io.Writer, spans []Span, details bool) {
	if len(spans) == 0 {
		return
	}
	start, end := spans[0].Start, spans[0].End
	for _, s := range spans {
		if s.Start.Before(start) {
			start = s.Start
		}
		if s.End.After(end) {
			end = s.End
		}
	}
	total := end.Sub(start)
	rows := Tree(spans)
	nameWidth := 0
	for _, r := range rows {
		nameWidth = max(nameWidth, len([]rune(r.Branch+r.Span.Name)))
	}
	for _, r := range rows {
		s := r.Span
		label := r.Branch + s.Name
		pad := strings.Repeat(" ", nameWidth-len([]rune(label)))
		fmt.Fprintf(w, "%s%s  %s %8.3f ms", label, pad, bar(s.Start.Sub(start), s.End.Sub(s.Start), total), ms(s.End.Sub(s.Start)))
		if s.StatusCode == "Error" {
			fmt.Fprintf(w, "  ✗ %s", s.StatusMessage)
		}
		fmt.Fprintln(w)
		if p := r.MissingParent(); p != "" {
			fmt.Fprintf(w, "%s⚠ parent %s never arrived\n", r.Under, p)
		}
		if details {
			drawDetails(w, r.Under, s)
		}
	}
}

// drawDetails writes the span's kind when it is not the usual internal one,
// its attributes, and its events with their time from the span's start.
func drawDetails(w io.Writer, under string, s Span) {
	if s.Kind != "internal" && s.Kind != "" {
		fmt.Fprintf(w, "%skind: %s\n", under, s.Kind)
	}
	drawAttributes(w, under, s.Attributes)
	for _, e := range s.Events {
		fmt.Fprintf(w, "%sevent %s at +%.3f ms\n", under, e.Name, ms(e.Time.Sub(s.Start)))
		drawAttributes(w, under+"  ", e.Attributes)
	}
}

func drawAttributes(w io.Writer, under string, attrs map[string]any) {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s%s: %v\n", under, k, attrs[k])
	}
}

// bar draws a span that starts at offset and lasts d on an axis of length
// total; every span gets at least one block so that none is invisible.
func bar(offset, d, total time.Duration) string {
	if total <= 0 {
		total = 1
	}
	from := int(int64(offset) * barWidth / int64(total))
	n := max(1, int(int64(d)*barWidth/int64(total)))
	from = min(from, barWidth-1)
	n = min(n, barWidth-from)
	return "|" + strings.Repeat(" ", from) + strings.Repeat("█", n) + strings.Repeat(" ", barWidth-from-n) + "|"
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Package waterfall keeps the spans of one run and draws them in the
// terminal as a trace viewer would: the tree by indentation, each span's
// time as a bar on a common time axis, its duration, and a mark on errors.
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
	"go.opentelemetry.io/otel/codes"
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
// no parent), or an invalid one.
func (r *Recorder) Root() trace.SpanContext {
	for _, s := range r.Spans() {
		if !s.Parent().IsValid() {
			return s.SpanContext()
		}
	}
	return trace.SpanContext{}
}

// barWidth is the width of the time axis in characters.
const barWidth = 30

// Draw writes the spans as a waterfall: roots first, children under their
// parent in start order, each line with its bar, its duration in ms and, on
// error spans, a ✗ and the status message.
func Draw(w io.Writer, spans []sdktrace.ReadOnlySpan) {
	if len(spans) == 0 {
		return
	}
	children := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	known := map[trace.SpanID]bool{}
	start, end := spans[0].StartTime(), spans[0].EndTime()
	for _, s := range spans {
		known[s.SpanContext().SpanID()] = true
		if s.StartTime().Before(start) {
			start = s.StartTime()
		}
		if s.EndTime().After(end) {
			end = s.EndTime()
		}
	}
	var roots []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if p := s.Parent().SpanID(); known[p] {
			children[p] = append(children[p], s)
		} else {
			roots = append(roots, s)
		}
	}
	total := end.Sub(start)
	nameWidth := 0
	var lines []line
	var walk func(s sdktrace.ReadOnlySpan, prefix, branch string)
	walk = func(s sdktrace.ReadOnlySpan, prefix, branch string) {
		l := line{label: prefix + branch + s.Name(), span: s}
		nameWidth = max(nameWidth, len([]rune(l.label)))
		lines = append(lines, l)
		kids := byStart(children[s.SpanContext().SpanID()])
		childPrefix := prefix
		switch branch {
		case "├─ ":
			childPrefix += "│  "
		case "└─ ":
			childPrefix += "   "
		}
		for i, k := range kids {
			b := "├─ "
			if i == len(kids)-1 {
				b = "└─ "
			}
			walk(k, childPrefix, b)
		}
	}
	for _, root := range byStart(roots) {
		walk(root, "", "")
	}
	for _, l := range lines {
		s := l.span
		pad := strings.Repeat(" ", nameWidth-len([]rune(l.label)))
		fmt.Fprintf(w, "%s%s  %s %8.3f ms", l.label, pad, bar(s.StartTime().Sub(start), s.EndTime().Sub(s.StartTime()), total), ms(s.EndTime().Sub(s.StartTime())))
		if s.Status().Code == codes.Error {
			fmt.Fprintf(w, "  ✗ %s", s.Status().Description)
		}
		fmt.Fprintln(w)
	}
}

type line struct {
	label string
	span  sdktrace.ReadOnlySpan
}

func byStart(spans []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].StartTime().Before(spans[j].StartTime()) })
	return spans
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

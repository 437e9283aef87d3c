// Package waterfall keeps the spans of one run and draws them in the
// terminal as a trace viewer would: the tree by indentation, each span's
// time as a bar on a common time axis, its duration, and a mark on errors.
// The sample's report (spans of this process, FromSDK) and the viewer
// scripts/otlpreceiver (received spans) draw alike.
package waterfall

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// maxSpans bounds what a Recorder keeps: a picture of more is unreadable.
const maxSpans = 1000

// Recorder is a span processor that keeps the spans that end, for the
// picture: the first maxSpans, and the parents of those (a parent ends after
// its children), so that none is drawn as if its parent never arrived.
type Recorder struct {
	mu      sync.Mutex
	spans   []sdktrace.ReadOnlySpan
	parents map[trace.SpanID]bool // the parents of the spans kept
	omitted int                   // spans that ended and were not kept
	root    trace.SpanContext     // the first root that ended, kept or not
}

// Record starts keeping the spans of tp, the provider that Init installed.
func Record(tp *sdktrace.TracerProvider) *Recorder {
	r := &Recorder{parents: map[trace.SpanID]bool{}}
	tp.RegisterSpanProcessor(r)
	return r
}

func (r *Recorder) OnEnd(s sdktrace.ReadOnlySpan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// A root has no parent, or one in the process that started this one.
	if !r.root.IsValid() && (!s.Parent().IsValid() || s.Parent().IsRemote()) {
		r.root = s.SpanContext()
	}
	if len(r.spans) >= maxSpans && !r.parents[s.SpanContext().SpanID()] {
		r.omitted++
		return
	}
	r.spans = append(r.spans, s)
	r.parents[s.Parent().SpanID()] = true
}

func (r *Recorder) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (r *Recorder) Shutdown(context.Context) error                  { return nil }
func (r *Recorder) ForceFlush(context.Context) error                { return nil }

// Spans returns the spans kept, in the order they ended, and how many spans
// ended that it leaves out.
func (r *Recorder) Spans() (kept []sdktrace.ReadOnlySpan, omitted int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.spans), r.omitted
}

// Root returns the span context of the first root span that ended, or an
// invalid one.
func (r *Recorder) Root() trace.SpanContext {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.root
}

// TraceID returns the trace of Root.
func (r *Recorder) TraceID() trace.TraceID { return r.Root().TraceID() }

// barWidth is the width of the time axis in characters.
const barWidth = 30

// Options change what Draw draws.
type Options struct {
	Details bool // each span's kind, attributes and events under it
	// Earlier, when not nil, tells whether a span id that is not among the
	// spans was drawn before, with an earlier part of the same trace: a
	// root whose parent was is marked so, not as a parent that never arrived.
	Earlier func(spanID string) bool
}

// Draw writes spans as a waterfall: roots first, children under their
// parent in start order, each line with its bar, its duration in ms and, on
// error spans, a ✗ and the status message. Whatever the spans' ids and
// times, each span gets one line, and what is wrong is said under it: a
// parent that never arrived, a cycle of parents, a span id several spans
// use. A trace that spans centuries still fits the time axis.
func Draw(w io.Writer, spans []Span, o Options) {
	if len(spans) == 0 {
		return
	}
	start, end := spans[0].Start, spans[0].End
	uses := map[string]int{}
	for _, s := range spans {
		if s.Start.Before(start) {
			start = s.Start
		}
		if s.End.After(end) {
			end = s.End
		}
		uses[s.SpanID]++
	}
	rows := Tree(spans)
	nameWidth := 0
	for _, r := range rows {
		nameWidth = max(nameWidth, len([]rune(r.Branch+r.Span.Name)))
	}
	for _, r := range rows {
		s := r.Span
		label := r.Branch + s.Name
		pad := strings.Repeat(" ", nameWidth-len([]rune(label)))
		fmt.Fprintf(w, "%s%s  %s %8.3f ms", label, pad, bar(s.Start.Sub(start), s.End.Sub(s.Start), end.Sub(start)), ms(s.End.Sub(s.Start)))
		if s.StatusCode == "Error" {
			fmt.Fprintf(w, "  ✗ %s", s.StatusMessage)
		}
		fmt.Fprintln(w)
		switch p := r.MissingParent(); {
		case r.Cycle && s.ParentID == s.SpanID:
			fmt.Fprintf(w, "%s⚠ its parent is itself: drawn here as a root\n", r.Under)
		case r.Cycle:
			fmt.Fprintf(w, "%s⚠ parent %s is in a cycle of parents: drawn here as a root\n", r.Under, s.ParentID)
		case p != "" && o.Earlier != nil && o.Earlier(p):
			fmt.Fprintf(w, "%s⚠ parent %s arrived earlier and was printed with its trace\n", r.Under, p)
		case p != "":
			fmt.Fprintf(w, "%s⚠ parent %s never arrived\n", r.Under, p)
		}
		if n := uses[s.SpanID]; n > 1 {
			fmt.Fprintf(w, "%s⚠ span id %s is used by %d spans\n", r.Under, s.SpanID, n)
		}
		if o.Details {
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
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		fmt.Fprintf(w, "%s%s: %s\n", under, k, ValueString(attrs[k]))
	}
}

// bar draws a span that starts at offset and lasts d on an axis of length
// total; every span gets at least one block so that none is invisible.
func bar(offset, d, total time.Duration) string {
	total = max(total, 1)
	from := min(scale(offset, total), barWidth-1)
	n := min(max(1, scale(d, total)), barWidth-from)
	return "|" + strings.Repeat(" ", from) + strings.Repeat("█", n) + strings.Repeat(" ", barWidth-from-n) + "|"
}

// scale returns x*barWidth/total rounded down, x taken between 0 and
// total, in 128 bits: a trace from 1970 to 2116 overflows 64.
func scale(x, total time.Duration) int {
	x = min(max(x, 0), total)
	hi, lo := bits.Mul64(uint64(x), barWidth)
	q, _ := bits.Div64(hi, lo, uint64(total))
	return int(q)
}

// ValueString is how the picture shows an attribute value: bytes in
// base64 (as OpenTelemetry's collector shows them), a list in brackets, a
// map (an OTLP kvlist) in braces with its keys sorted, and the rest as
// fmt prints them.
func ValueString(v any) string {
	var parts []string
	switch v := v.(type) {
	case []byte:
		return base64.StdEncoding.EncodeToString(v)
	case []any:
		for _, e := range v {
			parts = append(parts, ValueString(e))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			parts = append(parts, k+": "+ValueString(v[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

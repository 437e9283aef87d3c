// Package waterfall keeps the spans of one run and draws them in the
// terminal as a trace viewer would: the tree by indentation, each span's
// time as a bar on a common time axis, its duration, and a mark on errors.
// The same drawing serves the sample's report (Draw, spans of this process)
// and the trace viewer scripts/otlpreceiver (DrawSpans, received spans).
package waterfall

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strings"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// maxSpans bounds what a Recorder keeps: a picture of more is unreadable.
const maxSpans = 1000

// Recorder is a span processor that keeps the spans that end, for the
// picture: the first maxSpans, and the parents of those it keeps, so that
// no span it keeps is drawn as if its parent never arrived.
type Recorder struct {
	mu      sync.Mutex
	spans   []sdktrace.ReadOnlySpan
	parents map[trace.SpanID]bool // the parents of the spans kept
	omitted int                   // spans that ended and were not kept
	root    trace.SpanContext     // the first root that ended, kept or not
}

// Record starts keeping the spans of tp, the provider that Init installed.
func Record(tp *sdktrace.TracerProvider) *Recorder {
	r := &Recorder{}
	tp.RegisterSpanProcessor(r)
	return r
}

// OnStart does nothing: a span is drawn once it has ended.
func (r *Recorder) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd keeps the span, within the bound or as the parent of one kept (a
// parent ends after its children), and counts it otherwise.
func (r *Recorder) OnEnd(s sdktrace.ReadOnlySpan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if isRoot(s) && !r.root.IsValid() {
		r.root = s.SpanContext()
	}
	if len(r.spans) >= maxSpans && !r.parents[s.SpanContext().SpanID()] {
		r.omitted++
		return
	}
	r.spans = append(r.spans, s)
	if s.Parent().IsValid() {
		if r.parents == nil {
			r.parents = map[trace.SpanID]bool{}
		}
		r.parents[s.Parent().SpanID()] = true
	}
}

// isRoot tells whether s has no parent, or one in the process that started
// this one.
func isRoot(s sdktrace.ReadOnlySpan) bool { return !s.Parent().IsValid() || s.Parent().IsRemote() }

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

// Omitted returns how many spans ended that Spans leaves out.
func (r *Recorder) Omitted() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.omitted
}

// TraceID returns the trace of the first root span that ended, or an
// invalid id.
func (r *Recorder) TraceID() trace.TraceID { return r.Root().TraceID() }

// Root returns the span context of the first root span that ended (a span
// with no parent, or whose parent is in the process that started this
// one), kept or not, or an invalid one.
func (r *Recorder) Root() trace.SpanContext {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.root
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
	DrawSpansWith(w, spans, Options{Details: details})
}

// Options change what DrawSpansWith draws.
type Options struct {
	// Details adds each span's attributes and events under it.
	Details bool
	// Earlier, when not nil, tells whether a span id that is not among the
	// spans was drawn before, with an earlier part of the same trace: a
	// root whose parent was is marked so, not as a parent that never arrived.
	Earlier func(spanID string) bool
}

// DrawSpansWith writes spans as DrawSpans does, changed by o. Whatever the
// spans' ids and times, each span gets one line: a span in a cycle of
// parents is drawn as a root and marked, a span id that several spans use
// is marked, and a trace that spans centuries still fits the time axis.
func DrawSpansWith(w io.Writer, spans []Span, o Options) {
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
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s%s: %s\n", under, k, ValueString(attrs[k]))
	}
}

// bar draws a span that starts at offset and lasts d on an axis of length
// total; every span gets at least one block so that none is invisible.
func bar(offset, d, total time.Duration) string {
	if total <= 0 {
		total = 1
	}
	from := scale(offset, total)
	n := max(1, scale(d, total))
	from = min(from, barWidth-1)
	n = min(n, barWidth-from)
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
	switch v := v.(type) {
	case []byte:
		return base64.StdEncoding.EncodeToString(v)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = ValueString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + ValueString(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

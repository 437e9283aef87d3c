package main

import (
	"bufio"
	"container/list"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"example.com/gftrace/common/waterfall"
	"example.com/gftrace/internal/receiver"
)

// noRootAdvice is printed under a trace in which no span is a true root.
const noRootAdvice = "No true root in this trace: with GoFrame, start the root span from context.Background(), not gctx.New(), whose own span is never exported and becomes your root's parent."

// viewer gathers the spans of each trace as they arrive, prints a trace once
// none of its spans has arrived for quiet, and then forgets it: a viewer
// that runs for days holds only the traces still arriving. A trace that
// never goes quiet (a long-running root, a service that reuses a fixed
// incoming traceparent) is printed in parts, within limits.
type viewer struct {
	quiet       time.Duration
	limits      limits
	json, attrs bool

	mu     sync.Mutex
	traces map[string]*pending // by trace id
	order  list.List           // of *pending, in the order their current parts began

	printMu sync.Mutex // printing is done by the ticker and by add
	out     *bufio.Writer
	printed printed // what was printed lately, to tell a late span from an orphan

	// down is closed when the viewer must stop: its output cannot be
	// written (cause is the write's error) or it crashed (a *crash).
	down     chan struct{}
	downOnce sync.Once
	cause    error // set before down is closed
	lost     int   // spans received that could not be printed
	bytes    int   // what the pending spans hold, as spanBytes counts it
}

// limits bound what the viewer holds, whatever it is sent.
type limits struct {
	maxAge    time.Duration // a trace still arriving after this long is printed, in parts
	maxSpans  int           // a trace that holds this many spans is printed, in parts
	maxTraces int           // over this many traces pending, the oldest is printed
	maxBytes  int           // over this many bytes pending (see spanBytes), the oldest traces are printed
	// A trace is remembered for remember after it was printed, with at most
	// rememberSpans span ids in all, so that a span that arrives after its
	// trace was printed is said to be late rather than an orphan.
	remember      time.Duration
	rememberSpans int
}

// defaultLimits are the limits for -quiet. Most requests take well under
// 30s, so a trace is printed whole unless something keeps it open; a
// -quiet above 3s tells of senders that pause long, so the age limit grows
// with it, and a trace then split has been quiet-free for ten such pauses.
// 10,000 spans and 100,000 traces are far beyond any trace a person reads;
// 128 MiB pending bounds what the counts do not (spans of megabytes), so
// that the viewer's memory stays a few hundred MB at worst. A span that
// arrives within ten -quiet of its trace's printing is told late.
func defaultLimits(quiet time.Duration) limits {
	return limits{maxAge: max(30*time.Second, 10*quiet), maxSpans: 10_000, maxTraces: 100_000, maxBytes: 128 << 20,
		remember: 10 * quiet, rememberSpans: 200_000}
}

// pending is a trace whose spans are still arriving.
type pending struct {
	id    string
	spans []receiver.Span // of the current part: since the last part was printed
	bytes int             // what spans hold, as spanBytes counts it
	first time.Time       // when the current part's first span arrived
	last  time.Time       // when the trace's last span arrived
	parts int             // parts printed so far
	elem  *list.Element   // its place in viewer.order
}

// chunk is what is printed at once: a whole trace, or a part of one.
type chunk struct {
	spans []receiver.Span
	part  int    // 1, 2…: the part of a trace printed in parts; 0 for a whole trace
	early string // why the part was printed before the trace went quiet: "max-age", "max-spans", "max-traces" or "max-bytes"
	why   string // the same, for a person: "10000 spans"
	late  bool   // a whole trace as far as the viewer knows, whose trace was printed before: see printed
}

func newViewer(quiet time.Duration, lim limits, out *bufio.Writer, json, attrs bool) *viewer {
	return &viewer{quiet: quiet, limits: lim, out: out, json: json, attrs: attrs, traces: map[string]*pending{},
		printed: newPrinted(lim.remember, lim.rememberSpans), down: make(chan struct{})}
}

// add takes the spans of one export request (receiver.Options.OnSpans). It
// prints at once the parts that reach a limit, so that the sender waits
// while they are printed rather than the viewer's memory growing. Once the
// viewer is down it refuses the spans: the sender is told they were not
// taken, rather than "accepted" for spans that will never be printed.
func (v *viewer) add(spans []receiver.Span) (err error) {
	// The receivers call add on their own goroutines, where a panic would
	// end the process (gRPC) or vanish (net/http): it stops the viewer.
	defer func() {
		if r := recover(); r != nil {
			v.stop(caught(r))
			err = errors.New("the viewer crashed: a bug in it; see its output")
		}
	}()
	select {
	case <-v.down:
		return fmt.Errorf("the viewer cannot take spans: %v", v.cause)
	default:
	}
	now := time.Now()
	var full []chunk
	v.mu.Lock()
	for _, s := range spans {
		p := v.traces[s.TraceID]
		if p == nil {
			p = &pending{id: s.TraceID}
			p.elem = v.order.PushBack(p)
			v.traces[s.TraceID] = p
		}
		if len(p.spans) == 0 { // a new trace, or a new part of one
			p.first = now
			v.order.MoveToBack(p.elem)
		}
		p.spans = append(p.spans, s)
		size := spanBytes(s)
		p.bytes += size
		v.bytes += size
		p.last = now
		if len(p.spans) >= v.limits.maxSpans {
			full = append(full, v.cut(p, "max-spans", fmt.Sprintf("%d spans", len(p.spans))))
		}
	}
	for len(v.traces) > v.limits.maxTraces {
		p := v.order.Front().Value.(*pending)
		if len(p.spans) > 0 {
			full = append(full, v.cut(p, "max-traces", fmt.Sprintf("%d traces pending", len(v.traces))))
		}
		v.forget(p) // its later spans, if any, make a new trace
	}
	// Over the byte budget, the oldest parts are printed until it is kept.
	for e := v.order.Front(); e != nil && v.bytes > v.limits.maxBytes; e = e.Next() {
		if p := e.Value.(*pending); len(p.spans) > 0 {
			full = append(full, v.cut(p, "max-bytes", fmt.Sprintf("%d MiB pending", (v.bytes+1<<20-1)>>20)))
		}
	}
	v.mu.Unlock()
	v.print(full)
	select {
	case <-v.down: // these very spans may be among those not printed
		return fmt.Errorf("the viewer cannot take spans: %v", v.cause)
	default:
	}
	return nil
}

// cut takes out the spans of p's current part, to be printed: early says
// why before p went quiet, or is "" when it did.
func (v *viewer) cut(p *pending, early, why string) chunk {
	c := chunk{spans: p.spans, early: early, why: why}
	if early != "" || p.parts > 0 {
		p.parts++
		c.part = p.parts
	}
	p.spans = nil
	v.bytes -= p.bytes
	p.bytes = 0
	return c
}

// spanBytes is about what a span holds in memory: its texts, its
// attributes' and events' keys and values, and a fixed cost for the
// structures around them. The byte budget counts it.
func spanBytes(s receiver.Span) int {
	n := 512 + len(s.TraceID) + len(s.SpanID) + len(s.ParentSpanID) + len(s.Name) + len(s.StatusMessage) + len(s.Kind)
	n += attributesBytes(s.Attributes) + attributesBytes(s.Resource)
	for _, e := range s.Events {
		n += 64 + len(e.Name) + attributesBytes(e.Attributes)
	}
	return n
}

func attributesBytes(attrs map[string]any) int {
	n := 48
	for k, v := range attrs {
		n += 64 + len(k) + valueBytes(v)
	}
	return n
}

func valueBytes(v any) int {
	switch v := v.(type) {
	case string:
		return len(v)
	case []byte:
		return len(v)
	case []any:
		n := 24
		for _, e := range v {
			n += 16 + valueBytes(e)
		}
		return n
	case map[string]any:
		return attributesBytes(v)
	}
	return 8
}

func (v *viewer) forget(p *pending) {
	delete(v.traces, p.id)
	v.order.Remove(p.elem)
}

// printEvery prints the traces that have gone quiet, and the parts of
// those that have been arriving for too long, until stop or until the
// viewer is down.
func (v *viewer) printEvery(stop <-chan os.Signal) {
	tick := time.NewTicker(max(min(v.quiet, v.limits.maxAge)/4, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			v.print(v.take(time.Now(), false))
		case <-stop:
			return
		case <-v.down:
			return
		}
	}
}

// printAll prints every trace still pending, quiet or not.
func (v *viewer) printAll() { v.print(v.take(time.Now(), true)) }

// stop puts the viewer down for cause, once: from then on it prints
// nothing and refuses spans.
func (v *viewer) stop(cause error) {
	v.downOnce.Do(func() {
		v.cause = cause
		close(v.down)
	})
}

// crashed returns the crash that put the viewer down, or nil.
func (v *viewer) crashed() *crash {
	select {
	case <-v.down:
		c, _ := v.cause.(*crash)
		return c
	default:
		return nil
	}
}

// failure is why the viewer is down, and how many spans it received and
// could not print; nil when it is not down.
func (v *viewer) failure() (error, int) {
	select {
	case <-v.down:
	default:
		return nil, 0
	}
	v.printMu.Lock()
	lost := v.lost
	v.printMu.Unlock()
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, p := range v.traces {
		lost += len(p.spans)
	}
	return v.cause, lost
}

// take removes the traces that went quiet before now (all of them when
// final) and cuts the parts that reached the age limit, and returns them in
// the order their first spans arrived.
func (v *viewer) take(now time.Time, final bool) []chunk {
	v.mu.Lock()
	defer v.mu.Unlock()
	var done []chunk
	for e := v.order.Front(); e != nil; {
		p := e.Value.(*pending)
		e = e.Next()
		switch {
		case final || now.Sub(p.last) >= v.quiet:
			if len(p.spans) > 0 {
				done = append(done, v.cut(p, "", ""))
			}
			v.forget(p)
		case len(p.spans) > 0 && now.Sub(p.first) >= v.limits.maxAge:
			done = append(done, v.cut(p, "max-age", "arriving for "+now.Sub(p.first).Round(time.Second).String()))
		}
	}
	return done
}

// print writes the chunks, or counts them lost when the output has
// failed; a failure to write puts the viewer down.
func (v *viewer) print(chunks []chunk) {
	if len(chunks) == 0 {
		return
	}
	v.printMu.Lock()
	defer v.printMu.Unlock()
	n := 0
	for _, c := range chunks {
		n += len(c.spans)
	}
	select {
	case <-v.down:
		v.lost += n
		return
	default:
	}
	now := time.Now()
	for _, c := range chunks {
		spans := treeOrder(receiver.WaterfallSpans(c.spans))
		trace := spans[0].TraceID
		c.late = c.part == 0 && v.printed.trace(trace, now)
		earlier := func(id string) bool { return v.printed.span(trace, id, now) }
		if v.json {
			writeJSON(v.out, spans, c)
		} else {
			writeText(v.out, spans, c, v.attrs, earlier)
		}
		v.printed.add(trace, spans, now)
	}
	// bufio keeps its first error: one check tells whether all was written.
	if err := v.out.Flush(); err != nil {
		v.lost += n
		v.stop(err)
	}
}

// treeOrder returns the spans in the order of the picture, times in UTC.
func treeOrder(spans []waterfall.Span) []waterfall.Span {
	rows := waterfall.Tree(spans)
	out := make([]waterfall.Span, len(rows))
	for i, r := range rows {
		out[i] = r.Span
		out[i].Start, out[i].End = r.Span.Start.UTC(), r.Span.End.UTC()
	}
	return out
}

// writeText writes a trace's heading (services, id, span count, which
// part), its picture, the advice when it has no true root, and a blank
// line. earlier tells whether a span id was printed before, with the trace.
func writeText(w io.Writer, spans []waterfall.Span, c chunk, attrs bool, earlier func(string) bool) {
	spans = escaped(spans)
	services := servicesOf(spans)
	fmt.Fprintf(w, "%s · trace %s · %d spans%s\n", strings.Join(services, ", "), spans[0].TraceID, len(spans), c.heading())
	if len(services) > 1 {
		// A trace across services: say which span is whose.
		for i := range spans {
			spans[i].Name = serviceName(spans[i]) + ": " + spans[i].Name
		}
	}
	waterfall.Draw(w, spans, waterfall.Options{Details: attrs, Earlier: earlier})
	// A part lacks spans by nature, and a late one has its root printed
	// before: only a whole trace whose root's parent never came gets the
	// advice, not one whose spans only make a cycle.
	if c.part == 0 && !c.late && orphaned(spans, earlier) {
		fmt.Fprintln(w, noRootAdvice)
	}
	fmt.Fprintln(w)
}

// orphaned tells whether no span is a true root and some span's parent
// never arrived.
func orphaned(spans []waterfall.Span, earlier func(string) bool) bool {
	known := map[string]bool{}
	for _, s := range spans {
		if s.ParentID == "" {
			return false
		}
		known[s.SpanID] = true
	}
	return slices.ContainsFunc(spans, func(s waterfall.Span) bool { return !known[s.ParentID] && !earlier(s.ParentID) })
}

// heading says, after the span count, which part of a trace printed in
// parts this is, or that its trace was printed before it arrived.
func (c chunk) heading() string {
	switch {
	case c.late:
		return " · arrived after its trace was printed"
	case c.part == 0:
		return ""
	case c.early == "":
		return fmt.Sprintf(" · part %d, the rest", c.part)
	}
	return fmt.Sprintf(" · part %d, printed early (%s): more may follow", c.part, c.why)
}

// jsonTrace is a trace as -json prints it, one line each.
type jsonTrace struct {
	TraceID  string           `json:"trace_id"`
	Services []string         `json:"services"`
	Part     int              `json:"part,omitempty"`  // see chunk
	Early    string           `json:"early,omitempty"` // see chunk
	Late     bool             `json:"late,omitempty"`  // see chunk
	Spans    []waterfall.Span `json:"spans"`
}

func writeJSON(w io.Writer, spans []waterfall.Span, c chunk) {
	line, err := json.Marshal(jsonTrace{TraceID: spans[0].TraceID, Services: servicesOf(spans), Part: c.part, Early: c.early, Late: c.late, Spans: jsonSafe(spans)})
	if err != nil {
		// jsonSafe leaves JSON nothing it cannot hold: this is a bug.
		line, _ = json.Marshal(map[string]string{"trace_id": spans[0].TraceID, "error": err.Error()})
	}
	w.Write(append(escapeC1(line), '\n'))
}

// servicesOf returns the services of the spans, in their order.
func servicesOf(spans []waterfall.Span) []string {
	var services []string
	for _, s := range spans {
		if name := serviceName(s); !slices.Contains(services, name) {
			services = append(services, name)
		}
	}
	return services
}

func serviceName(s waterfall.Span) string {
	if s.Service == "" {
		return "(no service.name)"
	}
	return s.Service
}

package main

import (
	"bufio"
	"container/list"
	"encoding/json"
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
}

// limits bound what the viewer holds, whatever it is sent.
type limits struct {
	maxAge    time.Duration // a trace still arriving after this long is printed, in parts
	maxSpans  int           // a trace that holds this many spans is printed, in parts
	maxTraces int           // over this many traces pending, the oldest is printed
}

// defaultLimits are the limits for -quiet. Most requests take well under
// 30s, so a trace is printed whole unless something keeps it open; a
// -quiet above 3s tells of senders that pause long, so the age limit grows
// with it, and a trace then split has been quiet-free for ten such pauses.
// 10,000 spans and 100,000 traces are far beyond any trace a person reads,
// and keep the viewer's memory to a few hundred MB at worst.
func defaultLimits(quiet time.Duration) limits {
	return limits{maxAge: max(30*time.Second, 10*quiet), maxSpans: 10_000, maxTraces: 100_000}
}

// pending is a trace whose spans are still arriving.
type pending struct {
	id    string
	spans []receiver.Span // of the current part: since the last part was printed
	first time.Time       // when the current part's first span arrived
	last  time.Time       // when the trace's last span arrived
	parts int             // parts printed so far
	elem  *list.Element   // its place in viewer.order
}

// chunk is what is printed at once: a whole trace, or a part of one.
type chunk struct {
	spans []receiver.Span
	part  int    // 1, 2…: the part of a trace printed in parts; 0 for a whole trace
	early string // why the part was printed before the trace went quiet: "max-age", "max-spans" or "max-traces"
	why   string // the same, for a person: "10000 spans"
}

func newViewer(quiet time.Duration, lim limits, out *bufio.Writer, json, attrs bool) *viewer {
	return &viewer{quiet: quiet, limits: lim, out: out, json: json, attrs: attrs, traces: map[string]*pending{}}
}

// add takes the spans of one export request (receiver.Options.OnSpans). It
// prints at once the parts that reach a limit, so that the sender waits
// while they are printed rather than the viewer's memory growing.
func (v *viewer) add(spans []receiver.Span) error {
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
		p.last = now
		if len(p.spans) >= v.limits.maxSpans {
			full = append(full, p.cut("max-spans", fmt.Sprintf("%d spans", len(p.spans))))
		}
	}
	for len(v.traces) > v.limits.maxTraces {
		p := v.order.Front().Value.(*pending)
		if len(p.spans) > 0 {
			full = append(full, p.cut("max-traces", fmt.Sprintf("%d traces pending", len(v.traces))))
		}
		v.forget(p) // its later spans, if any, make a new trace
	}
	v.mu.Unlock()
	v.print(full)
	return nil
}

// cut takes out the spans of p's current part, to be printed: early says
// why before p went quiet, or is "" when it did.
func (p *pending) cut(early, why string) chunk {
	c := chunk{spans: p.spans, early: early, why: why}
	if early != "" || p.parts > 0 {
		p.parts++
		c.part = p.parts
	}
	p.spans = nil
	return c
}

func (v *viewer) forget(p *pending) {
	delete(v.traces, p.id)
	v.order.Remove(p.elem)
}

// printEvery prints the traces that have gone quiet, and the parts of
// those that have been arriving for too long, until stop.
func (v *viewer) printEvery(stop <-chan os.Signal) {
	tick := time.NewTicker(max(min(v.quiet, v.limits.maxAge)/4, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			v.print(v.take(time.Now(), false))
		case <-stop:
			return
		}
	}
}

// printAll prints every trace still pending, quiet or not.
func (v *viewer) printAll() { v.print(v.take(time.Now(), true)) }

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
				done = append(done, p.cut("", ""))
			}
			v.forget(p)
		case len(p.spans) > 0 && now.Sub(p.first) >= v.limits.maxAge:
			done = append(done, p.cut("max-age", "arriving for "+now.Sub(p.first).Round(time.Second).String()))
		}
	}
	return done
}

func (v *viewer) print(chunks []chunk) {
	if len(chunks) == 0 {
		return
	}
	v.printMu.Lock()
	defer v.printMu.Unlock()
	for _, c := range chunks {
		spans := treeOrder(receiver.WaterfallSpans(c.spans))
		if v.json {
			writeJSON(v.out, spans, c)
		} else {
			writeText(v.out, spans, c, v.attrs)
		}
	}
	v.out.Flush()
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
// part), its picture, the advice when it has no true root, and a blank line.
func writeText(w io.Writer, spans []waterfall.Span, c chunk, attrs bool) {
	spans = escaped(spans)
	services := servicesOf(spans)
	fmt.Fprintf(w, "%s · trace %s · %d spans%s\n", strings.Join(services, ", "), spans[0].TraceID, len(spans), c.heading())
	if len(services) > 1 {
		// A trace across services: say which span is whose.
		for i := range spans {
			spans[i].Name = serviceName(spans[i]) + ": " + spans[i].Name
		}
	}
	waterfall.DrawSpans(w, spans, attrs)
	// A part lacks spans by nature: only a whole trace gets the advice.
	if c.part == 0 && !slices.ContainsFunc(spans, func(s waterfall.Span) bool { return s.ParentID == "" }) {
		fmt.Fprintln(w, noRootAdvice)
	}
	fmt.Fprintln(w)
}

// heading says, after the span count, which part of a trace printed in
// parts this is.
func (c chunk) heading() string {
	switch {
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
	Spans    []waterfall.Span `json:"spans"`
}

func writeJSON(w io.Writer, spans []waterfall.Span, c chunk) {
	line, err := json.Marshal(jsonTrace{TraceID: spans[0].TraceID, Services: servicesOf(spans), Part: c.part, Early: c.early, Spans: spans})
	if err != nil {
		// Only a value that JSON cannot hold (a NaN attribute) gets here.
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

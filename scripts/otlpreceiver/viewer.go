package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
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
// that runs for days holds only the traces still arriving.
type viewer struct {
	quiet       time.Duration
	out         *bufio.Writer
	json, attrs bool

	mu      sync.Mutex
	traces  map[string]*pending // by trace id
	arrived uint64              // traces so far, to print them in arrival order
}

// pending is a trace whose spans are still arriving.
type pending struct {
	spans []receiver.Span
	order uint64    // when its first span arrived, among traces
	last  time.Time // when its last span arrived
}

func newViewer(quiet time.Duration, out *bufio.Writer, json, attrs bool) *viewer {
	return &viewer{quiet: quiet, out: out, json: json, attrs: attrs, traces: map[string]*pending{}}
}

// add takes the spans of one export request (receiver.Options.OnSpans).
func (v *viewer) add(spans []receiver.Span) {
	now := time.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, s := range spans {
		p := v.traces[s.TraceID]
		if p == nil {
			v.arrived++
			p = &pending{order: v.arrived}
			v.traces[s.TraceID] = p
		}
		p.spans = append(p.spans, s)
		p.last = now
	}
}

// printEvery prints the traces that have gone quiet, until stop.
func (v *viewer) printEvery(stop <-chan os.Signal) {
	tick := time.NewTicker(max(v.quiet/4, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			v.print(v.take(time.Now().Add(-v.quiet)))
		case <-stop:
			return
		}
	}
}

// printAll prints every trace still pending, quiet or not.
func (v *viewer) printAll() { v.print(v.take(time.Now().Add(time.Hour))) }

// take removes the traces whose last span arrived before cutoff and returns
// them in the order their first spans arrived.
func (v *viewer) take(cutoff time.Time) []*pending {
	v.mu.Lock()
	defer v.mu.Unlock()
	var done []*pending
	for id, p := range v.traces {
		if p.last.Before(cutoff) {
			done = append(done, p)
			delete(v.traces, id)
		}
	}
	sort.Slice(done, func(i, j int) bool { return done[i].order < done[j].order })
	return done
}

func (v *viewer) print(traces []*pending) {
	if len(traces) == 0 {
		return
	}
	for _, p := range traces {
		spans := treeOrder(receiver.WaterfallSpans(p.spans))
		if v.json {
			writeJSON(v.out, spans)
		} else {
			writeText(v.out, spans, v.attrs)
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

// writeText writes a trace's heading (services, id, span count), its
// picture, the advice when it has no true root, and a blank line.
func writeText(w io.Writer, spans []waterfall.Span, attrs bool) {
	spans = escaped(spans)
	services := servicesOf(spans)
	fmt.Fprintf(w, "%s · trace %s · %d spans\n", strings.Join(services, ", "), spans[0].TraceID, len(spans))
	if len(services) > 1 {
		// A trace across services: say which span is whose.
		for i := range spans {
			spans[i].Name = serviceName(spans[i]) + ": " + spans[i].Name
		}
	}
	waterfall.DrawSpans(w, spans, attrs)
	if !slices.ContainsFunc(spans, func(s waterfall.Span) bool { return s.ParentID == "" }) {
		fmt.Fprintln(w, noRootAdvice)
	}
	fmt.Fprintln(w)
}

// jsonTrace is a trace as -json prints it, one line each.
type jsonTrace struct {
	TraceID  string           `json:"trace_id"`
	Services []string         `json:"services"`
	Spans    []waterfall.Span `json:"spans"`
}

func writeJSON(w io.Writer, spans []waterfall.Span) {
	line, err := json.Marshal(jsonTrace{TraceID: spans[0].TraceID, Services: servicesOf(spans), Spans: spans})
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

package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// longTrace is the trace that the tests below keep sending spans of.
var longTrace = bytes.Repeat([]byte{0x7a}, 16)

// spanID is the id of the n-th span of longTrace (0: the root).
func spanID(n int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n+1)) }

// longSpans makes an export request of the spans first to first+n-1 of
// longTrace, all children of the root, span 0, which is sent last.
func longSpans(first, n int) *coltracepb.ExportTraceServiceRequest {
	now := uint64(time.Now().UnixNano())
	var spans []*tracepb.Span
	for i := first; i < first+n; i++ {
		s := &tracepb.Span{TraceId: longTrace, SpanId: spanID(i), Name: "step", StartTimeUnixNano: now, EndTimeUnixNano: now + 1000}
		if i > 0 {
			s.ParentSpanId = spanID(0)
		}
		spans = append(spans, s)
	}
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}}}}}
}

// printedLine is what a test reads of a -json line.
type printedLine struct {
	TraceID string `json:"trace_id"`
	Part    int    `json:"part"`
	Early   string `json:"early"`
	Spans   []struct {
		SpanID string `json:"span_id"`
	} `json:"spans"`
}

// holds tells whether the line holds the span.
func (l printedLine) holds(id []byte) bool {
	for _, s := range l.Spans {
		if s.SpanID == hex.EncodeToString(id) {
			return true
		}
	}
	return false
}

// jsonLines reads the -json lines as they are printed.
type jsonLines struct {
	t       *testing.T
	mu      sync.Mutex
	partial []byte
	lines   []printedLine
}

func (j *jsonLines) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.partial = append(j.partial, p...)
	for {
		i := bytes.IndexByte(j.partial, '\n')
		if i < 0 {
			break
		}
		var l printedLine
		if err := json.Unmarshal(j.partial[:i], &l); err != nil {
			j.t.Errorf("not a JSON line (%v): %.200s", err, j.partial[:i])
		}
		j.lines = append(j.lines, l)
		j.partial = j.partial[i+1:]
	}
	return len(p), nil
}

func (j *jsonLines) printed() []printedLine {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.lines)
}

// checkParts checks that lines are longTrace's parts 1, 2…, printed early
// for the reason early but the last (printed at SIGINT), that together
// hold each span once, and that the last holds the root.
func checkParts(t *testing.T, lines []printedLine, early string, spans int) {
	t.Helper()
	seen := make([]bool, spans)
	for i, l := range lines {
		wantEarly := early
		if i == len(lines)-1 {
			wantEarly = ""
		}
		if l.TraceID != hex.EncodeToString(longTrace) || l.Part != i+1 || l.Early != wantEarly {
			t.Errorf("line %d: trace %s, part %d, early %q; want %x, part %d, early %q", i+1, l.TraceID, l.Part, l.Early, longTrace, i+1, wantEarly)
		}
		for _, s := range l.Spans {
			id, _ := hex.DecodeString(s.SpanID)
			n := int(binary.BigEndian.Uint64(id)) - 1
			if n < 0 || n >= spans || seen[n] {
				t.Fatalf("line %d: span %s unknown or printed twice", i+1, s.SpanID)
			}
			seen[n] = true
		}
	}
	if n := slices.Index(seen, false); n >= 0 {
		t.Errorf("span %x never printed", spanID(n))
	}
	if !lines[len(lines)-1].holds(spanID(0)) {
		t.Errorf("the last part does not hold the root")
	}
}

// TestTraceThatNeverGoesQuiet: a trace whose spans keep arriving, faster
// than -quiet, is printed every 10,000 spans, in parts, and the heap stays
// bounded.
func TestTraceThatNeverGoesQuiet(t *testing.T) {
	const (
		perRequest = 4_000
		children   = 152_000
		heapBound  = 30 << 20 // bytes; keeping every span took 51 MB, printing in parts 13 MB
	)
	out := &jsonLines{t: t}
	v := serveInProcess(t, settings{quiet: time.Hour, json: true}, out)
	var peak uint64
	for sent := 1; sent <= children; sent += perRequest {
		v.send(t, longSpans(sent, perRequest))
		peak = max(peak, liveHeap())
	}
	// Printed while the trace is still arriving: 10,000 spans at a time.
	if n := len(out.printed()); n != children/10_000 {
		t.Errorf("%d parts printed before the trace ended, want %d", n, children/10_000)
	}
	v.send(t, longSpans(0, 1)) // the root ends
	v.interrupt()
	t.Logf("%d spans of one trace: live heap at most %.1f MB (after each request, after a GC)", children+1, float64(peak)/(1<<20))
	lines := out.printed()
	checkParts(t, lines, "max-spans", children+1)
	for i, l := range lines[:len(lines)-1] {
		if len(l.Spans) != 10_000 {
			t.Errorf("part %d holds %d spans, want 10000", i+1, len(l.Spans))
		}
	}
	if peak > heapBound {
		t.Errorf("live heap reached %d MB, want under %d MB: the trace is kept whole", peak>>20, heapBound>>20)
	}
}

// TestTraceOlderThanMaxAge: a trace that has been arriving for longer than
// the age limit is printed anyway, and its later spans as the next part.
func TestTraceOlderThanMaxAge(t *testing.T) {
	out := &jsonLines{t: t}
	v := serveInProcess(t, settings{quiet: time.Hour, json: true,
		limits: limits{maxAge: 200 * time.Millisecond, maxSpans: 10_000, maxTraces: 100_000, maxBytes: 128 << 20}}, out)
	sent := 1
	for deadline := time.Now().Add(30 * time.Second); len(out.printed()) < 2; sent++ {
		if time.Now().After(deadline) {
			t.Fatalf("%d spans sent in 30s, %d parts printed; want 2 parts, each printed 200ms after its first span", sent-1, len(out.printed()))
		}
		v.send(t, longSpans(sent, 1))
		time.Sleep(10 * time.Millisecond)
	}
	v.send(t, longSpans(0, 1))
	v.interrupt()
	checkParts(t, out.printed(), "max-age", sent)
}

// TestPendingTracesAreCapped: over the limit of traces pending, the oldest
// are printed at once, marked, the others when SIGINT comes.
func TestPendingTracesAreCapped(t *testing.T) {
	out := &jsonLines{t: t}
	v := serveInProcess(t, settings{quiet: time.Hour, json: true,
		limits: limits{maxAge: time.Hour, maxSpans: 10_000, maxTraces: 10, maxBytes: 128 << 20}}, out)
	v.send(t, traces(0, 25))
	early := len(out.printed())
	v.interrupt()
	var got, want []string
	for _, l := range out.printed() {
		got = append(got, fmt.Sprintf("%s part %d %q %d spans", l.TraceID[:16], l.Part, l.Early, len(l.Spans)))
	}
	for i := range 25 {
		part, early := 0, ""
		if i < 15 {
			part, early = 1, "max-traces"
		}
		want = append(want, fmt.Sprintf("%016x part %d %q %d spans", i+1, part, early, memSpansPerTrace))
	}
	if early != 15 || !slices.Equal(got, want) {
		t.Errorf("%d lines printed at once, then:\n%q\nwant 15 at once, then:\n%q", early, got, want)
	}

}

// TestPartsInThePicture: the heading says which part it is; the advice on
// a missing root is only for whole traces.
func TestPartsInThePicture(t *testing.T) {
	var out bytes.Buffer
	v := serveInProcess(t, settings{quiet: time.Hour, limits: limits{maxAge: time.Hour, maxSpans: 2, maxTraces: 100_000, maxBytes: 128 << 20}}, &out)
	v.send(t, longSpans(1, 3))
	v.interrupt()
	want := `(no service.name) · trace 7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a · 2 spans · part 1, printed early (2 spans): more may follow
step  |bar| ms
   ⚠ parent 0000000000000001 never arrived
step  |bar| ms
   ⚠ parent 0000000000000001 never arrived

(no service.name) · trace 7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a · 1 spans · part 2, the rest
step  |bar| ms
   ⚠ parent 0000000000000001 never arrived

`
	if got := masked(out.String()); got != want {
		t.Errorf("viewer printed:\n%s\nwant (bars and durations masked):\n%s", out.String(), want)
	}
}

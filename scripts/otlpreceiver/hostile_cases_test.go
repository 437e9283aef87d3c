package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHostileTreesArePrintedWhole: a span its own parent, a cycle, a span
// id used twice, times 146 years apart: each trace is printed, every span
// once, with what is wrong said under it, in the picture and in -json.
func TestHostileTreesArePrintedWhole(t *testing.T) {
	const heading = "evil · trace 66666666666666666666666666666666 · "
	want := map[string]string{
		"a span its own parent": heading + `1 spans
self  |bar| ms
   ⚠ its parent is itself: drawn here as a root

`,
		"a root and a span its own parent": heading + `2 spans
root  |bar| ms
self  |bar| ms
   ⚠ its parent is itself: drawn here as a root

`,
		"two spans each the other's parent": heading + `2 spans
a     |bar| ms
│  ⚠ parent 0000000000000002 is in a cycle of parents: drawn here as a root
└─ b  |bar| ms

`,
		"a span reusing the root's id, under the root's child": heading + `3 spans
root         |bar| ms
│  ⚠ span id 0000000000000001 is used by 2 spans
└─ child     |bar| ms
   └─ again  |bar| ms
         ⚠ span id 0000000000000001 is used by 2 spans

`,
		"spans at 1970 and at 2^62 ns": heading + `2 spans
epoch   |bar| ms
└─ far  |bar| ms

`,
	}
	for _, c := range hostileTrees {
		var out bytes.Buffer
		v := serveInProcess(t, settings{quiet: time.Hour}, &out)
		v.send(t, export("evil", c.spans...))
		v.interrupt()
		if w := want[c.name]; masked(out.String()) != w {
			t.Errorf("%s: printed\n%s\nwant (bars masked)\n%s", c.name, out.String(), w)
		}

		out.Reset()
		v = serveInProcess(t, settings{quiet: time.Hour, json: true}, &out)
		v.send(t, export("evil", c.spans...))
		v.interrupt()
		var line jsonLine
		if err := json.Unmarshal(out.Bytes(), &line); err != nil {
			t.Errorf("%s: -json printed no JSON line (%v): %s", c.name, err, out.String())
			continue
		}
		if len(line.Spans) != len(c.spans) {
			t.Errorf("%s: -json holds %d spans, want the %d sent", c.name, len(line.Spans), len(c.spans))
		}
	}
}

// lockedBuffer is the output of a viewer that runs while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until the output holds s, for 30s at most.
func waitFor(t *testing.T, out *lockedBuffer, s string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), s); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%q not printed within 30s; printed:\n%s", s, out.String())
		}
	}
}

// TestSpanAfterItsTracePrinted: a second service's span that arrives once
// its trace was printed is said to be late, its parent printed before; it
// is not a trace of its own whose root's parent never arrived.
func TestSpanAfterItsTracePrinted(t *testing.T) {
	out := &lockedBuffer{}
	v := serveInProcess(t, settings{quiet: 100 * time.Millisecond}, out)
	v.send(t, export("orders", hspan(1, 0, "POST /orders", t0, t0+5e6)))
	waitFor(t, out, "orders · trace")
	v.send(t, export("billing", hspan(2, 1, "charge", t0+1e6, t0+6e6)))
	v.interrupt()
	want := `orders · trace 66666666666666666666666666666666 · 1 spans
POST /orders  |bar| ms

billing · trace 66666666666666666666666666666666 · 1 spans · arrived after its trace was printed
charge  |bar| ms
   ⚠ parent 0000000000000001 arrived earlier and was printed with its trace

`
	if got := masked(out.String()); got != want {
		t.Errorf("viewer printed:\n%s\nwant (bars masked):\n%s", out.String(), want)
	}
}

// headings keeps the heading lines of the picture, and discards the rest.
type headings struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
}

func (h *headings) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.partial = append(h.partial, p...)
	for {
		i := bytes.IndexByte(h.partial, '\n')
		if i < 0 {
			break
		}
		if line := string(h.partial[:i]); strings.Contains(line, " · trace ") {
			h.lines = append(h.lines, line)
		}
		h.partial = h.partial[i+1:]
	}
	return len(p), nil
}

// TestHugeAttributesKeepMemoryBounded: 400 spans with an attribute of 4 MB
// each (1.6 GB in all, 16 MB an export) keep the live heap bounded: past
// 128 MiB pending, the oldest traces are printed at once, and say so.
func TestHugeAttributesKeepMemoryBounded(t *testing.T) {
	const bound = 256 << 20
	out := &headings{}
	v := serveInProcess(t, settings{quiet: time.Hour}, out)
	var peak uint64
	for tr := range 100 {
		v.send(t, hugeSpans(tr, 4, 4<<20))
		peak = max(peak, liveHeap())
		if peak > bound {
			t.Fatalf("after %d spans of 4 MB: live heap %d MB, want under %d MB: what is pending is not bounded in bytes", 4*(tr+1), peak>>20, bound>>20)
		}
	}
	v.interrupt()
	t.Logf("400 spans of 4 MB: live heap at most %d MB (after each export, after a GC)", peak>>20)
	spans, early := 0, 0
	heading := regexp.MustCompile(`^huge · trace [0-9a-f]{32} · ([0-9]+) spans( · part 1, printed early \(([0-9]+) MiB pending\): more may follow)?$`)
	for _, l := range out.lines {
		m := heading.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("heading %q", l)
		}
		n, _ := strconv.Atoi(m[1])
		spans += n
		if m[2] != "" {
			early++
			if mib, _ := strconv.Atoi(m[3]); mib <= 128 {
				t.Errorf("%q: printed early with %d MiB pending, not over the 128 MiB budget", l, mib)
			}
		}
	}
	if spans != 400 || early == 0 {
		t.Errorf("%d spans printed, %d traces early for the byte budget; want all 400, some early", spans, early)
	}
}

// TestGzipBombIsRefusedByTheViewer: a 200 KB export that decompresses to
// 200 MiB is answered 413 with the reason; the viewer goes on.
func TestGzipBombIsRefusedByTheViewer(t *testing.T) {
	out := &lockedBuffer{}
	v := serveInProcess(t, settings{quiet: time.Hour}, out)
	code, text := post(t, v.httpRec.Addr, gzipBomb(200<<20), "gzip")
	if want := "the export is larger than 20 MiB once decompressed, the most this receiver takes in one request: send smaller batches"; code != http.StatusRequestEntityTooLarge || text != want {
		t.Errorf("a gzip bomb was answered %d %q; want 413 %q", code, text, want)
	}
	v.send(t, export("after", hspan(1, 0, "fine", t0, t0+1e6)))
	v.interrupt()
	if !strings.HasPrefix(out.String(), "after · trace ") {
		t.Errorf("after the bomb, printed %q", out.String())
	}
}

// TestOddAttributeValues: NaN, infinities, bytes, lists and kvlists are
// shown with their contents in the picture, and in -json the line stays
// valid and the trace whole, NaN and the infinities as OTLP's JSON writes them.
func TestOddAttributeValues(t *testing.T) {
	var out bytes.Buffer
	v := serveInProcess(t, settings{quiet: time.Hour, attrs: true}, &out)
	v.send(t, oddValues())
	v.interrupt()
	want := `odd · trace 66666666666666666666666666666666 · 1 spans
odd  |bar| ms
   -inf: -Inf
   bytes: 3q2+7w==
   inf: +Inf
   kvlist: {inner: {n: +Inf}, user: alice}
   list: [a NaN AQ==]
   nan: NaN

`
	if got := masked(out.String()); got != want {
		t.Errorf("viewer printed:\n%s\nwant (bars masked):\n%s", out.String(), want)
	}

	out.Reset()
	v = serveInProcess(t, settings{quiet: time.Hour, json: true}, &out)
	v.send(t, oddValues())
	v.interrupt()
	var line jsonLine
	if err := json.Unmarshal(out.Bytes(), &line); err != nil || len(line.Spans) != 1 {
		t.Fatalf("not a JSON line of one span (%v): %s", err, out.String())
	}
	wantAttrs := map[string]any{"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity", "bytes": "3q2+7w==",
		"list": []any{"a", "NaN", "AQ=="}, "kvlist": map[string]any{"user": "alice", "inner": map[string]any{"n": "Infinity"}}}
	if got := values(line.Spans[0].Attributes); !reflect.DeepEqual(got, wantAttrs) {
		t.Errorf("-json attributes %v, want %v", got, wantAttrs)
	}
}

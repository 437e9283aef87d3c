package waterfall

import (
	"sort"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
)

// Span is one span as the picture needs it, wherever it was recorded: in
// this process (FromSDK) or by a collector (receiver.WaterfallSpans).
type Span struct {
	TraceID       string         `json:"trace_id"`
	SpanID        string         `json:"span_id"`
	ParentID      string         `json:"parent_span_id"` // "" for a root
	Name          string         `json:"name"`
	Kind          string         `json:"kind"`    // "internal", "server", "client", "producer", "consumer" or "unspecified"
	Service       string         `json:"service"` // service.name of the span's resource
	Start         time.Time      `json:"start"`
	End           time.Time      `json:"end"`
	StatusCode    string         `json:"status"` // "Unset", "Ok" or "Error"
	StatusMessage string         `json:"status_message,omitempty"`
	Attributes    map[string]any `json:"attributes"`
	Events        []Event        `json:"events,omitempty"`
}

// Event is a timed note on a span, such as a recorded exception.
type Event struct {
	Name       string         `json:"name"`
	Time       time.Time      `json:"time"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// FromSDK turns spans of this process's SDK into Spans.
func FromSDK(spans []sdktrace.ReadOnlySpan) []Span {
	out := make([]Span, 0, len(spans))
	for _, s := range spans {
		sp := Span{
			TraceID:       s.SpanContext().TraceID().String(),
			SpanID:        s.SpanContext().SpanID().String(),
			Name:          s.Name(),
			Kind:          s.SpanKind().String(),
			Start:         s.StartTime(),
			End:           s.EndTime(),
			StatusCode:    s.Status().Code.String(),
			StatusMessage: s.Status().Description,
			Attributes:    attributes(s.Attributes()),
		}
		if s.Parent().IsValid() {
			sp.ParentID = s.Parent().SpanID().String()
		}
		if res := s.Resource(); res != nil {
			if v, ok := res.Set().Value(semconv.ServiceNameKey); ok {
				sp.Service = v.AsString()
			}
		}
		for _, e := range s.Events() {
			sp.Events = append(sp.Events, Event{Name: e.Name, Time: e.Time, Attributes: attributes(e.Attributes)})
		}
		out = append(out, sp)
	}
	return out
}

func attributes(kvs []attribute.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}

// Row is a span at its place in the tree that Tree makes.
type Row struct {
	Span  Span
	Depth int // 0 for a root
	// Branch is what the picture draws before the name ("", "├─ ",
	// "│  └─ "…), Under what it draws before a line under the span, so
	// that the tree's lines go on past it.
	Branch, Under string
	// Cycle marks a root whose parent is among the spans but which no true
	// root leads to (a span its own parent or ancestor): it is drawn as a
	// root so that no span is lost.
	Cycle bool
}

// MissingParent returns the id of the parent of a root that has one that is
// not among the spans, or "".
func (r Row) MissingParent() string {
	if r.Depth == 0 && !r.Cycle {
		return r.Span.ParentID
	}
	return ""
}

// maxIndent is the depth past which the picture indents no further: a
// chain of parents thousands deep would make the indentation the size of
// its square.
const maxIndent = 60

// Tree orders spans as a trace viewer shows them: a span whose parent is
// among them comes under that parent, children in start order; every other
// span is a root, roots in start order, and spans that start together keep
// their order. Every span gets exactly one row, whatever the ids say: a
// span that no root leads to becomes a root marked Cycle, and a span id
// that several spans share gives its children to the first of them drawn.
func Tree(spans []Span) []Row {
	known := map[string]bool{}
	for _, s := range spans {
		known[s.SpanID] = true
	}
	isRoot := func(s Span) bool { return s.ParentID == "" || !known[s.ParentID] }
	children := map[string][]int{} // indexes into spans, by parent id
	order := make([]int, len(spans))
	for i, s := range spans {
		order[i] = i
		if !isRoot(s) {
			children[s.ParentID] = append(children[s.ParentID], i)
		}
	}
	placed := make([]bool, len(spans))
	rows := make([]Row, 0, len(spans))
	var walk func(i, depth int, prefix, branch string, cycle bool)
	walk = func(i, depth int, prefix, branch string, cycle bool) {
		childPrefix := prefix
		if depth <= maxIndent {
			switch branch {
			case "├─ ":
				childPrefix += "│  "
			case "└─ ":
				childPrefix += "   "
			}
		}
		// The children not drawn yet are claimed at once, so that each is
		// drawn once, under this span, however the ids repeat or loop.
		var kids []int
		for _, k := range children[spans[i].SpanID] {
			if !placed[k] {
				placed[k] = true
				kids = append(kids, k)
			}
		}
		kids = byStart(spans, kids)
		under := childPrefix + "   "
		if len(kids) > 0 {
			under = childPrefix + "│  "
		}
		rows = append(rows, Row{Span: spans[i], Depth: depth, Branch: prefix + branch, Under: under, Cycle: cycle})
		for n, k := range kids {
			b := "├─ "
			if n == len(kids)-1 {
				b = "└─ "
			}
			walk(k, depth+1, childPrefix, b, false)
		}
	}
	// Roots first; what is left is in cycles: the first to start of each
	// becomes a root.
	byStart(spans, order)
	for _, cycle := range []bool{false, true} {
		for _, i := range order {
			if !placed[i] && (cycle || isRoot(spans[i])) {
				placed[i] = true
				walk(i, 0, "", "", cycle)
			}
		}
	}
	return rows
}

// byStart sorts the indexes by their spans' start, keeping the order of
// those that start together.
func byStart(spans []Span, idx []int) []int {
	sort.SliceStable(idx, func(a, b int) bool { return spans[idx[a]].Start.Before(spans[idx[b]].Start) })
	return idx
}

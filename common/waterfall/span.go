package waterfall

import (
	"sort"
	"time"

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
			Attributes:    map[string]any{},
		}
		if s.Parent().IsValid() {
			sp.ParentID = s.Parent().SpanID().String()
		}
		if res := s.Resource(); res != nil {
			if v, ok := res.Set().Value(semconv.ServiceNameKey); ok {
				sp.Service = v.AsString()
			}
		}
		for _, kv := range s.Attributes() {
			sp.Attributes[string(kv.Key)] = kv.Value.AsInterface()
		}
		for _, e := range s.Events() {
			ev := Event{Name: e.Name, Time: e.Time, Attributes: map[string]any{}}
			for _, kv := range e.Attributes {
				ev.Attributes[string(kv.Key)] = kv.Value.AsInterface()
			}
			sp.Events = append(sp.Events, ev)
		}
		out = append(out, sp)
	}
	return out
}

// Row is a span at its place in the tree that Tree makes.
type Row struct {
	Span  Span
	Depth int // 0 for a root
	// Branch is what the picture draws before the name: "", "├─ ",
	// "│  └─ "… Under is what it draws before a line under the span (its
	// attributes, a warning), so that the tree's lines go on past it.
	Branch, Under string
}

// MissingParent returns the id of the parent of a root that has one that is
// not among the spans, or "".
func (r Row) MissingParent() string {
	if r.Depth == 0 {
		return r.Span.ParentID
	}
	return ""
}

// Tree orders spans as a trace viewer shows them: a span whose parent is
// among them comes under that parent, children in start order; every other
// span is a root, roots in start order. Spans that start together keep
// their order.
func Tree(spans []Span) []Row {
	known := map[string]bool{}
	for _, s := range spans {
		known[s.SpanID] = true
	}
	children := map[string][]Span{}
	var roots []Span
	for _, s := range spans {
		if s.ParentID != "" && known[s.ParentID] {
			children[s.ParentID] = append(children[s.ParentID], s)
		} else {
			roots = append(roots, s)
		}
	}
	var rows []Row
	var walk func(s Span, depth int, prefix, branch string)
	walk = func(s Span, depth int, prefix, branch string) {
		childPrefix := prefix
		switch branch {
		case "├─ ":
			childPrefix += "│  "
		case "└─ ":
			childPrefix += "   "
		}
		kids := byStart(children[s.SpanID])
		under := childPrefix + "   "
		if len(kids) > 0 {
			under = childPrefix + "│  "
		}
		rows = append(rows, Row{Span: s, Depth: depth, Branch: prefix + branch, Under: under})
		for i, k := range kids {
			b := "├─ "
			if i == len(kids)-1 {
				b = "└─ "
			}
			walk(k, depth+1, childPrefix, b)
		}
	}
	for _, root := range byStart(roots) {
		walk(root, 0, "", "")
	}
	return rows
}

func byStart(spans []Span) []Span {
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].Start.Before(spans[j].Start) })
	return spans
}

package receiver

import "example.com/gftrace/common/waterfall"

// WaterfallSpans returns the spans as package waterfall draws them.
func WaterfallSpans(spans []Span) []waterfall.Span {
	out := make([]waterfall.Span, 0, len(spans))
	for _, s := range spans {
		service, _ := s.Resource["service.name"].(string)
		w := waterfall.Span{
			TraceID:       s.TraceID,
			SpanID:        s.SpanID,
			ParentID:      s.ParentSpanID,
			Name:          s.Name,
			Kind:          s.Kind,
			Service:       service,
			Start:         s.Start,
			End:           s.End,
			StatusCode:    s.StatusCode,
			StatusMessage: s.StatusMessage,
			Attributes:    s.Attributes,
		}
		for _, e := range s.Events {
			w.Events = append(w.Events, waterfall.Event(e))
		}
		out = append(out, w)
	}
	return out
}

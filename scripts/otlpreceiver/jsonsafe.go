package main

import (
	"math"

	"example.com/gftrace/common/waterfall"
)

// jsonSafe returns the spans with every attribute value that JSON cannot
// hold (NaN, +Inf, -Inf, which a sender may send as a double) written as
// the string that OTLP's own JSON encoding uses for it: "NaN", "Infinity",
// "-Infinity". The line stays valid JSON and the trace stays whole.
func jsonSafe(spans []waterfall.Span) []waterfall.Span {
	out := make([]waterfall.Span, len(spans))
	for i, s := range spans {
		s.Attributes = jsonSafeAttributes(s.Attributes)
		s.Events = slicesMap(s.Events, func(e waterfall.Event) waterfall.Event {
			e.Attributes = jsonSafeAttributes(e.Attributes)
			return e
		})
		out[i] = s
	}
	return out
}

func jsonSafeAttributes(attrs map[string]any) map[string]any {
	if attrs == nil {
		return nil
	}
	out := make(map[string]any, len(attrs))
	for k, v := range attrs {
		out[k] = jsonSafeValue(v)
	}
	return out
}

func jsonSafeValue(v any) any {
	switch v := v.(type) {
	case float64:
		switch {
		case math.IsNaN(v):
			return "NaN"
		case math.IsInf(v, 1):
			return "Infinity"
		case math.IsInf(v, -1):
			return "-Infinity"
		}
	case []any:
		return slicesMap(v, jsonSafeValue)
	case map[string]any:
		return jsonSafeAttributes(v)
	}
	return v
}

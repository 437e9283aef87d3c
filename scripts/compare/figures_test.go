package main

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	for _, c := range []struct {
		name string
		xs   []float64
		want Stat
	}{
		{"odd count: the middle one", []float64{5, 1, 3}, Stat{Median: 3, Min: 1, Max: 5, N: 3}},
		{"even count: the mean of the middle two", []float64{4, 1, 10, 2}, Stat{Median: 3, Min: 1, Max: 10, N: 4}},
		{"one", []float64{7}, Stat{Median: 7, Min: 7, Max: 7, N: 1}},
		{"none: unknown", nil, Stat{}},
	} {
		if got := Summarize(c.xs); got != c.want {
			t.Errorf("%s: Summarize(%v) = %+v, want %+v", c.name, c.xs, got, c.want)
		}
	}
	xs := []float64{3, 1, 2}
	Summarize(xs)
	if xs[0] != 3 || xs[1] != 1 || xs[2] != 2 {
		t.Errorf("Summarize reordered its input: %v", xs)
	}
}

func TestRowStatPerSpanFiguresAndUnknowns(t *testing.T) {
	row := Row{Samples: []Sample{
		{SpansSent: 10, SpansDelivered: 10, UpBytes: 1000, DownBytes: 100, RawBytes: 2000, Requests: 2, Wall: 2 * time.Second},
		{SpansSent: 10, SpansDelivered: 10, UpBytes: 3000, DownBytes: 300, RawBytes: 2000, Requests: 4, Wall: time.Second},
	}}
	want := map[string]Stat{
		"wire_bytes_per_span":      {Median: 220, Min: 110, Max: 330, N: 2},
		"wire_up_bytes_per_span":   {Median: 200, Min: 100, Max: 300, N: 2},
		"wire_down_bytes_per_span": {Median: 20, Min: 10, Max: 30, N: 2},
		"protobuf_bytes_per_span":  {Median: 200, Min: 200, Max: 200, N: 2},
		"requests":                 {Median: 3, Min: 2, Max: 4, N: 2},
		"spans_per_second":         {Median: 7.5, Min: 5, Max: 10, N: 2},
	}
	for key, w := range want {
		if got := row.Stat(figure(key)); got != w {
			t.Errorf("%s: %+v, want %+v", key, got, w)
		}
	}
	// What a collector cannot tell (Jaeger: -1) is unknown, not zero.
	jaeger := Row{Samples: []Sample{{SpansSent: 9, SpansDelivered: 9, Requests: -1, RawBytes: -1, Wall: time.Second}}}
	for _, key := range []string{"requests", "protobuf_bytes_per_span"} {
		if got := jaeger.Stat(figure(key)); got.N != 0 {
			t.Errorf("%s with an unknown count: %+v, want N=0", key, got)
		}
	}
}

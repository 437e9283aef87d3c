package main

import (
	"slices"
)

// Unit says how a figure is printed.
type Unit int

const (
	Count        Unit = iota // a whole number
	Rate                     // per second
	BytesPerSpan             // bytes, one decimal
	Seconds                  // printed in ms or s
	Bytes                    // printed in MiB
)

// Figure is one measured quantity of a run.
type Figure struct {
	Key   string // JSON field; its _min and _max beside it
	Label string // row of the table
	Unit  Unit
	// Value returns the figure of one run, and false when the collector
	// could not tell it.
	Value func(Sample) (float64, bool)
}

func known(x float64) (float64, bool) { return x, true }

// perSpan divides by the spans sent; unknown when n is negative (the
// collector could not count) or nothing was sent.
func perSpan(n int64, s Sample) (float64, bool) {
	if n < 0 || s.SpansSent == 0 {
		return 0, false
	}
	return float64(n) / float64(s.SpansSent), true
}

// Figures are the rows of the comparison, in order.
var Figures = []Figure{
	{"spans_sent", "spans sent", Count, func(s Sample) (float64, bool) { return known(float64(s.SpansSent)) }},
	{"spans_delivered", "spans delivered", Count, func(s Sample) (float64, bool) { return known(float64(s.SpansDelivered)) }},
	{"spans_unseen", "spans sent, answers unseen", Count, func(s Sample) (float64, bool) { return known(float64(s.SpansUnseen)) }},
	{"spans_per_second", "spans/s, end to end", Rate, func(s Sample) (float64, bool) {
		return known(float64(s.reached()) / s.Wall.Seconds())
	}},
	{"wire_bytes", "wire bytes, both ways", Count, func(s Sample) (float64, bool) { return known(float64(s.UpBytes + s.DownBytes)) }},
	{"wire_bytes_per_span", "wire bytes/span, both ways", BytesPerSpan, func(s Sample) (float64, bool) { return perSpan(s.UpBytes+s.DownBytes, s) }},
	{"wire_up_bytes_per_span", "  up: exporter → collector", BytesPerSpan, func(s Sample) (float64, bool) { return perSpan(s.UpBytes, s) }},
	{"wire_down_bytes_per_span", "  down: collector → exporter", BytesPerSpan, func(s Sample) (float64, bool) { return perSpan(s.DownBytes, s) }},
	{"protobuf_bytes_per_span", "protobuf bytes/span, uncompressed", BytesPerSpan, func(s Sample) (float64, bool) { return perSpan(s.RawBytes, s) }},
	{"requests", "export requests", Count, func(s Sample) (float64, bool) { return float64(s.Requests), s.Requests >= 0 }},
	{"connections", "TCP connections", Count, func(s Sample) (float64, bool) { return known(float64(s.Conns)) }},
	{"flush_seconds", "flush at the end", Seconds, func(s Sample) (float64, bool) { return known(s.Flush.Seconds()) }},
	{"wall_seconds", "wall time", Seconds, func(s Sample) (float64, bool) { return known(s.Wall.Seconds()) }},
	{"cpu_seconds", "CPU time, user+sys", Seconds, func(s Sample) (float64, bool) { return known(s.CPU.Seconds()) }},
	{"peak_rss_bytes", "peak RSS", Bytes, func(s Sample) (float64, bool) { return known(float64(s.PeakRSS)) }},
}

// Stat is the median and the range of a figure over the runs.
type Stat struct {
	Median, Min, Max float64
	N                int // runs it was known in; 0 means unknown
}

// Summarize returns the median, minimum and maximum of xs (N=0 for none).
func Summarize(xs []float64) Stat {
	if len(xs) == 0 {
		return Stat{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	mid := len(s) / 2
	med := s[mid]
	if len(s)%2 == 0 {
		med = (s[mid-1] + s[mid]) / 2
	}
	return Stat{Median: med, Min: s[0], Max: s[len(s)-1], N: len(s)}
}

// Row is one variant in one scenario: its runs and their statistics.
type Row struct {
	Scenario Scenario
	Variant  Variant
	Samples  []Sample // runs that produced figures, lost spans or not
	Failed   int      // runs that failed, with or without figures
}

// Stat returns the statistics of figure f over the row's runs.
func (r Row) Stat(f Figure) Stat {
	var xs []float64
	for _, s := range r.Samples {
		if x, ok := f.Value(s); ok {
			xs = append(xs, x)
		}
	}
	return Summarize(xs)
}

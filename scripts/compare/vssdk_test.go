package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestVsSDKHasItsOwnDefaults(t *testing.T) {
	o, err := ParseOptions([]string{"--vs-sdk"})
	if err != nil || o.Runs != 7 || o.Traces != 50000 {
		t.Fatalf("--vs-sdk: runs %d, traces %d, err %v; want 7 pairs of 50000 traces", o.Runs, o.Traces, err)
	}
	o, err = ParseOptions([]string{"--vs-sdk", "--runs", "5", "--traces", "1000"})
	if err != nil || o.Runs != 5 || o.Traces != 1000 {
		t.Fatalf("--vs-sdk --runs 5 --traces 1000: runs %d, traces %d, err %v", o.Runs, o.Traces, err)
	}
	o, _ = ParseOptions(nil)
	if o.Runs != 5 || o.Traces != 20000 {
		t.Fatalf("without --vs-sdk: runs %d, traces %d; want the comparison's 5 and 20000", o.Runs, o.Traces)
	}
}

func TestVsSDKRefusesWhatDoesNotApply(t *testing.T) {
	for _, args := range [][]string{{"--plot", "x.svg"}, {"--collector", "jaeger"}, {"--sample", "0.5"}, {"--format", "json"}, {"--traces", "1"}} {
		o, err := ParseOptions(append([]string{"--vs-sdk"}, args...))
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		var stderr bytes.Buffer
		if code := VsSDK(o, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), "--"+strings.TrimPrefix(args[0], "--")) {
			t.Errorf("--vs-sdk %v: exit %d, %q; want 2 and a message naming %s", args, code, stderr.String(), args[0])
		}
	}
}

// The ratios are taken pair by pair: the median of the pairs' ratios, not
// the ratio of the medians.
func TestWritePairsTakesTheRatioPairByPair(t *testing.T) {
	pair := func(p, a time.Duration) Pair {
		return Pair{Project: Measured{Wall: p, CPU: p}, Anchor: Measured{Wall: a, CPU: 2 * a}}
	}
	s := time.Second
	// Ratios 2.0, 0.5, 1.1: median 1.1. The ratio of the medians (3s ÷ 2s) would be 1.5.
	pairs := []Pair{pair(2*s, 1*s), pair(3*s, 6*s), pair(11*s/10, 1*s)}
	var out bytes.Buffer
	WritePairs(&out, Options{Traces: 10, Concurrency: 1}, pairs, 0)
	// CPU ratios are half the wall ratios: 1.0, 0.25, 0.55.
	for _, want := range []string{
		"wall time, inprocess-grpc ÷ anchor: median 1.100 (range 0.500–2.000) over 3 pairs",
		"CPU time,  inprocess-grpc ÷ anchor: median 0.550 (range 0.250–1.000) over 3 pairs",
		"spans lost: 0",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

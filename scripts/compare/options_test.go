package main

import (
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"

	"example.com/gftrace/common/config"
)

func TestParseOptionsDefaults(t *testing.T) {
	o, err := ParseOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Runs: 5, Traces: 20000, Concurrency: 4, Format: "table", Collector: "receiver"}
	if o != want {
		t.Errorf("defaults %+v, want %+v", o, want)
	}
	o, err = ParseOptions([]string{"--runs", "10", "--traces", "50000", "--format", "md", "--collector", "jaeger", "--plot", "x.PNG"})
	if err != nil || o.Runs != 10 || o.Traces != 50000 || o.Format != "md" || o.Collector != "jaeger" || o.Plot != "x.PNG" {
		t.Errorf("ParseOptions = %+v, %v", o, err)
	}
	if _, err := ParseOptions([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
}

// Bad input is an error that names the bad value.
func TestParseOptionsBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--runs", "0"}, "invalid --runs 0"},
		{[]string{"--runs", "many"}, `"many"`},
		{[]string{"--traces", "-1"}, "invalid --traces -1"},
		{[]string{"--concurrency", "0"}, "invalid --concurrency 0"},
		{[]string{"--format", "csv"}, `invalid --format "csv": want table, md or json`},
		{[]string{"--collector", "zipkin"}, `invalid --collector "zipkin": want receiver or jaeger`},
		{[]string{"--plot", "chart.pdf"}, `invalid --plot "chart.pdf": the file name must end in .svg or .png`},
		{[]string{"--sample", "1"}, "invalid --sample 1: want a ratio from 0"},
		{[]string{"--sample", "-0.5"}, "invalid --sample -0.5"},
		{[]string{"--sample", "NaN"}, "invalid --sample NaN"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		_, err := ParseOptions(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseOptions(%q) = %v, want an error with %q", c.args, err, c.want)
		}
	}
}

// --collector jaeger goes where scripts/jaeger.sh listens, its port
// variables included.
func TestJaegerAddr(t *testing.T) {
	t.Setenv("JAEGER_OTLP_GRPC_PORT", "")
	t.Setenv("JAEGER_OTLP_HTTP_PORT", "14318")
	if got := jaegerAddr(config.GRPC); got != "127.0.0.1:4317" {
		t.Errorf("gRPC: %s, want 127.0.0.1:4317", got)
	}
	if got := jaegerAddr(config.HTTP); got != "127.0.0.1:14318" {
		t.Errorf("HTTP with JAEGER_OTLP_HTTP_PORT=14318: %s", got)
	}
}

// TestSamplingScenario: --sample adds the load run over gRPC at -sample 1
// and at the ratio, the same program with one flag different.
func TestSamplingScenario(t *testing.T) {
	variants := []Variant{{Key: "grpc", Protocol: config.GRPC, Bin: "g"}, {Key: "http", Protocol: config.HTTP, Bin: "h"}}
	load := Scenario{Key: "load", Title: "Load", Args: []string{"-traces", "100", "-concurrency", "4", "-timeout", "30s"}}
	s := Sampling(load, variants[0], 0.1)
	if len(s.Variants) != 2 || s.Key != "sampling" || !slices.Equal(s.Args, load.Args) {
		t.Fatalf("Sampling = %+v", s)
	}
	for i, want := range [][]string{{"-sample", "1"}, {"-sample", "0.1"}} {
		v := s.Variants[i]
		if v.Bin != "g" || v.Protocol != config.GRPC || !slices.Equal(v.Args, want) || v.Name() != strings.Join(want, " ") {
			t.Errorf("variant %d = %+v, want gRPC with %v", i, v, want)
		}
	}
	if got := columns([]Row{{Variant: s.Variants[0]}, {Variant: s.Variants[1]}}); !slices.Equal(got, []string{"figure", "-sample 1", "-sample 0.1", "0.1 ÷ 1"}) {
		t.Errorf("columns %q", got)
	}
}

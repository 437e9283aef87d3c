package main

import (
	"testing"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/sampletest"
)

// TestSample runs the real binary against the in-process OTLP receiver; the
// checks are shared with the other main (see package sampletest).
func TestSample(t *testing.T) {
	sampletest.Suite(t, config.GRPC, sampletest.Build(t, "."))
}

// TestJaeger runs the binary against the real Jaeger that scripts/jaeger.sh
// builds and starts, and reads the trace back from Jaeger's API.
func TestJaeger(t *testing.T) {
	sampletest.Jaeger(t, config.GRPC, sampletest.Build(t, "."))
}

// TestTailSampling runs the binary against the real Jaeger with the
// OpenTelemetry Collector's tail_sampling processor and checks which
// traces it kept (see scripts/jaeger/tail-sampling.yaml).
func TestTailSampling(t *testing.T) {
	sampletest.TailSampling(t, config.GRPC, sampletest.Build(t, "."))
}

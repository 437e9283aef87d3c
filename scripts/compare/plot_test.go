package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// twoScenarios is the fixture with a one-trace scenario before the load.
func twoScenarios() Report {
	r := fixture()
	one := Scenario{Key: "one-trace", Traces: 1, Short: "one trace", Title: "One trace"}
	var rows []Row
	for _, row := range r.Rows {
		row.Scenario = one
		rows = append(rows, row)
	}
	r.Rows = append(rows, r.Rows...)
	return r
}

// plotFile draws the two-scenario fixture to a file of that name and
// returns what was written.
func plotFile(t *testing.T, name string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := WritePlot(path, twoScenarios()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWritePlotSVG(t *testing.T) {
	svg := string(plotFile(t, "compare.svg"))
	if !strings.Contains(svg, "<svg") {
		t.Fatalf("not an SVG:\n%.300s", svg)
	}
	for _, want := range []string{"spans/s, end to end", "bytes/span sent, vs protobuf", "CPU seconds", "peak RSS, MiB",
		"one trace", "100 traces", "gRPC", "HTTP", "protobuf",
		"median of 2 runs", "test machine, 2 cores", "2026-01-02"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart has no %q", want)
		}
	}
}

func TestWritePlotPNG(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(plotFile(t, "compare.png")))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	// Two rows of four panels: wider than high.
	if b := img.Bounds(); b.Dx() <= b.Dy() || b.Dy() < 300 {
		t.Errorf("PNG is %dx%d, want two rows of four panels", b.Dx(), b.Dy())
	}
}

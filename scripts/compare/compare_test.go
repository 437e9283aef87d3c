package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"example.com/gftrace/internal/sampletest"
)

// run runs scripts/compare.sh, the user's entry point, and returns its
// stdout, stderr and exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("..", "compare.sh"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Dir = t.TempDir() // it works from any directory
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// The README's short comparison: both variants in every scenario measured,
// every field a number, every span sent delivered, results alone on stdout.
func TestShortComparisonJSON(t *testing.T) {
	stdout, stderr, code := run(t, "--runs", "2", "--traces", "2000", "--format", "json")
	if code != 0 {
		t.Fatalf("exit code %d, want 0\nstderr:\n%s", code, stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("stdout is not one JSON array: %v\n%s", err, stdout)
	}
	want := map[string]float64{"one-trace": 9} // the default users 100,1 make 9 spans
	// The load run is measured whenever the sample has its high-volume flag.
	if h := sampletest.Run(t, sampletest.Build(t, "../../inprocess-grpc"), nil, "-h"); strings.Contains(h.Stdout, "-traces") {
		want["load"] = 9 * 2000
	}
	if len(rows) != 2*len(want) {
		t.Fatalf("%d objects, want grpc and http for each of %v:\n%s", len(rows), want, stdout)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		scenario, variant := row["scenario"], row["variant"]
		seen[scenario.(string)+"/"+variant.(string)] = true
		for k, v := range row {
			switch _, isNumber := v.(float64); k {
			case "variant", "protocol", "scenario":
			default:
				if !isNumber {
					t.Errorf("%s %s: %s = %v, want a number", scenario, variant, k, v)
				}
			}
		}
		for _, k := range []string{"spans_sent", "spans_delivered", "spans_per_second", "wire_bytes_per_span", "cpu_seconds", "peak_rss_bytes", "requests", "connections", "protobuf_bytes_per_span"} {
			if v, _ := row[k].(float64); v <= 0 {
				t.Errorf("%s %s: %s = %v, want a positive number", scenario, variant, k, row[k])
			}
		}
		for _, suffix := range []string{"", "_min", "_max"} {
			sent, delivered := row["spans_sent"+suffix], row["spans_delivered"+suffix]
			if sent != want[scenario.(string)] || delivered != sent {
				t.Errorf("%s %s: spans_sent%s %v, spans_delivered%s %v, want both %v", scenario, variant, suffix, sent, suffix, delivered, want[scenario.(string)])
			}
		}
		if row["runs"] != 2.0 || row["failed_runs"] != 0.0 {
			t.Errorf("%s %s: runs %v, failed_runs %v, want 2 and 0", scenario, variant, row["runs"], row["failed_runs"])
		}
	}
	for s := range want {
		for _, v := range []string{"grpc", "http"} {
			if !seen[s+"/"+v] {
				t.Errorf("no %s object for %s", v, s)
			}
		}
	}
	// Progress on stderr: which variant, which run, of how many.
	for _, p := range []string{"run 1 of 2: one trace, OTLP/gRPC", "run 2 of 2: one trace, OTLP/HTTP"} {
		if !strings.Contains(stderr, p) {
			t.Errorf("stderr has no progress line %q:\n%s", p, stderr)
		}
	}
}

func TestBadInputExits2(t *testing.T) {
	stdout, stderr, code := run(t, "--runs", "0")
	if code != 2 || stdout != "" || strings.TrimSpace(stderr) != "compare: invalid --runs 0: want 1 or more (see -h)" {
		t.Errorf("--runs 0: exit %d, stdout %q, stderr %q; want 2 and one line naming the value", code, stdout, stderr)
	}
	stdout, _, code = run(t, "-h")
	if code != 0 || !strings.Contains(stdout, "--collector") || !strings.Contains(stdout, "--plot FILE") {
		t.Errorf("-h: exit %d:\n%s", code, stdout)
	}
}

// refusingCollector is an address where every connection is closed at
// once: nothing gets through, as when a collector is down.
type refusingCollector struct{ lis net.Listener }

func (c refusingCollector) Name() string { return "a collector that closes every connection" }

func (c refusingCollector) Start(Variant) (string, func() (int, int, int64), error) {
	return c.lis.Addr().String(), func() (int, int, int64) { return 0, 0, 0 }, nil
}

// A run that loses spans fails, is reported on stderr and makes the exit
// code 1; the figures are still printed, with the loss in them.
func TestLostSpansFailTheRunAndTheExitCode(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	o := Options{Runs: 1, Traces: 0, Concurrency: 1, Format: "json", Repo: repo, collector: refusingCollector{lis}}
	if code := Compare(o, &stdout, &stderr); code != 1 {
		t.Errorf("exit code %d, want 1\n%s", code, stderr.String())
	}
	for _, want := range []string{"run 1 of 1: one trace, OTLP/gRPC FAILED: exit code 1: 0 of 9 spans delivered",
		"run 1 of 1: one trace, OTLP/HTTP FAILED: exit code 1: 0 of 9 spans delivered", "2 run(s) lost spans or failed"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr has no %q:\n%s", want, stderr.String())
		}
	}
	var rows []map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("want two JSON objects (%v):\n%s", err, stdout.String())
	}
	for _, row := range rows {
		if row["spans_sent"] != 9.0 || row["spans_delivered"] != 0.0 || row["failed_runs"] != 1.0 {
			t.Errorf("%v: sent %v delivered %v failed_runs %v, want 9, 0, 1", row["variant"], row["spans_sent"], row["spans_delivered"], row["failed_runs"])
		}
	}
}

// unreachableCollector is a collector that is not there at all.
type unreachableCollector struct{}

func (unreachableCollector) Name() string { return "nothing" }

func (unreachableCollector) Start(Variant) (string, func() (int, int, int64), error) {
	return "", nil, &CollectorError{"no Jaeger listens for OTLP/gRPC on 127.0.0.1:4317; start it with scripts/jaeger.sh start"}
}

// Without a collector no run can succeed: say so once and exit 1, with no
// results on stdout.
func TestNoCollectorStopsAtOnce(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	o := Options{Runs: 5, Traces: 0, Concurrency: 1, Format: "table", Repo: repo, collector: unreachableCollector{}}
	if code := Compare(o, &stdout, &stderr); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q, want nothing", stdout.String())
	}
	if n := strings.Count(stderr.String(), "start it with scripts/jaeger.sh start"); n != 1 {
		t.Errorf("the cause appears %d times on stderr, want once:\n%s", n, stderr.String())
	}
}

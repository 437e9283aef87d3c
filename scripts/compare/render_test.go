package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"example.com/gftrace/common/config"
)

// fixture is a report of two runs per variant with round numbers, so that
// every printed cell can be checked by hand.
func fixture() Report {
	s := Scenario{Key: "load", Traces: 100, Short: "100 traces", Title: "Load: -traces 100 -concurrency 4"}
	grpc := Row{Scenario: s, Variant: Variant{Key: "grpc", Protocol: config.GRPC}, Samples: []Sample{
		{SpansSent: 900, SpansDelivered: 900, Requests: 2, Conns: 1, UpBytes: 45000, DownBytes: 900, RawBytes: 180000,
			Flush: 2 * time.Millisecond, Wall: 500 * time.Millisecond, CPU: 400 * time.Millisecond, PeakRSS: 30 << 20},
		{SpansSent: 900, SpansDelivered: 900, Requests: 2, Conns: 1, UpBytes: 45900, DownBytes: 900, RawBytes: 180000,
			Flush: 4 * time.Millisecond, Wall: 1500 * time.Millisecond, CPU: 600 * time.Millisecond, PeakRSS: 32 << 20},
	}}
	http := Row{Scenario: s, Variant: Variant{Key: "http", Protocol: config.HTTP}, Failed: 1, Samples: []Sample{
		{SpansSent: 900, SpansDelivered: 900, SpansUnseen: 900, Requests: 2, Conns: 1, UpBytes: 54000, DownBytes: 1800, RawBytes: 180000,
			Flush: 3 * time.Millisecond, Wall: 1000 * time.Millisecond, CPU: 1200 * time.Millisecond, PeakRSS: 31 << 20},
		{SpansSent: 900, SpansDelivered: 450, SpansUnseen: 900, Requests: 1, Conns: 2, UpBytes: 54000, DownBytes: 1800, RawBytes: 90000,
			Flush: 3 * time.Millisecond, Wall: 1000 * time.Millisecond, CPU: 1200 * time.Millisecond, PeakRSS: 31 << 20},
	}}
	return Report{Rows: []Row{grpc, http}, Runs: 2, Collector: "the test's", Machine: "test machine, 2 cores", Date: "2026-01-02",
		Notes: []string{"a note."}}
}

const fixtureHead = `OTLP/gRPC or OTLP/HTTP: the sample's two programs, 2 runs of each per scenario, taking turns (gRPC, HTTP, gRPC, HTTP, ...).
Each cell: the median, and (min–max) when the runs differ.
Collector: the test's, behind a byte-counting relay on 127.0.0.1 (wire bytes are TCP payload).
Machine: test machine, 2 cores; 2026-01-02.
Note: a note.
`

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, fixture()); err != nil {
		t.Fatal(err)
	}
	want := fixtureHead + `
Load: -traces 100 -concurrency 4
figure                              OTLP/gRPC                OTLP/HTTP             HTTP ÷ gRPC
spans sent                          900                      900                   1.00×
spans delivered                     900                      675 (450–900)         0.75×
spans sent, answers unseen          0                        900                   –
spans/s, end to end                 1,200 (600–1,800)        675 (450–900)         0.56×
wire bytes, both ways               46,350 (45,900–46,800)   55,800                1.20×
wire bytes/span, both ways          51.5 (51.0–52.0)         62.0                  1.20×
  up: exporter → collector          50.5 (50.0–51.0)         60.0                  1.19×
  down: collector → exporter        1.0                      2.0                   2.00×
protobuf bytes/span, uncompressed   200.0                    150.0 (100.0–200.0)   0.75×
export requests                     2                        1.5 (1–2)             0.75×
TCP connections                     1                        1.5 (1–2)             1.50×
flush at the end                    3.0 ms (2.0–4.0)         3.0 ms                1.00×
wall time                           1.00 s (0.50–1.50)       1.00 s                1.00×
CPU time, user+sys                  500 ms (400–600)         1.20 s                2.40×
peak RSS                            31.0 MiB (30.0–32.0)     31.0 MiB              1.00×
FAILED runs                         0                        1
`
	if got := b.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, fixture()); err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(fixtureHead, "\n", "  \n") + `
**Load: -traces 100 -concurrency 4**

| figure | OTLP/gRPC | OTLP/HTTP | HTTP ÷ gRPC |
|---|--:|--:|--:|
| spans sent | 900 | 900 | 1.00× |
| spans delivered | 900 | 675 (450–900) | 0.75× |
| spans sent, answers unseen | 0 | 900 | – |
| spans/s, end to end | 1,200 (600–1,800) | 675 (450–900) | 0.56× |
| wire bytes, both ways | 46,350 (45,900–46,800) | 55,800 | 1.20× |
| wire bytes/span, both ways | 51.5 (51.0–52.0) | 62.0 | 1.20× |
| up: exporter → collector | 50.5 (50.0–51.0) | 60.0 | 1.19× |
| down: collector → exporter | 1.0 | 2.0 | 2.00× |
| protobuf bytes/span, uncompressed | 200.0 | 150.0 (100.0–200.0) | 0.75× |
| export requests | 2 | 1.5 (1–2) | 0.75× |
| TCP connections | 1 | 1.5 (1–2) | 1.50× |
| flush at the end | 3.0 ms (2.0–4.0) | 3.0 ms | 1.00× |
| wall time | 1.00 s (0.50–1.50) | 1.00 s | 1.00× |
| CPU time, user+sys | 500 ms (400–600) | 1.20 s | 2.40× |
| peak RSS | 31.0 MiB (30.0–32.0) | 31.0 MiB | 1.00× |
| FAILED runs | 0 | 1 |  |
`
	if got := b.String(); got != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", got, want)
	}
}

func TestRatio(t *testing.T) {
	one := func(x float64) Stat { return Stat{Median: x, Min: x, Max: x, N: 1} }
	for _, c := range []struct {
		u    Unit
		a, b Stat
		want string
	}{
		{Seconds, one(0.002), one(0.003), "1.50×"},
		{Seconds, one(0.00001), one(0.00003), "–"}, // 0.0 ms against 0.0 ms
		{Count, one(0), one(3), "–"},
		{BytesPerSpan, one(0.2), one(0.3), "1.50×"},
		{BytesPerSpan, one(0.12), one(0.14), "1.00×"}, // both print as 0.1
		{Seconds, one(0.5), one(1.5), "3.00×"},        // 500 ms against 1.50 s
		{Rate, Stat{}, one(3), "–"},                   // unknown
	} {
		if got := ratio(c.u, c.a, c.b); got != c.want {
			t.Errorf("ratio(%v, %v, %v) = %q, want %q", c.u, c.a.Median, c.b.Median, got, c.want)
		}
	}
}

func TestCell(t *testing.T) {
	for _, c := range []struct {
		u    Unit
		s    Stat
		want string
	}{
		{Count, Stat{}, "–"}, // unknown
		{Rate, Stat{Median: 123456.4, Min: 99999.6, Max: 150000, N: 3}, "123,456 (100,000–150,000)"},
		{Seconds, Stat{Median: 0.0123, Min: 0.0123, Max: 0.0123, N: 1}, "12.3 ms"},
		{Seconds, Stat{Median: 0.25, Min: 0.2, Max: 1.5, N: 3}, "250 ms (200–1500)"},
		{Seconds, Stat{Median: 2.5, Min: 2, Max: 3, N: 3}, "2.50 s (2.00–3.00)"},
		{Bytes, Stat{Median: 25 << 20, Min: 25 << 20, Max: 26 << 20, N: 2}, "25.0 MiB (25.0–26.0)"},
		{BytesPerSpan, Stat{Median: 50.04, Min: 50.01, Max: 50.049, N: 3}, "50.0"}, // the same as printed
	} {
		if got := Cell(c.u, c.s); got != c.want {
			t.Errorf("Cell(%v, %+v) = %q, want %q", c.u, c.s, got, c.want)
		}
	}
}

// The JSON has one object per variant and scenario; the strings variant,
// protocol and scenario; every other field a number; figures with their
// _min and _max; and no field for what the collector could not tell.
func TestWriteJSON(t *testing.T) {
	r := fixture()
	r.Rows[1].Samples[0].Requests, r.Rows[1].Samples[1].Requests = -1, -1
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(b.Bytes(), &rows); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b.String())
	}
	if len(rows) != 2 || rows[0]["variant"] != "grpc" || rows[1]["variant"] != "http" {
		t.Fatalf("want a grpc and an http object:\n%s", b.String())
	}
	for _, row := range rows {
		for k, v := range row {
			_, isNumber := v.(float64)
			_, isString := v.(string)
			switch k {
			case "variant", "protocol", "scenario":
				if !isString {
					t.Errorf("%s = %v, want a string", k, v)
				}
			default:
				if !isNumber {
					t.Errorf("%s = %v, want a number", k, v)
				}
			}
		}
	}
	g, h := rows[0], rows[1]
	for key, want := range map[string]float64{
		"spans_sent": 900, "spans_delivered": 900, "spans_per_second": 1200, "spans_per_second_min": 600,
		"spans_per_second_max": 1800, "wire_bytes_per_span": 51.5, "cpu_seconds": 0.5, "peak_rss_bytes": 31 << 20,
		"requests": 2, "traces": 100, "runs": 2, "failed_runs": 0,
	} {
		if g[key] != want {
			t.Errorf("grpc %s = %v, want %v", key, g[key], want)
		}
	}
	if g["scenario"] != "load" || g["protocol"] != "OTLP/gRPC" {
		t.Errorf("grpc scenario %v protocol %v", g["scenario"], g["protocol"])
	}
	if _, ok := h["requests"]; ok {
		t.Errorf("http has requests %v though no run could count them", h["requests"])
	}
	if h["failed_runs"] != 1.0 || h["spans_delivered_min"] != 450.0 {
		t.Errorf("http failed_runs %v spans_delivered_min %v, want 1 and 450", h["failed_runs"], h["spans_delivered_min"])
	}
}

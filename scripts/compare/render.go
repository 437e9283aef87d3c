package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Report is a whole comparison, ready to print.
type Report struct {
	Rows      []Row // for each scenario, one row per variant, in order
	Runs      int   // runs asked of each variant in each scenario
	Collector string
	Machine   string   // for example "linux/amd64, 2 cores, go1.26.8"
	Date      string   // YYYY-MM-DD
	Notes     []string // what was not measured, and why
}

// Scenarios returns the scenarios of the report, in order, each with its
// rows.
func (r Report) Scenarios() [][]Row {
	var out [][]Row
	for _, row := range r.Rows {
		if n := len(out); n > 0 && out[n-1][0].Scenario.Key == row.Scenario.Key {
			out[n-1] = append(out[n-1], row)
		} else {
			out = append(out, []Row{row})
		}
	}
	return out
}

func (r Report) header() []string {
	return []string{
		fmt.Sprintf("OTLP/gRPC or OTLP/HTTP: the sample's two programs, %s of each per scenario, taking turns (gRPC, HTTP, gRPC, HTTP, ...).", plural(r.Runs, "run")),
		"Each cell: the median, and (min–max) when the runs differ.",
		"Collector: " + r.Collector + ", behind a byte-counting relay on 127.0.0.1 (wire bytes are TCP payload).",
		"Machine: " + r.Machine + "; " + r.Date + ".",
	}
}

// WriteTable prints the report as aligned plain text.
func WriteTable(w io.Writer, r Report) error {
	var b bytes.Buffer
	for _, line := range r.header() {
		fmt.Fprintln(&b, line)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(&b, "Note: "+n)
	}
	for _, rows := range r.Scenarios() {
		fmt.Fprintf(&b, "\n%s\n", rows[0].Scenario.Title)
		tw := tabwriter.NewWriter(&b, 0, 0, 3, ' ', 0)
		fmt.Fprintln(tw, strings.Join(columns(rows), "\t"))
		for _, cells := range tableCells(rows) {
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		tw.Flush()
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteMarkdown prints the report as Markdown: one table per scenario.
func WriteMarkdown(w io.Writer, r Report) error {
	var b bytes.Buffer
	for _, line := range r.header() {
		fmt.Fprintln(&b, line+"  ")
	}
	for _, n := range r.Notes {
		fmt.Fprintln(&b, "Note: "+n+"  ")
	}
	for _, rows := range r.Scenarios() {
		fmt.Fprintf(&b, "\n**%s**\n\n", rows[0].Scenario.Title)
		cols := columns(rows)
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cols, " | "))
		fmt.Fprintf(&b, "|---%s|\n", strings.Repeat("|--:", len(cols)-1))
		for _, cells := range tableCells(rows) {
			cells[0] = strings.TrimSpace(cells[0])
			for len(cells) < len(cols) {
				cells = append(cells, "")
			}
			fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// columns are the table's heads: the figure, each variant, and the ratio
// of the second variant to the first.
func columns(rows []Row) []string {
	cols := []string{"figure"}
	for _, row := range rows {
		cols = append(cols, row.Variant.Name())
	}
	if len(rows) == 2 {
		cols = append(cols, shortName(rows[1])+" ÷ "+shortName(rows[0]))
	}
	return cols
}

func shortName(r Row) string {
	return strings.TrimPrefix(strings.TrimPrefix(r.Variant.Name(), "OTLP/"), "-sample ")
}

// tableCells returns one line of cells per figure.
func tableCells(rows []Row) [][]string {
	var out [][]string
	for _, f := range Figures {
		cells := []string{f.Label}
		for _, row := range rows {
			cells = append(cells, Cell(f.Unit, row.Stat(f)))
		}
		if len(rows) == 2 {
			cells = append(cells, ratio(f.Unit, rows[0].Stat(f), rows[1].Stat(f)))
		}
		out = append(out, cells)
	}
	failed := 0
	for _, row := range rows {
		failed += row.Failed
	}
	if failed > 0 {
		cells := []string{"FAILED runs"}
		for _, row := range rows {
			cells = append(cells, strconv.Itoa(row.Failed))
		}
		out = append(out, cells)
	}
	return out
}

// Cell prints a statistic: the median, then (min–max) if the runs differ
// as printed.
func Cell(u Unit, s Stat) string {
	if s.N == 0 {
		return "–"
	}
	unit, scale, format := printing(u, s.Median)
	med := format(s.Median / scale)
	lo, hi := format(s.Min/scale), format(s.Max/scale)
	if lo == hi {
		return med + unit
	}
	return fmt.Sprintf("%s%s (%s–%s)", med, unit, lo, hi)
}

// printing chooses how a value of unit u near x is printed: a suffix, a
// divisor and a number format.
func printing(u Unit, x float64) (string, float64, func(float64) string) {
	switch u {
	case Rate, Count:
		return "", 1, func(v float64) string {
			if v != float64(int64(v)) && v < 100 {
				return strconv.FormatFloat(v, 'f', 1, 64)
			}
			return thousands(int64(v + 0.5))
		}
	case BytesPerSpan:
		return "", 1, func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	case Seconds:
		if x < 1 {
			digits := 1
			if x >= 0.1 {
				digits = 0
			}
			return " ms", 1e-3, func(v float64) string { return strconv.FormatFloat(v, 'f', digits, 64) }
		}
		return " s", 1, func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	default: // Bytes
		return " MiB", 1 << 20, func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	}
}

// plural writes "1 run" or "2 runs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// ratio is b's median over a's as the table prints them, as "1.23×", so
// that the ratio agrees with the cells beside it; none when either prints
// as zero, since a ratio of values below the printed precision is noise.
func ratio(u Unit, a, b Stat) string {
	if a.N == 0 || b.N == 0 {
		return "–"
	}
	pa, pb := printed(u, a.Median), printed(u, b.Median)
	if pa == 0 || pb == 0 {
		return "–"
	}
	return strconv.FormatFloat(pb/pa, 'f', 2, 64) + "×"
}

// printed is x rounded as the table prints it, in x's own unit.
func printed(u Unit, x float64) float64 {
	_, scale, format := printing(u, x)
	v, _ := strconv.ParseFloat(strings.ReplaceAll(format(x/scale), ",", ""), 64)
	return v * scale
}

// WriteJSON prints one JSON array with an object per variant and scenario:
// the strings variant ("grpc" or "http"), protocol and scenario, the
// numbers traces, runs and failed_runs, and for each figure its median under
// its key and its range under key_min and key_max. A figure the collector
// could not tell (requests and protobuf size with Jaeger) is left out.
func WriteJSON(w io.Writer, r Report) error {
	var b bytes.Buffer
	b.WriteString("[")
	for i, row := range r.Rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		field := func(first bool, key string, v any) {
			if !first {
				b.WriteString(", ")
			}
			k, _ := json.Marshal(key)
			x, _ := json.Marshal(v)
			b.Write(k)
			b.WriteString(": ")
			b.Write(x)
		}
		field(true, "variant", row.Variant.Key)
		field(false, "protocol", row.Variant.Protocol.String())
		field(false, "scenario", row.Scenario.Key)
		field(false, "traces", row.Scenario.Traces)
		field(false, "runs", len(row.Samples))
		field(false, "failed_runs", row.Failed)
		for _, f := range Figures {
			s := row.Stat(f)
			if s.N == 0 {
				continue
			}
			field(false, f.Key, s.Median)
			field(false, f.Key+"_min", s.Min)
			field(false, f.Key+"_max", s.Max)
		}
		b.WriteString("}")
	}
	b.WriteString("\n]\n")
	_, err := w.Write(b.Bytes())
	return err
}

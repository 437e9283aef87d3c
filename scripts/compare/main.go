// Command compare measures the sample's two programs, inprocess-grpc
// (OTLP/gRPC) and inprocess-http (OTLP/HTTP), doing the same work against
// the same collector, and prints the median and range of each figure: the
// measured answer to "OTLP over gRPC or over HTTP?". scripts/compare.sh
// runs it; see usage for what it does.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"example.com/gftrace/internal/repo"
)

const usageText = `Usage: scripts/compare.sh [options]

Measures the sample's two programs, inprocess-grpc (OTLP/gRPC) and
inprocess-http (OTLP/HTTP), doing the same work against the same collector,
and prints the median and the min–max of each figure over the runs.

Both are built once and run as whole processes: the normal run (one trace,
9 spans) and, when the programs have the -traces flag, a load run (-traces N
-concurrency C). Runs take turns, gRPC then HTTP, so that drift on a busy
machine hits both alike. A relay on 127.0.0.1 between exporter and collector
counts the bytes on the wire in each direction and the connections.

Options:
  --runs N          runs of each program in each scenario (default 5)
  --traces N        traces in the load run; 0 skips the load run (default 20000)
  --concurrency C   goroutines making traces in the load run (default 4)
  --sample R        also run the load run over OTLP/gRPC at -sample 1 and at -sample R
                    (a ratio between 0 and 1), side by side; 0 does not (default 0)
  --format F        table, md or json (default table)
  --collector C     receiver: the in-process OTLP receiver of internal/receiver (default)
                    jaeger: the Jaeger of scripts/jaeger.sh, on 127.0.0.1:4317 and :4318
                    (or the ports in JAEGER_OTLP_GRPC_PORT, JAEGER_OTLP_HTTP_PORT);
                    start it first: scripts/jaeger.sh start
  --plot FILE       also draw the main figures to FILE, .svg or .png
  --repo DIR        the sample's checkout (default: found from the current directory)
  --vs-sdk          instead, measure inprocess-grpc -traces against the raw OpenTelemetry SDK
                    doing the same work (internal/budget/anchor), both delivering to one
                    scripts/otlpreceiver -count; runs in pairs, and prints the median and range
                    of the pair-by-pair wall and CPU ratios (defaults: --runs 7, --traces 50000)
  -h, --help        show this help

Progress goes to stderr, results to stdout.
Exit codes: 0 every run delivered every span; 1 a run lost spans or failed; 2 bad input.
`

// Options are the command line's settings.
type Options struct {
	Runs, Traces, Concurrency int
	Sample                    float64
	Format, Collector, Plot   string
	Repo                      string
	VsSDK                     bool // --vs-sdk: see vssdk.go

	collector Collector // when set, used instead of the one Collector names (tests)
}

// ParseOptions reads the command line. It returns flag.ErrHelp for -h.
func ParseOptions(args []string) (Options, error) {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var o Options
	fs.IntVar(&o.Runs, "runs", 5, "")
	fs.IntVar(&o.Traces, "traces", 20000, "")
	fs.IntVar(&o.Concurrency, "concurrency", 4, "")
	fs.Float64Var(&o.Sample, "sample", 0, "")
	fs.StringVar(&o.Format, "format", "table", "")
	fs.StringVar(&o.Collector, "collector", "receiver", "")
	fs.StringVar(&o.Plot, "plot", "", "")
	fs.StringVar(&o.Repo, "repo", "", "")
	fs.BoolVar(&o.VsSDK, "vs-sdk", false, "")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	vsSDKDefaults(fs, &o)
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.Runs < 1:
		return o, fmt.Errorf("invalid --runs %d: want 1 or more", o.Runs)
	case o.Traces < 0:
		return o, fmt.Errorf("invalid --traces %d: want 0 (no load run) or more", o.Traces)
	case o.Concurrency < 1:
		return o, fmt.Errorf("invalid --concurrency %d: want 1 or more", o.Concurrency)
	case !(o.Sample >= 0 && o.Sample < 1):
		return o, fmt.Errorf("invalid --sample %v: want a ratio from 0 (no sampling run) to below 1", o.Sample)
	case o.Format != "table" && o.Format != "md" && o.Format != "json":
		return o, fmt.Errorf("invalid --format %q: want table, md or json", o.Format)
	case o.Collector != "receiver" && o.Collector != "jaeger":
		return o, fmt.Errorf("invalid --collector %q: want receiver or jaeger", o.Collector)
	}
	if o.Plot != "" {
		if _, err := PlotFormat(o.Plot); err != nil {
			return o, err
		}
		// Found now, not after minutes of measuring.
		probe, err := os.CreateTemp(filepath.Dir(o.Plot), ".compare-plot-*")
		if err != nil {
			return o, fmt.Errorf("invalid --plot %q: cannot write a file in %s (%v)", o.Plot, filepath.Dir(o.Plot), errors.Unwrap(err))
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	if o.Repo != "" && !repo.IsCheckout(o.Repo) {
		return o, fmt.Errorf("invalid --repo %q: not the sample's checkout (no go.work and inprocess-grpc/main.go there)", o.Repo)
	}
	return o, nil
}

func main() {
	if isLauncher() {
		launcher() // see launch.go
	}
	o, err := ParseOptions(os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Print(usageText)
		os.Exit(0)
	case err != nil:
		fmt.Fprintf(os.Stderr, "compare: %v (see -h)\n", err)
		os.Exit(2)
	}
	if o.Repo == "" {
		if o.Repo, err = repo.Root(); err != nil {
			fmt.Fprintf(os.Stderr, "compare: %v (see -h)\n", err)
			os.Exit(2)
		}
	}
	if o.VsSDK {
		os.Exit(VsSDK(o, os.Stdout, os.Stderr))
	}
	os.Exit(Compare(o, os.Stdout, os.Stderr))
}

// Compare builds the programs, runs the comparison, prints the report to
// stdout and progress to stderr, and returns the exit code.
func Compare(o Options, stdout, stderr io.Writer) int {
	began := time.Now()
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "compare: "+format+"\n", a...) }
	dir, err := os.MkdirTemp("", "compare-")
	if err != nil {
		progress("%v", err)
		return 1
	}
	defer os.RemoveAll(dir)
	progress("building inprocess-grpc and inprocess-http in %s", o.Repo)
	variants, err := Build(o.Repo, dir)
	if err != nil {
		progress("%v", err)
		return 1
	}

	var notes []string
	collector := o.collector
	switch {
	case collector != nil:
	case o.Collector == "jaeger":
		collector = jaegerCollector{}
		notes = append(notes, JaegerNote)
	default:
		collector = receiverCollector{}
	}
	report := Report{Runs: o.Runs, Collector: collector.Name(), Machine: machine(), Date: time.Now().Format("2006-01-02"), Notes: notes}
	scenarios, unmeasured := Scenarios(o, variants)
	report.Notes = append(report.Notes, unmeasured...)
	for _, n := range unmeasured {
		progress("%s", n)
	}
	for _, s := range scenarios {
		vs := variants
		if s.Variants != nil {
			vs = s.Variants
		}
		for _, v := range vs {
			report.Rows = append(report.Rows, Row{Scenario: s, Variant: v})
		}
	}
	failed, err := measure(report.Rows, o.Runs, collector, progress)
	if err != nil {
		progress("%v", err)
		return 1
	}

	write := WriteTable
	switch o.Format {
	case "md":
		write = WriteMarkdown
	case "json":
		write = WriteJSON
	}
	if err := write(stdout, report); err != nil {
		progress("%v", err)
		return 1
	}
	if o.Plot != "" {
		if err := WritePlot(o.Plot, report); err != nil {
			progress("%v", err)
			return 1
		}
		progress("chart written to %s", o.Plot)
	}
	progress("done in %s", time.Since(began).Round(100*time.Millisecond))
	if failed > 0 {
		progress("%d run(s) lost spans or failed; see above", failed)
		return 1
	}
	return 0
}

// Scenarios returns the work both variants do: the one-trace run always,
// and the load run when asked for and the programs have -traces; with
// notes on what is not measured.
func Scenarios(o Options, variants []Variant) ([]Scenario, []string) {
	scenarios := []Scenario{{Key: "one-trace", Traces: 1, Short: "one trace",
		Title: "One trace: the default run (users 100,1), one new process per run"}}
	switch {
	case o.Traces == 0:
		return scenarios, []string{"load run skipped (--traces 0)."}
	case !HasLoadMode(variants[0].Bin) || !HasLoadMode(variants[1].Bin):
		return scenarios, []string{"load run not measured: this checkout's programs have no -traces flag (the high-volume mode); only the one-trace run is measured."}
	}
	n, c := strconv.Itoa(o.Traces), strconv.Itoa(o.Concurrency)
	load := Scenario{Key: "load", Traces: o.Traces, Short: thousands(int64(o.Traces)) + " traces",
		Title: fmt.Sprintf("Load: -traces %s -concurrency %s, one new process per run", n, c),
		// A generous wait at the end: the point is to measure it, not to cut it.
		Args: []string{"-traces", n, "-concurrency", c, "-timeout", "30s"}}
	scenarios = append(scenarios, load)
	if o.Sample > 0 {
		scenarios = append(scenarios, Sampling(load, variants[0], o.Sample))
	}
	return scenarios, nil
}

// Sampling is the load scenario for variant v at two head-sampling ratios:
// every trace (-sample 1) and ratio. Both go through the program's own
// provider, so that the sampler is the only difference.
func Sampling(load Scenario, v Variant, ratio float64) Scenario {
	r := strconv.FormatFloat(ratio, 'f', -1, 64)
	s := load
	s.Key, s.Short = "sampling", "head sampling"
	s.Title = fmt.Sprintf("Head sampling: %s over %s, every trace (-sample 1) against -sample %s, one new process per run",
		strings.Join(load.Args[:4], " "), v.Protocol, r)
	all, some := v, v
	all.Key, all.Label, all.Args = v.Key+"-sample-1", "-sample 1", []string{"-sample", "1"}
	some.Key, some.Label, some.Args = v.Key+"-sample-"+r, "-sample "+r, []string{"-sample", r}
	s.Variants = []Variant{all, some}
	return s
}

// measure runs every row runs times, the rows taking turns, and adds the
// samples to them. It returns how many runs failed, or an error when the
// collector cannot be reached at all.
func measure(rows []Row, runs int, collector Collector, progress func(string, ...any)) (int, error) {
	failed := 0
	for i := 1; i <= runs; i++ {
		for k := range rows {
			row := &rows[k]
			name := fmt.Sprintf("run %d of %d: %s, %s", i, runs, row.Scenario.Short, row.Variant.Name())
			progress("%s ...", name)
			smp, err := Run(row.Variant, row.Scenario, collector)
			if smp.SpansSent > 0 {
				row.Samples = append(row.Samples, smp)
			}
			var unavailable *CollectorError
			switch {
			case errors.As(err, &unavailable):
				return failed, err
			case err != nil:
				row.Failed++
				failed++
				progress("%s FAILED: %v", name, err)
			default:
				progress("%s: %d of %d spans in %s", name, smp.SpansDelivered, smp.SpansSent, smp.Wall.Round(time.Millisecond))
			}
		}
	}
	return failed, nil
}

// machine describes where the numbers come from.
func machine() string {
	m := fmt.Sprintf("%s/%s, %d cores", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				m += ", " + strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return m + ", " + runtime.Version()
}

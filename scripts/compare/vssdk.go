package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"example.com/gftrace/common/report"
)

// --vs-sdk measures the sample's high-volume mode (inprocess-grpc -traces)
// against internal/budget/anchor, the raw OpenTelemetry SDK doing the same
// work, both delivering to one counting receiver (scripts/otlpreceiver
// -count) in a process of its own. The programs take turns, the one that
// goes first alternating from pair to pair, and each pair gives a ratio,
// so that load on a shared machine hits both sides of a ratio alike.

// spansPerTrace is main + 2 × (GetUser + 3 children), for both programs.
const spansPerTrace = 9

// Pair is one run of each program, next to each other.
type Pair struct {
	Project, Anchor Measured
}

// vsSDKFlagsThatDoNotApply are the options of the gRPC/HTTP comparison
// that --vs-sdk has no use for.
func vsSDKCheck(o Options) error {
	switch {
	case o.Traces < 2:
		return fmt.Errorf("invalid --traces %d with --vs-sdk: want 2 or more (the high-volume mode)", o.Traces)
	case o.Sample != 0 || o.Plot != "" || o.Collector != "receiver" || o.Format != "table":
		return errors.New("--vs-sdk has its own receiver and prints a table: --sample, --plot, --collector and --format do not go with it")
	}
	return nil
}

// VsSDK builds the three programs, runs the pairs, prints the ratios to
// stdout and progress to stderr, and returns the exit code.
func VsSDK(o Options, stdout, stderr io.Writer) int {
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "compare: "+format+"\n", a...) }
	if err := vsSDKCheck(o); err != nil {
		fmt.Fprintf(stderr, "compare: %v (see -h)\n", err)
		return 2
	}
	dir, err := os.MkdirTemp("", "compare-vs-sdk-")
	if err != nil {
		progress("%v", err)
		return 1
	}
	defer os.RemoveAll(dir)
	progress("building inprocess-grpc, internal/budget/anchor and scripts/otlpreceiver in %s", o.Repo)
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./inprocess-grpc", "./internal/budget/anchor", "./scripts/otlpreceiver")
	cmd.Dir = o.Repo
	if out, err := cmd.CombinedOutput(); err != nil {
		progress("go build in %s: %v\n%s", o.Repo, err, out)
		return 1
	}
	rec, err := startCounter(filepath.Join(dir, "otlpreceiver"))
	if err != nil {
		progress("%v", err)
		return 1
	}
	defer rec.stop()
	progress("counting receiver on %s", rec.addr)

	n, c := strconv.Itoa(o.Traces), strconv.Itoa(o.Concurrency)
	want := o.Traces * spansPerTrace
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	project := func() (Measured, error) {
		var out, errs bytes.Buffer
		m, err := Launch(filepath.Join(dir, "inprocess-grpc"), []string{"-endpoint", rec.addr, "-traces", n, "-concurrency", c, "-timeout", "30s", "-json"}, env, &out, &errs, runTimeout)
		if err != nil {
			return m, err
		}
		sum, err := report.ParseResult(out.String())
		switch {
		case err != nil:
			return m, fmt.Errorf("%v (exit code %d)%s", err, m.Exit, lastLines(errs.String()))
		case m.Exit != 0 || sum.Recorded != int64(want) || sum.Delivered != int64(want):
			return m, fmt.Errorf("exit code %d: %s", m.Exit, sum.Summary)
		}
		return m, nil
	}
	anchor := func() (Measured, error) {
		var out, errs bytes.Buffer
		m, err := Launch(filepath.Join(dir, "anchor"), []string{"-endpoint", rec.addr, "-traces", n, "-concurrency", c}, env, &out, &errs, runTimeout)
		if err == nil && m.Exit != 0 {
			err = fmt.Errorf("exit code %d%s", m.Exit, lastLines(errs.String()))
		}
		return m, err
	}
	// run runs one program and checks that the receiver got every span.
	run := func(name string, f func() (Measured, error)) (Measured, bool) {
		before := rec.count()
		m, err := f()
		if err == nil {
			if got := rec.waitFor(before+want, 5*time.Second) - before; got != want {
				err = fmt.Errorf("%d spans lost: the receiver got %d of %d", want-got, got, want)
			}
		}
		if err != nil {
			progress("%s FAILED: %v", name, err)
			return m, false
		}
		progress("%s: %s wall, %s CPU, %s MiB peak RSS", name, m.Wall.Round(time.Millisecond), m.CPU.Round(time.Millisecond), mib(m.PeakRSS))
		return m, true
	}

	var pairs []Pair
	failed := 0
	for i := 1; i <= o.Runs; i++ {
		var p Pair
		okP, okA := false, false
		name := fmt.Sprintf("pair %d of %d", i, o.Runs)
		if i%2 == 1 {
			p.Project, okP = run(name+", inprocess-grpc", project)
			p.Anchor, okA = run(name+", anchor", anchor)
		} else {
			p.Anchor, okA = run(name+", anchor", anchor)
			p.Project, okP = run(name+", inprocess-grpc", project)
		}
		if okP && okA {
			pairs = append(pairs, p)
		} else {
			failed++
		}
	}
	WritePairs(stdout, o, pairs, failed)
	if failed > 0 || len(pairs) == 0 {
		return 1
	}
	return 0
}

// WritePairs prints each pair and the median and range of the ratios.
func WritePairs(w io.Writer, o Options, pairs []Pair, failed int) {
	fmt.Fprintf(w, "inprocess-grpc -traces %d -concurrency %d against the raw SDK (internal/budget/anchor),\n", o.Traces, o.Concurrency)
	fmt.Fprintf(w, "both to one scripts/otlpreceiver -count; %s, %s\n\n", machine(), time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "%-5s %10s %10s %6s %10s %10s %6s %9s %9s\n", "pair", "wall", "anchor", "ratio", "CPU", "anchor", "ratio", "RSS MiB", "anchor")
	var wall, cpu, rssP, rssA []float64
	for i, p := range pairs {
		wr, cr := p.Project.Wall.Seconds()/p.Anchor.Wall.Seconds(), p.Project.CPU.Seconds()/p.Anchor.CPU.Seconds()
		wall, cpu = append(wall, wr), append(cpu, cr)
		rssP, rssA = append(rssP, float64(p.Project.PeakRSS)), append(rssA, float64(p.Anchor.PeakRSS))
		fmt.Fprintf(w, "%-5d %9.2fs %9.2fs %6.3f %9.2fs %9.2fs %6.3f %9s %9s\n", i+1,
			p.Project.Wall.Seconds(), p.Anchor.Wall.Seconds(), wr, p.Project.CPU.Seconds(), p.Anchor.CPU.Seconds(), cr, mib(p.Project.PeakRSS), mib(p.Anchor.PeakRSS))
	}
	fmt.Fprintln(w)
	if len(pairs) == 0 {
		fmt.Fprintf(w, "no pair completed (%d failed)\n", failed)
		return
	}
	ws, cs := Summarize(wall), Summarize(cpu)
	fmt.Fprintf(w, "wall time, inprocess-grpc ÷ anchor: median %.3f (range %.3f–%.3f) over %d pairs\n", ws.Median, ws.Min, ws.Max, ws.N)
	fmt.Fprintf(w, "CPU time,  inprocess-grpc ÷ anchor: median %.3f (range %.3f–%.3f) over %d pairs\n", cs.Median, cs.Min, cs.Max, cs.N)
	fmt.Fprintf(w, "peak RSS, median: %s MiB against %s MiB\n", mib(int64(Summarize(rssP).Median)), mib(int64(Summarize(rssA).Median)))
	if failed == 0 {
		fmt.Fprintf(w, "spans lost: 0 (the receiver counted all %d spans of every run)\n", o.Traces*spansPerTrace)
	} else {
		fmt.Fprintf(w, "%d pair(s) failed or lost spans; see stderr\n", failed)
	}
}

func mib(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) }

// counter is scripts/otlpreceiver -count in a process of its own, with the
// total it last printed.
type counter struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{}

	mu      sync.Mutex
	changed *sync.Cond
	spans   int
}

var (
	announced = regexp.MustCompile(`OTLP/gRPC on (\S+);`)
	counted   = regexp.MustCompile(`^otlpreceiver: (\d+) spans`)
)

// startCounter starts the receiver on a free port of 127.0.0.1 and waits
// for it to say where it listens.
func startCounter(bin string) (*counter, error) {
	c := &counter{done: make(chan struct{})}
	c.changed = sync.NewCond(&c.mu)
	c.cmd = exec.Command(bin, "-count", "-grpc", "127.0.0.1:0", "-http", "")
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errPipe, err := c.cmd.StderrPipe() // where it says where it listens
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	var said []string
	errLines := bufio.NewScanner(errPipe)
	for errLines.Scan() {
		said = append(said, errLines.Text())
		if m := announced.FindStringSubmatch(errLines.Text()); m != nil {
			c.addr = m[1]
			break
		}
	}
	if c.addr == "" {
		c.cmd.Process.Kill()
		c.cmd.Wait()
		return nil, fmt.Errorf("the counting receiver did not start: %s", strings.Join(said, " | "))
	}
	go io.Copy(io.Discard, errPipe)
	lines := bufio.NewScanner(out)
	go func() {
		defer close(c.done)
		for lines.Scan() {
			if m := counted.FindStringSubmatch(lines.Text()); m != nil {
				n, _ := strconv.Atoi(m[1])
				c.mu.Lock()
				c.spans = n
				c.changed.Broadcast()
				c.mu.Unlock()
			}
		}
	}()
	return c, nil
}

func (c *counter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.spans
}

// waitFor waits until the receiver has printed n spans or more, or for
// patience, and returns the count it printed last. The receiver prints
// every second, so patience must be more than a second.
func (c *counter) waitFor(n int, patience time.Duration) int {
	timer := time.AfterFunc(patience, func() {
		c.mu.Lock()
		c.changed.Broadcast()
		c.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(patience)
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.spans < n && time.Now().Before(deadline) {
		c.changed.Wait()
	}
	return c.spans
}

// stop ends the receiver as Ctrl-C does.
func (c *counter) stop() {
	c.cmd.Process.Signal(os.Interrupt)
	<-c.done
	c.cmd.Wait()
}

// vsSDKDefaults gives --vs-sdk its own defaults for the options not given:
// 7 pairs of 50,000 traces.
func vsSDKDefaults(fs *flag.FlagSet, o *Options) {
	if !o.VsSDK {
		return
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["runs"] {
		o.Runs = 7
	}
	if !given["traces"] {
		o.Traces = 50000
	}
}

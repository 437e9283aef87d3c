package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/report"
	"example.com/gftrace/internal/receiver"
)

// Variant is one of the sample's two programs, built once.
type Variant struct {
	Key      string // "grpc" or "http", as in the JSON
	Protocol config.Protocol
	Bin      string   // path of the built binary
	Label    string   // the column's head; "" for the protocol's name
	Args     []string // flags of its own, after the scenario's
}

// Name is the variant's column head.
func (v Variant) Name() string {
	if v.Label != "" {
		return v.Label
	}
	return v.Protocol.String()
}

// Scenario is the work each variant does in one run: the same flags for
// both.
type Scenario struct {
	Key    string   // "one-trace" or "load", as in the JSON
	Title  string   // heading of its table
	Short  string   // name in the chart, such as "20,000 traces"
	Traces int      // traces per run
	Args   []string // flags beside -endpoint
	// Variants, when set, replace the programs as built: the same program
	// with different flags.
	Variants []Variant
}

// Sample is what one run of one variant measured.
type Sample struct {
	SpansSent      int   // created, from the program's summary line
	SpansDelivered int   // counted by the receiver (by the program with Jaeger)
	SpansUnseen    int   // sent and answered 2xx, answers unseen by the program (gf's otlphttp.Init), by its count
	Requests       int   // export requests the receiver got; -1 when unknown
	Conns          int   // TCP connections the program opened: the exporter's and its check's
	UpBytes        int64 // exporter → collector, TCP payload
	DownBytes      int64 // collector → exporter, TCP payload
	RawBytes       int64 // the spans as uncompressed protobuf; -1 when unknown
	Flush          time.Duration
	Wall           time.Duration
	CPU            time.Duration // user + system time of the program
	PeakRSS        int64         // bytes
}

// Collector is where the spans go during a run.
type Collector interface {
	// Start returns the address for variant v's exporter, and a function
	// that ends the run and tells how many spans and requests arrived and
	// their protobuf size (-1 when the collector cannot tell).
	Start(v Variant) (addr string, end func() (spans, requests int, raw int64), err error)
	Name() string
}

// receiverCollector is the in-process receiver of internal/receiver, new for
// every run so that its counts are the run's own.
type receiverCollector struct{}

func (receiverCollector) Name() string {
	return "the in-process OTLP receiver of internal/receiver, in the harness's process"
}

func (receiverCollector) Start(v Variant) (string, func() (int, int, int64), error) {
	var rec *receiver.Receiver
	if v.Protocol == config.GRPC {
		rec = receiver.NewGRPC()
	} else {
		rec = receiver.NewHTTP()
	}
	return rec.Addr, func() (int, int, int64) {
		defer rec.Close()
		reqs := rec.Requests()
		var spans int
		var raw int64
		for _, r := range reqs {
			spans += len(r.Spans)
			raw += int64(r.RawBytes)
		}
		return spans, len(reqs), raw
	}, nil
}

// jaegerCollector is the Jaeger of scripts/jaeger.sh. The harness cannot
// count inside it, so delivered spans are the program's own count of the
// spans Jaeger accepted.
type jaegerCollector struct{}

func (jaegerCollector) Name() string {
	return fmt.Sprintf("the Jaeger of scripts/jaeger.sh, on %s (gRPC) and %s (HTTP)", jaegerAddr(config.GRPC), jaegerAddr(config.HTTP))
}

// jaegerAddr is where scripts/jaeger.sh's Jaeger takes OTLP over protocol
// p, with the ports it reads from the same variables.
func jaegerAddr(p config.Protocol) string {
	key, port := "JAEGER_OTLP_GRPC_PORT", "4317"
	if p == config.HTTP {
		key, port = "JAEGER_OTLP_HTTP_PORT", "4318"
	}
	if v := os.Getenv(key); v != "" {
		port = v
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// JaegerNote says what a comparison against Jaeger cannot measure.
const JaegerNote = "the harness cannot count inside Jaeger: spans delivered is each program's own count of the spans Jaeger accepted, and export requests and protobuf size are not known."

func (jaegerCollector) Start(v Variant) (string, func() (int, int, int64), error) {
	addr := jaegerAddr(v.Protocol)
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", nil, &CollectorError{fmt.Sprintf("no Jaeger listens for %s on %s; start it with scripts/jaeger.sh start", v.Protocol, addr)}
	}
	c.Close()
	return addr, func() (int, int, int64) { return -1, -1, -1 }, nil
}

// CollectorError says that the collector cannot be reached at all, so no
// run can succeed.
type CollectorError struct{ msg string }

func (e *CollectorError) Error() string { return e.msg }

// runTimeout bounds one run of a program; a run that takes longer fails.
const runTimeout = 3 * time.Minute

// Run runs variant v once for scenario s against collector c, through a
// byte-counting relay. A run that did not deliver every span it created,
// or failed, returns the error with whatever it measured.
func Run(v Variant, s Scenario, c Collector) (Sample, error) {
	addr, end, err := c.Start(v)
	if err != nil {
		return Sample{}, err
	}
	relay, err := NewRelay(addr)
	if err != nil {
		end()
		return Sample{}, err
	}
	// Only PATH and HOME: no OTEL_* variable of the caller's changes the work.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	var stdout, stderr bytes.Buffer
	args := append(append([]string{"-endpoint", relay.Addr, "-json"}, s.Args...), v.Args...)
	m, runErr := Launch(v.Bin, args, env, &stdout, &stderr, runTimeout)
	relayErr := relay.Close(5 * time.Second)
	spans, requests, raw := end()
	if runErr != nil {
		return Sample{}, runErr
	}
	smp := Sample{
		SpansDelivered: spans,
		Requests:       requests,
		Conns:          int(relay.Conns()),
		UpBytes:        relay.Up(),
		DownBytes:      relay.Down(),
		RawBytes:       raw,
		Wall:           m.Wall,
		CPU:            m.CPU,
		PeakRSS:        m.PeakRSS,
	}
	sum, perr := report.ParseResult(stdout.String())
	switch {
	case m.TimedOut:
		return smp, fmt.Errorf("did not end within %s", runTimeout)
	case perr != nil:
		return smp, fmt.Errorf("%v (exit code %d)%s", perr, m.Exit, lastLines(stderr.String()))
	}
	smp.SpansSent, smp.Flush = int(sum.Recorded), time.Duration(sum.WaitedMS*float64(time.Millisecond))
	smp.SpansUnseen = int(sum.Unseen)
	if spans < 0 { // the collector cannot count: take the program's word
		smp.SpansDelivered = int(sum.Delivered)
	}
	switch {
	case m.Exit != 0 || sum.Cause != "":
		return smp, fmt.Errorf("exit code %d: %s", m.Exit, sum.Summary)
	case smp.reached() != smp.SpansSent:
		return smp, fmt.Errorf("%d spans recorded, %d arrived at the collector", sum.Recorded, smp.reached())
	case int(sum.Delivered+sum.Unseen) != smp.reached():
		return smp, fmt.Errorf("the program says %d spans were delivered or sent with answers unseen, the collector got %d", sum.Delivered+sum.Unseen, smp.reached())
	case relayErr != nil:
		return smp, fmt.Errorf("the exporter's connections did not end with its process")
	}
	return smp, nil
}

// lastLines returns the end of a program's stderr, for an error message.
func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) == 0 || lines[0] == "" {
		return ""
	}
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return "; stderr: " + strings.Join(lines, " | ")
}

// Build compiles the sample's two programs from the workspace at repo into
// a new directory dir.
func Build(repo, dir string) ([]Variant, error) {
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./inprocess-grpc", "./inprocess-http")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build in %s: %v\n%s", repo, err, out)
	}
	return []Variant{
		{Key: "grpc", Protocol: config.GRPC, Bin: filepath.Join(dir, "inprocess-grpc")},
		{Key: "http", Protocol: config.HTTP, Bin: filepath.Join(dir, "inprocess-http")},
	}, nil
}

// HasLoadMode tells whether the program has the high-volume flag -traces,
// by reading its -h.
func HasLoadMode(bin string) bool {
	out, _ := exec.Command(bin, "-h").Output()
	return strings.Contains(string(out), "-traces")
}

// reached is how many spans reached the collector: the receiver's count,
// or with Jaeger the program's, which the spans whose answers it could not
// read (SpansUnseen) are known only to have been sent.
func (s Sample) reached() int {
	if s.Requests < 0 { // the collector cannot count (see measure)
		return s.SpansDelivered + s.SpansUnseen
	}
	return s.SpansDelivered
}

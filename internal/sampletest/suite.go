package sampletest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/exitcode"
	"example.com/gftrace/internal/localnet"
	"example.com/gftrace/internal/receiver"
	"example.com/gftrace/internal/testcerts"
)

// Token is a recognisable secret: it must reach the collector's
// Authentication header and never appear in any output.
const Token = "tok-3f9c2e7a-do-not-print"

// User100 is how a run prints user 100, field for field in the seed's
// order; a missing user prints as {}.
const User100 = `{
    "id": 100,
    "name": "john",
    "gender": 1,
    "site": "https://goframe.org",
    "email": "john@goframe.org",
    "math": 100,
    "english": 60,
    "chinese": 50
}
`

// NewReceiver starts the in-process receiver for protocol p.
func NewReceiver(p config.Protocol) *receiver.Receiver {
	return NewReceiverWith(p, receiver.Options{})
}

// NewReceiverWith starts the in-process receiver for protocol p with opts
// (TLS, a required token).
func NewReceiverWith(p config.Protocol, opts receiver.Options) *receiver.Receiver {
	if p == config.GRPC {
		return receiver.NewGRPCWith(opts)
	}
	return receiver.NewHTTPWith(opts)
}

// FreeAddr returns a 127.0.0.1 address where nothing listens.
func FreeAddr(t testing.TB) string { return localnet.FreeAddr(t) }

// Suite checks the contract of the sample's main for protocol p on the
// binary bin: what it delivers, prints and exits with, for good and bad
// input and with no collector. Both mains run it.
func Suite(t *testing.T, p config.Protocol, bin string) {
	t.Run("delivers the exact tree", func(t *testing.T) { delivers(t, p, bin) })
	t.Run("settings: flag over environment over default", func(t *testing.T) { settings(t, p, bin) })
	t.Run("sampling", func(t *testing.T) { Sampling(t, p, bin) })
	t.Run("no collector", func(t *testing.T) { noCollector(t, p, bin) })
	t.Run("bad input", func(t *testing.T) { badInput(t, p, bin); moreBadInput(t, p, bin) })
	t.Run("faults", func(t *testing.T) { faults(t, p, bin) })
	t.Run("honesty", func(t *testing.T) { honesty(t, p, bin) })
	t.Run("TLS and token", func(t *testing.T) { tlsAndToken(t, p, bin) })
	t.Run("high volume", func(t *testing.T) { HighVolume(t, p, bin) })
	t.Run("no secret is printed", func(t *testing.T) { noSecrets(t, p, bin) })
	t.Run("a GoFrame project's configuration", func(t *testing.T) { goFrameConfig(t, p, bin) })
	t.Run("certificate and key files", func(t *testing.T) { certFiles(t, p, bin) })
	t.Run("help", func(t *testing.T) {
		r := Run(t, bin, nil, "-h")
		for _, want := range []string{"-endpoint", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT", "-token", "TRACE_TOKEN",
			"-tls", "-ca", "-cert", "-key", "OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_OTLP_CERTIFICATE",
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_KEY", "OTEL_EXPORTER_OTLP_HEADERS", "-service", "OTEL_SERVICE_NAME", "-users", "100,1", "-timeout", "5s", p.DefaultEndpoint(),
			"-traces", "-concurrency", "-pace", "OTEL_BSP_MAX_QUEUE_SIZE",
			"-sample", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "parentbased_traceidratio", "-provider"} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("-h does not mention %q:\n%s", want, r.Stdout)
			}
		}
		// Every code the program can exit with, as a word of the exit-code lines.
		_, exits, _ := strings.Cut(r.Stdout, "Exit codes:")
		words := strings.FieldsFunc(exits, func(c rune) bool { return !unicode.IsDigit(c) })
		for _, code := range []int{exitcode.Delivered, exitcode.NotDelivered, exitcode.BadInput, exitcode.OutputLost, exitcode.Signal(syscall.SIGINT), exitcode.Signal(syscall.SIGTERM)} {
			if !slices.Contains(words, strconv.Itoa(code)) {
				t.Errorf("-h does not name exit code %d after \"Exit codes:\":\n%s", code, r.Stdout)
			}
		}
		if r.Code != 0 {
			t.Errorf("-h exit code %d, want 0", r.Code)
		}
	})
}

func delivers(t *testing.T, p config.Protocol, bin string) {
	rec := NewReceiver(p)
	defer rec.Close()
	args := []string{"-endpoint", rec.Addr}
	if p == config.GRPC {
		args = append(args, "-token", Token)
	}
	r := Run(t, bin, nil, args...)
	if r.Code != 0 {
		t.Fatalf("exit code %d, want 0; output:\n%s", r.Code, r.Output())
	}
	spans := rec.Spans()
	if got := Tree(spans); got != DefaultTree {
		t.Errorf("received tree:\n%s\nwant:\n%s", got, DefaultTree)
	}
	if len(spans) != 9 {
		t.Errorf("received %d spans, want 9", len(spans))
	}
	ids := TraceIDs(spans)
	if len(ids) != 1 {
		t.Fatalf("spans belong to %d traces, want 1: %v", len(ids), ids)
	}
	if printed := PrintedTraceID(t, r); printed != ids[0] {
		t.Errorf("printed trace id %s, received %s", printed, ids[0])
	}
	for _, s := range spans {
		if s.Name == "main" && s.ParentSpanID != "" {
			t.Errorf("main has parent span id %s; it must be a root", s.ParentSpanID)
		}
		if got, want := s.Resource["service.name"], "inprocess-"+string(p); got != want {
			t.Errorf("span %s: service.name %v, want %s", s.Name, got, want)
		}
	}
	for _, req := range rec.Requests() {
		if req.Compression != "gzip" {
			t.Errorf("export request compression %q, want gzip", req.Compression)
		}
		if p == config.GRPC {
			if got := req.Header["authentication"]; len(got) != 1 || got[0] != Token {
				t.Errorf("Authentication header %q, want the token", got)
			}
		}
		if p == config.HTTP && req.Path != config.DefaultPath {
			t.Errorf("HTTP path %q, want %s", req.Path, config.DefaultPath)
		}
	}
	// g.Log() puts the trace id on the line: a log line leads to its trace.
	if warning := "[WARN] {" + ids[0] + "} user 1 not found\n"; !strings.Contains(r.Stdout, warning) {
		t.Errorf("no warning %q, with the trace id, in:\n%s", warning, r.Stdout)
	}
	if !strings.Contains(r.Stdout, User100) || !strings.Contains(r.Stdout, "\n{}\n") {
		t.Errorf("users not printed as the seed's data in its order; output:\n%s", r.Stdout)
	}
	target := plainTarget(p, rec.Addr)
	summary := fmt.Sprintf("9 of 9 spans delivered to %s over %s.\n", target, p)
	if p == config.HTTP { // gf's otlphttp.Init, whose answers are unseen (see delivery's unseen.go)
		summary = fmt.Sprintf("9 of 9 spans sent to %s over %s, answers unseen: ", target, p)
	}
	if !strings.Contains(r.Stdout, summary) {
		t.Errorf("no summary line %q in:\n%s", summary, r.Stdout)
	}
	if strings.Contains(r.Output(), Token) {
		t.Errorf("the token appears in the output")
	}
	outgoing(t, p, r, spans)
}

// outgoingPattern finds the line of what main would send downstream, in
// gRPC metadata or HTTP headers: main's context carries no baggage
// (GetUser sets it on its own context), so traceparent alone.
var outgoingPattern = map[config.Protocol]*regexp.Regexp{
	config.GRPC: regexp.MustCompile(`(?m)^gRPC metadata main would send downstream: traceparent: 00-([0-9a-f]{32})-([0-9a-f]{16})-01$`),
	config.HTTP: regexp.MustCompile(`(?m)^HTTP headers main would send downstream: traceparent: 00-([0-9a-f]{32})-([0-9a-f]{16})-01$`),
}

// outgoing checks the printed trace context against the received trace: the
// traceparent names main's trace and span, sampled. gf's otlphttp Init
// installs a propagator without baggage, and the report must say so.
func outgoing(t *testing.T, p config.Protocol, r Result, spans []receiver.Span) {
	m := outgoingPattern[p].FindStringSubmatch(r.Stdout)
	if m == nil {
		t.Errorf("no traceparent line in the output:\n%s", r.Stdout)
		return
	}
	for _, s := range spans {
		if s.Name == "main" && (s.TraceID != m[1] || s.SpanID != m[2]) {
			t.Errorf("traceparent names trace %s span %s; main is trace %s span %s", m[1], m[2], s.TraceID, s.SpanID)
		}
	}
	const noBaggage = "No baggage header: the installed propagator writes traceparent, tracestate alone, so baggage does not reach"
	if got, want := strings.Contains(r.Stdout, noBaggage), p == config.HTTP; got != want {
		t.Errorf("output says %q: %v, want %v:\n%s", noBaggage, got, want, r.Stdout)
	}
}

func settings(t *testing.T, p config.Protocol, bin string) {
	rec := NewReceiver(p)
	defer rec.Close()
	url := "http://" + rec.Addr
	if p == config.HTTP {
		url += "/custom/traces"
	}
	cases := []struct {
		name, wantService, wantPath string
		env, args                   []string
	}{
		{"environment endpoint and service", "from-env", "/custom/traces",
			[]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=" + url, "OTEL_SERVICE_NAME=from-env"}, nil},
		{"flags win over the environment", "from-flag", config.DefaultPath,
			[]string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + FreeAddr(t), "OTEL_SERVICE_NAME=from-env"},
			[]string{"-endpoint", rec.Addr, "-service", "from-flag"}},
		{"generic endpoint variable gets /v1/traces", "inprocess-" + string(p), config.DefaultPath,
			[]string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + rec.Addr}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(rec.Requests())
			r := Run(t, bin, c.env, append(c.args, "-users", "100")...)
			if r.Code != 0 {
				t.Fatalf("exit code %d, want 0; output:\n%s", r.Code, r.Output())
			}
			reqs := rec.Requests()[before:]
			if len(reqs) == 0 {
				t.Fatal("nothing arrived")
			}
			if got := reqs[0].Spans[0].Resource["service.name"]; got != c.wantService {
				t.Errorf("service.name %v, want %s", got, c.wantService)
			}
			if p == config.HTTP && reqs[0].Path != c.wantPath {
				t.Errorf("path %q, want %q", reqs[0].Path, c.wantPath)
			}
		})
	}
}

func noCollector(t *testing.T, p config.Protocol, bin string) {
	addr := FreeAddr(t)
	const timeout = 2 * time.Second
	r := Run(t, bin, nil, "-endpoint", addr, "-timeout", timeout.String())
	if r.Code != 1 {
		t.Errorf("exit code %d, want 1", r.Code)
	}
	for _, want := range []string{"0 of 9 spans delivered", addr, "connection refused", "scripts/jaeger.sh start"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("output does not say %q:\n%s", want, r.Stdout)
		}
	}
	// The program may wait -timeout plus one second; the rest is a generous
	// allowance for starting the process on a busy machine.
	if limit := timeout + time.Second + startAllowance + r.Late; r.Elapsed > limit {
		t.Errorf("took %s with -timeout %s; the bound is %s (of which %s is how long this busy machine kept the test's timers waiting)", r.Elapsed, timeout, limit, r.Late)
	}
}

func badInput(t *testing.T, p config.Protocol, bin string) {
	rec := NewReceiver(p)
	defer rec.Close()
	ca := testcerts.New(t)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not PEM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		env  []string
		want string // the bad value, named in the message
	}{
		{args: []string{"-nope"}, want: "-nope"},
		{args: []string{"-users", "100,x"}, want: `"x"`},
		{args: []string{"-users", ""}, want: "-users"},
		{args: []string{"-users", "99999999999999999999"}, want: "99999999999999999999"},
		{args: []string{"-endpoint", ":::"}, want: ":::"},
		{args: []string{"-endpoint", "ftp://x:1"}, want: "ftp://x:1"},
		{args: []string{"-endpoint", "localhost:99999"}, want: "99999"},
		{args: []string{"-timeout", "soon"}, want: "soon"},
		{args: []string{"-timeout", "0s"}, want: "0s"},
		{args: []string{"-service", ""}, want: "service name"},
		{args: []string{"extra"}, want: "extra"},
		{env: []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://x:y"}, want: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		// TLS files: missing or not PEM, named; the token is never printed.
		{args: []string{"-ca", missing, "-token", Token}, want: missing},
		{args: []string{"-ca", notPEM, "-token", Token}, want: notPEM},
		{args: []string{"-ca", ca.CAFile, "-cert", ca.ClientCertFile}, want: "-key"},
		{args: []string{"-ca", ca.CAFile, "-cert", notPEM, "-key", ca.ClientKeyFile}, want: notPEM},
		{args: []string{"-ca", ca.CAFile, "-cert", ca.ClientCertFile, "-key", missing}, want: missing},
		{env: []string{"OTEL_EXPORTER_OTLP_CERTIFICATE=" + missing}, want: "OTEL_EXPORTER_OTLP_CERTIFICATE"},
		{env: []string{"OTEL_EXPORTER_OTLP_CLIENT_KEY=" + notPEM}, want: "OTEL_EXPORTER_OTLP_CLIENT_KEY"},
		{env: []string{"OTEL_EXPORTER_OTLP_INSECURE=maybe"}, want: "OTEL_EXPORTER_OTLP_INSECURE"},
		{env: []string{"OTEL_EXPORTER_OTLP_HEADERS=Authentication=" + Token + ",broken"}, want: "OTEL_EXPORTER_OTLP_HEADERS"},
		{args: []string{"-endpoint", "http://" + rec.Addr, "-tls"}, want: "-tls"},
		{args: []string{"-endpoint", "http://" + rec.Addr, "-ca", ca.CAFile}, want: "-ca"},
		{args: []string{"-token", Token + "\n"}, want: "-token"},
		// A path that is no URL path: the own provider's exporter would
		// fall back to https://localhost:4318, and the token with it.
		{args: []string{"-path", "/v1/%zz", "-token", Token}, want: "-path"},
		{args: []string{"-path", "/v1/\x7f", "-token", Token}, want: "-path"},
		{args: []string{"-path", "/v1/traces?x=1", "-token", Token}, want: "-path"},
	}
	for _, c := range cases {
		args := append([]string{"-endpoint", rec.Addr}, c.args...)
		r := Run(t, bin, append(c.env, "TRACE_TOKEN="+Token), args...) // the token must never show
		if !Rejected(r, c.want) {
			t.Errorf("%v %v: exit %d, stderr %q, stdout %q; want exit 2 and one line naming %s", c.env, c.args, r.Code, r.Stderr, r.Stdout, c.want)
		}
		if strings.Contains(r.Output(), Token) {
			t.Errorf("%v: the token appears in the output", c.args)
		}
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("bad input still sent %d export requests", n)
	}
}

// Rejected tells whether r ended as bad input must: exit 2, nothing on
// stdout, and one line on stderr that contains every want.
func Rejected(r Result, wants ...string) bool {
	lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
	if r.Code != 2 || len(lines) != 1 || r.Stdout != "" {
		return false
	}
	for _, want := range wants {
		if !strings.Contains(r.Stderr, want) {
			return false
		}
	}
	return true
}

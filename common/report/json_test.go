package report

import (
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/exitcode"
	"example.com/gftrace/common/load"
)

// The JSON result says what the report says, in one line after whatever a
// run printed before it (the users), and ParseResult reads it back.
func TestJSONRoundTrip(t *testing.T) {
	cfg := config.Config{Protocol: config.HTTP, Endpoint: "127.0.0.1:9", Path: "/v1/traces", Token: "s3cr3t", Traces: 10, Concurrency: 2, Pace: true,
		Batch: config.Batch{QueueSize: 8192, BatchSize: 1024, Set: []string{"OTEL_BSP_MAX_QUEUE_SIZE=8192"}}}
	r := &Run{cfg: cfg, stats: &load.Stats{Traces: 4, SpansPerTrace: 9, Elapsed: 2 * time.Second, Flushes: 3, Set: []string{"GOGC=400"},
		Stopped: load.Interrupted{Signal: syscall.SIGTERM}}}
	res := delivery.Result{Made: 36, Recorded: 36, RootsSampled: 4, Delivered: 27, Dropped: 9, Waited: 1500 * time.Microsecond}
	var out strings.Builder
	out.WriteString("{\n    \"id\": 100\n}\n")
	WriteJSON(&out, cfg, r.result(res, 1))
	if strings.Count(out.String(), "\n") != 4 {
		t.Errorf("the result is not one line:\n%s", out.String())
	}
	got, err := ParseResult(out.String())
	if err != nil {
		t.Fatal(err)
	}
	v := got.Volume
	if got.Program != "inprocess-http" || got.Target != "http://127.0.0.1:9/v1/traces" || got.Made != 36 || got.Recorded != 36 || got.Delivered != 27 ||
		got.Dropped != 9 || got.Unconfirmed != 0 || got.WaitedMS != 1.5 || got.ExitCode != 1 || got.Summary != Summary(cfg, res) ||
		!strings.Contains(got.Cause, "dropped 9 spans") || !strings.Contains(got.Hint, "-pace") {
		t.Errorf("result %+v", got)
	}
	if v == nil || v.Traces != 4 || v.TracesSampled != 4 || v.TracesAsked != 10 || v.SpansPerSecond != 13.5 || v.ElapsedMS != 2000 ||
		strings.Join(v.Set, " ") != "OTEL_BSP_MAX_QUEUE_SIZE=8192 GOGC=400" || !v.Interrupted {
		t.Errorf("volume %+v", v)
	}
	for _, bad := range []string{"", "panic: boom\n", "9 of 9 spans delivered to x:1 over OTLP/gRPC.\n"} {
		if _, err := ParseResult(bad); err == nil || !strings.Contains(err.Error(), "no JSON result") {
			t.Errorf("ParseResult(%q): %v, want an error", bad, err)
		}
	}
}

// When tracing does not start, -json still ends with a result: exit code 1
// and the cause, and the secret in the error is redacted.
func TestMainWhenTracingDoesNotStart(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	cfg := config.Config{Protocol: config.GRPC, Endpoint: "127.0.0.1:9", Timeout: time.Second, JSON: true, Token: "tok-5ec7e7"}
	code := mainWith(cfg, func(config.Config, *Run) error { return errors.New("no exporter for tok-5ec7e7") })
	os.Stdout, os.Stderr = stdout, stderr
	w.Close()
	out, _ := io.ReadAll(r)
	res, err := ParseResult(string(out))
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if code != exitcode.NotDelivered || res.ExitCode != code || res.Cause != "tracing did not start: no exporter for [token]" {
		t.Errorf("exit code %d, result %+v", code, res)
	}
	if strings.Contains(string(out), "tok-5ec7e7") {
		t.Errorf("the token appears in the output:\n%s", out)
	}
}

package report

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/waterfall"
)

func TestPrint(t *testing.T) {
	cfg := config.Config{Protocol: config.GRPC, Endpoint: "localhost:4317", Token: "s3cr3t"}
	var out strings.Builder

	code := Print(&out, cfg, &waterfall.Recorder{}, nil, delivery.Result{Created: 9, Delivered: 9, Waited: 1500 * time.Microsecond})
	if code != ExitDelivered {
		t.Errorf("all delivered: exit %d", code)
	}
	for _, want := range []string{"9 of 9 spans delivered to localhost:4317 over OTLP/gRPC.\n", "Waited 1.5ms for the collector's answer.\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	refusal := errors.New(`traces export: rpc error: code = PermissionDenied desc = token "s3cr3t" is revoked`)
	code = Print(&out, cfg, &waterfall.Recorder{}, nil, delivery.Result{Created: 9, Failed: 9, Errs: []error{refusal}})
	if code != ExitNotDelivered {
		t.Errorf("refused: exit %d", code)
	}
	if strings.Contains(out.String(), "s3cr3t") || !strings.Contains(out.String(), "[token]") {
		t.Errorf("the token is not redacted:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "0 of 9 spans delivered to localhost:4317 over OTLP/gRPC: ") || !strings.Contains(out.String(), "scripts/jaeger.sh start") {
		t.Errorf("no cause or hint:\n%s", out.String())
	}
}

// TestAdvice: the line after a failed summary fits the cause: start a
// collector when nothing listens, check the port or the timeout when
// something listens but does not answer, nothing when the collector said no.
func TestAdvice(t *testing.T) {
	cfg := config.Config{Protocol: config.HTTP, Endpoint: "127.0.0.1:4318", Path: config.DefaultPath}
	const start, noAnswer = "scripts/jaeger.sh start", "Something accepts connections there but did not answer: check that it is a collector's OTLP/HTTP port; if the collector is busy, give it longer with -timeout."
	for _, c := range []struct {
		name string
		err  error
		want string // "" for no advice
	}{
		{"refused", errors.New(`Post "http://127.0.0.1:4318/v1/traces": dial tcp 127.0.0.1:4318: connect: connection refused`), start},
		{"no answer", context.DeadlineExceeded, noAnswer},
		{"partial success", errors.New("OTLP partial success: too old (2 spans rejected)"), ""},
	} {
		var out strings.Builder
		Print(&out, cfg, &waterfall.Recorder{}, nil, delivery.Result{Created: 9, Delivered: 7, Failed: 2, Timeout: time.Second, Errs: []error{c.err}})
		for _, advice := range []string{start, noAnswer} {
			if got := strings.Contains(out.String(), advice); got != (advice == c.want) {
				t.Errorf("%s: output says %q: %v\n%s", c.name, advice, got, out.String())
			}
		}
	}
}

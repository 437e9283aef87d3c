package report

import (
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

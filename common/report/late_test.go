package report

import (
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gogf/gf/contrib/trace/otlphttp/v2"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/exitcode"
	"example.com/gftrace/common/user"
)

// A SIGINT that comes during gf's shutdown, after a -traces run made and
// flushed every trace, does not kill the process before the summary: the
// run ends with the summary and the exit code of what was delivered. (If
// it did, this test's own process would die of the signal.)
func TestASignalDuringTheShutdownKeepsTheSummary(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	collector := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf") // an empty OTLP answer: all taken
	})}
	go collector.Serve(lis)
	defer collector.Close()
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })

	cfg, _, err := config.Parse(config.HTTP, []string{"-endpoint", "http://" + lis.Addr().String(), "-traces", "20", "-timeout", "2s", "-json"},
		func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	code := mainWith(cfg, func(cfg config.Config, rep *Run) error {
		shutdown, err := otlphttp.Init(cfg.Service, cfg.Endpoint, cfg.Path)
		if err != nil {
			return err
		}
		defer shutdown()
		defer func() { // the user presses Ctrl-C while gf shuts down
			syscall.Kill(os.Getpid(), syscall.SIGINT)
			time.Sleep(200 * time.Millisecond)
		}()
		defer rep.Record().Flush()
		return rep.Load(func() { user.Trace(cfg.Users) })
	})
	if code != exitcode.Delivered {
		t.Errorf("exit code %d, want %d", code, exitcode.Delivered)
	}
}

package report

import (
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gogf/gf/contrib/trace/otlphttp/v2"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/exitcode"
	"example.com/gftrace/common/user"
)

// A -traces run on gf's otlphttp.Init against a web page, which answers
// every request 200 with HTML: the check finds that it is no collector, and
// from then on nothing more reaches it for as long as the process lives,
// here 10 s after the verdict, though gf's batch processor exports what it
// holds on its timer, every 5 s. The page counts every request.
func TestNothingGoesToAWebPageAfterTheVerdict(t *testing.T) {
	var requests, withSpans atomic.Int64
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	page := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		requests.Add(1)
		if len(body) > 0 { // the check's empty export has no body
			withSpans.Add(1)
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body>Welcome</body></html>")
	})}
	go page.Serve(lis)
	defer page.Close()
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
		defer rep.Record().Flush()
		return rep.Load(func() { user.Trace(cfg.Users) })
	})
	atVerdict := requests.Load()
	if code != exitcode.NotDelivered {
		t.Errorf("exit code %d, want %d", code, exitcode.NotDelivered)
	}
	time.Sleep(10 * time.Second)
	if n := requests.Load(); n != atVerdict || withSpans.Load() != 0 {
		t.Errorf("the web page got %d requests by the verdict, %d in the 10 s after it, %d in all with spans; want none after it and none with spans",
			atVerdict, n-atVerdict, withSpans.Load())
	}
}

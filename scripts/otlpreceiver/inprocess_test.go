package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// inProcess is the command serving in this process, OTLP/HTTP only, on a
// free 127.0.0.1 port: for tests that send many spans, or odd ones, fast.
type inProcess struct {
	*server
	sigint chan os.Signal
	once   sync.Once // closes sigint
	done   chan struct{}
}

// serveInProcess starts the command with s, which must not name ports,
// with the default limits unless s names some, writing to out; out may be
// read once interrupt has returned.
func serveInProcess(t *testing.T, s settings, out io.Writer) *inProcess {
	t.Helper()
	s.http = "127.0.0.1:0"
	if s.limits == (limits{}) {
		s.limits = defaultLimits(s.quiet)
	}
	srv, err := start(s, out)
	if err != nil {
		t.Fatal(err)
	}
	p := &inProcess{server: srv, sigint: make(chan os.Signal), done: make(chan struct{})}
	go func() { srv.serve(p.sigint); close(p.done) }()
	t.Cleanup(p.interrupt)
	return p
}

// send exports req over OTLP/HTTP and checks that it was accepted.
func (p *inProcess) send(t *testing.T, req *coltracepb.ExportTraceServiceRequest) {
	t.Helper()
	body, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+p.httpRec.Addr+"/v1/traces", "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export answered %s", resp.Status)
	}
}

// interrupt does what SIGINT does and waits until the command is done.
func (p *inProcess) interrupt() {
	p.once.Do(func() { close(p.sigint) })
	<-p.done
}

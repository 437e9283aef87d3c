package receiver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// reply is what one export got back, whatever the protocol.
type reply struct {
	code       codes.Code // codes.OK, or the gRPC code (HTTP: the status mapped back)
	status     int        // HTTP status; 0 for gRPC
	retryAfter string     // HTTP Retry-After header
	message    string
	partial    *coltracepb.ExportTracePartialSuccess
	err        error // no answer at all
}

// exporter sends request() to a receiver over one protocol.
type exporter func(ctx context.Context, addr string) reply

func exportHTTP(ctx context.Context, addr string) reply {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/v1/traces", bytes.NewReader(request()))
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if c != codes.OK && httpStatus(c) == resp.StatusCode {
			r.code = c
			break
		}
	}
	if resp.StatusCode != http.StatusOK {
		r.message = string(bytes.TrimSpace(body))
		return r
	}
	var msg coltracepb.ExportTraceServiceResponse
	if err := proto.Unmarshal(body, &msg); err != nil {
		return reply{err: err}
	}
	r.partial = msg.PartialSuccess
	return r
}

func exportGRPC(ctx context.Context, addr string) reply {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return reply{err: err}
	}
	defer conn.Close()
	var msg coltracepb.ExportTraceServiceRequest
	proto.Unmarshal(request(), &msg)
	resp, err := coltracepb.NewTraceServiceClient(conn).Export(ctx, &msg)
	if s, ok := status.FromError(err); ok && err != nil && s.Code() != codes.DeadlineExceeded {
		return reply{code: s.Code(), message: s.Message()}
	}
	if err != nil {
		return reply{err: err}
	}
	return reply{partial: resp.PartialSuccess}
}

func TestFaults(t *testing.T) {
	for _, p := range []struct {
		name   string
		start  func() *Receiver
		export exporter
	}{{"HTTP", NewHTTP, exportHTTP}, {"gRPC", NewGRPC, exportGRPC}} {
		t.Run(p.name, func(t *testing.T) {
			rec := p.start()
			defer rec.Close()
			ctx := context.Background()
			send := func() reply { return p.export(ctx, rec.Addr) }

			rec.SetFault(Fault{Unavailable: 2, RetryAfter: time.Second, Message: "starting"})
			for i := range 2 {
				if r := send(); r.code != codes.Unavailable || r.message != "starting" || p.name == "HTTP" && (r.status != 503 || r.retryAfter != "1") {
					t.Errorf("export %d while unavailable: %+v", i+1, r)
				}
			}
			if r := send(); r.code != codes.OK || r.partial != nil || r.err != nil {
				t.Errorf("third export: %+v, want it taken", r)
			}
			if rec.Attempts() != 3 || rec.SpanCount() != 1 {
				t.Errorf("%d attempts, %d spans; want 3 and 1", rec.Attempts(), rec.SpanCount())
			}

			rec.SetFault(Fault{UnavailableFor: 300 * time.Millisecond})
			if r := send(); r.code != codes.Unavailable {
				t.Errorf("within UnavailableFor: %+v", r)
			}
			time.Sleep(300 * time.Millisecond)
			if r := send(); r.code != codes.OK {
				t.Errorf("after UnavailableFor: %+v", r)
			}

			for _, c := range []struct {
				code   codes.Code
				status int
			}{{codes.InvalidArgument, 400}, {codes.Unauthenticated, 401}} {
				rec.SetFault(Fault{Refuse: c.code, Message: "no"})
				if r := send(); r.code != c.code || r.message != "no" || p.name == "HTTP" && r.status != c.status {
					t.Errorf("Refuse %s: %+v", c.code, r)
				}
			}

			before := rec.SpanCount()
			rec.SetFault(Fault{Reject: 5, Message: "too old"})
			if r := send(); r.partial.GetRejectedSpans() != 1 || r.partial.GetErrorMessage() != "too old" {
				t.Errorf("Reject: %+v, want 1 span (all there was) rejected", r)
			}
			if rec.SpanCount() != before {
				t.Errorf("a rejected span was recorded")
			}

			rec.SetFault(Fault{Delay: 200 * time.Millisecond})
			start := time.Now()
			if r := send(); r.code != codes.OK || time.Since(start) < 200*time.Millisecond {
				t.Errorf("Delay: %+v after %s", r, time.Since(start))
			}
			short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			if r := p.export(short, rec.Addr); r.err == nil {
				t.Errorf("Delay longer than the client waits: %+v, want no answer", r)
			}
			cancel()

			rec.SetFault(Fault{Hold: true})
			attempts := rec.Attempts()
			short, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
			if r := p.export(short, rec.Addr); r.err == nil {
				t.Errorf("Hold: %+v, want no answer", r)
			}
			cancel()
			if rec.Attempts() != attempts {
				t.Errorf("Hold: an export reached the handler")
			}

			rec.SetFault(Fault{})
			rec.Stop()
			if r := send(); !errors.Is(r.err, syscall.ECONNREFUSED) && !strings.Contains(r.message, "connection refused") {
				t.Errorf("stopped: %+v, want the connection refused", r)
			}
			kept := rec.SpanCount()
			if err := rec.Restart(); err != nil {
				t.Fatal(err)
			}
			if r := send(); r.code != codes.OK || rec.SpanCount() != kept+1 {
				t.Errorf("restarted: %+v, %d spans (had %d)", r, rec.SpanCount(), kept)
			}
		})
	}
}

func TestUpperJSON(t *testing.T) {
	if got := upperJSON(`ä"<x`); got != `\u00E4\"\u003Cx` {
		t.Errorf("upperJSON = %s", got)
	}
}

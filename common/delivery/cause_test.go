package delivery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestCause(t *testing.T) {
	const endpoint = "127.0.0.1:4317"
	refused := status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:4317: connect: connection refused"`)
	cases := []struct {
		name string
		res  Result
		want string
	}{
		{"all delivered", Result{Recorded: 9, Delivered: 9}, ""},
		{"nothing listens", Result{Recorded: 9, Failed: 9, Errs: []error{fmt.Errorf("%w: %w", context.DeadlineExceeded, refused)}},
			"connection refused: nothing listens at 127.0.0.1:4317"},
		{"gRPC refusal wins over a later refused connection", Result{Recorded: 9, Failed: 9, Errs: []error{
			fmt.Errorf("traces export: %w", status.Error(codes.Unauthenticated, "invalid token")), refused}},
			"the collector refused the token: Unauthenticated (invalid token); give the right one with -token or TRACE_TOKEN"},
		{"gRPC refusal other than the token", Result{Recorded: 9, Failed: 9, Errs: []error{
			fmt.Errorf("traces export: %w", status.Error(codes.InvalidArgument, "bad spans"))}},
			"the collector refused the spans: InvalidArgument (bad spans)"},
		{"HTTP refusal", Result{Recorded: 9, Failed: 9, Errs: []error{
			fmt.Errorf("traces export: failed to send to http://127.0.0.1:4318/v1/traces: 401 Unauthorized (%w)", errors.New("body: invalid token"))}},
			"the collector refused the token: 401 Unauthorized (invalid token); give the right one with -token or TRACE_TOKEN"},
		{"HTTP refusal other than the token", Result{Recorded: 9, Failed: 9, Errs: []error{
			fmt.Errorf("traces export: failed to send to http://127.0.0.1:4318/v1/traces: 400 Bad Request (%w)", errors.New("body: bad spans"))}},
			"the collector refused the spans: 400 Bad Request (bad spans)"},
		{"partial success", Result{Recorded: 9, Delivered: 6, Failed: 3, Errs: []error{
			errors.New("traces export: OTLP partial success: spans too old (3 spans rejected)")}},
			"the collector rejected 3 spans: spans too old"},
		{"no answer", Result{Recorded: 9, Failed: 9, Timeout: 5 * time.Second, Errs: []error{
			fmt.Errorf("exporter export timeout: %w", status.Error(codes.DeadlineExceeded, "context deadline exceeded"))}},
			"the collector at 127.0.0.1:4317 did not answer within 5s"},
		{"flush gave up first", Result{Recorded: 9, Timeout: 2 * time.Second, Errs: []error{context.DeadlineExceeded}},
			"the collector at 127.0.0.1:4317 did not answer within 2s"},
		{"queue full", Result{Recorded: 9000, Delivered: 2048, Dropped: 6952},
			"the batch processor's queue was full and dropped 6952 spans"},
		{"unconfirmed", Result{Recorded: 9, Delivered: 5, Timeout: time.Second},
			"the collector at 127.0.0.1:4317 did not confirm 4 spans within 1s"},
		{"other error", Result{Recorded: 9, Failed: 9, Errs: []error{errors.New("something odd")}},
			"export to 127.0.0.1:4317 failed: something odd"},
	}
	for _, c := range cases {
		if got := c.res.Cause(endpoint); got != c.want {
			t.Errorf("%s: Cause = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestOK(t *testing.T) {
	for _, c := range []struct {
		res  Result
		want bool
	}{
		{Result{Recorded: 9, Delivered: 9}, true},
		{Result{}, false}, // nothing made is nothing delivered
		{Result{Recorded: 9, Delivered: 8}, false},
		{Result{Recorded: 9, Delivered: 9, Dropped: 1}, false},
		{Result{Recorded: 9, Delivered: 9, Failed: 1}, false},
	} {
		if got := c.res.OK(); got != c.want {
			t.Errorf("%+v.OK() = %v, want %v", c.res, got, c.want)
		}
	}
}

// TestFaultCauses feeds Cause the errors the exporters gave in the
// end-to-end fault tests (see package sampletest).
func TestFaultCauses(t *testing.T) {
	cases := []struct {
		name, endpoint string
		res            Result
		want           string
		answered       bool
		noAnswer       bool
	}{
		{"gRPC to an OTLP/HTTP port", "127.0.0.1:4318", Result{Recorded: 9, Failed: 9, Errs: []error{errors.New(
			`traces export: exporter export timeout: rpc error: code = Unavailable desc = connection error: desc = "error reading server preface: http2: failed reading the frame payload: http2: frame too large, note that the frame header looked like an HTTP/1.1 header"`)}},
			"the collector at 127.0.0.1:4318 answered in HTTP/1.1, not gRPC: that is an OTLP/HTTP port (usually 4318); use its OTLP/gRPC port (usually 4317), or inprocess-http", true, false},
		{"HTTP to an OTLP/gRPC port", "http://127.0.0.1:4317/v1/traces", Result{Recorded: 9, Failed: 9, Errs: []error{errors.New(
			`traces export: Post "http://127.0.0.1:4317/v1/traces": net/http: HTTP/1.x transport connection broken: malformed HTTP response "\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x05\x00\x00@\x00"`)}},
			"the collector at http://127.0.0.1:4317/v1/traces answered in HTTP/2 frames, as gRPC does: that is an OTLP/gRPC port (usually 4317); use its OTLP/HTTP port (usually 4318), or inprocess-grpc", true, false},
		{"partial successes add up", "127.0.0.1:4317", Result{Recorded: 18, Delivered: 12, Failed: 6, Errs: []error{
			errors.New("traces export: OTLP partial success: spans too old (3 spans rejected)"),
			errors.New("traces export: OTLP partial success: spans too old (2 spans rejected)"),
			errors.New("traces export: OTLP partial success: quota (1 spans rejected)")}},
			"the collector rejected 6 spans: spans too old (and 1 other reasons)", true, false},
		{"the collector went away after taking spans (gRPC)", "127.0.0.1:4317", Result{Recorded: 90, Delivered: 60, Failed: 30, Errs: []error{errors.New(
			`traces export: context deadline exceeded: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:4317: connect: connection refused"`)}},
			"the collector at 127.0.0.1:4317 went away during the run (connection refused); the exports that failed meanwhile were lost", false, false},
		{"the collector went away after taking spans (HTTP, reset)", "http://127.0.0.1:4318/v1/traces", Result{Recorded: 90, Delivered: 60, Failed: 30, Errs: []error{errors.New(
			`traces export: Post "http://127.0.0.1:4318/v1/traces": read tcp 127.0.0.1:51000->127.0.0.1:4318: read: connection reset by peer`)}},
			"the collector at http://127.0.0.1:4318/v1/traces went away during the run (it closed the connection); the exports that failed meanwhile were lost", false, false},
		{"HTTP did not answer", "http://127.0.0.1:4318/v1/traces", Result{Recorded: 9, Failed: 9, Timeout: 2 * time.Second, Errs: []error{
			fmt.Errorf("traces export: %w", context.DeadlineExceeded)}},
			"the collector at http://127.0.0.1:4318/v1/traces did not answer within 2s", false, true},
	}
	for _, c := range cases {
		if got := c.res.Cause(c.endpoint); got != c.want {
			t.Errorf("%s: Cause =\n%q, want\n%q", c.name, got, c.want)
		}
		if got := c.res.Answered(); got != c.answered {
			t.Errorf("%s: Answered = %v", c.name, got)
		}
		if got := c.res.NoAnswer(); got != c.noAnswer {
			t.Errorf("%s: NoAnswer = %v", c.name, got)
		}
	}
}

// TestHungUpWhileSending: a TLS collector hangs up on plaintext while
// net/http still sends the request; net/http may then return the read of
// the connection it closed itself (net.ErrClosed) instead of the write's
// error. It is a hang-up all the same.
func TestHungUpWhileSending(t *testing.T) {
	const target = "http://127.0.0.1:4318/v1/traces"
	closed := &url.Error{Op: "Post", URL: target, Err: &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}}
	res := Result{Recorded: 9, Failed: 9, Errs: []error{fmt.Errorf("traces export: %w", closed)}}
	const want = "this program spoke plaintext, and the collector at " + target + " hung up without an answer: if it expects TLS, use -tls, -ca FILE or an https:// endpoint; if that is an OTLP/gRPC port (usually 4317), use its OTLP/HTTP port (usually 4318)"
	if got := res.Cause(target); got != want {
		t.Errorf("Cause =\n%q, want\n%q", got, want)
	}
}

// TestHungUpOnHTTP: an OTLP/gRPC port may hang up on an OTLP/HTTP request
// before it sends its HTTP/2 settings, as a TLS port hangs up on plaintext;
// the cause names both.
func TestHungUpOnHTTP(t *testing.T) {
	res := Result{Recorded: 9, Failed: 9, Errs: []error{errors.New(`traces export: Post "http://127.0.0.1:4317/v1/traces": read tcp 127.0.0.1:51000->127.0.0.1:4317: read: connection reset by peer`)}}
	const want = "this program spoke plaintext, and the collector at http://127.0.0.1:4317/v1/traces hung up without an answer: if it expects TLS, use -tls, -ca FILE or an https:// endpoint; if that is an OTLP/gRPC port (usually 4317), use its OTLP/HTTP port (usually 4318)"
	if got := res.Cause("http://127.0.0.1:4317/v1/traces"); got != want {
		t.Errorf("Cause =\n%q, want\n%q", got, want)
	}
}

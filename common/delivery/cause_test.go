package delivery

import (
	"context"
	"errors"
	"fmt"
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
		{"all delivered", Result{Created: 9, Delivered: 9}, ""},
		{"nothing listens", Result{Created: 9, Failed: 9, Errs: []error{fmt.Errorf("%w: %w", context.DeadlineExceeded, refused)}},
			"connection refused: nothing listens at 127.0.0.1:4317"},
		{"gRPC refusal wins over a later refused connection", Result{Created: 9, Failed: 9, Errs: []error{
			fmt.Errorf("traces export: %w", status.Error(codes.Unauthenticated, "invalid token")), refused}},
			"the collector refused the spans: Unauthenticated (invalid token)"},
		{"HTTP refusal", Result{Created: 9, Failed: 9, Errs: []error{
			fmt.Errorf("traces export: failed to send to http://127.0.0.1:4318/v1/traces: 401 Unauthorized (%w)", errors.New("body: invalid token"))}},
			"the collector refused the spans: 401 Unauthorized (invalid token)"},
		{"partial success", Result{Created: 9, Delivered: 6, Failed: 3, Errs: []error{
			errors.New("traces export: OTLP partial success: spans too old (3 spans rejected)")}},
			"the collector rejected 3 spans: spans too old"},
		{"no answer", Result{Created: 9, Failed: 9, Timeout: 5 * time.Second, Errs: []error{
			fmt.Errorf("exporter export timeout: %w", status.Error(codes.DeadlineExceeded, "context deadline exceeded"))}},
			"the collector at 127.0.0.1:4317 did not answer within 5s"},
		{"flush gave up first", Result{Created: 9, Timeout: 2 * time.Second, Errs: []error{context.DeadlineExceeded}},
			"the collector at 127.0.0.1:4317 did not answer within 2s"},
		{"queue full", Result{Created: 9000, Delivered: 2048, Dropped: 6952},
			"the batch processor's queue was full and dropped 6952 spans"},
		{"unconfirmed", Result{Created: 9, Delivered: 5, Timeout: time.Second},
			"the collector at 127.0.0.1:4317 did not confirm 4 spans within 1s"},
		{"other error", Result{Created: 9, Failed: 9, Errs: []error{errors.New("something odd")}},
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
		{Result{Created: 9, Delivered: 9}, true},
		{Result{}, false}, // nothing made is nothing delivered
		{Result{Created: 9, Delivered: 8}, false},
		{Result{Created: 9, Delivered: 9, Dropped: 1}, false},
		{Result{Created: 9, Delivered: 9, Failed: 1}, false},
	} {
		if got := c.res.OK(); got != c.want {
			t.Errorf("%+v.OK() = %v, want %v", c.res, got, c.want)
		}
	}
}

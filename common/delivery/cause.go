package delivery

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// httpRefusal finds the status in otlptracehttp's error for a response it
// does not retry: "failed to send to URL: 401 Unauthorized (body: ...)".
var httpRefusal = regexp.MustCompile(`failed to send to \S+: (\d{3} [^(]*?)\s*\(body: (.*)\)\s*$`)

// partialSuccess finds the collector's partial-success answer in the
// exporter's error: "OTLP partial success: MESSAGE (N spans rejected)".
var partialSuccess = regexp.MustCompile(`OTLP partial success: (.*) \((\d+) spans rejected\)`)

// Cause says in plain words why spans did not reach the collector at
// endpoint, or "" when they all did. endpoint is as config.Config.Target
// gives it: https:// in front means this program spoke TLS. The most
// telling error wins: a TLS problem, a refusal by the collector, a refused
// connection, then the exporter's last error.
func (r Result) Cause(endpoint string) string {
	if r.OK() {
		return ""
	}
	secure := strings.HasPrefix(endpoint, "https://")
	for _, err := range r.Errs {
		if s, ok := connectionProblem(err.Error(), endpoint, secure); ok {
			return s
		}
	}
	for _, err := range r.Errs {
		if s, ok := refusal(err); ok {
			return s
		}
	}
	for _, err := range r.Errs {
		if strings.Contains(err.Error(), "connection refused") {
			return fmt.Sprintf("connection refused: nothing listens at %s", endpoint)
		}
	}
	if r.Dropped > 0 {
		return fmt.Sprintf("the batch processor's queue was full and dropped %d spans", r.Dropped)
	}
	for _, err := range r.Errs {
		if errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded {
			return fmt.Sprintf("the collector at %s did not answer within %s", endpoint, r.Timeout)
		}
	}
	if len(r.Errs) > 0 {
		return fmt.Sprintf("export to %s failed: %v", endpoint, r.Errs[len(r.Errs)-1])
	}
	if r.Created == 0 {
		return "no span was made"
	}
	return fmt.Sprintf("the collector at %s did not confirm %d spans within %s", endpoint, r.Lost(), r.Timeout)
}

// Answered tells whether a collector was there and said something, if only
// in a TLS handshake: then the cause is not that nothing runs there.
func (r Result) Answered() bool {
	for _, err := range r.Errs {
		_, refused := refusal(err)
		_, tlsProblem := connectionProblem(err.Error(), "", true)
		if refused || tlsProblem {
			return true
		}
	}
	return false
}

// refusal recognises an answer of the collector that says no: a gRPC status
// other than the transient ones, an HTTP error status, or a partial success.
func refusal(err error) (string, bool) {
	msg := err.Error()
	if m := partialSuccess.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("the collector rejected %s spans: %s", m[2], m[1]), true
	}
	if m := httpRefusal.FindStringSubmatch(msg); m != nil {
		if strings.HasPrefix(m[1], "401 ") {
			return tokenRefused(m[1], m[2]), true
		}
		return fmt.Sprintf("the collector refused the spans: %s (%s)", m[1], m[2]), true
	}
	var withStatus interface{ GRPCStatus() *status.Status }
	if errors.As(err, &withStatus) {
		s := withStatus.GRPCStatus()
		switch s.Code() {
		case codes.OK, codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Unknown:
		case codes.Unauthenticated:
			return tokenRefused(s.Code().String(), s.Message()), true
		default:
			return fmt.Sprintf("the collector refused the spans: %s (%s)", s.Code(), s.Message()), true
		}
	}
	return "", false
}

// tokenRefused names the collector's refusal of the token (gRPC
// Unauthenticated, HTTP 401) as such.
func tokenRefused(status, message string) string {
	return fmt.Sprintf("the collector refused the token: %s (%s); give the right one with -token or TRACE_TOKEN", status, message)
}

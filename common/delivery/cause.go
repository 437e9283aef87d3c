package delivery

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// kind sorts the causes, for the advice that goes with them.
type kind int

const (
	delivered    kind = iota
	notCollector      // an answer, but not an OTLP one: a web page, a redirect
	problem           // TLS or protocol trouble before any answer: someone is there
	refused           // the collector answered no (a status, a partial success)
	nobody            // the connection was refused: nothing listens
	gone              // the collector took spans, then went away
	dropped           // the batch processor's queue overflowed
	noAnswer          // a connection, but no answer within the timeout
	unreached         // no connection within the timeout, though none was refused
	otherCause        // anything else
)

// Cause says in plain words why spans did not reach the collector at
// endpoint, or "" when they all did. endpoint is as config.Config.Target
// gives it: https:// in front means this program spoke TLS.
func (r Result) Cause(endpoint string) string {
	text, _ := r.diagnose(endpoint, strings.HasPrefix(endpoint, "https://"))
	return text
}

// Answered tells whether a collector was there and said something, if only
// in a TLS handshake: then the cause is not that nothing runs there.
func (r Result) Answered() bool {
	k := r.kind()
	return k == problem || k == refused || k == notCollector
}

// NoAnswer tells whether something accepted the connection but the spans
// got no answer within the timeout.
func (r Result) NoAnswer() bool { return r.kind() == noAnswer }

// kind is the kind of the cause, whether this program spoke TLS or not.
func (r Result) kind() kind {
	_, k := r.diagnose("", true)
	if _, plain := r.diagnose("", false); plain == problem {
		return problem
	}
	return k
}

// diagnose finds the cause and its kind; secure tells whether this program
// spoke TLS. The most telling error wins: a TLS
// or protocol problem, a refusal by the collector, a refused connection,
// then a full queue, no answer, the exporter's last error.
func (r Result) diagnose(endpoint string, secure bool) (string, kind) {
	if r.OK() {
		return "", delivered
	}
	// Once spans went through, the collector was there and spoke the
	// protocol: a connection refused or lost later means it went away, not
	// that it speaks TLS or another protocol.
	wentAway := r.Delivered+r.Unseen > 0
	for _, err := range r.Errs {
		if s, ok := notCollectorAnswer(err, endpoint, r.said); ok {
			return s, notCollector
		}
		if s, ok := unusableAnswer(err, endpoint, r.said); ok {
			return s, notCollector
		}
	}
	for _, err := range r.Errs {
		if wentAway && disconnected(err) {
			continue
		}
		if s, ok := connectionProblem(err, endpoint, secure, r.said); ok {
			return s, problem
		}
	}
	if s, ok := r.rejected(); ok {
		return s, refused
	}
	for _, err := range r.Errs {
		if s, ok := refusal(err, r.said); ok {
			return s, refused
		}
	}
	// An exporter that gave up at once, asked to wait longer than it
	// would, says so before any later error (the flush's timeout) does.
	for _, err := range r.Errs {
		if !strings.Contains(err.Error(), retryTooLate) {
			continue
		}
		if s, ok := keptRefusing(err, r.said(r.Refusal), endpoint, r.Timeout, r.said); ok {
			return s, refused
		}
	}
	for i := len(r.Errs) - 1; i >= 0; i-- {
		if s, ok := keptRefusing(r.Errs[i], r.said(r.Refusal), endpoint, r.Timeout, r.said); ok {
			return s, refused
		}
	}
	for _, err := range r.Errs {
		if wentAway && disconnected(err) {
			how := "it closed the connection"
			if failure(err) == connRefused {
				how = "connection refused"
			}
			return fmt.Sprintf("the collector at %s went away during the run (%s); the exports that failed meanwhile were lost", endpoint, how), gone
		}
	}
	for _, err := range r.Errs {
		if failure(err) == connRefused {
			return fmt.Sprintf("connection refused: nothing listens at %s", endpoint), nobody
		}
	}
	for _, err := range r.Errs {
		if errors.As(err, new(errNoConnection)) {
			return fmt.Sprintf("no connection to %s could be made within %s (%v); if the collector is far or busy, give it longer with -timeout", endpoint, r.Timeout, r.said(fmt.Sprint(errors.Unwrap(err)))), unreached
		}
	}
	if r.Dropped > 0 {
		return fmt.Sprintf("the batch processor's queue was full and dropped %d spans", r.Dropped), dropped
	}
	for _, err := range r.Errs {
		if timedOut(err) {
			return fmt.Sprintf("the collector at %s did not answer within %s", endpoint, r.Timeout), noAnswer
		}
	}
	if len(r.Errs) > 0 {
		return fmt.Sprintf("export to %s failed: %s", endpoint, r.said(r.Errs[len(r.Errs)-1].Error())), otherCause
	}
	if r.Recorded == 0 {
		return "no span was made", otherCause
	}
	return fmt.Sprintf("the collector at %s did not confirm %d spans within %s", endpoint, r.Lost(), r.Timeout), otherCause
}

// rejected adds up the collector's partial successes, one per export that
// had spans rejected, and says how many it rejected and why (the first
// reason, and how many others there were).
func (r Result) rejected() (string, bool) {
	var n int64
	var reasons []string
	for _, err := range r.Errs {
		for _, m := range partialSuccess.FindAllStringSubmatch(err.Error(), -1) {
			k, _ := strconv.ParseInt(m[2], 10, 64)
			n += k
			if !slices.Contains(reasons, m[1]) {
				reasons = append(reasons, m[1])
			}
		}
	}
	if len(reasons) == 0 {
		return "", false
	}
	// The collector's figure is its word; the SDK counts at most the spans
	// an export carried. A figure above what was sent is impossible: say
	// so, and count what the SDK counted.
	impossible := ""
	if sent := r.Delivered + r.Unseen + r.Failed; n > sent {
		impossible = fmt.Sprintf(" (the collector said %d, more than the %d spans it was sent: an impossible figure)", n, sent)
		n = r.Failed
	}
	others := ""
	if len(reasons) > 1 {
		others = fmt.Sprintf(" (and %d other reasons)", len(reasons)-1)
	}
	return fmt.Sprintf("the collector rejected %d spans: %s%s%s", n, r.said(reasons[0]), others, impossible), true
}

// refusal recognises an answer of the collector that says no: a gRPC status
// other than the transient ones, or an HTTP error status.
func refusal(err error, said func(string) string) (string, bool) {
	msg := err.Error()
	if m := httpRefusal.FindStringSubmatch(msg); m != nil {
		if strings.HasPrefix(m[1], "401 ") {
			return tokenRefused(said(m[1]), said(m[2])), true
		}
		return fmt.Sprintf("the collector refused the spans: %s (%s)", said(m[1]), said(m[2])), true
	}
	var withStatus interface{ GRPCStatus() *status.Status }
	if errors.As(err, &withStatus) {
		s := withStatus.GRPCStatus()
		switch s.Code() {
		case codes.OK, codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Unknown:
		case codes.ResourceExhausted:
			if !retried(s) {
				return fmt.Sprintf("the collector refused the spans: %s (%s): %s", s.Code(), said(s.Message()), retryable[s.Code().String()]), true
			}
		case codes.Unauthenticated:
			return tokenRefused(s.Code().String(), said(s.Message())), true
		default:
			return fmt.Sprintf("the collector refused the spans: %s (%s)", s.Code(), said(s.Message())), true
		}
	}
	return "", false
}

// said is what the collector or a library said, with the secrets
// redacted: only that, not the cause's own words and the endpoint, which a
// header value such as "traces" would corrupt.
func (r Result) said(s string) string {
	if r.Redact == nil {
		return s
	}
	return r.Redact(s)
}

// tokenRefused names the collector's refusal of the token (gRPC
// Unauthenticated, HTTP 401) as such.
func tokenRefused(status, message string) string {
	return fmt.Sprintf("the collector refused the token: %s (%s); give the right one with -token or TRACE_TOKEN", status, message)
}

// notCollectorAnswer names an answer that is not an OTLP collector's: a
// web page, a garbled answer, a redirect (see answer.go).
func notCollectorAnswer(err error, endpoint string, said func(string) string) (string, bool) {
	var notOTLP *NotOTLPError
	var redirect *RedirectError
	var unreadable *UnreadableError
	switch {
	case errors.As(err, &notOTLP):
		return fmt.Sprintf("%s: %s is not an OTLP/HTTP endpoint, or something in front of it answered instead", said(notOTLP.Error()), endpoint), true
	case errors.As(err, &redirect):
		return fmt.Sprintf("%s; OTLP has no redirects, so this program does not follow it: point -endpoint at the collector itself", said(redirect.Error())), true
	case errors.As(err, &unreadable):
		return fmt.Sprintf("%s; no span was sent: give a header (OTEL_EXPORTER_OTLP_HEADERS) or -tls and the program's own provider reads every answer", said(unreadable.Error())), true
	}
	return "", false
}

// unusableAnswer names a gRPC answer that the client could not take: one
// larger than grpc-go's client takes (4 MiB), or one that does not decode.
// Neither is a refusal: the collector may have taken the spans.
func unusableAnswer(err error, endpoint string, said func(string) string) (string, bool) {
	var withStatus interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &withStatus) {
		return "", false
	}
	message := withStatus.GRPCStatus().Message()
	switch failure(err) {
	case answerTooLarge:
		return fmt.Sprintf("the answer of the collector at %s was too large for gRPC's client (%s), so it could not be read: the spans may have arrived, but nothing confirmed them", endpoint, said(message)), true
	case answerUnreadable:
		return fmt.Sprintf("the answer of the collector at %s could not be read (%s): the spans may have arrived, but nothing confirmed them; is that an OTLP collector?", endpoint, said(message)), true
	}
	return "", false
}

// retryable is the gist of each status with which a collector refuses for
// now, asking to be retried: HTTP 429, 502, 503, 504, gRPC
// RESOURCE_EXHAUSTED and UNAVAILABLE.
var retryable = map[string]string{
	"429": "it is rate-limiting this program", "ResourceExhausted": "it is rate-limiting this program",
	"503": "it is unavailable", "Unavailable": "it is unavailable",
	"502": "a gateway in front of it could not reach it", "504": "a gateway in front of it could not reach it",
}

// keptRefusing recognises an exporter that gave up, or a flush that
// stopped waiting, because the collector refused for now, every time,
// until the timeout. refusal is the HTTP status and body with which the
// collector refused the check: the OTLP/HTTP exporter's error names only
// the body, and comes only when it gives up, often after the flush.
func keptRefusing(err error, refusal, endpoint string, timeout time.Duration, said func(string) string) (string, bool) {
	msg := err.Error()
	code, _, _ := strings.Cut(refusal, " ")
	tooLate := strings.Contains(msg, retryTooLate)
	if gist, ok := retryable[code]; ok && tooLate {
		return gaveUpAtOnce(endpoint, refusal, gist), true
	}
	if gist, ok := retryable[code]; ok && (retryFailure.MatchString(msg) || timedOut(err)) {
		return fmt.Sprintf("the collector at %s kept refusing the spans for %s: %s: %s", endpoint, timeout, refusal, gist), true
	}
	var withStatus interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &withStatus) || failure(err) != noFailure {
		return "", false
	}
	s := withStatus.GRPCStatus()
	if gist, ok := retryable[s.Code().String()]; ok && s.Code() != codes.OK && tooLate {
		return gaveUpAtOnce(endpoint, fmt.Sprintf("%s (%s)", s.Code(), said(s.Message())), gist), true
	}
	if gist, ok := retryable[s.Code().String()]; ok && s.Code() != codes.OK {
		return fmt.Sprintf("the collector at %s kept refusing the spans for %s: %s (%s): %s", endpoint, timeout, s.Code(), said(s.Message()), gist), true
	}
	return "", false
}

// gaveUpAtOnce says that the exporter did not retry a refusal for now,
// because the collector asked for a wait longer than the exporter's
// timeout (HTTP Retry-After, gRPC RetryInfo).
func gaveUpAtOnce(endpoint, refusal, gist string) string {
	return fmt.Sprintf("the collector at %s refused the spans for now: %s: %s; it asked to be retried later than the exporter waits, so the exporter gave up at once, without retrying", endpoint, refusal, gist)
}

// retried tells whether the gRPC exporter retries a status: it retries
// RESOURCE_EXHAUSTED only when the collector says when to (RetryInfo).
func retried(s *status.Status) bool {
	for _, d := range s.Details() {
		if _, ok := d.(*errdetails.RetryInfo); ok {
			return true
		}
	}
	return s.Code() != codes.ResourceExhausted
}

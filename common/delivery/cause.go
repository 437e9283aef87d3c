package delivery

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// kind sorts the causes, for the advice that goes with them.
type kind int

const (
	otherCause   kind = iota
	notCollector      // an answer, but not an OTLP one: a web page, a redirect
	problem           // TLS or protocol trouble before any answer: someone is there
	refused           // the collector answered no (a status, a partial success)
	noAnswer          // a connection, but no answer within the timeout
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
	_, k := r.diagnose("", true)
	return k == problem || k == refused || k == notCollector
}

// NoAnswer tells whether something accepted the connection but the spans
// got no answer within the timeout.
func (r Result) NoAnswer() bool {
	_, k := r.diagnose("", true)
	return k == noAnswer
}

// diagnosis is a Result read for one endpoint.
type diagnosis struct {
	Result
	endpoint string
	secure   bool // this program spoke TLS
}

// diagnose finds the cause and its kind. The most telling error wins: an
// answer that is no collector's, a TLS or protocol problem, a refusal by
// the collector, a refused connection, then a full queue, no answer, the
// exporter's last error.
func (r Result) diagnose(endpoint string, secure bool) (string, kind) {
	d := diagnosis{r, endpoint, secure}
	if r.OK() {
		return "", otherCause
	}
	if s, ok := d.first(d.notCollectorAnswer); ok {
		return s, notCollector
	}
	if s, ok := d.first(d.connectionProblem); ok {
		return s, problem
	}
	if s, ok := d.rejected(); ok {
		return s, refused
	}
	if s, ok := d.first(d.refusal); ok {
		return s, refused
	}
	// An exporter that gave up at once, asked to wait longer than it
	// would, says so before any later error (the flush's timeout) does.
	if s, ok := d.first(func(err error) (string, bool) {
		if !strings.Contains(err.Error(), retryTooLate) {
			return "", false
		}
		return d.keptRefusing(err)
	}); ok {
		return s, refused
	}
	for _, err := range slices.Backward(r.Errs) {
		if s, ok := d.keptRefusing(err); ok {
			return s, refused
		}
	}
	for _, err := range r.Errs {
		if r.Delivered > 0 && disconnected(err) {
			how := "it closed the connection"
			if failure(err) == connRefused {
				how = "connection refused"
			}
			return fmt.Sprintf("the collector at %s went away during the run (%s); the exports that failed meanwhile were lost", endpoint, how), otherCause
		}
	}
	for _, err := range r.Errs {
		if failure(err) == connRefused {
			return fmt.Sprintf("connection refused: nothing listens at %s", endpoint), otherCause
		}
	}
	for _, err := range r.Errs {
		if errors.As(err, new(errNoConnection)) {
			return fmt.Sprintf("no connection to %s could be made within %s (%v); if the collector is far or busy, give it longer with -timeout", endpoint, r.Timeout, r.said(fmt.Sprint(errors.Unwrap(err)))), otherCause
		}
	}
	if r.Dropped > 0 {
		return fmt.Sprintf("the batch processor's queue was full and dropped %d spans", r.Dropped), otherCause
	}
	if slices.ContainsFunc(r.Errs, timedOut) {
		return fmt.Sprintf("the collector at %s did not answer within %s", endpoint, r.Timeout), noAnswer
	}
	switch {
	case len(r.Errs) > 0:
		return fmt.Sprintf("export to %s failed: %s", endpoint, r.said(r.Errs[len(r.Errs)-1].Error())), otherCause
	case r.Recorded == 0:
		return "no span was made", otherCause
	}
	return fmt.Sprintf("the collector at %s did not confirm %d spans within %s", endpoint, r.Lost(), r.Timeout), otherCause
}

// first is what explain says of the first error it explains.
func (d diagnosis) first(explain func(error) (string, bool)) (string, bool) {
	for _, err := range d.Errs {
		if s, ok := explain(err); ok {
			return s, true
		}
	}
	return "", false
}

// said is what the collector or a library said, with the secrets redacted:
// not the cause's own words, which a header value such as "traces" would
// corrupt.
func (r Result) said(s string) string {
	if r.Redact == nil {
		return s
	}
	return r.Redact(s)
}

// grpcStatus is the gRPC status in err's chain, or nil.
func grpcStatus(err error) *status.Status {
	var withStatus interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &withStatus) {
		return nil
	}
	return withStatus.GRPCStatus()
}

// rejected adds up the collector's partial successes and says how many
// spans it rejected and why (the first reason, and how many others).
func (d diagnosis) rejected() (string, bool) {
	var n int64
	var reasons []string
	for _, err := range d.Errs {
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
	// an export carried. A figure above what was sent is impossible.
	impossible, others := "", ""
	if sent := d.Delivered + d.Failed; n > sent {
		impossible = fmt.Sprintf(" (the collector said %d, more than the %d spans it was sent: an impossible figure)", n, sent)
		n = d.Failed
	}
	if len(reasons) > 1 {
		others = fmt.Sprintf(" (and %d other reasons)", len(reasons)-1)
	}
	return fmt.Sprintf("the collector rejected %d spans: %s%s%s", n, d.said(reasons[0]), others, impossible), true
}

// refusal recognises an answer that says no: an HTTP error status, or a
// gRPC status other than the transient ones.
func (d diagnosis) refusal(err error) (string, bool) {
	if m := httpRefusal.FindStringSubmatch(err.Error()); m != nil {
		return d.refused(d.said(m[1]), d.said(m[2]), strings.HasPrefix(m[1], "401 ")), true
	}
	s := grpcStatus(err)
	if s == nil {
		return "", false
	}
	switch s.Code() {
	case codes.OK, codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Unknown:
	case codes.ResourceExhausted:
		// The gRPC exporter retries it only when the collector says when
		// to (RetryInfo): otherwise it is final.
		if !slices.ContainsFunc(s.Details(), func(d any) bool { _, ok := d.(*errdetails.RetryInfo); return ok }) {
			return d.refused(s.Code().String(), d.said(s.Message()), false) + ": " + retryable[s.Code().String()], true
		}
	default:
		return d.refused(s.Code().String(), d.said(s.Message()), s.Code() == codes.Unauthenticated), true
	}
	return "", false
}

// refused says that the collector refused the spans, or the token
// (HTTP 401, gRPC Unauthenticated).
func (diagnosis) refused(status, message string, token bool) string {
	if token {
		return fmt.Sprintf("the collector refused the token: %s (%s); give the right one with -token or TRACE_TOKEN", status, message)
	}
	return fmt.Sprintf("the collector refused the spans: %s (%s)", status, message)
}

// notCollectorAnswer names an answer that is no OTLP collector's: a web
// page, a redirect (see answer.go), or a gRPC answer the client could not
// take, which is no refusal: the collector may have taken the spans.
func (d diagnosis) notCollectorAnswer(err error) (string, bool) {
	var notOTLP *NotOTLPError
	var redirect *RedirectError
	var unreadable *UnreadableError
	switch {
	case errors.As(err, &notOTLP):
		return fmt.Sprintf("%s: %s is not an OTLP/HTTP endpoint, or something in front of it answered instead", d.said(notOTLP.Error()), d.endpoint), true
	case errors.As(err, &redirect):
		return fmt.Sprintf("%s; OTLP has no redirects, so this program does not follow it: point -endpoint at the collector itself", d.said(redirect.Error())), true
	case errors.As(err, &unreadable):
		return fmt.Sprintf("%s; no span was sent: give a header (OTEL_EXPORTER_OTLP_HEADERS) or -tls and the program's own provider reads every answer", d.said(unreadable.Error())), true
	}
	if k := failure(err); (k == answerTooLarge || k == answerUnreadable) && grpcStatus(err) != nil {
		return fmt.Sprintf(problems[k], d.endpoint, d.said(grpcStatus(err).Message())), true
	}
	return "", false
}

// retryable is the gist of each status with which a collector refuses for
// now, asking to be retried.
var retryable = map[string]string{
	"429": "it is rate-limiting this program", "ResourceExhausted": "it is rate-limiting this program",
	"503": "it is unavailable", "Unavailable": "it is unavailable",
	"502": "a gateway in front of it could not reach it", "504": "a gateway in front of it could not reach it",
}

// keptRefusing recognises an exporter that gave up, or a flush that
// stopped waiting, because the collector refused for now every time until
// the timeout; or (tooLate) at once, because it asked to be retried later
// than the exporter waits. The OTLP/HTTP exporter's error names only the
// body, so the status is the check's (Refusal).
func (d diagnosis) keptRefusing(err error) (string, bool) {
	msg := err.Error()
	tooLate := strings.Contains(msg, retryTooLate)
	refusal := d.said(d.Refusal)
	code, _, _ := strings.Cut(refusal, " ")
	gist, ok := retryable[code]
	if !ok || !tooLate && !retryFailure.MatchString(msg) && !timedOut(err) {
		s := grpcStatus(err)
		if s == nil || failure(err) != noFailure {
			return "", false
		}
		if gist, ok = retryable[s.Code().String()]; !ok {
			return "", false
		}
		refusal = fmt.Sprintf("%s (%s)", s.Code(), d.said(s.Message()))
	}
	if tooLate {
		return fmt.Sprintf("the collector at %s refused the spans for now: %s: %s; it asked to be retried later than the exporter waits, so the exporter gave up at once, without retrying", d.endpoint, refusal, gist), true
	}
	return fmt.Sprintf("the collector at %s kept refusing the spans for %s: %s: %s", d.endpoint, d.Timeout, refusal, gist), true
}

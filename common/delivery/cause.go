package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// kind sorts the causes, for the advice that goes with them.
type kind int

const (
	otherCause kind = iota
	answered        // someone answered, if only in a TLS handshake: a collector, a web page
	noAnswer        // a connection, but no answer within the timeout
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
	return k == answered
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
	if s, ok := d.first(d.notCollectorAnswer, d.connectionProblem); ok {
		return s, answered
	}
	if s, ok := d.rejected(); ok {
		return s, answered
	}
	// An exporter that gave up at once, asked to wait longer than it
	// would, says so before any later error (the flush's timeout) does.
	gaveUp := func(err error) (string, bool) {
		if !strings.Contains(err.Error(), retryTooLate) {
			return "", false
		}
		return d.keptRefusing(err)
	}
	if s, ok := d.first(d.refusal, gaveUp); ok {
		return s, answered
	}
	for _, err := range slices.Backward(r.Errs) {
		if s, ok := d.keptRefusing(err); ok {
			return s, answered
		}
	}
	if i := slices.IndexFunc(r.Errs, disconnected); i >= 0 && r.Delivered+r.Unseen > 0 {
		how := "it closed the connection"
		if failure(r.Errs[i]) == connRefused {
			how = "connection refused"
		}
		return fmt.Sprintf("the collector at %s went away during the run (%s); the exports that failed meanwhile were lost", endpoint, how), otherCause
	}
	if slices.ContainsFunc(r.Errs, func(err error) bool { return failure(err) == connRefused }) {
		return fmt.Sprintf("connection refused: nothing listens at %s", endpoint), otherCause
	}
	var none errNoConnection
	if slices.ContainsFunc(r.Errs, func(err error) bool { return errors.As(err, &none) }) {
		return fmt.Sprintf("no connection to %s could be made within %s (%v); if the collector is far or busy, give it longer with -timeout", endpoint, r.Timeout, r.said(none.err.Error())), otherCause
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
	return fmt.Sprintf("the collector at %s did not confirm %d spans within %s", endpoint, r.Recorded-r.Delivered, r.Timeout), otherCause
}

// first tries each explainer in turn on every error, and returns what the
// first match says.
func (d diagnosis) first(explainers ...func(error) (string, bool)) (string, bool) {
	for _, explain := range explainers {
		for _, err := range d.Errs {
			if s, ok := explain(err); ok {
				return s, true
			}
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
	if sent := d.Delivered + d.Unseen + d.Failed; n > sent {
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
// page, a redirect (see readAnswer), or a gRPC answer the client could not
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

// failureKind is what an export's error says went wrong on the way to the
// collector, before or instead of an OTLP answer.
type failureKind int

const (
	noFailure           failureKind = iota
	untrusted                       // no trusted root signed the collector's certificate
	otherNames                      // the certificate is for other names
	badCertificate                  // the certificate is not trusted for another reason
	certificateRequired             // the collector wants a client certificate
	certificateRefused              // the collector does not trust the client certificate
	plaintextAnswer                 // this program spoke TLS; the answer was plaintext
	http1Answer                     // gRPC got an HTTP/1.1 answer: an OTLP/HTTP port
	http2Answer                     // HTTP/1.1 got HTTP/2 frames: an OTLP/gRPC port
	notGRPC                         // gRPC got something else
	notHTTP                         // HTTP got something else
	tlsServer                       // plaintext to a TLS server, which said so
	hungUp                          // the collector closed the connection without an answer
	connRefused                     // the connection was refused: nothing listens
	noSuchHost                      // the name could not be resolved
	proxyDown                       // the proxy (HTTP_PROXY, HTTPS_PROXY) could not be reached
	answerTooLarge                  // gRPC's answer was larger than its client takes
	answerUnreadable                // gRPC's answer did not decode
	lost                            // the connection was lost, for whatever reason
	noConnection                    // gRPC could not connect, for another reason
)

// failure finds the kind of err by its types where they survive (the
// OTLP/HTTP exporter passes on net/http's errors), else by its text (see
// byText: the OTLP/gRPC exporter passes on a gRPC status's message).
func failure(err error) failureKind {
	if kind := failureByType(err); kind != noFailure {
		return kind
	}
	msg := err.Error()
	for _, t := range byText {
		if strings.Contains(msg, t.text) {
			return t.kind
		}
	}
	return noFailure
}

// failureByType is the kind of err by its types alone.
func failureByType(err error) failureKind {
	var op *net.OpError
	switch {
	case errors.As(err, &op) && op.Op == "proxyconnect":
		return proxyDown // before the refused connection below, which is the proxy's
	case errors.As(err, new(x509.UnknownAuthorityError)):
		return untrusted
	case errors.As(err, new(x509.HostnameError)):
		return otherNames
	case errors.As(err, new(x509.CertificateInvalidError)), errors.As(err, new(*tls.CertificateVerificationError)):
		return badCertificate
	case errors.As(err, new(tls.RecordHeaderError)):
		return plaintextAnswer
	case errors.As(err, new(*net.DNSError)):
		return noSuchHost
	case errors.Is(err, syscall.ECONNREFUSED):
		return connRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		// net/http closes its connection when a write fails because the
		// collector hung up; its read then fails with net.ErrClosed, and
		// which of the two errors it returns is a race.
		errors.Is(err, net.ErrClosed):
		return hungUp
	}
	return noFailure
}

// disconnected tells whether the connection to the collector was refused
// or lost.
func disconnected(err error) bool {
	k := failure(err)
	return k == hungUp || k == connRefused || k == lost
}

// timedOut tells whether err is a timeout: a net.Error's, a context's, or
// gRPC's DeadlineExceeded status.
func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded
}

// problems says what went wrong, by kind of failure: %[1]s is the endpoint
// and %[2]s the detail (see connectionProblem).
var problems = map[failureKind]string{
	untrusted:           "the certificate of the collector at %[1]s is not trusted: no trusted root signed it (%[2]s); give the CA that did with -ca FILE",
	otherNames:          "the certificate of the collector at %[1]s is for other names (%[2]s); use one of those in the endpoint",
	badCertificate:      "the certificate of the collector at %[1]s is not trusted (%[2]s)",
	http1Answer:         "the collector at %[1]s answered in HTTP/1.1, not gRPC: that is an OTLP/HTTP port (usually 4318); use its OTLP/gRPC port (usually 4317), or inprocess-http",
	http2Answer:         "the collector at %[1]s answered in HTTP/2 frames, as gRPC does: that is an OTLP/gRPC port (usually 4317); use its OTLP/HTTP port (usually 4318), or inprocess-grpc",
	notGRPC:             "the collector at %[1]s answered with something that is not gRPC: that is not an OTLP/gRPC port (usually 4317)",
	notHTTP:             "the collector at %[1]s answered with something that is not HTTP: that is not an OTLP/HTTP port (usually 4318)",
	certificateRequired: "the collector at %[1]s requires a client certificate (mutual TLS): give one with -cert FILE -key FILE",
	certificateRefused:  "the collector at %[1]s does not trust the client certificate of -cert: it wants one signed by a CA it trusts",
	noSuchHost:          "the name %[2]s could not be resolved (%[1]s): check the host of the endpoint and the DNS",
	proxyDown:           "the proxy %[2]s, so no span reached the collector at %[1]s: start the proxy, or list the collector's host in NO_PROXY",
	answerTooLarge:      "the answer of the collector at %[1]s was too large for gRPC's client (%[2]s), so it could not be read: the spans may have arrived, but nothing confirmed them",
	answerUnreadable:    "the answer of the collector at %[1]s could not be read (%[2]s): the spans may have arrived, but nothing confirmed them; is that an OTLP collector?",
}

// connectionProblem says what went wrong between this program and the
// collector before any answer: a certificate, TLS on one side only, the
// other OTLP protocol's port. Once spans went through, a connection refused
// or lost means that the collector went away instead.
func (d diagnosis) connectionProblem(err error) (string, bool) {
	kind := failure(err)
	if d.Delivered+d.Unseen > 0 && disconnected(err) || kind == answerTooLarge || kind == answerUnreadable {
		return "", false
	}
	switch {
	case kind == plaintextAnswer && d.secure:
		return fmt.Sprintf("this program spoke TLS, but the collector at %s answered in plaintext: drop -tls and -ca, or use the collector's TLS port", d.endpoint), true
	case kind == hungUp && d.secure:
		// With TLS 1.3 the server checks the client certificate after the
		// client's handshake is done: its refusal often comes as a hang-up.
		return fmt.Sprintf("the collector at %s hung up after the TLS handshake: it probably wants a client certificate that it trusts (mutual TLS); give one with -cert FILE -key FILE", d.endpoint), true
	case kind == hungUp && strings.HasPrefix(d.endpoint, "http://"):
		// An OTLP/gRPC port hangs up on HTTP/1.1 too, or first sends its
		// HTTP/2 settings (http2Answer): which comes first is a race.
		return fmt.Sprintf("this program spoke plaintext, and the collector at %s hung up without an answer: if it expects TLS, use -tls, -ca FILE or an https:// endpoint; if that is an OTLP/gRPC port (usually 4317), use its OTLP/HTTP port (usually 4318)", d.endpoint), true
	case kind == hungUp || kind == tlsServer:
		return fmt.Sprintf("this program spoke plaintext, and the collector at %s hung up without an answer, as a TLS server does: if it expects TLS, use -tls, -ca FILE or an https:// endpoint", d.endpoint), true
	case problems[kind] == "":
		return "", false
	}
	detail := ""
	switch kind {
	case untrusted, otherNames, badCertificate:
		var verification *tls.CertificateVerificationError
		if errors.As(err, &verification) {
			detail = verification.Err.Error()
		} else if m := certReason.FindStringSubmatch(err.Error()); m != nil {
			detail = m[1]
		}
		detail, _, _ = strings.Cut(detail, " (possibly")
		detail = d.said(detail)
	case noSuchHost:
		var dns *net.DNSError
		detail = d.endpoint
		if errors.As(err, &dns) && dns.Name != "" {
			detail = d.said(dns.Name)
		} else if m := lookupName.FindStringSubmatch(err.Error()); m != nil {
			detail = d.said(m[1])
		} else if host, _, err := net.SplitHostPort(d.endpoint[strings.LastIndex(d.endpoint, "/")+1:]); err == nil {
			detail = host // gRPC's [dns://SERVER/]host:port: its resolver found no address
		}
	case proxyDown:
		// By its address alone, which carries no user info, unlike the variable.
		where, why := "that HTTP_PROXY or HTTPS_PROXY names", err.Error()
		var op, dial *net.OpError
		if errors.As(err, &op) && errors.As(op.Err, &dial) {
			if dial.Addr != nil {
				where = "at " + dial.Addr.String() + " " + where
			}
			why = dial.Err.Error()
		}
		detail = fmt.Sprintf("%s could not be reached (%s)", where, d.said(why))
	}
	return fmt.Sprintf(problems[kind], d.endpoint, detail), true
}

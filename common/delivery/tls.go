package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

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
	return kindByText(err)
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
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
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
	if d.Delivered > 0 && disconnected(err) || kind == answerTooLarge || kind == answerUnreadable {
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

package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
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

// TLS alerts (RFC 8446 §6) that name a client certificate problem; Go
// exports no constants for them.
const (
	alertBadCertificate      = 42
	alertUnknownCA           = 48
	alertCertificateRequired = 116
)

// failure finds the kind of err by its types where they survive (the
// OTLP/HTTP exporter passes on net/http's, with crypto/tls's, crypto/x509's
// and the syscall's inside), else by its text (see byText: the OTLP/gRPC
// exporter passes on a gRPC status, whose message is all that is left).
func failure(err error) failureKind {
	if kind := failureByType(err); kind != noFailure {
		return kind
	}
	return kindByText(err)
}

// failureByType is the kind of err by its types alone.
func failureByType(err error) failureKind {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verification *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &op) && op.Op == "proxyconnect":
		// net/http's Transport names the proxy's dial so; before the
		// refused connection below, which is the proxy's, not the
		// collector's.
		return proxyDown
	case errors.As(err, &unknown):
		return untrusted
	case errors.As(err, &hostname):
		return otherNames
	case errors.As(err, &invalid), errors.As(err, &verification):
		return badCertificate
	case errors.As(err, &record):
		return plaintextAnswer
	case errors.As(err, &dns):
		return noSuchHost
	case errors.Is(err, syscall.ECONNREFUSED):
		return connRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return hungUp
	}
	if alert, ok := remoteAlert(err); ok {
		switch alert {
		case alertCertificateRequired:
			return certificateRequired
		case alertBadCertificate, alertUnknownCA:
			return certificateRefused
		}
	}
	return noFailure
}

// remoteAlert is the TLS alert the collector sent, as crypto/tls reports
// it: a *net.OpError "remote error" around its unexported alert, a uint8.
func remoteAlert(err error) (tls.AlertError, bool) {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "remote error" || op.Err == nil {
		return 0, false
	}
	if v := reflect.ValueOf(op.Err); v.Kind() == reflect.Uint8 {
		return tls.AlertError(v.Uint()), true
	}
	return 0, false
}

// disconnected tells whether the connection to the collector was refused
// or lost, for whatever reason.
func disconnected(err error) bool {
	switch failure(err) {
	case hungUp, connRefused, lost:
		return true
	}
	return false
}

// timedOut tells whether err is a timeout: a net.Error's, a context's, or
// gRPC's DeadlineExceeded status.
func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded
}

// connectionProblem says in plain words what went wrong between this
// program and the collector before any answer: a certificate that is not
// trusted, a client certificate the collector wants or refuses, one side
// speaking TLS and the other plaintext, or the port of the other OTLP
// protocol. secure tells whether this program spoke TLS.
func connectionProblem(err error, endpoint string, secure bool, said func(string) string) (string, bool) {
	kind := failure(err)
	switch kind {
	case untrusted:
		return fmt.Sprintf("the certificate of the collector at %s is not trusted: no trusted root signed it (%s); give the CA that did with -ca FILE", endpoint, said(certificateReason(err))), true
	case otherNames:
		return fmt.Sprintf("the certificate of the collector at %s is for other names (%s); use one of those in the endpoint", endpoint, said(certificateReason(err))), true
	case badCertificate:
		return fmt.Sprintf("the certificate of the collector at %s is not trusted (%s)", endpoint, said(certificateReason(err))), true
	case http1Answer:
		return fmt.Sprintf("the collector at %s answered in HTTP/1.1, not gRPC: that is an OTLP/HTTP port (usually 4318); use its OTLP/gRPC port (usually 4317), or inprocess-http", endpoint), true
	case http2Answer:
		return fmt.Sprintf("the collector at %s answered in HTTP/2 frames, as gRPC does: that is an OTLP/gRPC port (usually 4317); use its OTLP/HTTP port (usually 4318), or inprocess-grpc", endpoint), true
	case notGRPC:
		return fmt.Sprintf("the collector at %s answered with something that is not gRPC: that is not an OTLP/gRPC port (usually 4317)", endpoint), true
	case notHTTP:
		return fmt.Sprintf("the collector at %s answered with something that is not HTTP: that is not an OTLP/HTTP port (usually 4318)", endpoint), true
	case certificateRequired:
		return fmt.Sprintf("the collector at %s requires a client certificate (mutual TLS): give one with -cert FILE -key FILE", endpoint), true
	case certificateRefused:
		return fmt.Sprintf("the collector at %s does not trust the client certificate of -cert: it wants one signed by a CA it trusts", endpoint), true
	case proxyDown:
		return proxyProblem(err, endpoint, said), true
	case plaintextAnswer:
		if secure {
			return fmt.Sprintf("this program spoke TLS, but the collector at %s answered in plaintext: drop -tls and -ca, or use the collector's TLS port", endpoint), true
		}
	case noSuchHost:
		var dns *net.DNSError
		name := endpoint
		if errors.As(err, &dns) && dns.Name != "" {
			name = said(dns.Name)
		} else if m := lookupName.FindStringSubmatch(err.Error()); m != nil {
			name = said(m[1])
		} else if host, _, err := net.SplitHostPort(endpoint[strings.LastIndex(endpoint, "/")+1:]); err == nil {
			name = host // gRPC's [dns://SERVER/]host:port: its resolver found no address
		}
		return fmt.Sprintf("the name %s could not be resolved (%s): check the host of the endpoint and the DNS", name, endpoint), true
	}
	switch {
	case secure && kind == hungUp:
		// With TLS 1.3 the server checks the client certificate after the
		// client's handshake is done, so a refusal often arrives as a
		// closed connection rather than as the server's alert.
		return fmt.Sprintf("the collector at %s hung up after the TLS handshake: it probably wants a client certificate that it trusts (mutual TLS); give one with -cert FILE -key FILE", endpoint), true
	case !secure && kind == hungUp && strings.HasPrefix(endpoint, "http://"):
		// An OTLP/gRPC port hangs up on HTTP/1.1 too, or first sends its
		// HTTP/2 settings (see above): which one comes first is a race.
		return fmt.Sprintf("this program spoke plaintext, and the collector at %s hung up without an answer: if it expects TLS, use -tls, -ca FILE or an https:// endpoint; if that is an OTLP/gRPC port (usually 4317), use its OTLP/HTTP port (usually 4318)", endpoint), true
	case !secure && (kind == hungUp || kind == tlsServer):
		return fmt.Sprintf("this program spoke plaintext, and the collector at %s hung up without an answer, as a TLS server does: if it expects TLS, use -tls, -ca FILE or an https:// endpoint", endpoint), true
	}
	return "", false
}

// certificateReason is crypto/x509's reason for not trusting the
// collector's certificate, without its "(possibly because of ...)": from
// the error itself where it survives, else from the gRPC status's text.
func certificateReason(err error) string {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verification *tls.CertificateVerificationError
	reason := ""
	switch {
	case errors.As(err, &unknown):
		reason = unknown.Error()
	case errors.As(err, &hostname):
		reason = hostname.Error()
	case errors.As(err, &invalid):
		reason = invalid.Error()
	case errors.As(err, &verification):
		reason = verification.Err.Error()
	default:
		if m := certReason.FindStringSubmatch(err.Error()); m != nil {
			reason = m[1]
		}
	}
	if i := strings.Index(reason, " (possibly"); i >= 0 {
		reason = reason[:i]
	}
	return reason
}

// proxyProblem names the proxy that net/http could not reach: by its
// address alone, which carries no user info, unlike the variable's value.
func proxyProblem(err error, endpoint string, said func(string) string) string {
	where, why := "that HTTP_PROXY or HTTPS_PROXY names", err.Error()
	var op *net.OpError
	errors.As(err, &op) // the proxyconnect error, found by failureByType
	var dial *net.OpError
	if errors.As(op.Err, &dial) {
		if dial.Addr != nil {
			where = "at " + dial.Addr.String() + " " + where
		}
		why = dial.Err.Error()
	}
	return fmt.Sprintf("the proxy %s could not be reached (%s), so no span reached the collector at %s: start the proxy, or list the collector's host in NO_PROXY", where, said(why), endpoint)
}

package delivery

import (
	"fmt"
	"regexp"
	"strings"
)

// certProblem finds the reason crypto/tls gives when it does not trust the
// server's certificate: "tls: failed to verify certificate: x509: ...".
var certProblem = regexp.MustCompile(`tls: failed to verify certificate: (x509: [^"]*)`)

// connectionProblem says in plain words what went wrong between this
// program and the collector before any answer: a certificate that is not
// trusted, a client certificate the collector wants or refuses, one side
// speaking TLS and the other plaintext, or the port of the other OTLP
// protocol. secure tells whether this program spoke TLS.
func connectionProblem(msg, endpoint string, secure bool) (string, bool) {
	if m := certProblem.FindStringSubmatch(msg); m != nil {
		reason := m[1]
		switch {
		case strings.Contains(reason, "signed by unknown authority"):
			return fmt.Sprintf("the certificate of the collector at %s is not trusted: no trusted root signed it (%s); give the CA that did with -ca FILE", endpoint, firstClause(reason)), true
		case strings.Contains(reason, "is valid for"):
			return fmt.Sprintf("the certificate of the collector at %s is for other names (%s); use one of those in the endpoint", endpoint, reason), true
		}
		return fmt.Sprintf("the certificate of the collector at %s is not trusted (%s)", endpoint, reason), true
	}
	hungUp := hungUp(msg)
	switch {
	case strings.Contains(msg, "frame header looked like an HTTP/1.1 header"):
		return fmt.Sprintf("the collector at %s answered in HTTP/1.1, not gRPC: that is an OTLP/HTTP port (usually 4318); use its OTLP/gRPC port (usually 4317), or inprocess-http", endpoint), true
	case strings.Contains(msg, `malformed HTTP response "\x00\x00`), strings.Contains(msg, "readLoopPeekFailLocked"):
		// net/http says readLoopPeekFailLocked when the server spoke
		// before the request went out, as a gRPC server does.
		return fmt.Sprintf("the collector at %s answered in HTTP/2 frames, as gRPC does: that is an OTLP/gRPC port (usually 4317); use its OTLP/HTTP port (usually 4318), or inprocess-grpc", endpoint), true
	case strings.Contains(msg, "error reading server preface: http2:"):
		return fmt.Sprintf("the collector at %s answered with something that is not gRPC: that is not an OTLP/gRPC port (usually 4317)", endpoint), true
	case strings.Contains(msg, "malformed HTTP"):
		return fmt.Sprintf("the collector at %s answered with something that is not HTTP: that is not an OTLP/HTTP port (usually 4318)", endpoint), true
	case strings.Contains(msg, "tls: certificate required"):
		return fmt.Sprintf("the collector at %s requires a client certificate (mutual TLS): give one with -cert FILE -key FILE", endpoint), true
	case strings.Contains(msg, "remote error: tls: unknown certificate authority"), strings.Contains(msg, "remote error: tls: bad certificate"):
		return fmt.Sprintf("the collector at %s does not trust the client certificate of -cert: it wants one signed by a CA it trusts", endpoint), true
	case secure && (strings.Contains(msg, "first record does not look like a TLS handshake") || strings.Contains(msg, "server gave HTTP response to HTTPS client")):
		return fmt.Sprintf("this program spoke TLS, but the collector at %s answered in plaintext: drop -tls and -ca, or use the collector's TLS port", endpoint), true
	case secure && hungUp:
		// With TLS 1.3 the server checks the client certificate after the
		// client's handshake is done, so a refusal often arrives as a
		// closed connection rather than as the server's alert.
		return fmt.Sprintf("the collector at %s hung up after the TLS handshake: it probably wants a client certificate that it trusts (mutual TLS); give one with -cert FILE -key FILE", endpoint), true
	case !secure && hungUp && strings.HasPrefix(endpoint, "http://"):
		// An OTLP/gRPC port hangs up on HTTP/1.1 too, or first sends its
		// HTTP/2 settings (see above): which one comes first is a race.
		return fmt.Sprintf("this program spoke plaintext, and the collector at %s hung up without an answer: if it expects TLS, use -tls, -ca FILE or an https:// endpoint; if that is an OTLP/gRPC port (usually 4317), use its OTLP/HTTP port (usually 4318)", endpoint), true
	case !secure && (hungUp || strings.Contains(msg, "Client sent an HTTP request to an HTTPS server")):
		return fmt.Sprintf("this program spoke plaintext, and the collector at %s hung up without an answer, as a TLS server does: if it expects TLS, use -tls, -ca FILE or an https:// endpoint", endpoint), true
	}
	return "", false
}

// firstClause drops crypto/x509's "(possibly because of ...)" details.
func firstClause(s string) string {
	if i := strings.Index(s, " (possibly"); i >= 0 {
		return s[:i]
	}
	return s
}

// hungUp tells whether the collector closed the connection without an
// answer. net/http says "http2: client conn could not be established" when
// the server closes a TLS connection before its HTTP/2 settings arrive.
func hungUp(msg string) bool {
	return strings.Contains(msg, "error reading server preface: EOF") || strings.Contains(msg, "connection reset by peer") ||
		strings.Contains(msg, "broken pipe") || strings.HasSuffix(msg, ": EOF") ||
		strings.Contains(msg, "http2: client conn could not be established")
}

// disconnected tells whether the connection to the collector was refused
// or lost, for whatever reason.
func disconnected(msg string) bool {
	return hungUp(msg) || strings.Contains(msg, "connection refused") || strings.Contains(msg, "transport is closing") ||
		strings.Contains(msg, "error reading from server") || strings.Contains(msg, "server closed idle connection")
}

package delivery

import (
	"regexp"
	"strings"
)

// What follows is every match of this package on other libraries' error
// text, in one place. Each is here because no type reaches this program:
// the cause is found by type first (see failure in tls.go), by text only
// when the type is gone. Versions are those of go.work; a test drives each
// failure for real (TestCausesOfRealFailures), so a change of wording
// fails there.
//
//	library (version)             text                                          why no type survives
//	grpc-go (v1.84.0)             x509 / tls / dial errors, "connection refused"  a connection error becomes a status (Unavailable) whose message is the error's text
//	grpc-go (v1.84.0)             "frame header looked like an HTTP/1.1 header",   the same, for the HTTP/2 preface the server did not send
//	                              "error reading server preface: http2:", "...: EOF"
//	grpc-go (v1.84.0)             "transport is closing", "error reading from server"  a lost connection, as a status's message
//	grpc-go (v1.84.0)             "connection error"                             any other failure to connect, as a status's message
//	grpc-go (v1.84.0)             "dns: A record lookup error", "produced zero    the DNS resolver's failure, or its empty answer (NXDOMAIN), becomes an
//	                              addresses"                                      Unavailable status: its text would else read as "connection refused"
//	grpc-go (v1.84.0)             "grpc: received message [after decompression]  the client's receive limit (4 MiB) as a ResourceExhausted status, the code
//	                              larger than max"                                a collector rate-limits with (a server's own limit reads the same; this
//	                                                                              program's exports are far below it)
//	grpc-go (v1.84.0)             "grpc: failed to unmarshal the received message" an answer that is not protobuf, as an Internal status
//	otlptrace{grpc,http} (v1.47.0) "max retry time would elapse"                   the retry package (internal) gives up at once when the collector asks
//	                                                                              to be retried later than the exporter's timeout
//	net/http (Go 1.26)            "server gave HTTP response to HTTPS client"     the Transport replaces tls.RecordHeaderError by errors.New text
//	net/http (Go 1.26)            "malformed HTTP response", "malformed HTTP"     the Transport's parse errors are fmt.Errorf text
//	net/http (Go 1.26)            "readLoopPeekFailLocked"                        the server spoke before the request (an OTLP/gRPC port's HTTP/2
//	                                                                              settings); the Transport's error is its internal function's name
//	                                                                              around a nil error: a race with "malformed HTTP response" above
//	net/http (Go 1.26)            "http2: client conn could not be established"   the bundled HTTP/2 client's errors.New
//	net/http (Go 1.26)            "server closed idle connection"                 errors.New in the Transport
//	net/http server (Go 1.26)     "Client sent an HTTP request to an HTTPS server" the TLS server's 400 body, which otlptracehttp quotes
//	otlptracehttp (v1.47.0)       "failed to send to URL: STATUS (body: BODY)"    the status of a refusal is only in fmt.Errorf text
//	otlptracehttp (v1.47.0)       "retry-able request failure: body: "            retryableError is unexported
//	otlptrace{grpc,http} (v1.47.0) "OTLP partial success: MSG (N spans rejected)"  internal.PartialSuccess is in an internal package
var byText = []struct {
	kind failureKind
	text string
}{
	{untrusted, "x509: certificate signed by unknown authority"},
	{otherNames, "x509: certificate is valid for"},
	{badCertificate, "tls: failed to verify certificate: x509: "},
	{certificateRequired, "remote error: tls: certificate required"},
	{certificateRefused, "remote error: tls: unknown certificate authority"},
	{certificateRefused, "remote error: tls: bad certificate"},
	{plaintextAnswer, "tls: first record does not look like a TLS handshake"},
	{plaintextAnswer, "server gave HTTP response to HTTPS client"},
	{http1Answer, "frame header looked like an HTTP/1.1 header"},
	{http2Answer, `malformed HTTP response "\x00\x00`},
	{http2Answer, "readLoopPeekFailLocked"},
	{notGRPC, "error reading server preface: http2:"},
	{notHTTP, "malformed HTTP"},
	{tlsServer, "Client sent an HTTP request to an HTTPS server"},
	{hungUp, "error reading server preface: EOF"},
	{hungUp, "connection reset by peer"},
	{hungUp, "broken pipe"},
	{hungUp, "http2: client conn could not be established"},
	{noSuchHost, "dns: A record lookup error"},
	{noSuchHost, "produced zero addresses"},
	{answerTooLarge, "grpc: received message larger than max"},
	{answerTooLarge, "grpc: received message after decompression larger than max"},
	{answerUnreadable, "grpc: failed to unmarshal the received message"},
	{connRefused, "connection refused"},
	{lost, "transport is closing"},
	{lost, "error reading from server"},
	{lost, "server closed idle connection"},
	{noConnection, "connection error"},
}

// kindByText is the kind of failure err's text names, by the table above.
func kindByText(err error) failureKind {
	msg := err.Error()
	for _, t := range byText {
		if strings.Contains(msg, t.text) {
			return t.kind
		}
	}
	return noFailure
}

// certReason is crypto/x509's reason for not trusting a certificate, as
// grpc-go passes it on in text: "tls: failed to verify certificate: x509:
// ...", without x509's "(possibly because of ...)".
var certReason = regexp.MustCompile(`tls: failed to verify certificate: (x509: [^"]*?)(?: \(possibly|"|$)`)

// httpRefusal finds the status in otlptracehttp's error for a response it
// does not retry: "failed to send to URL: 401 Unauthorized (body: ...)".
var httpRefusal = regexp.MustCompile(`(?s)failed to send to \S+: (\d{3} [^(]*?)\s*\(body: (.*)\)\s*$`)

// partialSuccess finds the collector's partial-success answer in the
// exporter's error: "OTLP partial success: MESSAGE (N spans rejected)";
// MESSAGE may span lines.
var partialSuccess = regexp.MustCompile(`(?s)OTLP partial success: (.*?) \((\d+) spans rejected\)`)

// lookupName finds the name in grpc-go's DNS resolver's error: "lookup
// NAME on SERVER: ...".
var lookupName = regexp.MustCompile(`lookup (\S+) on `)

// retryTooLate finds the retry package's giving up at once: the collector
// asked to be retried later than the exporter's timeout.
const retryTooLate = "max retry time would elapse"

// retryFailure finds the body of the last answer in the OTLP/HTTP
// exporter's error for a refusal it retried: "retry-able request failure:
// body: MESSAGE".
var retryFailure = regexp.MustCompile(`retry-able request failure: body: `)

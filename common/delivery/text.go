package delivery

import "regexp"

// Every match of this package on other libraries' error text is here, each
// because no type reaches this program (failureByType comes first), with
// the library, its version in go.work, and why. TestCausesOfRealFailures
// drives each failure for real, so a change of wording fails there.
var byText = []struct {
	kind failureKind
	text string
}{
	// grpc-go v1.84.0: a connection error becomes an Unavailable status
	// whose message is the error's text (x509, tls, dial errors).
	{untrusted, "x509: certificate signed by unknown authority"},
	{otherNames, "x509: certificate is valid for"},
	{badCertificate, "tls: failed to verify certificate: x509: "},
	// crypto/tls (Go 1.26), and grpc-go's status: the alert's type is unexported.
	{certificateRequired, "remote error: tls: certificate required"},
	{certificateRefused, "remote error: tls: unknown certificate authority"},
	{certificateRefused, "remote error: tls: bad certificate"},
	{plaintextAnswer, "tls: first record does not look like a TLS handshake"},
	// net/http (Go 1.26): the Transport replaces tls.RecordHeaderError by errors.New text.
	{plaintextAnswer, "server gave HTTP response to HTTPS client"},
	// grpc-go: the HTTP/2 preface the server did not send.
	{http1Answer, "frame header looked like an HTTP/1.1 header"},
	// net/http: the Transport's parse errors are fmt.Errorf text; an
	// OTLP/gRPC port that speaks first (its HTTP/2 settings) races the
	// request, and then the error names the Transport's internal function.
	{http2Answer, `malformed HTTP response "\x00\x00`},
	{http2Answer, "readLoopPeekFailLocked"},
	{notGRPC, "error reading server preface: http2:"}, // grpc-go
	{notHTTP, "malformed HTTP"},                       // net/http
	// net/http's TLS server: the 400 body, which otlptracehttp quotes.
	{tlsServer, "Client sent an HTTP request to an HTTPS server"},
	{hungUp, "error reading server preface: EOF"}, // grpc-go
	{hungUp, "connection reset by peer"},          // grpc-go's status text
	{hungUp, "broken pipe"},
	{hungUp, "http2: client conn could not be established"}, // net/http's bundled HTTP/2: errors.New
	// grpc-go: the DNS resolver's failure or empty answer (NXDOMAIN), as
	// an Unavailable status, would else read as a refused connection.
	{noSuchHost, "dns: A record lookup error"},
	{noSuchHost, "produced zero addresses"},
	// grpc-go: the client's receive limit (4 MiB) as a ResourceExhausted
	// status, the code a collector rate-limits with; and an answer that is
	// not protobuf, as an Internal status.
	{answerTooLarge, "grpc: received message larger than max"},
	{answerTooLarge, "grpc: received message after decompression larger than max"},
	{answerUnreadable, "grpc: failed to unmarshal the received message"},
	{connRefused, "connection refused"}, // grpc-go's status text
	// grpc-go: a lost connection, as a status's message; net/http: errors.New.
	{lost, "transport is closing"},
	{lost, "error reading from server"},
	{lost, "server closed idle connection"},
	{noConnection, "connection error"}, // grpc-go: any other failure to connect
}

var (
	// crypto/x509's reason as grpc-go passes it on in text, without its
	// "(possibly because of ...)".
	certReason = regexp.MustCompile(`tls: failed to verify certificate: (x509: [^"]*?)(?: \(possibly|"|$)`)
	// grpc-go's DNS resolver: "lookup NAME on SERVER: ...".
	lookupName = regexp.MustCompile(`lookup (\S+) on `)
	// otlptracehttp v1.47.0: the status of a refusal it does not retry is
	// only in fmt.Errorf text, "failed to send to URL: 401 Unauthorized (body: ...)".
	httpRefusal = regexp.MustCompile(`(?s)failed to send to \S+: (\d{3} [^(]*?)\s*\(body: (.*)\)\s*$`)
	// otlptracehttp v1.47.0: retryableError is unexported; its text is
	// "retry-able request failure: body: MESSAGE".
	retryFailure = regexp.MustCompile(`retry-able request failure: body: `)
	// otlptrace{grpc,http} v1.47.0: internal.PartialSuccess is in an
	// internal package; MESSAGE may span lines.
	partialSuccess = regexp.MustCompile(`(?s)OTLP partial success: (.*?) \((\d+) spans rejected\)`)
)

// retryTooLate is how the exporters' internal retry package (v1.47.0) gives
// up at once, when the collector asks to be retried later than the timeout.
const retryTooLate = "max retry time would elapse"

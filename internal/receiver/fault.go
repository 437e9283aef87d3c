package receiver

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc/codes"
)

// Fault makes a receiver misbehave on purpose, as a collector in trouble
// does, so that a test can see what the exporter and the program make of
// it. The zero Fault is a receiver that behaves. Set one with SetFault.
type Fault struct {
	// Hold accepts connections and never reads from or writes to them: the
	// port is open, but nothing answers, not even the gRPC or TLS handshake.
	Hold bool
	// Delay answers each export only after this long; an exporter that
	// gives up first gets no answer.
	Delay time.Duration
	// Unavailable answers the first Unavailable exports, and UnavailableFor
	// every export within that long after SetFault, with gRPC UNAVAILABLE or
	// HTTP 503 Service Unavailable, as a collector that is starting or
	// overloaded does: an exporter retries these. RetryAfter, when not zero,
	// goes in the HTTP answer's Retry-After header (in whole seconds).
	Unavailable    int
	UnavailableFor time.Duration
	RetryAfter     time.Duration
	// Refuse answers every export with this gRPC code (HTTP: the status
	// that OTLP maps it to, see httpStatus), which an exporter must not
	// retry: codes.InvalidArgument (400), codes.Unauthenticated (401)...
	Refuse codes.Code
	// Reject takes each export but rejects this many of its spans (at most
	// all of them), answering an OTLP partial success. The rejected spans
	// are not recorded.
	Reject int
	// ClaimRejected, when not 0, is the figure the partial success gives
	// whatever Reject rejected: a collector's count that may be impossible.
	ClaimRejected int
	// Message is what the receiver says with a refusal, an unavailability
	// or a partial success.
	Message string
	// EchoHeaders adds every header of the request to Message, each value
	// raw, Go-quoted, JSON-escaped and URL-escaped, as a collector that
	// explains what it got does: secrets must not reach the output that way.
	EchoHeaders bool
	// EchoEncoded, with EchoHeaders, echoes each value besides in base64,
	// in hex, upper-cased, in JSON with every non-ASCII character as a
	// \u escape in upper-case hex, split across two lines, and Basic
	// credentials decoded: as proxies, tracing back-ends and log formatters
	// print what they got.
	EchoEncoded bool

	// The faults below are those of something that is not a working OTLP
	// collector: a web page, a proxy, a redirect, another protocol, a
	// process that hangs up or stops.

	// Status, for OTLP/HTTP, answers every request with this HTTP status
	// and Body instead of an OTLP answer, and with Location for a redirect
	// (3xx); the spans are not recorded. A web page, a proxy's error page
	// or a redirect answers so. Over gRPC it does nothing.
	Status   int
	Location string
	Body     string
	// ContentType, for OTLP/HTTP, is the Content-Type header of every
	// answer: of Status's, or of the OTLP answer, which is then encoded in
	// JSON if it names a JSON media type, else in protobuf. When empty, an
	// OTLP answer says application/x-protobuf and Status's says nothing.
	ContentType string
	// Garbage answers what a client sends on a new connection with bytes
	// that are neither HTTP nor gRPC nor TLS (an SSH server's greeting),
	// and closes it a moment later.
	Garbage bool
	// HangUp closes every new connection once the client has sent
	// something, without an answer.
	HangUp bool
	// Unsolicited, for OTLP/HTTP, writes bytes after each OTLP answer onto
	// the connection, now idle: a response that echoes the request's
	// Authentication header, as a broken proxy may. Go's HTTP client logs
	// them ("Unsolicited response received on idle HTTP channel ...").
	Unsolicited bool
	// Malformed, for OTLP/gRPC, takes each export and answers with bytes
	// that do not decode as protobuf. (Over OTLP/HTTP, Status, Body and
	// ContentType do the same.)
	Malformed bool
	// Freeze stops answering altogether, as a collector whose process is
	// stopped or whose host is cut off: new connections are held as with
	// Hold, and exports on the connections already open get no answer.
	Freeze bool
	// HealthyChecks, for OTLP/HTTP, answers the first HealthyChecks empty
	// exports (a client's check that a collector answers) as a behaving
	// receiver does, whatever the fault: a collector that answers a check
	// correctly and then misbehaves (a page, a redirect, an answer the
	// exporter misreads), as an auth gateway whose session runs out does.
	HealthyChecks int
}

// garbage is what Fault.Garbage answers: an SSH server's greeting, which
// is what a wrong port often gives.
const garbage = "SSH-2.0-OpenSSH_9.6 not-a-collector\r\n"

// SetFault changes how the receiver answers from now on; SetFault(Fault{})
// makes it behave again.
func (r *Receiver) SetFault(f Fault) {
	r.mu.Lock()
	r.fault, r.faultSince, r.unavailable, r.healthyChecks = f, time.Now(), 0, 0
	var release []net.Conn
	if !f.Hold && !f.Freeze {
		// Connections held so far are dropped, so that the client
		// reconnects to a receiver that answers.
		release, r.held = r.held, nil
	}
	r.mu.Unlock()
	for _, c := range release {
		c.Close()
	}
}

// Connections returns how many TCP connections the receiver accepted, over
// all its restarts: a test can see whether a client opens one per export.
func (r *Receiver) Connections() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns
}

// Attempts returns how many export requests arrived, those the receiver
// refused included: a test can count an exporter's retries with it.
func (r *Receiver) Attempts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts
}

// answer is what the receiver does with one export, whatever the protocol.
type answer struct {
	code        codes.Code // codes.OK: take the spans
	message     string
	retryAfter  time.Duration
	reject      int // spans to reject in a partial success
	claim       int // the rejected figure to answer instead, when not 0
	echoHeaders bool
	echoEncoded bool
}

// claimed is the rejected figure to answer: the spans rejected, or the
// fault's claim.
func (a answer) claimed(rejected int) int {
	if a.claim != 0 {
		return a.claim
	}
	return rejected
}

// decide counts the attempt and picks the answer to it, after the fault's
// delay. It returns false when the export is to get no answer at all: the
// client gave up or the receiver stopped during the delay. An empty export
// (no spans: a client checking that a collector answers) gets the answer
// an export would get, but it is not counted in Attempts, nor does it use
// up Fault.Unavailable.
func (r *Receiver) decide(ctx context.Context, empty bool) (answer, bool) {
	r.mu.Lock()
	f, since := r.fault, r.faultSince
	unavailable := r.unavailable < f.Unavailable || time.Since(since) < f.UnavailableFor
	if !empty {
		r.attempts++
		if r.unavailable < f.Unavailable {
			r.unavailable++
		}
	}
	stopped := r.stopped
	r.mu.Unlock()

	var wait <-chan time.Time // nil: no delay
	switch {
	case f.Freeze:
		wait = make(chan time.Time) // never
	case f.Delay > 0:
		wait = time.After(f.Delay)
	}
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return answer{}, false
		case <-stopped:
			return answer{}, false
		}
	}
	message := f.Message
	if message == "" {
		message = "the receiver's fault switch says so"
	}
	switch {
	case unavailable:
		return answer{code: codes.Unavailable, message: message, retryAfter: f.RetryAfter, echoHeaders: f.EchoHeaders, echoEncoded: f.EchoEncoded}, true
	case f.Refuse != codes.OK:
		return answer{code: f.Refuse, message: message, retryAfter: f.RetryAfter, echoHeaders: f.EchoHeaders, echoEncoded: f.EchoEncoded}, true
	}
	return answer{reject: f.Reject, claim: f.ClaimRejected, message: message, echoHeaders: f.EchoHeaders, echoEncoded: f.EchoEncoded}, true
}

// healthyCheck tells whether this request, empty or not, is one of the
// checks that Fault.HealthyChecks answers as a behaving receiver; it counts it.
func (r *Receiver) healthyCheck(empty bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !empty || r.healthyChecks >= r.fault.HealthyChecks {
		return false
	}
	r.healthyChecks++
	return true
}

// webAnswer is Fault.Status's answer, or false when there is none.
func (r *Receiver) webAnswer() (Fault, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fault, r.fault.Status != 0
}

// rejectLast drops the last reject spans (at most all of them) and returns
// the spans to keep and how many it dropped; resourceSpans is not changed.
func rejectLast(resourceSpans []*tracepb.ResourceSpans, reject int) ([]*tracepb.ResourceSpans, int) {
	total := 0
	for _, rs := range resourceSpans {
		for _, ss := range rs.GetScopeSpans() {
			total += len(ss.GetSpans())
		}
	}
	reject = min(max(reject, 0), total)
	keep := total - reject
	var kept []*tracepb.ResourceSpans
	for _, rs := range resourceSpans {
		var scopes []*tracepb.ScopeSpans
		for _, ss := range rs.GetScopeSpans() {
			n := min(keep, len(ss.GetSpans()))
			keep -= n
			if n > 0 {
				scopes = append(scopes, &tracepb.ScopeSpans{Scope: ss.GetScope(), Spans: ss.GetSpans()[:n], SchemaUrl: ss.GetSchemaUrl()})
			}
		}
		if len(scopes) > 0 {
			kept = append(kept, &tracepb.ResourceSpans{Resource: rs.GetResource(), ScopeSpans: scopes, SchemaUrl: rs.GetSchemaUrl()})
		}
	}
	return kept, reject
}

// partial is the partial-success part of an answer, or nil when no span
// was rejected.
func partial(rejected int, message string) *coltracepb.ExportTracePartialSuccess {
	if rejected == 0 {
		return nil
	}
	return &coltracepb.ExportTracePartialSuccess{RejectedSpans: int64(rejected), ErrorMessage: message}
}

// httpStatus is the HTTP status for a gRPC code, as the OTLP/HTTP
// specification and the gRPC-HTTP mapping have it.
func httpStatus(c codes.Code) int {
	switch c {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return 400
	case codes.Unauthenticated:
		return 401
	case codes.PermissionDenied:
		return 403
	case codes.NotFound:
		return 404
	case codes.ResourceExhausted:
		return 429
	case codes.Unimplemented:
		return 501
	case codes.Unavailable:
		return 503
	case codes.DeadlineExceeded:
		return 504
	}
	return 500
}

// holdListener hands the server only the connections that arrive while the
// receiver does not hold them; the others it keeps open and silent.
type holdListener struct {
	net.Listener
	r *Receiver
}

func (l holdListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			l.r.mu.Lock()
			l.r.conns++
			l.r.mu.Unlock()
		}
		if err != nil || !l.r.hold(c) {
			return c, err
		}
	}
}

// hold keeps c, silent, when the fault says so, or answers it with
// garbage or hangs up on it, and tells whether it took c.
func (r *Receiver) hold(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch f := r.fault; {
	case f.Hold || f.Freeze:
		r.held = append(r.held, c)
	case f.Garbage:
		go func() {
			// As a server of another protocol does: it answers what the
			// client said in its own words, and hangs up a moment later.
			c.SetReadDeadline(time.Now().Add(graceTime))
			c.Read(make([]byte, 64<<10))
			c.Write([]byte(garbage))
			io.Copy(io.Discard, c)
			c.Close()
		}()
	case f.HangUp:
		go func() {
			c.SetReadDeadline(time.Now().Add(graceTime))
			c.Read(make([]byte, 1))
			c.Close()
		}()
	default:
		return false
	}
	return true
}

// graceTime bounds how long Stop waits for the exports under way.
const graceTime = time.Second

// Stop closes the receiver's port and its connections, as a collector that
// is stopped does: it answers the exports under way (those a fault delays
// get no answer), then closes; an exporter's connection is then refused.
// What arrived is kept. Restart opens the same port again.
func (r *Receiver) Stop() { r.halt(true) }

// halt stops serving, gracefully (see Stop) or at once (Close).
func (r *Receiver) halt(graceful bool) {
	r.mu.Lock()
	stop, held := r.stop, r.held
	r.stop, r.held = nil, nil
	if stop != nil {
		close(r.stopped)
	}
	r.mu.Unlock()
	if stop != nil {
		stop(graceful)
	}
	for _, c := range held {
		c.Close()
	}
}

// Restart serves again on the address the receiver had, after Stop. It
// fails if something else took the port in the meantime.
func (r *Receiver) Restart() error {
	lis, err := listen(r.Addr)
	if err != nil {
		return err
	}
	r.start(lis)
	return nil
}

// start serves on lis, through holdListener.
func (r *Receiver) start(lis net.Listener) {
	r.mu.Lock()
	r.stopped = make(chan struct{})
	r.mu.Unlock()
	stop := r.serve(holdListener{lis, r})
	r.mu.Lock()
	// The servers close only the listeners they have begun to serve on:
	// closing lis too frees the port at once, even if Stop comes first.
	r.stop = func(graceful bool) { lis.Close(); stop(graceful) }
	r.mu.Unlock()
}

// upperJSON is v as a JSON string's content with every character
// outside ASCII, and < > & as HTML-safe encoders do, escaped as \uXXXX in
// upper-case hex.
func upperJSON(v string) string {
	var b strings.Builder
	for _, r := range v {
		if r < 0x80 && !strings.ContainsRune("<>&", r) {
			j, _ := json.Marshal(string(r))
			b.Write(j[1 : len(j)-1])
			continue
		}
		fmt.Fprintf(&b, "\\u%04X", r)
	}
	return b.String()
}

// echo is message with the request's headers when the fault says so.
func (a answer) echo(header map[string][]string) string {
	if !a.echoHeaders {
		return a.message
	}
	names := make([]string, 0, len(header))
	for name := range header {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(a.message + "; you sent")
	for _, name := range names {
		for _, v := range header[name] {
			j, _ := json.Marshal(v)
			fmt.Fprintf(&b, " %s: %s %q %s %s;", name, v, v, j, url.QueryEscape(v))
			if a.echoEncoded {
				half := len(v) / 2
				fmt.Fprintf(&b, " %s %s %s %s %s\n%s;", base64.StdEncoding.EncodeToString([]byte(v)), hex.EncodeToString([]byte(v)),
					strings.ToUpper(v), upperJSON(v), v[:half], v[half:])
				if cred, ok := strings.CutPrefix(v, "Basic "); ok {
					if decoded, err := base64.StdEncoding.DecodeString(cred); err == nil {
						fmt.Fprintf(&b, " decoded: %s;", decoded)
					}
				}
			}
		}
	}
	return b.String()
}

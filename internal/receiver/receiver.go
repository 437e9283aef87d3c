// Package receiver is an OTLP trace collector that runs inside a test, in
// the manner of net/http/httptest: start one on 127.0.0.1 with a free port,
// point an exporter at its Addr, read back what arrived, Close it.
//
// NewGRPC serves OTLP/gRPC (the TraceService of
// go.opentelemetry.io/proto/otlp), NewHTTP serves OTLP/HTTP with protobuf
// bodies. Both accept gzip, up to MaxRequestBytes an export, and remember,
// for each export request, its headers, its compression, its size on the
// wire and its spans.
//
// NewGRPCWith and NewHTTPWith take Options, for a receiver that serves TLS
// (as httptest.NewTLSServer does) or checks a token, as a real collector
// may, or that listens on a given address, or keeps only the number of
// spans for a run whose spans would fill the memory. StartGRPC and
// StartHTTP return an error where those panic, for a command.
//
// SetFault, Stop and Restart make a receiver misbehave as a collector in
// trouble does: it goes down, never answers, answers late, is unavailable
// for a while, refuses, or rejects some spans.
package receiver

import (
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// Options change how a receiver serves. The zero value is a plaintext
// receiver that takes every export, as NewGRPC and NewHTTP start.
type Options struct {
	// TLS, when not nil, makes the receiver serve TLS with it: its
	// Certificates are shown to the client, and ClientAuth with ClientCAs
	// require a client certificate (mutual TLS).
	TLS *tls.Config
	// Token, when not empty, is the value of the Authentication header that
	// every export must carry; an export without it is answered
	// Unauthenticated (gRPC) or 401 Unauthorized (HTTP) and not recorded.
	Token string
	// Addr, when not empty, is the 127.0.0.1 host:port to listen on
	// instead of a free port.
	Addr string
	// CountOnly keeps the number of spans received and nothing else:
	// Requests and Spans return nothing, SpanCount and WaitSpans work.
	CountOnly bool
	// OnSpans, when not nil, is given the spans of each export request
	// before it is answered, instead of the receiver keeping them (as with
	// CountOnly): for a long-running command. It is called from several
	// goroutines at once. An error refuses the export: it is answered gRPC
	// UNAVAILABLE or HTTP 503 with the error's text, and not counted.
	OnSpans func([]Span) error
	// AnyHost lets Addr name any host, not only 127.0.0.1: for a command
	// whose user asked for it. (Restart still takes 127.0.0.1 only.)
	AnyHost bool
}

// wrongToken is the refusal's message; it never repeats what was sent.
const wrongToken = "the Authentication header is missing or wrong"

// Receiver is a running OTLP collector on 127.0.0.1.
type Receiver struct {
	// Addr is host:port, for example 127.0.0.1:41234.
	Addr string

	opts  Options
	serve func(net.Listener) (stop func(graceful bool)) // serves on a port: see start

	mu       sync.Mutex
	requests []Request
	spans    int           // spans received, in all requests
	arrived  chan struct{} // closed and replaced on every request
	attempts int           // export requests, refused ones included

	// The fault switches (see fault.go).
	fault         Fault
	faultSince    time.Time
	unavailable   int                 // exports answered Unavailable so far
	healthyChecks int                 // checks answered under Fault.HealthyChecks so far
	held          []net.Conn          // connections kept silent by Fault.Hold
	conns         int                 // connections accepted (see Connections)
	stop          func(graceful bool) // stops serving; nil when stopped
	stopped       chan struct{}       // closed by Stop
}

// Request is one export request as it arrived.
type Request struct {
	Path        string              // URL path (HTTP) or method name (gRPC)
	Header      map[string][]string // HTTP headers or gRPC metadata, keys in lower case
	Compression string              // "gzip", or "" for none
	WireBytes   int                 // size of the message as sent, compressed if it was
	RawBytes    int                 // size of the protobuf message, uncompressed
	Spans       []Span
}

// Span is a received span, flattened for easy assertions.
type Span struct {
	TraceID, SpanID, ParentSpanID string // hex; ParentSpanID is "" for a root
	Name                          string
	Attributes                    map[string]any
	Resource                      map[string]any // attributes of the span's resource
	StatusCode                    string         // "Unset", "Ok" or "Error"
	StatusMessage                 string
	Start, End                    time.Time
	Kind                          string // "internal", "server", "client", "producer", "consumer" or "unspecified"
	Events                        []Event
}

// Event is a timed note on a received span.
type Event struct {
	Name       string
	Time       time.Time
	Attributes map[string]any
}

func newReceiver(opts Options) *Receiver {
	return &Receiver{opts: opts, arrived: make(chan struct{})}
}

// listen opens the port that the options name: see listen and AnyHost.
func (o Options) listen() (net.Listener, error) {
	if o.AnyHost && o.Addr != "" {
		return net.Listen("tcp", o.Addr)
	}
	return listen(o.Addr)
}

// listen opens addr, by default a free port on 127.0.0.1. Any other host is
// refused: a receiver for tests and measurements has no business there.
func listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if host, _, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" {
		return nil, fmt.Errorf("receiver: %q is not a 127.0.0.1 host:port", addr)
	}
	return net.Listen("tcp", addr)
}

// must is how NewGRPCWith and NewHTTPWith fail: a panic, as in httptest.
func must(r *Receiver, err error) *Receiver {
	if err != nil {
		panic("receiver: cannot listen on 127.0.0.1: " + err.Error())
	}
	return r
}

// tokenOK tells whether an export with these Authentication values may
// pass: any may when no token is required, else exactly the token.
func (r *Receiver) tokenOK(values []string) bool {
	if r.opts.Token == "" {
		return true
	}
	return len(values) == 1 && subtle.ConstantTimeCompare([]byte(values[0]), []byte(r.opts.Token)) == 1
}

// record stores one request and its spans, or with CountOnly counts them,
// or gives them to OnSpans: its error is the export's refusal.
func (r *Receiver) record(req Request, spans []*tracepb.ResourceSpans) error {
	n := 0
	for _, rs := range spans {
		for _, ss := range rs.GetScopeSpans() {
			n += len(ss.GetSpans())
		}
	}
	keep := !r.opts.CountOnly && r.opts.OnSpans == nil
	if keep {
		req.Spans = flatten(spans)
	}
	if r.opts.OnSpans != nil {
		if err := r.opts.OnSpans(flatten(spans)); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if keep {
		r.requests = append(r.requests, req)
	}
	r.spans += n
	close(r.arrived)
	r.arrived = make(chan struct{})
	return nil
}

// Requests returns the export requests received so far.
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.requests...)
}

// Spans returns every span received so far, sorted by start time.
func (r *Receiver) Spans() []Span {
	var spans []Span
	for _, req := range r.Requests() {
		spans = append(spans, req.Spans...)
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].Start.Before(spans[j].Start) })
	return spans
}

// SpanCount returns how many spans were received so far.
func (r *Receiver) SpanCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.spans
}

// WaitSpans waits until at least n spans have arrived or the timeout
// passes, and tells whether they arrived.
func (r *Receiver) WaitSpans(n int, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		arrived := r.arrived
		r.mu.Unlock()
		if r.SpanCount() >= n {
			return true
		}
		select {
		case <-arrived:
		case <-deadline:
			return false
		}
	}
}

// Close stops the receiver and closes its connections.
func (r *Receiver) Close() { r.halt(false) }

// flatten turns the OTLP message into Spans.
func flatten(resourceSpans []*tracepb.ResourceSpans) []Span {
	var spans []Span
	for _, rs := range resourceSpans {
		res := attributes(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				spans = append(spans, Span{
					TraceID:       hex.EncodeToString(s.GetTraceId()),
					SpanID:        hex.EncodeToString(s.GetSpanId()),
					ParentSpanID:  hex.EncodeToString(s.GetParentSpanId()),
					Name:          s.GetName(),
					Attributes:    attributes(s.GetAttributes()),
					Resource:      res,
					StatusCode:    statusCode(s.GetStatus().GetCode()),
					StatusMessage: s.GetStatus().GetMessage(),
					Start:         time.Unix(0, int64(s.GetStartTimeUnixNano())),
					End:           time.Unix(0, int64(s.GetEndTimeUnixNano())),
					Kind:          spanKind(s.GetKind()),
					Events:        events(s.GetEvents()),
				})
			}
		}
	}
	return spans
}

func statusCode(c tracepb.Status_StatusCode) string {
	switch c {
	case tracepb.Status_STATUS_CODE_OK:
		return "Ok"
	case tracepb.Status_STATUS_CODE_ERROR:
		return "Error"
	}
	return "Unset"
}

// spanKind names a span kind as the SDK does: "server" for SPAN_KIND_SERVER.
func spanKind(k tracepb.Span_SpanKind) string {
	return strings.ToLower(strings.TrimPrefix(k.String(), "SPAN_KIND_"))
}

func events(in []*tracepb.Span_Event) []Event {
	var out []Event
	for _, e := range in {
		out = append(out, Event{Name: e.GetName(), Time: time.Unix(0, int64(e.GetTimeUnixNano())), Attributes: attributes(e.GetAttributes())})
	}
	return out
}

// attributes turns OTLP key-values into a map of Go values: string, int64,
// float64, bool, []any, []byte, or map[string]any (a kvlist).
func attributes(kvs []*commonpb.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = value(kv.GetValue())
	}
	return m
}

func value(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_BytesValue:
		return x.BytesValue
	case *commonpb.AnyValue_ArrayValue:
		var out []any
		for _, e := range x.ArrayValue.GetValues() {
			out = append(out, value(e))
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		return attributes(x.KvlistValue.GetValues())
	}
	return nil
}

package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"example.com/gftrace/common/config"
)

// The flush first waits until the collector accepts a connection: the
// OTLP/HTTP exporter does not retry a refused connection (net/http does
// not count it as temporary), and the OTLP/gRPC exporter's first retry
// comes 2.5 to 7.5 s later, so a collector that comes up a moment after
// the program would miss the spans. The check is made before the first
// export and again only after an export lost its connection. Over OTLP/HTTP
// it sends an empty export with the exporter's TLS and headers and reads
// the answer as HTTPClient does (gf's otlphttp.Init takes no client); over
// OTLP/gRPC, whose answers the exporter reads, it connects and hangs up.

const pollInterval = 100 * time.Millisecond

// answerLimit bounds the wait for an answer once connected: a collector
// that does not answer is the exporter's to find, within its own timeout.
const answerLimit = time.Second

// errNoConnection is the check's error when no connection could be made
// before the flush's deadline, though none was refused.
type errNoConnection struct{ err error }

func (e errNoConnection) Error() string { return "no connection: " + e.err.Error() }
func (e errNoConnection) Unwrap() error { return e.err }

// statusError is the check's error, "STATUS (BODY)", when the collector
// refused the empty export: the exporter's error does not name the status
// of a refusal it retried.
type statusError struct{ status string }

func (e *statusError) Error() string { return e.status }

// check waits until the collector of cfg accepts a connection, or ctx
// ends (with poll false it tries once), and tells what it found: nil when
// the spans may go, the refused connection or an errNoConnection when none
// was made, a verdict (a *NotOTLPError, *RedirectError or *UnreadableError)
// when no span must go, or a *statusError.
func check(ctx context.Context, cfg config.Config, poll bool) error {
	if cfg.Endpoint == "" || proxied(cfg.Endpoint) {
		return nil // through a proxy, the exporter does not dial the endpoint itself
	}
	probe := dialCheck
	if cfg.Protocol == config.HTTP {
		probe = httpCheck
	}
	var refused error // the last refused connection
	for {
		connected, err := probe(ctx, cfg)
		if errors.Is(err, syscall.ECONNREFUSED) {
			refused = err
		}
		switch {
		case connected:
			return err
		case !poll:
			return errNoConnection{err}
		case ctx.Err() != nil && refused != nil:
			return refused // the last try may have been cut short by ctx instead
		case ctx.Err() != nil:
			return errNoConnection{err}
		case !errors.Is(err, syscall.ECONNREFUSED) && !timedOut(err):
			return nil // no such host, no route...: the exporter's to report
		}
		select {
		case <-ctx.Done():
		case <-time.After(pollInterval):
		}
	}
}

// dialCheck connects and, with TLS, completes a handshake (so that the
// collector logs no failed one) before it hangs up.
func dialCheck(ctx context.Context, cfg config.Config) (connected bool, err error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.Endpoint)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if cfg.TLS != nil {
		c := cfg.TLS.Clone()
		if c.ServerName == "" {
			c.ServerName, _, _ = net.SplitHostPort(cfg.Endpoint)
		}
		ctx, cancel := context.WithTimeout(ctx, answerLimit)
		defer cancel()
		tls.Client(conn, c).HandshakeContext(ctx)
	}
	return true, nil
}

// httpCheck sends the collector an empty export and reads the answer. A
// TLS problem, a hang-up or no answer is the exporter's to report.
func httpCheck(ctx context.Context, cfg config.Config) (connected bool, err error) {
	var done atomic.Bool
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	trace := &httptrace.ClientTrace{ConnectDone: func(_, _ string, err error) {
		if err == nil && !done.Swap(true) {
			time.AfterFunc(answerLimit, cancel) // for the handshake and the answer
		}
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, cfg.Target(), nil)
	if err != nil {
		return false, nil
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	for k, v := range cfg.ExportHeaders() {
		req.Header.Set(k, v)
	}
	t := transport(cfg)
	defer t.CloseIdleConnections()
	resp, err := t.RoundTrip(req)
	switch {
	case err != nil && done.Load():
		return true, nil // no answer, a hang-up: the exporter's to report
	case err != nil:
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		// Redacted before it is cut: a secret across the cut would show in part.
		said := cfg.Redact(string(bytes.TrimSpace(body)))
		if len(said) > 200 {
			said = strings.ToValidUTF8(said[:200], "")
		}
		return true, &statusError{fmt.Sprintf("%s (%s)", resp.Status, said)}
	}
	if _, err := readAnswer(resp); err != nil {
		return true, err
	}
	if ct := resp.Header.Get("Content-Type"); cfg.HTTPClient == nil && ct != "application/x-protobuf" && ct != "application/json" {
		return true, &UnreadableError{ContentType: ct} // gf's exporter, which reads its answers itself
	}
	return true, nil
}

// proxied tells whether the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)
// sends connections to addr through a proxy.
func proxied(addr string) bool {
	for _, scheme := range []string{"https", "http"} {
		if u, err := http.ProxyFromEnvironment(&http.Request{URL: &url.URL{Scheme: scheme, Host: addr}}); u != nil || err != nil {
			return true
		}
	}
	return false
}

// OpenTelemetry's OTLP/HTTP exporter calls any 2xx answer a success,
// follows redirects (Go's http.Client does), and reads a partial success
// only in exactly application/x-protobuf: a web page "takes" every span, a
// redirect sends the spans and their headers elsewhere, and
// "application/json; charset=utf-8" hides the spans a collector rejected.
// HTTPClient lets only OTLP answers through to the exporter; the check
// reads answers the same way, before any span leaves.

// maxAnswer bounds what is read of an answer: an OTLP answer is a few
// bytes, or a partial success's message.
const maxAnswer = 1 << 20

// NotOTLPError is a 2xx answer that is not an OTLP response.
type NotOTLPError struct {
	Status      string // "200 OK"
	ContentType string // as the answer gave it
	Problem     string // what is wrong with the body, or ""
}

func (e *NotOTLPError) Error() string {
	ct := strconv.Quote(e.ContentType)
	if e.ContentType == "" {
		ct = `"no Content-Type"`
	}
	if e.Problem != "" {
		ct += ", " + e.Problem
	}
	return fmt.Sprintf("the collector's answer was not an OTLP response (%s, %s)", e.Status, ct)
}

// RedirectError is an answer that redirects: OTLP has none, and following
// one would send the spans and their headers elsewhere.
type RedirectError struct {
	Status   string // "307 Temporary Redirect"
	Location string // without user info, query or fragment: they may hold secrets
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("the collector redirected to %s (%s)", e.Location, e.Status)
}

// UnreadableError is an OTLP answer whose Content-Type is not spelt exactly
// as the exporter of gf's otlphttp.Init needs to read a partial success:
// the spans the collector rejects would count as delivered. That exporter
// cannot be given another client (see HTTPClient).
type UnreadableError struct {
	ContentType string // as the answer gave it
}

func (e *UnreadableError) Error() string {
	return fmt.Sprintf("the collector answers in %q, in which the exporter of gf's otlphttp.Init cannot read the spans it rejects, so nothing it accepts could be confirmed", e.ContentType)
}

// readAnswer reads an answer to an export and closes its body: a
// *RedirectError for a redirect, a *NotOTLPError for a 2xx that is not an
// OTLP answer, nil, nil for a refusal (the exporter's to read).
func readAnswer(resp *http.Response) (*coltracepb.ExportTraceServiceResponse, error) {
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		where := "(no valid Location)"
		if u, err := resp.Location(); err == nil {
			where = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
		}
		return nil, &RedirectError{Status: resp.Status, Location: where}
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		return nil, nil
	}
	notOTLP := &NotOTLPError{Status: resp.Status, ContentType: resp.Header.Get("Content-Type")}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	switch {
	case err != nil:
		notOTLP.Problem = "its body could not be read: " + err.Error()
		return nil, notOTLP
	case len(body) > maxAnswer:
		notOTLP.Problem = "a body larger than an OTLP answer"
		return nil, notOTLP
	}
	var msg coltracepb.ExportTraceServiceResponse
	switch mt, _, _ := mime.ParseMediaType(notOTLP.ContentType); { // lower case, without parameters
	case mt == "application/x-protobuf":
		err = proto.Unmarshal(body, &msg)
	case mt == "application/json" && len(body) > 0:
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(body, &msg)
	case mt != "application/json":
		return nil, notOTLP
	}
	if err != nil {
		notOTLP.Problem = "a body that does not decode as an OTLP export response"
		return nil, notOTLP
	}
	return &msg, nil
}

// HTTPClient is the client for the OTLP/HTTP exporter to the collector of
// cfg: cfg.TLS, the exporter's timeout, and only OTLP answers, re-encoded in
// the one encoding the exporter reads in full; anything else (a redirect
// too) fails the export.
func HTTPClient(cfg config.Config) *http.Client {
	return &http.Client{Transport: otlpOnly{transport(cfg)}, Timeout: exportTimeout(cfg)}
}

func transport(cfg config.Config) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = cfg.TLS
	return t
}

// exportTimeout is the exporter's timeout for one attempt, as it reads it
// from the environment: it does not apply it to a client it is given.
func exportTimeout(cfg config.Config) time.Duration {
	for _, key := range []string{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"} {
		if ms, err := strconv.Atoi(os.Getenv(key)); err == nil && ms > 0 {
			return time.Duration(ms) * time.Millisecond
		}
	}
	return cfg.Timeout
}

// otlpOnly passes on only the OTLP answers of a transport (see HTTPClient).
type otlpOnly struct{ next http.RoundTripper }

func (t otlpOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return resp, err // refusals: the exporter reads them itself
	}
	msg, err := readAnswer(resp)
	if err != nil {
		return nil, err
	}
	body, _ := proto.Marshal(msg)
	resp.Header.Set("Content-Type", "application/x-protobuf")
	resp.Header.Del("Content-Length")
	resp.ContentLength = int64(len(body))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

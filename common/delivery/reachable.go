package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"example.com/gftrace/common/config"
)

// A collector that comes up a moment after the program started would miss
// the spans without the check: the OTLP/HTTP exporter does not retry a
// refused connection (Go's net/http does not count it as temporary),
// though the OTLP specification says that a client should, and the
// OTLP/gRPC exporter's first retry comes 2.5 to 7.5 seconds later. In a
// single run the spans are still queued in the batch processor until the
// flush, so the flush first waits until the collector accepts a connection.
//
// The check is made before the first export and again only after an export
// lost its connection: one connection of its own per check, not one per
// flush. Over OTLP/HTTP it sends the collector an empty export with the
// exporter's TLS and headers, and reads the answer as HTTPClient does: a
// web page, a redirect or a garbled answer is found before any span leaves
// (gf's otlphttp.Init builds its exporter with a client of its own, which
// HTTPClient cannot replace). Over OTLP/gRPC, whose answers the exporter
// reads correctly, it connects (with TLS, a handshake) and hangs up.

// pollInterval is how often the check tries to connect.
const pollInterval = 100 * time.Millisecond

// answerLimit bounds how long the check waits for an answer once connected:
// a collector that accepts connections but does not answer is the
// exporter's to find, within its own timeout.
const answerLimit = time.Second

// errNoConnection is the check's error when no connection could be made
// before the flush's deadline, though none was refused.
type errNoConnection struct{ err error }

func (e errNoConnection) Error() string { return "no connection: " + e.err.Error() }
func (e errNoConnection) Unwrap() error { return e.err }

// errRefused is the check's error when every connection was refused until
// the flush's deadline.
type errRefused struct{ err error }

func (e errRefused) Error() string { return e.err.Error() }
func (e errRefused) Unwrap() error { return e.err }

// check waits until the collector of cfg accepts a connection, or ctx
// ends, and tells what it found: nil when the spans may go (a collector
// answered, or the exporter is left to find out what is there), errRefused
// or errNoConnection when no connection was made, a *NotOTLPError, a
// *RedirectError or an *UnreadableError when the answer says that no span
// must go. With poll false it tries once and does not wait.
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
		case connected && err == nil:
			return nil
		case connected:
			return err
		case !poll:
			return errNoConnection{err}
		case ctx.Err() != nil && refused != nil:
			// The last try may have been cut short by ctx instead.
			return errRefused{refused}
		case ctx.Err() != nil:
			return errNoConnection{err}
		case !errors.Is(err, syscall.ECONNREFUSED) && !isTimeout(err):
			return nil // no such host, no route...: the exporter's to report
		}
		select {
		case <-ctx.Done():
		case <-time.After(pollInterval):
		}
	}
}

// isTimeout tells whether err is a timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

// dialCheck connects to the collector and, with TLS, completes a handshake
// before it hangs up, so that a TLS collector does not log a failed
// handshake for it. Once connected, nothing is an error: the exporter reads
// the collector's answers.
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

// httpCheck sends the collector an empty export, as the exporter would send
// spans, and reads the answer. Only a redirect or a 2xx that is not an
// OTLP answer is an error: a refusal, no answer or a TLS problem is the
// exporter's to report, in its own words.
func httpCheck(ctx context.Context, cfg config.Config) (bool, error) {
	var connected atomic.Bool
	body, _ := proto.Marshal(&coltracepb.ExportTraceServiceRequest{})
	// Once connected, the handshake and the answer have answerLimit.
	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var once sync.Once
	trace := &httptrace.ClientTrace{ConnectDone: func(_, _ string, err error) {
		if err == nil {
			once.Do(func() { connected.Store(true); time.AfterFunc(answerLimit, cancel) })
		}
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(reqCtx, trace), http.MethodPost, cfg.Target(), bytes.NewReader(body))
	if err != nil {
		return false, nil
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	for k, v := range cfg.ExportHeaders() {
		req.Header.Set(k, v)
	}
	client := HTTPClient(cfg)
	client.Transport = client.Transport.(otlpOnly).next // the answer is read below
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	switch {
	case err != nil && connected.Load():
		return true, nil // no answer, a hang-up: the exporter's to report
	case err != nil:
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return true, &statusError{fmt.Sprintf("%s (%s)", resp.Status, bytes.TrimSpace(body))}
	}
	if _, err := readAnswer(resp); err != nil {
		return true, err
	}
	if ct := resp.Header.Get("Content-Type"); cfg.HTTPClient == nil && !exporterReads(ct) {
		return true, &UnreadableError{ContentType: ct} // gf's exporter, whose client reads answers by itself
	}
	return true, nil
}

// statusError is the check's error, "STATUS (BODY)", when the collector
// refused the empty export: the exporter will read the refusal of the spans itself, but its
// error does not name the status of a refusal it retried.
type statusError struct{ status string }

func (e *statusError) Error() string { return e.status }

// proxied tells whether the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)
// sends connections to addr through a proxy.
func proxied(addr string) bool {
	for _, scheme := range []string{"https", "http"} {
		req := &http.Request{URL: &url.URL{Scheme: scheme, Host: addr}}
		if u, err := http.ProxyFromEnvironment(req); u != nil || err != nil {
			return true
		}
	}
	return false
}

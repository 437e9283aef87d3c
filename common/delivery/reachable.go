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
	"strings"
	"sync/atomic"
	"syscall"
	"time"

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

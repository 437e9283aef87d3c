package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// A collector that comes up a moment after the program started would miss
// the spans without waitForCollector: the OTLP/HTTP exporter does not retry
// a refused connection (Go's net/http does not count it as temporary),
// though the OTLP specification says that a client should, and the
// OTLP/gRPC exporter's first retry comes 2.5 to 7.5 seconds later. In a
// single run the spans are still queued in the batch processor until the
// flush, so the flush first waits until the collector accepts a connection.

// pollInterval is how often waitForCollector tries to connect.
const pollInterval = 100 * time.Millisecond

// handshakeLimit bounds the TLS handshake of waitForCollector: a collector
// that accepts connections but does not answer is the exporter's to find.
const handshakeLimit = time.Second

// waitForCollector waits until something accepts a TCP connection at addr
// (host:port), or ctx ends; it returns the error of the last refused
// connection if it stopped waiting because of ctx, else nil. It waits only
// while the connection is refused: any other error is the exporter's to
// report. With tlsConf it completes a TLS handshake before it hangs up, so
// that a TLS collector does not log a failed handshake for it.
func waitForCollector(ctx context.Context, addr string, tlsConf *tls.Config) error {
	if addr == "" || proxied(addr) {
		return nil // through a proxy, the exporter does not dial addr itself
	}
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			if tlsConf != nil {
				handshake(ctx, conn, addr, tlsConf)
			}
			conn.Close()
			return nil
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pollInterval):
		}
	}
}

// handshake does a TLS handshake on conn, whatever its outcome.
func handshake(ctx context.Context, conn net.Conn, addr string, tlsConf *tls.Config) {
	c := tlsConf.Clone()
	if c.ServerName == "" {
		c.ServerName, _, _ = net.SplitHostPort(addr)
	}
	ctx, cancel := context.WithTimeout(ctx, handshakeLimit)
	defer cancel()
	tls.Client(conn, c).HandshakeContext(ctx)
}

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

package delivery

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/localnet"
)

// nxdomain answers every DNS query on a local UDP port with NXDOMAIN, as a
// resolver does for a name that does not exist, and counts the queries.
func nxdomain(t *testing.T) (addr string, queries *atomic.Int32) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	queries = new(atomic.Int32)
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			if n < 12 {
				continue
			}
			queries.Add(1)
			answer := append([]byte(nil), buf[:n]...)
			answer[2] |= 0x80                       // QR: a response
			answer[3] = answer[3]&0x70 | 0x80 | 0x3 // RA, RCODE 3: NXDOMAIN
			conn.WriteTo(answer, from)
		}
	}()
	return conn.LocalAddr().String(), queries
}

// TestUnresolvedNameOverGRPC: over gRPC, a name that does not resolve, or
// a DNS that does not answer, is named as such, not as a collector that is
// unavailable or a connection refused. grpc-go is told which DNS server to
// ask (dns://SERVER/NAME): a local one, so no query leaves this machine.
func TestUnresolvedNameOverGRPC(t *testing.T) {
	server, queries := nxdomain(t)
	for _, c := range []struct{ name, dns string }{
		{"NXDOMAIN", server},
		{"no DNS server answers", localnet.FreeAddr(t)},
	} {
		t.Run(c.name, func(t *testing.T) {
			endpoint := "dns://" + c.dns + "/collector.test:4317"
			err := exportOnce(t, config.GRPC, endpoint, nil, nil)
			if err == nil {
				t.Fatal("the export succeeded")
			}
			res := Result{Recorded: 1, Failed: 1, Timeout: time.Second, Errs: []error{err}}
			want := "the name collector.test could not be resolved (" + endpoint + "): check the host of the endpoint and the DNS"
			if got := res.Cause(endpoint); got != want {
				t.Errorf("Cause =\n%q, want\n%q\nfor the exporter's error %q", got, want, err)
			}
		})
	}
	if queries.Load() == 0 {
		t.Error("the local DNS server got no query: the name was resolved elsewhere")
	}
}

// TestDeadProxy: an OTLP/HTTP export through a proxy that is down names
// the proxy by its address, without its user info, not the collector.
func TestDeadProxy(t *testing.T) {
	proxy := localnet.FreeAddr(t)
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint("collector.test:4318"), otlptracehttp.WithInsecure(), otlptracehttp.WithTimeout(time.Second),
		// What http.ProxyFromEnvironment gives for HTTP_PROXY, for any host
		// but a loopback one, which it never sends to a proxy.
		otlptracehttp.WithProxy(func(*http.Request) (*url.URL, error) { return url.Parse("http://alice:S3cretPassw0rd@" + proxy) }))
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx)
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled})
	span := tracetest.SpanStub{Name: "GetUser", SpanContext: sc, StartTime: time.Now(), EndTime: time.Now()}.Snapshot()
	ctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancel()
	err = exp.ExportSpans(ctx, []sdktrace.ReadOnlySpan{span})
	if err == nil {
		t.Fatal("the export succeeded")
	}
	const target = "http://collector.test:4318/v1/traces"
	res := Result{Recorded: 1, Failed: 1, Timeout: time.Second, Errs: []error{err}}
	want := "the proxy at " + proxy + " that HTTP_PROXY or HTTPS_PROXY names could not be reached (connect: connection refused), so no span reached the collector at " + target + ": start the proxy, or list the collector's host in NO_PROXY"
	got := res.Cause(target)
	if got != want {
		t.Errorf("Cause =\n%q, want\n%q\nfor the exporter's error %q", got, want, err)
	}
	for _, secret := range []string{"alice", "S3cretPassw0rd"} {
		if strings.Contains(got, secret) {
			t.Errorf("the cause shows the proxy's user info (%s): %q", secret, got)
		}
	}
	if !res.Answered() {
		t.Error("Answered is false: the report would ask whether a collector runs there")
	}
}

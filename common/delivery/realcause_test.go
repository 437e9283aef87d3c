package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/localnet"
	"example.com/gftrace/internal/receiver"
	"example.com/gftrace/internal/testcerts"
)

// exportOnce sends one span to endpoint with the OTLP exporter of p, as
// gf's Init builds it (or, with TLS, the program's own provider), with a
// one-second timeout, and returns the export's error as the SDK's error
// handler would get it.
func exportOnce(t *testing.T, p config.Protocol, endpoint string, tlsCfg *tls.Config, headers map[string]string) error {
	t.Helper()
	ctx := context.Background()
	var exp sdktrace.SpanExporter
	var err error
	if p == config.GRPC {
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(endpoint), otlptracegrpc.WithTimeout(time.Second), otlptracegrpc.WithHeaders(headers)}
		if tlsCfg == nil {
			opts = append(opts, otlptracegrpc.WithInsecure())
		} else {
			opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(tlsCfg)))
		}
		exp, err = otlptracegrpc.New(ctx, opts...)
	} else {
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(endpoint), otlptracehttp.WithTimeout(time.Second), otlptracehttp.WithHeaders(headers)}
		if tlsCfg == nil {
			opts = append(opts, otlptracehttp.WithInsecure())
		} else {
			opts = append(opts, otlptracehttp.WithTLSClientConfig(tlsCfg))
		}
		exp, err = otlptracehttp.New(ctx, opts...)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx)
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled})
	span := tracetest.SpanStub{Name: "GetUser", SpanContext: sc, StartTime: time.Now(), EndTime: time.Now()}.Snapshot()
	// The flush gives up at -timeout, as the report's does; the OTLP/HTTP
	// exporter alone would retry a timeout for a minute.
	ctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancel()
	return exp.ExportSpans(ctx, []sdktrace.ReadOnlySpan{span})
}

var dumpMu sync.Mutex

// dumpChain prints err's chain of types, for CAUSE_DUMP=1.
func dumpChain(name string, err error) {
	if os.Getenv("CAUSE_DUMP") == "" {
		return
	}
	dumpMu.Lock()
	defer dumpMu.Unlock()
	fmt.Printf("== %s\n   %q\n   grpc code %v\n", name, err, status.Code(err))
	var walk func(e error, depth int)
	walk = func(e error, depth int) {
		if e == nil || depth > 12 {
			return
		}
		fmt.Printf("   %*s%T\n", depth*2, "", e)
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x, depth+1)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap(), depth+1)
		}
	}
	walk(err, 0)
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	fmt.Printf("   unknownAuthority=%v hostname=%v\n", errors.As(err, &ua), errors.As(err, &he))
}

// failure is a real failure to drive: a listener set up to fail in one
// way, and the exporter's settings.
type realFailure struct {
	name    string
	proto   config.Protocol
	setup   func(t *testing.T, ca *testcerts.Authority) (addr string, client *tls.Config)
	headers map[string]string
	want    string // the cause, with TARGET for the listener as the report names it
	// or, for a race, this one
	orWant             string
	answered, noAnswer bool
	typed              bool // over OTLP/HTTP, the error's types tell the kind, not its text
}

func trusting(ca *testcerts.Authority) *tls.Config {
	pem, err := os.ReadFile(ca.CAFile)
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

func start(t *testing.T, p config.Protocol, opts receiver.Options, fault receiver.Fault) string {
	var rec *receiver.Receiver
	if p == config.GRPC {
		rec = receiver.NewGRPCWith(opts)
	} else {
		rec = receiver.NewHTTPWith(opts)
	}
	t.Cleanup(rec.Close)
	rec.SetFault(fault)
	return rec.Addr
}

// target names addr as the report does (config.Config.Target).
func target(p config.Protocol, addr string, secure bool) string {
	scheme := "http://"
	if secure {
		scheme = "https://"
	}
	if p == config.GRPC {
		if secure {
			return scheme + addr
		}
		return addr
	}
	return scheme + addr + "/v1/traces"
}

// TestCausesOfRealFailures drives each failure against a real listener
// with the real exporters (otlptracegrpc, otlptracehttp), and checks the
// cause the report gives for the error they return: a library that changes
// its types or its wording fails here, not in a user's terminal.
func TestCausesOfRealFailures(t *testing.T) {
	ca := testcerts.New(t)
	plain := func(p config.Protocol, f receiver.Fault) func(*testing.T, *testcerts.Authority) (string, *tls.Config) {
		return func(t *testing.T, _ *testcerts.Authority) (string, *tls.Config) {
			return start(t, p, receiver.Options{}, f), nil
		}
	}
	var failures []realFailure
	for _, p := range []config.Protocol{config.GRPC, config.HTTP} {
		other := config.HTTP
		if p == config.HTTP {
			other = config.GRPC
		}
		failures = append(failures,
			realFailure{name: "nothing listens", proto: p, typed: true, setup: func(t *testing.T, _ *testcerts.Authority) (string, *tls.Config) {
				return localnet.FreeAddr(t), nil
			}, want: "connection refused: nothing listens at TARGET"},
			realFailure{name: "untrusted certificate", proto: p, typed: true, setup: func(t *testing.T, ca *testcerts.Authority) (string, *tls.Config) {
				return start(t, p, receiver.Options{TLS: ca.ServerTLS()}, receiver.Fault{}), &tls.Config{MinVersion: tls.VersionTLS12}
			}, answered: true,
				want: "the certificate of the collector at TARGET is not trusted: no trusted root signed it (x509: certificate signed by unknown authority); give the CA that did with -ca FILE"},
			realFailure{name: "certificate for other names", proto: p, typed: true, setup: func(t *testing.T, ca *testcerts.Authority) (string, *tls.Config) {
				c := trusting(ca)
				c.ServerName = "collector.test"
				return start(t, p, receiver.Options{TLS: ca.ServerTLS()}, receiver.Fault{}), c
			}, answered: true,
				want: "the certificate of the collector at TARGET is for other names (x509: certificate is valid for localhost, not collector.test); use one of those in the endpoint"},
			realFailure{name: "TLS to a plaintext collector", proto: p, setup: func(t *testing.T, ca *testcerts.Authority) (string, *tls.Config) {
				return start(t, p, receiver.Options{}, receiver.Fault{}), trusting(ca)
			}, answered: true,
				want: "this program spoke TLS, but the collector at TARGET answered in plaintext: drop -tls and -ca, or use the collector's TLS port"},
			realFailure{name: "plaintext to a TLS collector", proto: p, setup: func(t *testing.T, ca *testcerts.Authority) (string, *tls.Config) {
				return start(t, p, receiver.Options{TLS: ca.ServerTLS()}, receiver.Fault{}), nil
			}, answered: true,
				want: "this program spoke plaintext, and the collector at TARGET hung up without an answer, as a TLS server does: if it expects TLS, use -tls, -ca FILE or an https:// endpoint"},
			realFailure{name: "a client certificate required", proto: p, setup: func(t *testing.T, ca *testcerts.Authority) (string, *tls.Config) {
				return start(t, p, receiver.Options{TLS: ca.MutualTLS()}, receiver.Fault{}), trusting(ca)
			}, answered: true,
				want: "the collector at TARGET requires a client certificate (mutual TLS): give one with -cert FILE -key FILE",
				// TLS 1.3: the alert races the first request
				orWant: "the collector at TARGET hung up after the TLS handshake: it probably wants a client certificate that it trusts (mutual TLS); give one with -cert FILE -key FILE"},
			realFailure{name: "the other protocol's port", proto: p, setup: plain(other, receiver.Fault{}), answered: true,
				want: map[config.Protocol]string{
					config.GRPC: "the collector at TARGET answered in HTTP/1.1, not gRPC: that is an OTLP/HTTP port (usually 4318); use its OTLP/gRPC port (usually 4317), or inprocess-http",
					config.HTTP: "the collector at TARGET answered in HTTP/2 frames, as gRPC does: that is an OTLP/gRPC port (usually 4317); use its OTLP/HTTP port (usually 4318), or inprocess-grpc",
				}[p]},
			realFailure{name: "a token refused", proto: p, setup: func(t *testing.T, _ *testcerts.Authority) (string, *tls.Config) {
				return start(t, p, receiver.Options{Token: "right-token"}, receiver.Fault{}), nil
			}, headers: map[string]string{"Authentication": "wrong-token"}, answered: true,
				want: map[config.Protocol]string{
					config.GRPC: "the collector refused the token: Unauthenticated (the Authentication header is missing or wrong); give the right one with -token or TRACE_TOKEN",
					config.HTTP: "the collector refused the token: 401 Unauthorized (the Authentication header is missing or wrong); give the right one with -token or TRACE_TOKEN",
				}[p]},
			realFailure{name: "spans refused", proto: p, setup: plain(p, receiver.Fault{Refuse: codes.InvalidArgument, Message: "bad spans"}), answered: true,
				want: map[config.Protocol]string{
					config.GRPC: "the collector refused the spans: InvalidArgument (bad spans)",
					config.HTTP: "the collector refused the spans: 400 Bad Request (bad spans)",
				}[p]},
			realFailure{name: "a partial success", proto: p, setup: plain(p, receiver.Fault{Reject: 1, Message: "too old"}), answered: true,
				want: "the collector rejected 1 spans: too old"},
			realFailure{name: "no answer", proto: p, setup: plain(p, receiver.Fault{Hold: true}), noAnswer: true,
				want: "the collector at TARGET did not answer within 1s"},
			realFailure{name: "garbage", proto: p, setup: plain(p, receiver.Fault{Garbage: true}), answered: true,
				want: map[config.Protocol]string{
					config.GRPC: "the collector at TARGET answered with something that is not gRPC: that is not an OTLP/gRPC port (usually 4317)",
					config.HTTP: "the collector at TARGET answered with something that is not HTTP: that is not an OTLP/HTTP port (usually 4318)",
				}[p]},
		)
	}
	failures = append(failures,
		// issue 18, class 9: answers the gRPC client could not take, and a
		// give-up at once, are not a rate limit or a refusal for 1s
		realFailure{name: "an answer of 5 MB", proto: config.GRPC, setup: plain(config.GRPC, receiver.Fault{Reject: 1, Message: strings.Repeat("x", 5<<20)}), answered: true,
			want: "the answer of the collector at TARGET was too large for gRPC's client (grpc: received message larger than max (5242892 vs. 4194304)), so it could not be read: the spans may have arrived, but nothing confirmed them"},
		realFailure{name: "a malformed answer", proto: config.GRPC, setup: plain(config.GRPC, receiver.Fault{Malformed: true}), answered: true,
			want: "the answer of the collector at TARGET could not be read (grpc: failed to unmarshal the received message: proto: cannot parse invalid wire-format data): the spans may have arrived, but nothing confirmed them; is that an OTLP collector?",
			// protobuf-go puts a no-break space after "proto:" in some builds, on purpose (internal/detrand)
			orWant: "the answer of the collector at TARGET could not be read (grpc: failed to unmarshal the received message: proto:\u00a0cannot parse invalid wire-format data): the spans may have arrived, but nothing confirmed them; is that an OTLP collector?"},
		realFailure{name: "retry in an hour", proto: config.GRPC, setup: plain(config.GRPC, receiver.Fault{Refuse: codes.ResourceExhausted, Message: "slow down", RetryAfter: time.Hour}), answered: true,
			want: "the collector at TARGET refused the spans for now: ResourceExhausted (slow down): it is rate-limiting this program; it asked to be retried later than the exporter waits, so the exporter gave up at once, without retrying"},
	)
	for _, f := range failures {
		t.Run(f.proto.String()+"/"+f.name, func(t *testing.T) {
			t.Parallel()
			addr, client := f.setup(t, ca)
			err := exportOnce(t, f.proto, addr, client, f.headers)
			dumpChain(f.proto.String()+"/"+f.name, err)
			if err == nil {
				t.Fatal("the export succeeded")
			}
			res := Result{Recorded: 1, Failed: 1, Timeout: time.Second, Errs: []error{err}}
			tgt := target(f.proto, addr, client != nil)
			want := strings.ReplaceAll(f.want, "TARGET", tgt)
			if got := res.Cause(tgt); got != want && (f.orWant == "" || got != strings.ReplaceAll(f.orWant, "TARGET", tgt)) {
				t.Errorf("Cause =\n%q, want\n%q\nfor the exporter's error %q", got, want, err)
			}
			if f.typed && f.proto == config.HTTP && failureByType(err) == noFailure {
				t.Errorf("no type in the exporter's error tells what failed: %q", err)
			}
			if f.noAnswer && !timedOut(err) {
				t.Errorf("the exporter's error is not a timeout by its types: %q", err)
			}
			if res.Answered() != f.answered || res.NoAnswer() != f.noAnswer {
				t.Errorf("Answered %v, NoAnswer %v; want %v, %v", res.Answered(), res.NoAnswer(), f.answered, f.noAnswer)
			}
		})
	}
}

// TestUnresolvedName: a name that cannot be resolved is named as such, by
// its type (*net.DNSError), not as a refusal or an unavailable collector.
// The resolver asked is a local port where nothing listens: no query
// leaves this machine.
func TestUnresolvedName(t *testing.T) {
	dead := localnet.FreeAddr(t)
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, dead)
	}}
	_, err := resolver.LookupHost(context.Background(), "collector.test")
	if err == nil {
		t.Fatal("collector.test resolved")
	}
	err = fmt.Errorf("traces export: Post %q: %w", "http://collector.test:4318/v1/traces", &url.Error{Op: "Post", URL: "http://collector.test:4318/v1/traces", Err: &net.OpError{Op: "dial", Net: "tcp", Err: err}})
	res := Result{Recorded: 9, Failed: 9, Errs: []error{err}}
	const want = "the name collector.test could not be resolved (http://collector.test:4318/v1/traces): check the host of the endpoint and the DNS"
	if got := res.Cause("http://collector.test:4318/v1/traces"); got != want {
		t.Errorf("Cause =\n%q, want\n%q", got, want)
	}
}

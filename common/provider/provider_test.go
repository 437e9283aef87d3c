package provider_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gogf/gf/v2/net/gtrace"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/provider"
	"example.com/gftrace/common/report"
	"example.com/gftrace/common/user"
	"example.com/gftrace/internal/receiver"
	"example.com/gftrace/internal/sampletest"
	"example.com/gftrace/internal/testcerts"
)

// TestSetupCountsTheProvider builds the provider after report.Setup, as
// the mains do, against a receiver that serves TLS and checks the token:
// the SDK's own counts must see every span delivered, the receiver must
// hold the sample's exact tree, and the token and the other headers must
// arrive as headers.
func TestSetupCountsTheProvider(t *testing.T) {
	ca := testcerts.New(t)
	for _, p := range []config.Protocol{config.GRPC, config.HTTP} {
		t.Run(p.String(), func(t *testing.T) {
			rec := sampletest.NewReceiverWith(p, receiver.Options{TLS: ca.ServerTLS(), Token: sampletest.Token})
			defer rec.Close()
			getenv := func(k string) string {
				if k == "OTEL_EXPORTER_OTLP_HEADERS" {
					return "x-team=blue"
				}
				return ""
			}
			cfg, _, err := config.Parse(p, []string{"-endpoint", rec.Addr, "-ca", ca.CAFile, "-token", sampletest.Token}, getenv)
			if err != nil {
				t.Fatal(err)
			}
			if !cfg.NeedsProvider() {
				t.Fatal("NeedsProvider is false for a TLS configuration")
			}

			if p == config.HTTP { // as report.Main does for the own provider
				cfg.HTTPClient = delivery.HTTPClient(cfg)
			}
			watch, _ := report.Setup(cfg) // before the provider, as in the mains
			start := map[config.Protocol]func(provider.Options) (func(context.Context) error, error){config.GRPC: provider.GRPC, config.HTTP: provider.HTTP}[p]
			shutdown, err := start(cfg.ProviderOptions())
			if err != nil {
				t.Fatal(err)
			}
			watch.Count(otel.GetTracerProvider().(*sdktrace.TracerProvider)) // as rep.Record() does
			ctx, span := gtrace.NewSpan(context.Background(), "main")
			for _, id := range []int{100, 1} {
				user.GetUser(ctx, id)
			}
			span.End()
			watch.Flush()
			if err := shutdown(context.Background()); err != nil {
				t.Errorf("shutdown: %v", err)
			}

			res := watch.Result()
			if res.Recorded != 9 || res.Delivered != 9 || !res.OK() {
				t.Errorf("SDK counts: created %d, delivered %d, failed %d, errors %v; want 9 delivered of 9", res.Recorded, res.Delivered, res.Failed, res.Errs)
			}
			if got := sampletest.Tree(rec.Spans()); got != sampletest.DefaultTree {
				t.Errorf("received tree:\n%s\nwant:\n%s", got, sampletest.DefaultTree)
			}
			for _, req := range rec.Requests() {
				if got := req.Header["authentication"]; !slices.Equal(got, []string{sampletest.Token}) {
					t.Errorf("Authentication header %q, want the token", got)
				}
				if got := req.Header["x-team"]; !slices.Equal(got, []string{"blue"}) {
					t.Errorf("x-team header %q, want blue (from OTEL_EXPORTER_OTLP_HEADERS)", got)
				}
				if req.Compression != "gzip" {
					t.Errorf("compression %q, want gzip", req.Compression)
				}
			}
			// TraceContext and Baggage, as gf's otlpgrpc.Init and otlphttp.Init from v2.8.0 install.
			want := []string{"baggage", "traceparent", "tracestate"}
			if got := slices.Sorted(slices.Values(otel.GetTextMapPropagator().Fields())); !slices.Equal(got, want) {
				t.Errorf("propagator fields %v, want %v", got, want)
			}
		})
	}
}

func TestNeedsProvider(t *testing.T) {
	ca := testcerts.New(t)
	cases := []struct {
		p    config.Protocol
		args []string
		env  string // OTEL_EXPORTER_OTLP_HEADERS
		want bool
	}{
		{config.GRPC, nil, "", false},
		{config.GRPC, []string{"-token", "t"}, "", false}, // gf's otlpgrpc.Init sends the token
		{config.HTTP, nil, "", false},
		{config.HTTP, []string{"-token", "t"}, "", true}, // gf's otlphttp.Init sends no header
		{config.GRPC, []string{"-ca", ca.CAFile}, "", true},
		{config.HTTP, []string{"-tls"}, "", true},
		{config.GRPC, nil, "x-team=blue", true},
		{config.GRPC, nil, "Authentication=t", false},       // that is the token
		{config.GRPC, []string{"-sample", "0.5"}, "", true}, // gf's Init samples every trace
		{config.HTTP, []string{"-sample", "1"}, "", true},
	}
	for _, c := range cases {
		cfg, _, err := config.Parse(c.p, append([]string{"-endpoint", "127.0.0.1:4317"}, c.args...), func(k string) string {
			if k == "OTEL_EXPORTER_OTLP_HEADERS" {
				return c.env
			}
			return ""
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.NeedsProvider(); got != c.want {
			t.Errorf("%s %v %q: NeedsProvider %v, want %v", c.p, c.args, c.env, got, c.want)
		}
	}
}

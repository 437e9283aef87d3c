package sampletest

import (
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/receiver"
	"example.com/gftrace/internal/testcerts"
)

// failTimeout bounds the runs that are meant to fail: the gRPC exporter
// retries an unavailable collector until its timeout.
const failTimeout = "1s"

// tlsAndToken checks TLS and the token: each way of the README delivers
// the tree, mutual TLS takes the client certificate and only it, each
// failure is said in plain words, and the pipeline that adds TLS sends what
// gf's Init sends.
func tlsAndToken(t *testing.T, p config.Protocol, bin string) {
	ca := testcerts.New(t)
	t.Run("each way delivers the tree", func(t *testing.T) { tlsWays(t, p, bin, ca) })
	t.Run("token over plaintext", func(t *testing.T) { plaintextToken(t, p, bin) })
	t.Run("mutual TLS", func(t *testing.T) { mutualTLS(t, p, bin, ca) })
	t.Run("errors in plain words", func(t *testing.T) { tlsErrors(t, p, bin, ca) })
	t.Run("same spans and resource as gf's Init", func(t *testing.T) { sameAsGFInit(t, p, bin, ca) })
}

// run is one way of running the binary: its environment and arguments.
type run struct {
	name      string
	env, args []string
}

// deliversTree runs bin and checks that rec got the sample's tree, with the
// token (if want) in the Authentication header, and that the summary names
// target. The token must not appear in the output, and no warning either.
func deliversTree(t *testing.T, p config.Protocol, bin string, rec *receiver.Receiver, target string, r run, wantToken bool) {
	t.Helper()
	before := len(rec.Requests())
	res := Run(t, bin, r.env, append(r.args, "-json")...)
	if res.Code != 0 {
		t.Fatalf("exit code %d, want 0; output:\n%s", res.Code, res.Output())
	}
	reqs := rec.Requests()[before:]
	var spans []receiver.Span
	for _, req := range reqs {
		spans = append(spans, req.Spans...)
		if got := req.Header["authentication"]; wantToken && !slices.Equal(got, []string{Token}) {
			t.Errorf("Authentication header %q, want the token", got)
		}
		if req.Compression != "gzip" {
			t.Errorf("compression %q, want gzip", req.Compression)
		}
	}
	if got := Tree(spans); got != DefaultTree {
		t.Errorf("received tree:\n%s\nwant:\n%s", got, DefaultTree)
	}
	if summary := fmt.Sprintf("9 of 9 spans delivered to %s over %s.", target, p); Outcome(t, res).Summary != summary {
		t.Errorf("summary %q, want %q", Outcome(t, res).Summary, summary)
	}
	if strings.Contains(res.Output(), Token) {
		t.Errorf("the token appears in the output")
	}
	if res.Stderr != "" {
		t.Errorf("unexpected stderr: %s", res.Stderr)
	}
}

// tlsURL is the https:// URL of rec for protocol p, as Target prints it.
func tlsURL(p config.Protocol, rec *receiver.Receiver) string {
	if p == config.HTTP {
		return "https://" + rec.Addr + config.DefaultPath
	}
	return "https://" + rec.Addr
}

func tlsWays(t *testing.T, p config.Protocol, bin string, ca *testcerts.Authority) {
	// One receiver wants TLS and the token, the other TLS alone.
	secured := NewReceiverWith(p, receiver.Options{TLS: ca.ServerTLS(), Token: Token})
	defer secured.Close()
	tlsOnly := NewReceiverWith(p, receiver.Options{TLS: ca.ServerTLS()})
	defer tlsOnly.Close()
	// -tls trusts the system's roots; on Linux Go reads them from
	// SSL_CERT_FILE when it is set, so this points them at the test CA.
	systemRoots := "SSL_CERT_FILE=" + ca.CAFile
	withToken := []run{
		{"-tls -token (system roots)", []string{systemRoots}, []string{"-endpoint", secured.Addr, "-tls", "-token", Token}},
		{"-ca -token", nil, []string{"-endpoint", secured.Addr, "-ca", ca.CAFile, "-token", Token}},
		{"localhost, the certificate's DNS name", nil, []string{"-endpoint", strings.Replace(secured.Addr, "127.0.0.1", "localhost", 1), "-ca", ca.CAFile, "-token", Token}},
		{"environment: endpoint, CA, token in the headers", []string{
			"OTEL_EXPORTER_OTLP_ENDPOINT=https://" + secured.Addr,
			"OTEL_EXPORTER_OTLP_CERTIFICATE=" + ca.CAFile,
			"OTEL_EXPORTER_OTLP_HEADERS=Authentication=" + Token}, nil},
		{"environment: OTEL_EXPORTER_OTLP_INSECURE=false, TRACE_TOKEN", []string{
			systemRoots, "OTEL_EXPORTER_OTLP_INSECURE=false", "TRACE_TOKEN=" + Token}, []string{"-endpoint", secured.Addr}},
	}
	for _, r := range withToken {
		t.Run(r.name, func(t *testing.T) {
			target := tlsURL(p, secured)
			if strings.Contains(r.name, "localhost") {
				target = strings.Replace(target, "127.0.0.1", "localhost", 1)
			}
			deliversTree(t, p, bin, secured, target, r, true)
		})
	}
	withoutToken := []run{
		{"https:// endpoint (system roots)", []string{systemRoots}, []string{"-endpoint", tlsURL(p, tlsOnly)}},
		{"https:// endpoint -ca", nil, []string{"-endpoint", tlsURL(p, tlsOnly), "-ca", ca.CAFile}},
	}
	for _, r := range withoutToken {
		t.Run(r.name, func(t *testing.T) { deliversTree(t, p, bin, tlsOnly, tlsURL(p, tlsOnly), r, false) })
	}
}

// plaintextToken: the token reaches a plaintext collector on loopback in
// the Authentication header, from each place it can come from, and the
// headers of OTEL_EXPORTER_OTLP_HEADERS come along.
func plaintextToken(t *testing.T, p config.Protocol, bin string) {
	rec := NewReceiverWith(p, receiver.Options{Token: Token})
	defer rec.Close()
	target := plainTarget(p, rec.Addr)
	for _, r := range []run{
		{"-token", nil, []string{"-endpoint", rec.Addr, "-token", Token}},
		{"TRACE_TOKEN", []string{"TRACE_TOKEN=" + Token}, []string{"-endpoint", rec.Addr}},
		{"OTEL_EXPORTER_OTLP_HEADERS", []string{"OTEL_EXPORTER_OTLP_HEADERS=Authentication=" + Token + ",x-team=blue"}, []string{"-endpoint", rec.Addr}},
	} {
		t.Run(r.name, func(t *testing.T) {
			before := len(rec.Requests())
			deliversTree(t, p, bin, rec, target, r, true)
			if r.name != "OTEL_EXPORTER_OTLP_HEADERS" {
				return
			}
			for _, req := range rec.Requests()[before:] {
				if got := req.Header["x-team"]; !slices.Equal(got, []string{"blue"}) {
					t.Errorf("x-team header %q, want blue", got)
				}
			}
		})
	}
}

func mutualTLS(t *testing.T, p config.Protocol, bin string, ca *testcerts.Authority) {
	rec := NewReceiverWith(p, receiver.Options{TLS: ca.MutualTLS()})
	defer rec.Close()
	for _, r := range []run{
		{"-cert -key", nil, []string{"-endpoint", rec.Addr, "-ca", ca.CAFile, "-cert", ca.ClientCertFile, "-key", ca.ClientKeyFile}},
		{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and _KEY", []string{
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=" + ca.ClientCertFile,
			"OTEL_EXPORTER_OTLP_CLIENT_KEY=" + ca.ClientKeyFile}, []string{"-endpoint", rec.Addr, "-ca", ca.CAFile}},
	} {
		t.Run("accepted with "+r.name, func(t *testing.T) { deliversTree(t, p, bin, rec, tlsURL(p, rec), r, false) })
	}
	stranger := testcerts.New(t) // a client certificate of a CA the receiver does not trust
	t.Run("refused without a client certificate", func(t *testing.T) {
		fails(t, bin, rec, run{args: []string{"-ca", ca.CAFile}}, tlsURL(p, rec), "client certificate", "-cert FILE -key FILE")
	})
	t.Run("refused with a client certificate of another CA", func(t *testing.T) {
		fails(t, bin, rec, run{args: []string{"-ca", ca.CAFile, "-cert", stranger.ClientCertFile, "-key", stranger.ClientKeyFile}},
			tlsURL(p, rec), "client certificate")
	})
}

// fails runs bin against rec and checks that nothing arrived, the exit
// code is 1, and the summary names the target and says each of want.
func fails(t *testing.T, bin string, rec *receiver.Receiver, r run, target string, want ...string) {
	t.Helper()
	before := rec.SpanCount()
	args := append([]string{"-endpoint", rec.Addr, "-timeout", failTimeout, "-json"}, r.args...)
	res := Run(t, bin, r.env, args...)
	out := Outcome(t, res)
	if res.Code != 1 {
		t.Errorf("exit code %d, want 1; output:\n%s", res.Code, res.Output())
	}
	for _, w := range append([]string{"0 of 9 spans delivered to " + target + " over "}, want...) {
		if !strings.Contains(out.Summary, w) {
			t.Errorf("summary %q does not say %q", out.Summary, w)
		}
	}
	if n := rec.SpanCount() - before; n != 0 {
		t.Errorf("%d spans arrived; want none", n)
	}
	// A collector answered, so the hint to start one would mislead.
	if strings.Contains(out.Hint, "Is a collector running there?") {
		t.Errorf("the hint asks whether a collector runs, though one answered: %q", out.Hint)
	}
	if strings.Contains(res.Output(), Token) {
		t.Errorf("the token appears in the output")
	}
}

func tlsErrors(t *testing.T, p config.Protocol, bin string, ca *testcerts.Authority) {
	secured := NewReceiverWith(p, receiver.Options{TLS: ca.ServerTLS(), Token: Token})
	defer secured.Close()
	plain := NewReceiver(p)
	defer plain.Close()
	securedPlainTarget := plainTarget(p, secured.Addr)
	stranger := testcerts.New(t)
	refusal := map[config.Protocol]string{config.GRPC: "Unauthenticated", config.HTTP: "401 Unauthorized"}[p]
	t.Run("-tls with the system's roots does not trust the test CA", func(t *testing.T) {
		fails(t, bin, secured, run{args: []string{"-tls", "-token", Token}}, tlsURL(p, secured),
			"certificate", "is not trusted", "-ca FILE")
	})
	t.Run("-ca of another CA", func(t *testing.T) {
		fails(t, bin, secured, run{args: []string{"-ca", stranger.CAFile, "-token", Token}}, tlsURL(p, secured),
			"certificate", "is not trusted", "-ca FILE")
	})
	t.Run("TLS to a plaintext collector", func(t *testing.T) {
		fails(t, bin, plain, run{args: []string{"-tls"}}, tlsURL(p, plain),
			"this program spoke TLS", "answered in plaintext")
	})
	t.Run("plaintext to a TLS collector", func(t *testing.T) {
		fails(t, bin, secured, run{args: []string{"-token", Token}}, securedPlainTarget,
			"this program spoke plaintext", "expects TLS", "-tls")
	})
	t.Run("wrong token", func(t *testing.T) {
		fails(t, bin, secured, run{args: []string{"-ca", ca.CAFile, "-token", "not-the-" + Token}}, tlsURL(p, secured),
			"refused the token: "+refusal, "-token")
	})
	t.Run("no token", func(t *testing.T) {
		fails(t, bin, secured, run{args: []string{"-ca", ca.CAFile}}, tlsURL(p, secured),
			"refused the token: "+refusal)
	})
}

// perProcess are resource attributes that differ between any two runs.
var perProcess = []string{"process.pid", "process.command_args"}

// sameAsGFInit runs the binary twice, once through gf's Init (plaintext)
// and once through package provider (TLS), and compares what arrived: the
// spans with their attributes and status, the resource, the compression
// and the headers' names.
func sameAsGFInit(t *testing.T, p config.Protocol, bin string, ca *testcerts.Authority) {
	plain := NewReceiver(p)
	defer plain.Close()
	secured := NewReceiverWith(p, receiver.Options{TLS: ca.ServerTLS()})
	defer secured.Close()
	// gf's otlpgrpc.Init sends the token, so both gRPC runs get it; gf's
	// otlphttp.Init sends none, so neither HTTP run does (with a token the
	// first would go through package provider too).
	var token []string
	if p == config.GRPC {
		token = []string{"-token", Token}
	}
	for _, args := range [][]string{
		append([]string{"-endpoint", plain.Addr}, token...),
		append([]string{"-endpoint", secured.Addr, "-ca", ca.CAFile}, token...),
	} {
		if res := Run(t, bin, nil, args...); res.Code != 0 {
			t.Fatalf("%v: exit code %d; output:\n%s", args, res.Code, res.Output())
		}
	}
	gf, ours := plain.Spans(), secured.Spans()
	if len(gf) != 9 || len(ours) != 9 {
		t.Fatalf("received %d spans through gf's Init and %d through provider; want 9 each", len(gf), len(ours))
	}
	for i := range gf {
		a, b := gf[i], ours[i]
		if a.Name != b.Name || !reflect.DeepEqual(a.Attributes, b.Attributes) || a.StatusCode != b.StatusCode ||
			a.StatusMessage != b.StatusMessage || (a.ParentSpanID == "") != (b.ParentSpanID == "") {
			t.Errorf("span %d differs:\ngf's Init: %s %v %s %q\nprovider:  %s %v %s %q", i,
				a.Name, a.Attributes, a.StatusCode, a.StatusMessage, b.Name, b.Attributes, b.StatusCode, b.StatusMessage)
		}
	}
	resGF, resOurs := maps.Clone(gf[0].Resource), maps.Clone(ours[0].Resource)
	for _, k := range perProcess {
		if _, ok := resGF[k]; !ok {
			t.Errorf("gf's Init sent no %s; the comparison leaves out an attribute that is not there", k)
		}
		delete(resGF, k)
		delete(resOurs, k)
	}
	// gf's Init sets host.name, and "hostname", to an IP address; the
	// provider follows the conventions: host.name is the host's name.
	hostname, _ := os.Hostname()
	if resOurs["host.name"] != hostname || resOurs["hostname"] != nil {
		t.Errorf("provider's host.name %v and hostname %v; want %q and none", resOurs["host.name"], resOurs["hostname"], hostname)
	}
	for _, k := range []string{"host.name", "hostname"} {
		delete(resGF, k)
		delete(resOurs, k)
	}
	if !reflect.DeepEqual(resGF, resOurs) {
		t.Errorf("resource differs:\ngf's Init: %v\nprovider:  %v", resGF, resOurs)
	}
	if resOurs["service.name"] == nil || resOurs["service.name"] == "" {
		t.Errorf("resource has no service.name: %v", resOurs)
	}
	reqGF, reqOurs := plain.Requests()[0], secured.Requests()[0]
	if reqGF.Compression != reqOurs.Compression || reqGF.Path != reqOurs.Path {
		t.Errorf("compression %q path %q through gf's Init, %q %q through provider", reqGF.Compression, reqGF.Path, reqOurs.Compression, reqOurs.Path)
	}
	t.Logf("compared resource %v and headers %v", slices.Sorted(maps.Keys(resOurs)), headerNames(reqOurs.Header))
	if a, b := headerNames(reqGF.Header), headerNames(reqOurs.Header); !slices.Equal(a, b) {
		t.Errorf("header names differ:\ngf's Init: %v\nprovider:  %v", a, b)
	}
	for _, h := range []string{"authentication", "user-agent", "content-type"} {
		if !slices.Equal(reqGF.Header[h], reqOurs.Header[h]) {
			t.Errorf("header %s: %q through gf's Init, %q through provider", h, reqGF.Header[h], reqOurs.Header[h])
		}
	}
}

func headerNames(h map[string][]string) []string {
	names := slices.Collect(maps.Keys(h))
	sort.Strings(names)
	return names
}

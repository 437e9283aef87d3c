package config

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"example.com/gftrace/internal/testcerts"
)

// envOf makes a getenv from KEY=VALUE strings, as a process sees them.
func envOf(pairs ...string) func(string) string {
	var kv []string
	for _, p := range pairs {
		k, v, _ := strings.Cut(p, "=")
		kv = append(kv, k, v)
	}
	return env(kv...)
}

func pool(t *testing.T, caFile string) *x509.CertPool {
	t.Helper()
	data, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(data)
	return p
}

func TestTLSSettings(t *testing.T) {
	ca := testcerts.New(t)
	other := testcerts.New(t)
	type want struct {
		tls      bool
		ca       string // the CA file whose pool RootCAs must equal; "" for the system's roots
		clientOK bool   // a client certificate is loaded
		target   string
	}
	cases := []struct {
		name string
		p    Protocol
		args []string
		env  []string
		want want
	}{
		{"plaintext by default, as gf's Init", GRPC, []string{"-endpoint", "127.0.0.1:4317"}, nil,
			want{target: "127.0.0.1:4317"}},
		{"-tls: the system's roots", GRPC, []string{"-endpoint", "127.0.0.1:4317", "-tls"}, nil,
			want{tls: true, target: "https://127.0.0.1:4317"}},
		{"-ca turns TLS on", GRPC, []string{"-endpoint", "127.0.0.1:4317", "-ca", ca.CAFile}, nil,
			want{tls: true, ca: ca.CAFile, target: "https://127.0.0.1:4317"}},
		{"https:// turns TLS on (gRPC)", GRPC, []string{"-endpoint", "https://127.0.0.1:4317"}, nil,
			want{tls: true, target: "https://127.0.0.1:4317"}},
		{"https:// turns TLS on (HTTP)", HTTP, []string{"-endpoint", "https://127.0.0.1:4318/v1/traces", "-ca", ca.CAFile}, nil,
			want{tls: true, ca: ca.CAFile, target: "https://127.0.0.1:4318/v1/traces"}},
		{"http:// stays plaintext", HTTP, []string{"-endpoint", "http://127.0.0.1:4318/v1/traces"}, nil,
			want{target: "http://127.0.0.1:4318/v1/traces"}},
		{"mutual TLS", GRPC, []string{"-endpoint", "127.0.0.1:4317", "-ca", ca.CAFile, "-cert", ca.ClientCertFile, "-key", ca.ClientKeyFile}, nil,
			want{tls: true, ca: ca.CAFile, clientOK: true, target: "https://127.0.0.1:4317"}},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE is -ca's default", GRPC, []string{"-endpoint", "127.0.0.1:4317"},
			[]string{"OTEL_EXPORTER_OTLP_CERTIFICATE=" + ca.CAFile},
			want{tls: true, ca: ca.CAFile, target: "https://127.0.0.1:4317"}},
		{"-ca wins over OTEL_EXPORTER_OTLP_CERTIFICATE", GRPC, []string{"-endpoint", "127.0.0.1:4317", "-ca", other.CAFile},
			[]string{"OTEL_EXPORTER_OTLP_CERTIFICATE=" + ca.CAFile},
			want{tls: true, ca: other.CAFile, target: "https://127.0.0.1:4317"}},
		{"the TRACES_ variable wins over the generic one", GRPC, []string{"-endpoint", "127.0.0.1:4317"},
			[]string{"OTEL_EXPORTER_OTLP_CERTIFICATE=" + ca.CAFile, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE=" + other.CAFile},
			want{tls: true, ca: other.CAFile, target: "https://127.0.0.1:4317"}},
		{"client certificate from the environment", HTTP, []string{"-endpoint", "127.0.0.1:4318", "-ca", ca.CAFile},
			[]string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=" + ca.ClientCertFile, "OTEL_EXPORTER_OTLP_CLIENT_KEY=" + ca.ClientKeyFile},
			want{tls: true, ca: ca.CAFile, clientOK: true, target: "https://127.0.0.1:4318/v1/traces"}},
		{"OTEL_EXPORTER_OTLP_INSECURE=false is -tls", GRPC, []string{"-endpoint", "127.0.0.1:4317"},
			[]string{"OTEL_EXPORTER_OTLP_INSECURE=false"},
			want{tls: true, target: "https://127.0.0.1:4317"}},
		{"-tls wins over OTEL_EXPORTER_OTLP_INSECURE=true", GRPC, []string{"-endpoint", "127.0.0.1:4317", "-tls"},
			[]string{"OTEL_EXPORTER_OTLP_INSECURE=true"},
			want{tls: true, target: "https://127.0.0.1:4317"}},
		{"-ca wins over OTEL_EXPORTER_OTLP_INSECURE=true", GRPC, []string{"-endpoint", "127.0.0.1:4317", "-ca", ca.CAFile},
			[]string{"OTEL_EXPORTER_OTLP_INSECURE=true"},
			want{tls: true, ca: ca.CAFile, target: "https://127.0.0.1:4317"}},
		{"-tls=false wins over OTEL_EXPORTER_OTLP_INSECURE=false", GRPC, []string{"-endpoint", "127.0.0.1:4317", "-tls=false"},
			[]string{"OTEL_EXPORTER_OTLP_INSECURE=false"},
			want{target: "127.0.0.1:4317"}},
		{"the scheme wins over OTEL_EXPORTER_OTLP_INSECURE (as OpenTelemetry says)", HTTP, []string{"-endpoint", "http://127.0.0.1:4318"},
			[]string{"OTEL_EXPORTER_OTLP_INSECURE=false"},
			want{target: "http://127.0.0.1:4318/v1/traces"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, _, err := Parse(c.p, c.args, envOf(c.env...))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := cfg.Target(); got != c.want.target {
				t.Errorf("Target %q, want %q", got, c.want.target)
			}
			if (cfg.TLS != nil) != c.want.tls {
				t.Fatalf("TLS on: %v, want %v", cfg.TLS != nil, c.want.tls)
			}
			if cfg.TLS == nil {
				return
			}
			switch {
			case c.want.ca == "" && cfg.TLS.RootCAs != nil:
				t.Errorf("RootCAs set; want the system's roots")
			case c.want.ca != "" && !cfg.TLS.RootCAs.Equal(pool(t, c.want.ca)):
				t.Errorf("RootCAs are not the CA of %s", c.want.ca)
			}
			if got := len(cfg.TLS.Certificates) == 1; got != c.want.clientOK {
				t.Errorf("client certificate loaded: %v, want %v", got, c.want.clientOK)
			}
		})
	}
}

// TestTLSBadInput: each bad setting is an error that names the flag or
// variable and the file, found by Parse (so before any span is made).
func TestTLSBadInput(t *testing.T) {
	ca := testcerts.New(t)
	other := testcerts.New(t)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	os.WriteFile(notPEM, []byte("this is not PEM\n"), 0o600)
	missing := filepath.Join(dir, "missing.pem")
	cases := []struct {
		args []string
		env  []string
		want []string // all must appear in the error
	}{
		{[]string{"-ca", missing}, nil, []string{"-ca", missing, "no such file"}},
		{[]string{"-ca", notPEM}, nil, []string{"-ca", notPEM, "not PEM"}},
		{[]string{"-ca", ca.ClientKeyFile}, nil, []string{"-ca", ca.ClientKeyFile, "no PEM certificate"}},
		{[]string{"-ca", ca.CAFile, "-cert", ca.ClientCertFile}, nil, []string{"-cert", ca.ClientCertFile, "-key"}},
		{[]string{"-ca", ca.CAFile, "-key", ca.ClientKeyFile}, nil, []string{"-key", ca.ClientKeyFile, "-cert"}},
		{[]string{"-cert", ca.ClientCertFile, "-key", other.ClientKeyFile}, nil, []string{"-cert", ca.ClientCertFile, other.ClientKeyFile, "matching private key"}},
		{[]string{"-cert", notPEM, "-key", ca.ClientKeyFile}, nil, []string{"-cert", notPEM, "not PEM"}},
		{[]string{"-cert", ca.ClientCertFile, "-key", missing}, nil, []string{"-key", missing, "no such file"}},
		{nil, []string{"OTEL_EXPORTER_OTLP_CERTIFICATE=" + missing}, []string{"OTEL_EXPORTER_OTLP_CERTIFICATE", missing}},
		// The exporter reads the variables too: a bad one is bad input even when a flag wins.
		{[]string{"-ca", ca.CAFile}, []string{"OTEL_EXPORTER_OTLP_CERTIFICATE=" + notPEM}, []string{"OTEL_EXPORTER_OTLP_CERTIFICATE", notPEM}},
		{nil, []string{"OTEL_EXPORTER_OTLP_CLIENT_KEY=" + notPEM}, []string{"OTEL_EXPORTER_OTLP_CLIENT_KEY", notPEM}},
		{nil, []string{"OTEL_EXPORTER_OTLP_INSECURE=maybe"}, []string{"OTEL_EXPORTER_OTLP_INSECURE", "maybe"}},
		{[]string{"-endpoint", "http://127.0.0.1:4317", "-tls"}, nil, []string{"-tls", "http://"}},
		{[]string{"-endpoint", "https://127.0.0.1:4317", "-tls=false"}, nil, []string{"-tls=false", "https://"}},
		{[]string{"-endpoint", "http://127.0.0.1:4317", "-ca", ca.CAFile}, nil, []string{"-ca", "http://"}},
		{[]string{"-tls=false", "-ca", ca.CAFile}, nil, []string{"-ca", "-tls=false"}},
		{nil, []string{"OTEL_EXPORTER_OTLP_INSECURE=true", "OTEL_EXPORTER_OTLP_CERTIFICATE=" + ca.CAFile}, []string{"OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_INSECURE=true"}},
		{[]string{"-endpoint", "gopher://127.0.0.1:4317"}, nil, []string{"gopher"}},
	}
	for _, c := range cases {
		_, _, err := Parse(GRPC, c.args, envOf(c.env...))
		if err == nil {
			t.Errorf("%v %v: no error", c.args, c.env)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v %v: error %q does not name %q", c.args, c.env, err, w)
			}
		}
	}
}

const secret = "s3cr3t-value"

func TestHeadersAndToken(t *testing.T) {
	cases := []struct {
		name        string
		p           Protocol
		args, env   []string
		wantToken   string
		wantHeaders map[string]string
	}{
		{"no token", HTTP, nil, nil, "", nil},
		{"-token on HTTP is taken, no longer refused", HTTP, []string{"-token", secret}, nil, secret, nil},
		{"TRACE_TOKEN on HTTP is taken", HTTP, nil, []string{"TRACE_TOKEN=" + secret}, secret, nil},
		{"-token wins over TRACE_TOKEN", GRPC, []string{"-token", secret}, []string{"TRACE_TOKEN=other"}, secret, nil},
		{"the Authentication entry of the headers is the token", GRPC, nil,
			[]string{"OTEL_EXPORTER_OTLP_HEADERS=x-team=blue, authentication=" + secret}, secret, map[string]string{"x-team": "blue"}},
		{"TRACE_TOKEN wins over the headers' Authentication", GRPC, nil,
			[]string{"TRACE_TOKEN=" + secret, "OTEL_EXPORTER_OTLP_HEADERS=Authentication=other"}, secret, nil},
		{"values are URL-decoded", HTTP, nil,
			[]string{"OTEL_EXPORTER_OTLP_HEADERS=x-api-key=a%20b%2Cc"}, "", map[string]string{"x-api-key": "a b,c"}},
		{"the TRACES_ variable wins whole", HTTP, nil,
			[]string{"OTEL_EXPORTER_OTLP_HEADERS=a=1", "OTEL_EXPORTER_OTLP_TRACES_HEADERS=b=2"}, "", map[string]string{"b": "2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, _, err := Parse(c.p, append([]string{"-endpoint", "127.0.0.1:4317"}, c.args...), envOf(c.env...))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Token != c.wantToken {
				t.Errorf("token %q, want %q", cfg.Token, c.wantToken)
			}
			if len(cfg.Headers) != len(c.wantHeaders) {
				t.Errorf("headers %v, want %v", cfg.Headers, c.wantHeaders)
			}
			for k, v := range c.wantHeaders {
				if cfg.Headers[k] != v {
					t.Errorf("header %s = %q, want %q", k, cfg.Headers[k], v)
				}
			}
		})
	}
}

func TestHeadersBadInputNeverPrintsValues(t *testing.T) {
	for _, value := range []string{
		"x-key=" + secret + ",broken",
		"bad name=" + secret,
		"x-key=" + secret + "%zz",
		"=" + secret,
	} {
		for _, key := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"} {
			_, _, err := Parse(HTTP, nil, envOf(key+"="+value))
			if err == nil {
				t.Errorf("%s=%q: no error", key, value)
				continue
			}
			if !strings.Contains(err.Error(), key) || strings.Contains(err.Error(), secret) {
				t.Errorf("%s=%q: error %q must name the variable and not print the value", key, value, err)
			}
		}
	}
	// The exporter reads both variables, so the one that loses is checked too.
	for _, c := range [][2]string{{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"}, {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"}} {
		bad, good := c[0], c[1]
		_, _, err := Parse(HTTP, nil, envOf(bad+"=bad name="+secret, good+"=x-key=1"))
		if err == nil || !strings.Contains(err.Error(), bad) || strings.Contains(err.Error(), secret) {
			t.Errorf("%s malformed, %s well-formed: error %v; want one naming %s without the value", bad, good, err, bad)
		}
	}
	_, _, err := Parse(GRPC, []string{"-token", secret + "\n"}, envOf())
	if err == nil || !strings.Contains(err.Error(), "-token") || strings.Contains(err.Error(), secret) {
		t.Errorf("a token with a newline: error %v; want one naming -token without the token", err)
	}
}

func TestPlaintextTokenWarning(t *testing.T) {
	ca := testcerts.New(t)
	cases := []struct {
		args, env []string
		warn      bool
	}{
		{[]string{"-endpoint", "collector.example:4317", "-token", secret}, nil, true},
		{[]string{"-endpoint", "http://collector.example:4318"}, []string{"TRACE_TOKEN=" + secret}, true},
		{[]string{"-endpoint", "collector.example:4317"}, []string{"OTEL_EXPORTER_OTLP_HEADERS=x-api-key=" + secret}, true},
		{[]string{"-endpoint", "collector.example:4317", "-tls", "-token", secret}, nil, false},
		{[]string{"-endpoint", "collector.example:4317", "-ca", ca.CAFile, "-token", secret}, nil, false},
		{[]string{"-endpoint", "127.0.0.1:4317", "-token", secret}, nil, false},
		{[]string{"-endpoint", "localhost:4317", "-token", secret}, nil, false},
		{[]string{"-endpoint", "[::1]:4317", "-token", secret}, nil, false},
		{[]string{"-endpoint", "collector.example:4317"}, nil, false},
	}
	for _, c := range cases {
		_, warnings, err := Parse(GRPC, c.args, envOf(c.env...))
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if got := len(warnings) == 1 && strings.Contains(warnings[0], "plaintext"); got != c.warn {
			t.Errorf("%v %v: warnings %q, want a plaintext warning: %v", c.args, c.env, warnings, c.warn)
		}
		for _, w := range warnings {
			if strings.Contains(w, secret) {
				t.Errorf("the warning prints the secret: %q", w)
			}
		}
	}
}

// TestTLSFilesReadOnce: a certificate or key file is read once, so a pipe
// works (-ca /dev/stdin, -key <(command)), even named by both a flag and a
// variable; a pipe no one writes to and a file that never ends are bad
// input within -timeout, named.
func TestTLSFilesReadOnce(t *testing.T) {
	ca := testcerts.New(t)
	pipe := func(content string) string {
		path := filepath.Join(t.TempDir(), "pipe")
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
		if content != "" {
			go func() {
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err == nil {
					f.WriteString(content)
					f.Close()
				}
			}()
		}
		return path
	}
	read := func(file string) string {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	caPipe, certPipe, keyPipe := pipe(read(ca.CAFile)), pipe(read(ca.ClientCertFile)), pipe(read(ca.ClientKeyFile))
	cfg, _, err := Parse(GRPC, []string{"-endpoint", "127.0.0.1:4317", "-ca", caPipe, "-cert", certPipe, "-key", keyPipe},
		envOf("OTEL_EXPORTER_OTLP_CERTIFICATE="+caPipe, "OTEL_EXPORTER_OTLP_CLIENT_KEY="+keyPipe))
	if err != nil {
		t.Fatalf("pipes: %v", err)
	}
	if !cfg.TLS.RootCAs.Equal(pool(t, ca.CAFile)) || len(cfg.TLS.Certificates) != 1 {
		t.Errorf("pipes: the CA or the client certificate was not loaded")
	}

	silent := pipe("")
	for _, c := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"-ca", silent}, nil, `invalid -ca "` + silent + `": it did not end within 300ms`},
		{nil, []string{"OTEL_EXPORTER_OTLP_CLIENT_KEY=" + silent}, `invalid OTEL_EXPORTER_OTLP_CLIENT_KEY "` + silent + `": it did not end within 300ms`},
		{[]string{"-ca", "/dev/zero"}, nil, `invalid -ca "/dev/zero": it is larger than 1 MiB`},
	} {
		start := time.Now()
		_, _, err := Parse(HTTP, append([]string{"-timeout", "300ms"}, c.args...), envOf(c.env...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: error %v, want %s", c.args, c.env, err, c.want)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%v %v: took %s with -timeout 300ms", c.args, c.env, took)
		}
	}
}

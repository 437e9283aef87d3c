// Package config reads the sample's settings from flags and the environment.
// A flag wins over the environment, the environment over the default. Bad
// input is an error that names the bad value; it is found before any span is
// made, and Load turns it into one line on stderr and exit code 2.
package config

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"example.com/gftrace/common/exitcode"
)

// Protocol is the OTLP transport a main exports with.
type Protocol string

// The two exporters of the sample.
const (
	GRPC Protocol = "grpc"
	HTTP Protocol = "http"
)

// String names the protocol as OpenTelemetry does: OTLP/gRPC or OTLP/HTTP.
func (p Protocol) String() string {
	if p == GRPC {
		return "OTLP/gRPC"
	}
	return "OTLP/HTTP"
}

// ExportHeaders are the headers of every export: the others of Headers and
// the token as Authentication, when there is one. (gf's otlpgrpc.Init also
// sends an empty Authentication without a token.)
func (c Config) ExportHeaders() map[string]string {
	h := maps.Clone(c.Headers)
	if h == nil {
		h = map[string]string{}
	}
	if c.Token != "" {
		h[AuthHeader] = c.Token
	}
	return h
}

// Program is the name of the sample's main for this protocol.
func (p Protocol) Program() string { return "inprocess-" + string(p) }

// DefaultEndpoint is where a local collector (Jaeger, an OpenTelemetry
// Collector) listens for this protocol.
func (p Protocol) DefaultEndpoint() string {
	if p == GRPC {
		return "localhost:4317"
	}
	return "localhost:4318"
}

// DefaultPath is the OTLP/HTTP path for traces.
const DefaultPath = "/v1/traces"

// Config is everything a main needs to run the sample.
type Config struct {
	Protocol Protocol
	Endpoint string // host:port, as gf's Init functions take it
	Path     string // URL path of the OTLP/HTTP endpoint; empty for gRPC
	Token    string // sent as the Authentication header; never printed
	// Headers are more headers for every export, from
	// OTEL_EXPORTER_OTLP_HEADERS (without Authentication, which is Token);
	// their values are never printed.
	Headers map[string]string
	// TLS is nil for plaintext, which is how gf's Init functions dial.
	// Otherwise the exporter uses TLS with it: RootCAs from -ca (nil: the
	// system's roots), Certificates from -cert and -key.
	TLS *tls.Config
	// HTTPClient, when not nil, is the client of the OTLP/HTTP exporter that
	// package provider builds, with TLS as TLS says. The report sets one that
	// follows no redirect and lets only OTLP answers through
	// (delivery.HTTPClient); nil is the exporter's own client.
	HTTPClient *http.Client
	Service    string // service.name of the spans
	Users      []int
	Timeout    time.Duration // the longest the program waits for the collector at the end
	JSON       bool          // print the result as one JSON line instead of the report
	// OwnProvider (-provider own) exports with the sample's own provider
	// even where gf's Init would do: over OTLP/HTTP its client reads every
	// answer, which gf's cannot (see delivery's unseen.go).
	OwnProvider bool

	Sampling // the head sampler, from -sample or OTEL_TRACES_SAMPLER (see sampler.go)

	// High-volume mode (see package load): Traces runs of the tree, each its
	// own trace, from Concurrency goroutines. Pace keeps the batch span
	// processor from dropping spans; Batch is that processor's configuration.
	Traces      int
	Concurrency int
	Pace        bool
	Batch       Batch

	// inputSecrets are the secrets of the input, those a flag overrode
	// included (see Redact).
	inputSecrets []secretValue
	redaction    *redactor // built once, when Parse knows the secrets
}

// Batch is the configuration of the batch span processor that gf's Init
// builds: the OpenTelemetry SDK reads it from the OTEL_BSP_* variables.
type Batch struct {
	QueueSize     int           // OTEL_BSP_MAX_QUEUE_SIZE: spans waiting to be exported; more are dropped
	BatchSize     int           // OTEL_BSP_MAX_EXPORT_BATCH_SIZE: spans in one export request
	ScheduleDelay time.Duration // OTEL_BSP_SCHEDULE_DELAY: the longest a span waits for a full batch
	ExportTimeout time.Duration // OTEL_BSP_EXPORT_TIMEOUT: the longest one export may take

	// Set is what the program sets itself, as KEY=value, for a
	// high-volume run: a larger queue and batch than the SDK's defaults,
	// where the environment does not say. report.Setup puts them in the
	// environment, where the SDK reads them when gf's Init builds the
	// processor.
	Set []string
}

// The batch processor's defaults: the SDK's, and the program's for a
// high-volume run. Measured here, the larger queue and batch deliver about
// a quarter more spans per second, for some tens of MB.
const (
	sdkQueueSize, sdkBatchSize       = 2048, 512
	volumeQueueSize, volumeBatchSize = 8192, 1024
)

// The bounds of the high-volume settings: beyond them a run takes hours or
// its queue alone fills the memory.
const (
	MaxTraces      = 10_000_000
	MaxConcurrency = 1024
	MaxQueueSize   = 1 << 20
)

// Target is where the spans go, as a user would write it: host:port for
// gRPC (https://host:port with TLS), the URL for HTTP.
func (c Config) Target() string {
	switch {
	case c.Protocol == HTTP && c.TLS != nil:
		return "https://" + c.Endpoint + c.Path
	case c.Protocol == HTTP:
		return "http://" + c.Endpoint + c.Path
	case c.TLS != nil:
		return "https://" + c.Endpoint
	}
	return c.Endpoint
}

// IsDefaultEndpoint tells whether the spans go to the local default
// collector, whose UI is then at report.JaegerUI.
func (c Config) IsDefaultEndpoint() bool {
	return c.Endpoint == c.Protocol.DefaultEndpoint()
}

// ErrHelp is returned by Parse when -h or -help was asked for.
var ErrHelp = flag.ErrHelp

// Load parses the command line and the environment of this process. On bad
// input it prints one line naming the value and returns exit code 2; -h
// prints the usage and returns 0; ok says whether to run. It changes
// nothing in the process: see report.Setup.
func Load(p Protocol) (cfg Config, exit int, ok bool) {
	name := p.Program()
	cfg, warnings, err := Parse(p, os.Args[1:], os.Getenv)
	// The messages name bad values without their secrets; redacting them
	// is the safety net for a secret in an unexpected place.
	stderr := Config{inputSecrets: inputSecrets(os.Args[1:], os.Getenv)}.RedactWriter(os.Stderr)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", name, w)
	}
	switch {
	case errors.Is(err, ErrHelp):
		Usage(os.Stdout, p)
		return cfg, 0, false
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v (see -h)\n", name, err)
		return cfg, exitcode.BadInput, false
	}
	return cfg, 0, true
}

// flags are the command line's values, as newFlagSet defines them.
type flags struct {
	endpoint, path, token, ca, cert, key, service, users, timeout, traces, workers, sample, provider *string
	useTLS, pace, asJSON                                                                             *bool
}

// newFlagSet defines the flags of the main for p: the one list, which
// Parse reads and the secrets' scan of a command line consults.
func newFlagSet(p Protocol) (*flag.FlagSet, flags) {
	fs := flag.NewFlagSet(p.Program(), flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by the caller, in one line
	fs.Usage = func() {}
	return fs, flags{
		endpoint: fs.String("endpoint", "", ""),
		path:     fs.String("path", "", ""),
		token:    fs.String("token", "", ""),
		useTLS:   fs.Bool("tls", false, ""),
		ca:       fs.String("ca", "", ""),
		cert:     fs.String("cert", "", ""),
		key:      fs.String("key", "", ""),
		service:  fs.String("service", "", ""),
		users:    fs.String("users", "100,1", ""),
		timeout:  fs.String("timeout", "5s", ""),
		traces:   fs.String("traces", "1", ""),
		workers:  fs.String("concurrency", "1", ""),
		pace:     fs.Bool("pace", true, ""),
		asJSON:   fs.Bool("json", false, ""),
		sample:   fs.String("sample", "", ""),
		provider: fs.String("provider", "gf", ""),
	}
}

// Parse reads args and the environment through getenv. Besides the
// configuration it returns warnings: settings that are valid but will not
// do what the user may expect.
func Parse(p Protocol, args []string, getenv func(string) string) (Config, []string, error) {
	fs, f := newFlagSet(p)
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, err
	}
	if fs.NArg() > 0 {
		return Config{}, nil, fmt.Errorf("unexpected argument %q", withoutUserInfo(fs.Arg(0)))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	cfg := Config{Protocol: p, inputSecrets: inputSecrets(args, getenv)}
	var warnings []string

	ep, err := resolveEndpoint(p, *f.endpoint, set["endpoint"], getenv)
	if err != nil {
		return Config{}, nil, err
	}
	cfg.Endpoint, cfg.Path = ep.hostPort, ep.path
	if set["path"] {
		if p != HTTP {
			return Config{}, nil, errors.New("-path is for OTLP/HTTP only; a gRPC endpoint has no path")
		}
		if cfg.Path, err = parsePath(*f.path); err != nil {
			return Config{}, nil, fmt.Errorf("invalid -path %q: %v", *f.path, err)
		}
	}

	// Before the TLS files, whose reading it bounds.
	if cfg.Timeout, err = time.ParseDuration(*f.timeout); err != nil || cfg.Timeout <= 0 {
		return Config{}, nil, fmt.Errorf("invalid -timeout %q: want a positive duration such as 5s or 500ms", *f.timeout)
	}
	if cfg.TLS, err = resolveTLS(tlsFlags{*f.useTLS, *f.ca, *f.cert, *f.key, set, ep, getenv, cfg.Timeout}); err != nil {
		return Config{}, nil, err
	}
	if cfg.Token, cfg.Headers, err = resolveHeaders(p, *f.token, set["token"], getenv); err != nil {
		return Config{}, nil, err
	}
	if w := secretsInPlaintext(cfg); w != "" {
		warnings = append(warnings, w)
	}

	var samplerWarnings []string
	if cfg.Sampling, samplerWarnings, err = resolveSampler(*f.sample, set["sample"], getenv); err != nil {
		return Config{}, nil, err
	}
	warnings = append(warnings, samplerWarnings...)
	otelWarnings, err := checkOTelEnv(p, getenv)
	if err != nil {
		return Config{}, nil, err
	}
	warnings = append(warnings, otelWarnings...)

	cfg.Service = p.Program()
	if s := pick("-service", *f.service, set["service"], getenv, "OTEL_SERVICE_NAME"); s.source != "" {
		cfg.Service = s.value
		// Left to the exporter, it fails every export as the collector's
		// refusal, or a gRPC marshalling error.
		if !utf8.ValidString(s.value) {
			return Config{}, nil, fmt.Errorf("invalid %s %q: it is not valid UTF-8", s.source, s.value)
		}
	}
	if strings.TrimSpace(cfg.Service) == "" {
		return Config{}, nil, errors.New("invalid service name: it is empty")
	}

	if cfg.Users, err = ParseUsers(*f.users); err != nil {
		return Config{}, nil, err
	}
	if cfg.Traces, err = bounded("-traces", *f.traces, MaxTraces); err != nil {
		return Config{}, nil, err
	}
	if cfg.Concurrency, err = bounded("-concurrency", *f.workers, MaxConcurrency); err != nil {
		return Config{}, nil, err
	}
	cfg.Pace, cfg.JSON = *f.pace, *f.asJSON
	switch *f.provider {
	case "gf":
	case "own":
		cfg.OwnProvider = true
	default:
		return Config{}, nil, fmt.Errorf("invalid -provider %q: want gf (gf's Init) or own (the sample's own provider, which reads every answer)", *f.provider)
	}
	if cfg.Batch, err = parseBatch(getenv, cfg.Traces > 1); err != nil {
		return Config{}, nil, err
	}
	cfg.redaction = newRedactor(cfg)
	return cfg, warnings, nil
}

// bounded reads a whole number from 1 to max.
func bounded(name, s string, max int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, fmt.Errorf("invalid %s %q: want a whole number from 1 to %d", name, s, max)
	}
	return n, nil
}

// milliseconds reads a duration in milliseconds from 1 to an hour.
func milliseconds(name, s string) (time.Duration, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 3_600_000 {
		return 0, fmt.Errorf("invalid %s %q: want milliseconds from 1 to 3600000", name, s)
	}
	return time.Duration(n) * time.Millisecond, nil
}

// parseBatch reads the OTEL_BSP_* variables with the SDK's defaults and
// rules, or for a high-volume run the program's defaults. The SDK would
// ignore a malformed value and use its default; here it is bad input, and
// so is a value that would stall or crash the processor.
func parseBatch(getenv func(string) string, volume bool) (Batch, error) {
	b := Batch{QueueSize: sdkQueueSize, BatchSize: sdkBatchSize, ScheduleDelay: 5 * time.Second, ExportTimeout: 30 * time.Second}
	var err error
	v, queueSet := lookup(getenv, "OTEL_BSP_MAX_QUEUE_SIZE")
	if queueSet {
		if b.QueueSize, err = bounded("OTEL_BSP_MAX_QUEUE_SIZE", v, MaxQueueSize); err != nil {
			return Batch{}, err
		}
	}
	v, batchSet := lookup(getenv, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE")
	if batchSet {
		if b.BatchSize, err = bounded("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", v, MaxQueueSize); err != nil {
			return Batch{}, err
		}
	}
	if volume && !queueSet {
		b.QueueSize = volumeQueueSize
		b.Set = append(b.Set, fmt.Sprintf("OTEL_BSP_MAX_QUEUE_SIZE=%d", b.QueueSize))
	}
	if volume && !batchSet {
		b.BatchSize = min(volumeBatchSize, b.QueueSize)
		b.Set = append(b.Set, fmt.Sprintf("OTEL_BSP_MAX_EXPORT_BATCH_SIZE=%d", b.BatchSize))
	}
	if b.BatchSize > b.QueueSize {
		b.BatchSize = min(sdkBatchSize, b.QueueSize) // what the SDK does
	}
	if v, ok := lookup(getenv, "OTEL_BSP_SCHEDULE_DELAY"); ok {
		if b.ScheduleDelay, err = milliseconds("OTEL_BSP_SCHEDULE_DELAY", v); err != nil {
			return Batch{}, err
		}
	}
	if v, ok := lookup(getenv, "OTEL_BSP_EXPORT_TIMEOUT"); ok {
		if b.ExportTimeout, err = milliseconds("OTEL_BSP_EXPORT_TIMEOUT", v); err != nil {
			return Batch{}, err
		}
	}
	return b, nil
}

// ParseUsers reads a comma-separated list of user ids such as "100,1".
func ParseUsers(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("invalid -users \"\": want user ids such as 100,1")
	}
	var ids []int
	for _, field := range strings.Split(s, ",") {
		id, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			return nil, fmt.Errorf("invalid -users %q: %q is not an integer user id", s, field)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// endpoint is where the spans go, as resolveEndpoint found it.
type endpoint struct {
	hostPort, path string
	scheme         string // "http", "https", or "" for host:port
	raw, source    string // as given, and where: -endpoint, a variable, or default
}

// resolveEndpoint picks the endpoint from the flag, the environment or the
// default, and splits it into host:port and (for HTTP) the URL path.
func resolveEndpoint(p Protocol, flagValue string, flagSet bool, getenv func(string) string) (endpoint, error) {
	// A malformed variable is bad input even when the flag overrides it:
	// the exporter reads these variables too.
	for _, key := range otlpKeys("ENDPOINT") {
		if v, ok := lookup(getenv, key); ok {
			if _, _, err := ParseEndpoint(v); err != nil {
				return endpoint{}, fmt.Errorf("invalid %s %q: %v", key, withoutUserInfo(v), err)
			}
		}
	}
	chosen := pick("-endpoint", flagValue, flagSet, getenv, otlpKeys("ENDPOINT")...)
	if chosen.source == "" {
		chosen = setting{p.DefaultEndpoint(), "default"}
	}
	source, raw := chosen.source, chosen.value
	// The signal-specific variable is a full URL; the generic one is a base
	// URL to which OTLP/HTTP appends /v1/traces (OpenTelemetry's rules).
	generic := source == "OTEL_EXPORTER_OTLP_ENDPOINT"
	hostPort, path, err := ParseEndpoint(raw)
	if err != nil {
		return endpoint{}, fmt.Errorf("invalid %s %q: %v", source, withoutUserInfo(raw), err)
	}
	switch {
	case p == GRPC && path != "" && path != "/":
		return endpoint{}, fmt.Errorf("invalid %s %q: a gRPC endpoint has no path", source, withoutUserInfo(raw))
	case p == GRPC:
		path = ""
	case generic:
		path = strings.TrimSuffix(path, "/") + DefaultPath
	case path == "" || path == "/":
		path = DefaultPath
	}
	return endpoint{hostPort: hostPort, path: path, scheme: scheme(raw), raw: raw, source: source}, nil
}

// scheme returns the scheme of an endpoint that ParseEndpoint accepted:
// "http", "https", or "" for host:port.
func scheme(raw string) string {
	if !strings.Contains(raw, "://") {
		return ""
	}
	u, _ := url.Parse(raw)
	return u.Scheme // url.Parse gives it in lower case
}

// ParseEndpoint accepts host:port or http(s)://host:port[/path] and returns
// host:port and the path. https:// means TLS (see Config.TLS). Its errors
// never quote user info, which may hold a password.
func ParseEndpoint(raw string) (hostPort, path string, err error) {
	if start, _ := userInfo(raw); start >= 0 {
		return "", "", errors.New("user info (before @) is not accepted; pass the token with -token")
	}
	if scheme, rest, ok := strings.Cut(raw, "://"); ok {
		switch s := strings.ToLower(scheme); {
		case !schemeName.MatchString(scheme):
			return "", "", errors.New("want host:port or http(s)://host:port/path")
		case s != "http" && s != "https":
			return "", "", fmt.Errorf("scheme %q is not supported; use http://, https:// or host:port", s)
		}
		u, err := url.Parse(raw)
		if err != nil {
			// Say what is wrong with the host or port, if that is it.
			authority, _, _ := strings.Cut(strings.SplitN(rest, "?", 2)[0], "/")
			if _, err := splitHostPort(authority); err != nil {
				return "", "", err
			}
			return "", "", errors.New("not a URL")
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return "", "", errors.New("a URL with a query or fragment is not accepted")
		}
		raw, path = u.Host, u.Path
	}
	hostPort, err = splitHostPort(raw)
	return hostPort, path, err
}

// parsePath checks a -path as ParseEndpoint checks the path of a URL, and
// returns it as that does (unescaped): a path that is no URL path would make
// the exporter fall back to its default endpoint, the token with it.
func parsePath(raw string) (string, error) {
	if !strings.HasPrefix(raw, "/") {
		return "", errors.New("it must start with /")
	}
	u, err := url.Parse("http://127.0.0.1" + raw)
	switch {
	case err != nil:
		return "", errors.New("not a URL path (a % must start an escape such as %2F, and control characters are not allowed)")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return "", errors.New("a path with a query or fragment is not accepted")
	}
	return u.Path, nil
}

// splitHostPort checks host:port and returns it with the port in its
// plain form (0080 becomes 80).
func splitHostPort(raw string) (string, error) {
	host, port, err := net.SplitHostPort(raw)
	if err != nil {
		return "", errors.New("want host:port or http(s)://host:port/path")
	}
	ip, zone, hasZone := strings.Cut(host, "%")
	switch {
	case host == "":
		return "", errors.New("the host is missing")
	case hasZone && net.ParseIP(ip) != nil && net.ParseIP(ip).To4() == nil:
		// grpc-go cannot parse the target (dns:///[::1%lo]:4317) and
		// stops gf's Init; the HTTP exporter's URL cannot carry it either.
		return "", fmt.Errorf("an IPv6 zone (%%%s) is not supported by the OTLP exporters; use an address without one", zone)
	case hasZone || net.ParseIP(host) == nil && !hostName(host):
		return "", fmt.Errorf("host %q is not a host name or an IP address", host)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strings.Trim(port, "0123456789") != "" {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// hostName tells whether s is made of letters, digits, dots, hyphens and
// underscores, as host names are.
func hostName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// lookup returns the environment variable's value when it is set and not empty.
func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

// Usage prints the flags with their environment variables and defaults.
func Usage(w io.Writer, p Protocol) {
	name := p.Program()
	fmt.Fprintf(w, `Usage: %s [flags]

Runs the sample's span tree (main → GetUser → GetInfo, GetDetail, GetScores)
for each user and exports it over %s. A flag wins over the environment, the
environment over the default; OTEL_EXPORTER_OTLP_TRACES_X wins over
OTEL_EXPORTER_OTLP_X.

  flag       environment                           default
  -endpoint  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,   %s
             then OTEL_EXPORTER_OTLP_ENDPOINT      (host:port or http(s)://host:port/path)
`, name, p, p.DefaultEndpoint())
	if p == HTTP {
		fmt.Fprintf(w, "  -path      (the endpoint URL's path)             %s\n", DefaultPath)
	}
	fmt.Fprintf(w, `  -token     TRACE_TOKEN, then the Authentication  (none; sent as the Authentication header)
             entry of OTEL_EXPORTER_OTLP_HEADERS
  -tls       OTEL_EXPORTER_OTLP_INSECURE=false     off    (TLS with the system's roots;
                                                          an https:// endpoint turns it on too)
  -ca        OTEL_EXPORTER_OTLP_CERTIFICATE        (none; PEM file of the CA that signed
                                                          the collector's certificate; turns TLS on)
  -cert      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE (none; PEM client certificate for mutual TLS)
  -key       OTEL_EXPORTER_OTLP_CLIENT_KEY         (none; PEM private key of -cert)
             OTEL_EXPORTER_OTLP_HEADERS            (none; more headers: name=value,name=value)
  -service   OTEL_SERVICE_NAME                     %s
  -users                                           100,1  (user ids; 100 exists, 1 does not)
  -timeout                                         5s     (the longest to wait for the collector at the end)
  -json                                            off    (print the result as one JSON line, the last on stdout,
                                                          instead of the report)
  -provider                                        gf     (gf: gf's Init; own: the sample's own provider, whose
                                                          OTLP/HTTP client reads every collector answer)
  -sample    OTEL_TRACES_SAMPLER                   (none: every trace, as gf's Init)
             OTEL_TRACES_SAMPLER_ARG               (the ratio of the *traceidratio samplers; 1 when unset)
             -sample R keeps the share R (0 to 1) of new traces: parentbased_traceidratio with
             the ratio R. The variable takes always_on, always_off, traceidratio,
             parentbased_always_on, parentbased_always_off or parentbased_traceidratio.

High volume: with -traces above 1 the program prints a summary instead of
the users and the picture.
  -traces                                          1      (times to make the tree, each its own trace; at most %d)
  -concurrency                                     1      (goroutines making traces; at most %d)
  -pace                                            true   (keeps the batch processor from dropping spans; -pace=false lets it)
             OTEL_BSP_MAX_QUEUE_SIZE               2048   (the batch span processor's queue; at most %d;
                                                          8192 for -traces above 1)
             OTEL_BSP_MAX_EXPORT_BATCH_SIZE        512    (spans in one export request; 1024 for -traces above 1)
             OTEL_BSP_SCHEDULE_DELAY               5000   (ms a span waits at most for a full batch)
             OTEL_BSP_EXPORT_TIMEOUT               30000  (ms one export may take at most)

%s
Other OTEL_* variables that the exporter and the SDK read (OTEL_EXPORTER_OTLP_TIMEOUT,
_COMPRESSION, _PROTOCOL, OTEL_RESOURCE_ATTRIBUTES, the span limits) are checked too.

Exit codes: 0 %s;
1 not every span did, 2 bad input,
130 or 143 a -traces run stopped by SIGINT (Ctrl-C) or SIGTERM, after flushing what it made
(a second signal exits at once).
`, name, MaxTraces, MaxConcurrency, MaxQueueSize, whichInit[p], exitZero[p])
}

// exitZero says what exit code 0 means: over gf's otlphttp.Init this
// program cannot read the collector's answers (see delivery's unseen.go).
var exitZero = map[Protocol]string{
	GRPC: "every span reached the collector",
	HTTP: `every span reached the collector (the own provider: -provider own, or a token,
headers, TLS or a sampler); with gf's otlphttp.Init, whose answers this program cannot
read, every span was sent and answered 2xx, and an OTLP collector answered the checks
before the first export and after the last, which does not prove each export in between`,
}

// whichInit tells the user which code exports, and why (see package provider).
var whichInit = map[Protocol]string{
	GRPC: `gf's otlpgrpc.Init exports in plaintext. With TLS, OTEL_EXPORTER_OTLP_HEADERS or a
sampler, package provider builds the same pipeline with them: gf's Init always dials
without TLS, sends only the token and samples every trace.
`,
	HTTP: `gf's otlphttp.Init exports in plaintext. With TLS, a token,
OTEL_EXPORTER_OTLP_HEADERS or a sampler, package provider builds the same pipeline
with them: gf's Init always uses plain HTTP, sends no headers and samples every trace.
`,
}

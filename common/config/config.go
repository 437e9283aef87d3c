// Package config reads the sample's settings from flags and the environment.
// A flag wins over the environment, the environment over the default. Bad
// input is an error that names the bad value, found before any span is
// made; Load turns it into one line on stderr and exit code 2.
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
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"example.com/gftrace/common/exitcode"
)

// Protocol is the OTLP transport a main exports with.
type Protocol string

// The two exporters of the sample.
const (
	GRPC Protocol = "grpc"
	HTTP Protocol = "http"
)

// String names the protocol as OpenTelemetry does.
func (p Protocol) String() string {
	return map[Protocol]string{GRPC: "OTLP/gRPC", HTTP: "OTLP/HTTP"}[p]
}

// Program is the name of the sample's main for this protocol.
func (p Protocol) Program() string { return "inprocess-" + string(p) }

// DefaultEndpoint is where a local collector listens for this protocol.
func (p Protocol) DefaultEndpoint() string {
	return map[Protocol]string{GRPC: "localhost:4317", HTTP: "localhost:4318"}[p]
}

// DefaultPath is the OTLP/HTTP path for traces.
const DefaultPath = "/v1/traces"

// Config is everything a main needs to run the sample.
type Config struct {
	Protocol    Protocol
	Endpoint    string            // host:port, as gf's Init functions take it
	Path        string            // URL path of the OTLP/HTTP endpoint; empty for gRPC
	Token       string            // sent as the Authentication header; never printed
	Headers     map[string]string // the other headers of OTEL_EXPORTER_OTLP_HEADERS; never printed
	TLS         *tls.Config       // nil: plaintext, as gf's Init dials; RootCAs nil: the system's
	HTTPClient  *http.Client      // the own OTLP/HTTP exporter's; nil: its own (the report sets one)
	Service     string            // service.name of the spans
	Users       []int
	Timeout     time.Duration // the longest the program waits for the collector at the end
	JSON        bool          // print the result as one JSON line instead of the report
	OwnProvider bool          // -provider own: the own provider, whose HTTP client reads every answer

	Sampling // the head sampler (see sampler.go)

	// High-volume mode (see package load).
	Traces      int
	Concurrency int
	Pace        bool
	Batch       Batch

	inputSecrets []secretValue // those of the input, overridden ones included
	redaction    *redactor     // built once, by Parse
}

// Batch is the batch span processor's configuration, which the SDK reads
// from the OTEL_BSP_* variables when gf's Init builds it.
type Batch struct {
	QueueSize     int           // OTEL_BSP_MAX_QUEUE_SIZE: more spans waiting are dropped
	BatchSize     int           // OTEL_BSP_MAX_EXPORT_BATCH_SIZE: spans in one export request
	ScheduleDelay time.Duration // OTEL_BSP_SCHEDULE_DELAY
	ExportTimeout time.Duration // OTEL_BSP_EXPORT_TIMEOUT
	// Set is what the program sets for a high-volume run where the
	// environment is silent, as KEY=value; report.Setup exports them.
	Set []string
}

// The program's queue and batch for a high-volume run, larger than the SDK's:
// measured here, a quarter more spans per second for some tens of MB.
const volumeQueueSize, volumeBatchSize = 8192, 1024

// Beyond these, a run takes hours or its queue fills the memory.
const (
	MaxTraces      = 10_000_000
	MaxConcurrency = 1024
	MaxQueueSize   = 1 << 20
)

// Target is where the spans go, as a user would write it: host:port for
// gRPC (https://host:port with TLS), the URL for HTTP.
func (c Config) Target() string {
	switch {
	case c.TLS != nil:
		return "https://" + c.Endpoint + c.Path
	case c.Protocol == HTTP:
		return "http://" + c.Endpoint + c.Path
	}
	return c.Endpoint
}

// IsDefaultEndpoint tells whether the spans go to the local default
// collector, whose UI is then at report.JaegerUI.
func (c Config) IsDefaultEndpoint() bool { return c.Endpoint == c.Protocol.DefaultEndpoint() }

// ExportHeaders are the headers of every export: Headers, and the token as
// Authentication when there is one.
func (c Config) ExportHeaders() map[string]string {
	h := map[string]string{}
	maps.Copy(h, c.Headers)
	if c.Token != "" {
		h[AuthHeader] = c.Token
	}
	return h
}

// ErrHelp is returned by Parse when -h or -help was asked for.
var ErrHelp = flag.ErrHelp

// Load parses the command line and the environment of this process. On bad
// input it prints one line naming the value and returns exit code 2; -h
// prints the usage and returns 0; ok says whether to run. It changes
// nothing in the process: see report.Setup.
func Load(p Protocol) (cfg Config, exit int, ok bool) {
	cfg, warnings, err := Parse(p, os.Args[1:], os.Getenv)
	// The messages omit secrets; redaction is the safety net.
	stderr := Config{inputSecrets: inputSecrets(os.Args[1:], os.Getenv)}.RedactWriter(os.Stderr)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", p.Program(), w)
	}
	switch {
	case errors.Is(err, ErrHelp):
		Usage(os.Stdout, p)
		return cfg, 0, false
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v (see -h)\n", p.Program(), err)
		return cfg, exitcode.BadInput, false
	}
	return cfg, 0, true
}

// newFlagSet defines the mains' flags: Parse reads them, and the scan of a
// command line for secrets asks which take no value.
func newFlagSet(p Protocol) *flag.FlagSet {
	fs := flag.NewFlagSet(p.Program(), flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the caller reports errors, in one line
	fs.Usage = func() {}
	for name, value := range map[string]string{"endpoint": "", "path": "", "token": "", "ca": "", "cert": "", "key": "", "service": "",
		"users": "100,1", "timeout": "5s", "traces": "1", "concurrency": "1", "sample": "", "provider": "gf"} {
		fs.String(name, value, "")
	}
	for name, value := range map[string]bool{"tls": false, "pace": true, "json": false} {
		fs.Bool(name, value, "")
	}
	return fs
}

// Parse reads args and the environment through getenv. The warnings are
// settings that are valid but will not do what the user may expect.
func Parse(p Protocol, args []string, getenv func(string) string) (cfg Config, warnings []string, err error) {
	fs := newFlagSet(p)
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, err
	}
	if fs.NArg() > 0 {
		return Config{}, nil, fmt.Errorf("unexpected argument %q", withoutUserInfo(fs.Arg(0)))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	arg := func(name string) string { return fs.Lookup(name).Value.String() }
	cfg = Config{Protocol: p, inputSecrets: inputSecrets(args, getenv), Service: p.Program(), JSON: arg("json") == "true", Pace: arg("pace") == "true"}

	ep, err := resolveEndpoint(p, arg("endpoint"), set["endpoint"], getenv)
	if err != nil {
		return Config{}, nil, err
	}
	cfg.Endpoint, cfg.Path = ep.hostPort, ep.path
	if set["path"] {
		if p != HTTP {
			return Config{}, nil, errors.New("-path is for OTLP/HTTP only; a gRPC endpoint has no path")
		}
		if cfg.Path, err = parsePath(arg("path")); err != nil {
			return Config{}, nil, fmt.Errorf("invalid -path %q: %v", arg("path"), err)
		}
	}
	// Before the TLS files, whose reading it bounds.
	if cfg.Timeout, err = time.ParseDuration(arg("timeout")); err != nil || cfg.Timeout <= 0 {
		return Config{}, nil, fmt.Errorf("invalid -timeout %q: want a positive duration such as 5s or 500ms", arg("timeout"))
	}
	if cfg.TLS, err = resolveTLS(arg, set, ep, getenv, cfg.Timeout); err != nil {
		return Config{}, nil, err
	}
	if cfg.Token, cfg.Headers, err = resolveHeaders(p, arg("token"), set["token"], getenv); err != nil {
		return Config{}, nil, err
	}
	if w := secretsInPlaintext(cfg); w != "" {
		warnings = append(warnings, w)
	}
	var more []string
	if cfg.Sampling, more, err = resolveSampler(arg("sample"), set["sample"], getenv); err != nil {
		return Config{}, nil, err
	}
	warnings = append(warnings, more...)
	if more, err = checkOTelEnv(p, getenv); err != nil {
		return Config{}, nil, err
	}
	warnings = append(warnings, more...)

	if s := pick("-service", arg("service"), set["service"], getenv, "OTEL_SERVICE_NAME"); s.source != "" {
		cfg.Service = s.value
		// Left to the exporter, every export fails.
		if !utf8.ValidString(s.value) {
			return Config{}, nil, fmt.Errorf("invalid %s %q: it is not valid UTF-8", s.source, s.value)
		}
	}
	if strings.TrimSpace(cfg.Service) == "" {
		return Config{}, nil, errors.New("invalid service name: it is empty")
	}
	if cfg.Users, err = ParseUsers(arg("users")); err != nil {
		return Config{}, nil, err
	}
	if cfg.Traces, err = bounded("-traces", arg("traces"), MaxTraces); err != nil {
		return Config{}, nil, err
	}
	if cfg.Concurrency, err = bounded("-concurrency", arg("concurrency"), MaxConcurrency); err != nil {
		return Config{}, nil, err
	}
	switch arg("provider") {
	case "gf":
	case "own":
		cfg.OwnProvider = true
	default:
		return Config{}, nil, fmt.Errorf("invalid -provider %q: want gf (gf's Init) or own (the sample's own provider, which reads every answer)", arg("provider"))
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

// parseBatch reads the OTEL_BSP_* variables as the SDK does, for the
// report. A value the SDK would ignore, or that would stall the processor,
// is bad input here.
func parseBatch(getenv func(string) string, volume bool) (b Batch, err error) {
	b = Batch{QueueSize: sdktrace.DefaultMaxQueueSize, BatchSize: sdktrace.DefaultMaxExportBatchSize, // the SDK's defaults
		ScheduleDelay: sdktrace.DefaultScheduleDelay * time.Millisecond, ExportTimeout: sdktrace.DefaultExportTimeout * time.Millisecond}
	sizes := []struct {
		key    string
		size   *int
		volume func() int
	}{
		{"OTEL_BSP_MAX_QUEUE_SIZE", &b.QueueSize, func() int { return volumeQueueSize }},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", &b.BatchSize, func() int { return min(volumeBatchSize, b.QueueSize) }},
	}
	for _, s := range sizes {
		if v, ok := lookup(getenv, s.key); ok {
			if *s.size, err = bounded(s.key, v, MaxQueueSize); err != nil {
				return Batch{}, err
			}
		} else if volume {
			*s.size = s.volume()
			b.Set = append(b.Set, fmt.Sprintf("%s=%d", s.key, *s.size))
		}
	}
	if b.BatchSize > b.QueueSize {
		b.BatchSize = min(sdktrace.DefaultMaxExportBatchSize, b.QueueSize) // what the SDK does
	}
	for _, d := range []struct {
		key string
		to  *time.Duration
	}{{"OTEL_BSP_SCHEDULE_DELAY", &b.ScheduleDelay}, {"OTEL_BSP_EXPORT_TIMEOUT", &b.ExportTimeout}} {
		if v, ok := lookup(getenv, d.key); ok {
			if *d.to, err = milliseconds(d.key, v); err != nil {
				return Batch{}, err
			}
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
	// The exporter reads these variables too: a malformed one is bad input
	// even when the flag overrides it.
	for _, key := range otlpKeys("ENDPOINT") {
		if v, ok := lookup(getenv, key); ok {
			if _, _, err := ParseEndpoint(v); err != nil {
				return endpoint{}, fmt.Errorf("invalid %s %q: %v", key, withoutUserInfo(v), err)
			}
		}
	}
	e := endpoint{raw: p.DefaultEndpoint(), source: "default"}
	if s := pick("-endpoint", flagValue, flagSet, getenv, otlpKeys("ENDPOINT")...); s.source != "" {
		e.raw, e.source = s.value, s.source
	}
	var err error
	if e.hostPort, e.path, err = ParseEndpoint(e.raw); err != nil {
		return endpoint{}, fmt.Errorf("invalid %s %q: %v", e.source, withoutUserInfo(e.raw), err)
	}
	switch {
	case p == GRPC && e.path != "" && e.path != "/":
		return endpoint{}, fmt.Errorf("invalid %s %q: a gRPC endpoint has no path", e.source, withoutUserInfo(e.raw))
	case p == GRPC:
		e.path = ""
	case e.source == "OTEL_EXPORTER_OTLP_ENDPOINT": // a base URL, to which OTLP/HTTP appends /v1/traces
		e.path = strings.TrimSuffix(e.path, "/") + DefaultPath
	case e.path == "" || e.path == "/":
		e.path = DefaultPath
	}
	if scheme, _, ok := strings.Cut(e.raw, "://"); ok {
		e.scheme = strings.ToLower(scheme)
	}
	return e, nil
}

// ParseEndpoint accepts host:port or http(s)://host:port[/path] and returns
// host:port and the path. https:// means TLS. Its errors never quote user
// info, which may hold a password.
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

// parsePath checks a -path as ParseEndpoint checks a URL's: a path that is
// no URL path would make the exporter fall back to its default endpoint.
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

var hostName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// splitHostPort checks host:port and returns it with the port in its plain
// form (0080 becomes 80).
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
		// grpc-go cannot parse the target, and an HTTP URL cannot carry it.
		return "", fmt.Errorf("an IPv6 zone (%%%s) is not supported by the OTLP exporters; use an address without one", zone)
	case hasZone || net.ParseIP(host) == nil && !hostName.MatchString(host):
		return "", fmt.Errorf("host %q is not a host name or an IP address", host)
	}
	n, err := strconv.ParseUint(port, 10, 16) // digits only, no sign, at most 65535
	if err != nil || n == 0 {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return net.JoinHostPort(host, strconv.FormatUint(n, 10)), nil
}

// setting is a value with where it came from (a flag or a variable), so
// that an error can name it.
type setting struct{ value, source string }

// pick returns the flag when it was set, else the first variable set.
func pick(flagName, flagValue string, flagSet bool, getenv func(string) string, keys ...string) setting {
	if flagSet {
		return setting{flagValue, flagName}
	}
	for _, key := range keys {
		if v, ok := lookup(getenv, key); ok {
			return setting{v, key}
		}
	}
	return setting{}
}

// lookup returns the variable's value when it is set and not empty.
func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

// otlpKeys names an exporter variable, the traces-specific one first
// because it wins: OTEL_EXPORTER_OTLP_TRACES_X, OTEL_EXPORTER_OTLP_X.
func otlpKeys(name string) []string {
	return []string{"OTEL_EXPORTER_OTLP_TRACES_" + name, "OTEL_EXPORTER_OTLP_" + name}
}

// Usage prints the flags with their environment variables and defaults.
func Usage(w io.Writer, p Protocol) {
	fmt.Fprintf(w, `Usage: %s [flags]

Runs the sample's span tree (main → GetUser → GetInfo, GetDetail, GetScores)
for each user and exports it over %s. A flag wins over the environment, the
environment over the default; OTEL_EXPORTER_OTLP_TRACES_X wins over
OTEL_EXPORTER_OTLP_X.

  flag       environment                           default
  -endpoint  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,   %s
             then OTEL_EXPORTER_OTLP_ENDPOINT      (host:port or http(s)://host:port/path)
`, p.Program(), p, p.DefaultEndpoint())
	if p == HTTP {
		fmt.Fprintf(w, "  -path      (the endpoint URL's path)             %s\n", DefaultPath)
	}
	fmt.Fprintf(w, `  -token     TRACE_TOKEN, then the Authentication  (none; sent as the Authentication header)
             entry of OTEL_EXPORTER_OTLP_HEADERS
  -tls       OTEL_EXPORTER_OTLP_INSECURE=false     off    (TLS with the system's roots; https:// too)
  -ca        OTEL_EXPORTER_OTLP_CERTIFICATE        (none; PEM file of the collector's CA; turns TLS on)
  -cert      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE (none; PEM client certificate for mutual TLS)
  -key       OTEL_EXPORTER_OTLP_CLIENT_KEY         (none; PEM private key of -cert)
             OTEL_EXPORTER_OTLP_HEADERS            (none; more headers: name=value,name=value)
  -service   OTEL_SERVICE_NAME                     %s
  -users                                           100,1  (user ids; 100 exists, 1 does not)
  -timeout                                         5s     (the longest to wait for the collector at the end)
  -json                                            off    (print the result as one JSON line, the last on stdout)
  -provider                                        gf     (gf: gf's Init; own: the sample's own provider, whose
                                                          OTLP/HTTP client reads every collector answer)
  -sample    OTEL_TRACES_SAMPLER                   (none: every trace, as gf's Init)
             OTEL_TRACES_SAMPLER_ARG               (the ratio of the *traceidratio samplers; 1 when unset)
             -sample R keeps the share R (0 to 1) of new traces: parentbased_traceidratio with
             the ratio R. The variable takes %s.

High volume: with -traces above 1 the program prints a summary instead of
the users and the picture.
  -traces                                          1      (times to make the tree, each its own trace; at most %d)
  -concurrency                                     1      (goroutines making traces; at most %d)
  -pace                                            true   (keeps the batch processor from dropping spans)
             OTEL_BSP_MAX_QUEUE_SIZE               2048   (the batch processor's queue; at most %d; 8192 for -traces)
             OTEL_BSP_MAX_EXPORT_BATCH_SIZE        512    (spans in one export request; 1024 for -traces)
             OTEL_BSP_SCHEDULE_DELAY               5000   (ms a span waits at most for a full batch)
             OTEL_BSP_EXPORT_TIMEOUT               30000  (ms one export may take at most)

gf's %s.Init exports in plaintext, sends %s and samples every trace. With TLS,
other headers or a sampler, package provider builds the same pipeline with them.
Other OTEL_* variables that the exporter and the SDK read (OTEL_EXPORTER_OTLP_TIMEOUT,
_COMPRESSION, _PROTOCOL, OTEL_RESOURCE_ATTRIBUTES, the span limits) are checked too.

Exit codes: 0 %s;
1 not every span did, 2 bad input, 3 stdout took no report (the summary went to stderr),
130 or 143 a -traces run stopped by SIGINT or SIGTERM, after flushing what it made
(a second signal exits at once).
`, p.Program(), strings.Join(samplers, ", "), MaxTraces, MaxConcurrency, MaxQueueSize, "otlp"+string(p), map[Protocol]string{GRPC: "only the token", HTTP: "no headers"}[p], exitZero[p])
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

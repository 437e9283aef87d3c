package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// AuthHeader is the header that carries the token, as gf's otlpgrpc.Init
// sends it.
const AuthHeader = "Authentication"

// ParseHeaders reads the value of OTEL_EXPORTER_OTLP_HEADERS:
// key1=value1,key2=value2, each value URL-encoded (OpenTelemetry's format).
// Its errors never quote a value: values are secrets such as API keys.
func ParseHeaders(s string) (map[string]string, error) {
	headers := map[string]string{}
	for i, entry := range strings.Split(s, ",") {
		name, value, found := strings.Cut(entry, "=")
		name = strings.TrimSpace(name)
		if !found {
			return nil, fmt.Errorf("entry %d is not name=value", i+1)
		}
		if !validHeaderName(name) {
			// Not quoted: "Authorization: Bearer x=y" would show the credential.
			return nil, fmt.Errorf("entry %d: the name before = is not a header name (letters, digits and !#$%%&'*+-.^_`|~)", i+1)
		}
		value, err := url.PathUnescape(value)
		if err != nil {
			return nil, fmt.Errorf("header %s: the value is not URL-encoded", name)
		}
		value = strings.TrimSpace(value)
		if err := checkHeaderValue(value); err != nil {
			return nil, fmt.Errorf("header %s: %v", name, err)
		}
		headers[name] = value
	}
	return headers, nil
}

// checkHeaderValue refuses what no header may carry.
func checkHeaderValue(v string) error {
	for _, c := range v {
		if c < ' ' || c == 0x7f {
			return errors.New("the value contains a control character")
		}
	}
	return nil
}

// notMetadata says why a value cannot go in gRPC metadata.
const notMetadata = "the value has a character that gRPC metadata cannot carry (only printable ASCII)"

// printableASCII tells whether s is made of printable ASCII characters, as
// a gRPC metadata value must be.
func printableASCII(s string) bool {
	for _, c := range s {
		if c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// validHeaderName tells whether name is an HTTP token (RFC 9110), which is
// what HTTP headers and gRPC metadata keys may be.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", c):
		default:
			return false
		}
	}
	return true
}

// resolveHeaders finds the token and the other headers of every export.
// The token comes from -token, else TRACE_TOKEN, else the Authentication
// entry of OTEL_EXPORTER_OTLP_HEADERS; the other entries of that variable
// are the headers. For gRPC every value must be printable ASCII, which is
// all that gRPC metadata carries: grpc-go would fail every export.
func resolveHeaders(p Protocol, flagToken string, flagSet bool, getenv func(string) string) (token string, headers map[string]string, err error) {
	// The exporter reads both variables, so both must be well-formed.
	for _, key := range otlpKeys("HEADERS") {
		if v, ok := lookup(getenv, key); ok {
			if _, err := ParseHeaders(v); err != nil {
				return "", nil, fmt.Errorf("invalid %s: %v", key, err)
			}
		}
	}
	var fromHeaders string
	if s := fromEnv(getenv, otlpKeys("HEADERS")...); s.value != "" {
		all, _ := ParseHeaders(s.value)
		for name, value := range all {
			if p == GRPC && !printableASCII(value) {
				return "", nil, fmt.Errorf("invalid %s: header %s: %s", s.source, name, notMetadata)
			}
			if strings.EqualFold(name, AuthHeader) {
				fromHeaders = value
				continue
			}
			if headers == nil {
				headers = map[string]string{}
			}
			headers[name] = value
		}
	}
	t := pick("-token", flagToken, flagSet, getenv, "TRACE_TOKEN")
	if err := checkHeaderValue(t.value); err != nil {
		return "", nil, fmt.Errorf("invalid %s: %v", t.source, err)
	}
	if p == GRPC && !printableASCII(t.value) {
		return "", nil, fmt.Errorf("invalid %s: %s", t.source, notMetadata)
	}
	if t.value == "" {
		t.value = fromHeaders
	}
	return t.value, headers, nil
}

// secretsInPlaintext warns when the token or the headers would travel
// without TLS to another machine, or returns "".
func secretsInPlaintext(c Config) string {
	if host, _, _ := net.SplitHostPort(c.Endpoint); c.TLS != nil || isLoopback(host) {
		return ""
	}
	what := "the token is"
	switch {
	case c.Token != "" && len(c.Headers) > 0:
		what = "the token and the headers of OTEL_EXPORTER_OTLP_HEADERS are"
	case len(c.Headers) > 0:
		what = "the headers of OTEL_EXPORTER_OTLP_HEADERS are"
	case c.Token == "":
		return ""
	}
	return fmt.Sprintf("%s sent in plaintext to %s (no TLS), readable by anyone on the way; use -tls or -ca FILE", what, c.Endpoint)
}

// isLoopback tells whether host (a name or an IP) is this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

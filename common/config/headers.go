package config

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// AuthHeader carries the token, as gf's otlpgrpc.Init sends it.
const AuthHeader = "Authentication"

// headerName is an HTTP token (RFC 9110): a header or gRPC metadata name.
var headerName = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")

// ParseHeaders reads OTEL_EXPORTER_OTLP_HEADERS: name=value,… with
// URL-encoded values. Its errors never quote a value, which may be a key.
func ParseHeaders(s string) (map[string]string, error) {
	headers := map[string]string{}
	for i, entry := range strings.Split(s, ",") {
		name, value, found := strings.Cut(entry, "=")
		name = strings.TrimSpace(name)
		switch value, err := url.PathUnescape(value); {
		case !found:
			return nil, fmt.Errorf("entry %d is not name=value", i+1)
		case !headerName.MatchString(name): // not quoted: "Authorization: Bearer x=y" would show the credential
			return nil, fmt.Errorf("entry %d: the name before = is not a header name (letters, digits and !#$%%&'*+-.^_`|~)", i+1)
		case err != nil:
			return nil, fmt.Errorf("header %s: the value is not URL-encoded", name)
		case hasControl(strings.TrimSpace(value)):
			return nil, fmt.Errorf("header %s: the value contains a control character", name)
		default:
			headers[name] = strings.TrimSpace(value)
		}
	}
	return headers, nil
}

// hasControl tells whether s holds what no header may carry.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(c rune) bool { return c < ' ' || c == 0x7f })
}

// notMetadata says why a value cannot go in gRPC metadata, which carries
// printable ASCII only: grpc-go would fail every export.
const notMetadata = "the value has a character that gRPC metadata cannot carry (only printable ASCII)"

func printableASCII(s string) bool {
	return !strings.ContainsFunc(s, func(c rune) bool { return c < ' ' || c > '~' })
}

// resolveHeaders finds the token (-token, else TRACE_TOKEN, else the
// Authentication entry of OTEL_EXPORTER_OTLP_HEADERS) and the other
// headers of that variable.
func resolveHeaders(p Protocol, flagToken string, flagSet bool, getenv func(string) string) (token string, headers map[string]string, err error) {
	var chosen setting
	for _, key := range otlpKeys("HEADERS") { // the exporter reads both: both must be well-formed
		if v, ok := lookup(getenv, key); ok {
			if _, err := ParseHeaders(v); err != nil {
				return "", nil, fmt.Errorf("invalid %s: %v", key, err)
			}
			chosen = cmp.Or(chosen, setting{v, key})
		}
	}
	var fromHeaders string
	headers, _ = ParseHeaders(chosen.value)
	for name, value := range headers {
		if p == GRPC && !printableASCII(value) {
			return "", nil, fmt.Errorf("invalid %s: header %s: %s", chosen.source, name, notMetadata)
		}
		if strings.EqualFold(name, AuthHeader) {
			fromHeaders = value
			delete(headers, name) // it is the token, not one of the other headers
		}
	}
	t := pick("-token", flagToken, flagSet, getenv, "TRACE_TOKEN")
	switch {
	case hasControl(t.value):
		return "", nil, fmt.Errorf("invalid %s: the value contains a control character", t.source)
	case p == GRPC && !printableASCII(t.value):
		return "", nil, fmt.Errorf("invalid %s: %s", t.source, notMetadata)
	}
	return cmp.Or(t.value, fromHeaders), headers, nil
}

// secretsInPlaintext warns when the token or the headers would travel
// without TLS to another machine, or returns "".
func secretsInPlaintext(c Config) string {
	host, _, _ := net.SplitHostPort(c.Endpoint)
	if ip := net.ParseIP(host); c.TLS != nil || strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback() {
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

package config

import (
	"slices"
	"strings"
	"testing"
)

// TestOTelVariables: a malformed value of a variable that the exporter or
// the SDK reads is bad input that names the variable and the value; a valid
// one that has no effect is a warning.
func TestOTelVariables(t *testing.T) {
	bad := []struct {
		p          Protocol
		key, value string
		want       string
	}{
		{GRPC, "OTEL_EXPORTER_OTLP_TIMEOUT", "5s", "want milliseconds"},
		{GRPC, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "0", "from 1 to 3600000"},
		{HTTP, "OTEL_EXPORTER_OTLP_TIMEOUT", "-5", "want milliseconds"},
		{HTTP, "OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", "want gzip or none"},
		{GRPC, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http", "want grpc, http/protobuf or http/json"},
		{GRPC, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "many", "want a whole number"},
		{HTTP, "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "1.5", "want a whole number"},
		{GRPC, "OTEL_RESOURCE_ATTRIBUTES", "team=blue,oops", `entry 2 "oops" is not key=value`},
		{GRPC, "OTEL_RESOURCE_ATTRIBUTES", "=blue", "entry 1 has no key"},
		{HTTP, "OTEL_RESOURCE_ATTRIBUTES", "team=%zz", "the value of team is not URL-encoded"},
	}
	for _, c := range bad {
		_, _, err := Parse(c.p, nil, env(c.key, c.value))
		if err == nil || !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s %s=%q: error %v, want one line naming %s and saying %q", c.p, c.key, c.value, err, c.key, c.want)
		}
	}
	good := []struct {
		p          Protocol
		key, value string
		warning    string // "" for none
	}{
		{GRPC, "OTEL_EXPORTER_OTLP_TIMEOUT", "2500", ""},
		{GRPC, "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip", ""},
		{HTTP, "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=none is set but ignored: gf's Init always compresses with gzip"},
		{GRPC, "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", ""},
		{GRPC, "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf is set but ignored: inprocess-grpc exports over OTLP/gRPC"},
		{HTTP, "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is set but ignored: inprocess-http exports over OTLP/HTTP"},
		{HTTP, "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", ""}, // the HTTP exporter sends JSON then
		{GRPC, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "-1", ""},
		{GRPC, "OTEL_RESOURCE_ATTRIBUTES", "team=blue, deployment.environment = test%20lab", ""},
		{GRPC, "OTEL_SDK_DISABLED", "true", "OTEL_SDK_DISABLED=true is set but ignored: gf's Init builds the SDK anyway, and the spans are exported"},
		{HTTP, "OTEL_SDK_DISABLED", "TRUE", "OTEL_SDK_DISABLED=TRUE is set but ignored: gf's Init builds the SDK anyway, and the spans are exported"},
		{HTTP, "OTEL_SDK_DISABLED", "false", ""},
		{GRPC, "OTEL_TRACES_EXPORTER", "none", "OTEL_TRACES_EXPORTER=none is set but ignored: inprocess-grpc always exports over OTLP/gRPC"},
		{HTTP, "OTEL_TRACES_EXPORTER", "console", "OTEL_TRACES_EXPORTER=console is set but ignored: inprocess-http always exports over OTLP/HTTP"},
		{HTTP, "OTEL_TRACES_EXPORTER", "otlp,zipkin", "OTEL_TRACES_EXPORTER=otlp,zipkin is set but ignored: inprocess-http always exports over OTLP/HTTP"},
		{GRPC, "OTEL_TRACES_EXPORTER", "otlp", ""},
	}
	for _, c := range good {
		_, warnings, err := Parse(c.p, nil, env(c.key, c.value))
		if err != nil {
			t.Errorf("%s %s=%q: %v", c.p, c.key, c.value, err)
			continue
		}
		if want := []string{c.warning}; c.warning == "" && len(warnings) != 0 || c.warning != "" && !slices.Equal(warnings, want) {
			t.Errorf("%s %s=%q: warnings %q, want %q", c.p, c.key, c.value, warnings, c.warning)
		}
	}
}

// TestGRPCMetadataIsASCII: gRPC metadata carries printable ASCII only, so a
// token or header value with anything else is bad input for the gRPC main
// (grpc-go would fail every export), and its error never shows the value.
func TestGRPCMetadataIsASCII(t *testing.T) {
	const token = "tök-do-not-print"
	for _, c := range []struct {
		args   []string
		getenv func(string) string
		source string
	}{
		{[]string{"-token", token}, env(), "-token"},
		{nil, env("TRACE_TOKEN", token), "TRACE_TOKEN"},
		{nil, env("OTEL_EXPORTER_OTLP_HEADERS", "x-team="+token), "OTEL_EXPORTER_OTLP_HEADERS"},
		{nil, env("OTEL_EXPORTER_OTLP_HEADERS", "Authentication="+token), "OTEL_EXPORTER_OTLP_HEADERS"},
	} {
		_, _, err := Parse(GRPC, c.args, c.getenv)
		if err == nil || !strings.Contains(err.Error(), c.source) || !strings.Contains(err.Error(), "printable ASCII") || strings.Contains(err.Error(), "do-not-print") {
			t.Errorf("gRPC %v: error %v, want one naming %s, saying printable ASCII, without the value", c.args, err, c.source)
		}
		if _, _, err := Parse(HTTP, c.args, c.getenv); err != nil {
			t.Errorf("HTTP %v: %v; an HTTP header may carry it", c.args, err)
		}
	}
}

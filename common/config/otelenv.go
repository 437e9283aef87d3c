package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// checkOTelEnv checks the variables that only the exporter and the SDK
// read. Left to them, a malformed value is ignored with a log line in the
// middle of the output, or stops gf's Init with a stack trace; here it is
// bad input, named. A valid value that has no effect is a warning.
func checkOTelEnv(p Protocol, getenv func(string) string) (warnings []string, err error) {
	for _, key := range otlpKeys("TIMEOUT") {
		if v, ok := lookup(getenv, key); ok {
			if _, err := milliseconds(key, v); err != nil {
				return nil, err
			}
		}
	}
	for _, key := range otlpKeys("COMPRESSION") {
		switch v := getenv(key); v {
		case "", "gzip":
		case "none":
			warnings = append(warnings, key+"=none is set but ignored: gf's Init always compresses with gzip")
		default:
			return nil, fmt.Errorf("invalid %s %q: want gzip or none", key, v)
		}
	}
	for _, key := range otlpKeys("PROTOCOL") {
		switch v := getenv(key); {
		case v == "" || v == "http/json" && p == HTTP:
		case v == "grpc" && p == GRPC, v == "http/protobuf" && p == HTTP:
		case v == "grpc", v == "http/protobuf", v == "http/json":
			warnings = append(warnings, fmt.Sprintf("%s=%s is set but ignored: %s exports over %s", key, v, p.Program(), p))
		default:
			return nil, fmt.Errorf("invalid %s %q: want grpc, http/protobuf or http/json", key, v)
		}
	}
	// Nothing reads these two: gf's Init builds the SDK and an OTLP exporter.
	if v := getenv("OTEL_SDK_DISABLED"); strings.EqualFold(strings.TrimSpace(v), "true") {
		warnings = append(warnings, fmt.Sprintf("OTEL_SDK_DISABLED=%s is set but ignored: gf's Init builds the SDK anyway, and the spans are exported", v))
	}
	if v, ok := lookup(getenv, "OTEL_TRACES_EXPORTER"); ok && strings.TrimSpace(v) != "otlp" {
		warnings = append(warnings, fmt.Sprintf("OTEL_TRACES_EXPORTER=%s is set but ignored: %s always exports over %s", v, p.Program(), p))
	}
	for _, key := range []string{"OTEL_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
		"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_ATTRIBUTE_VALUE_DEPTH_LIMIT", "OTEL_SPAN_EVENT_COUNT_LIMIT",
		"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT", "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT"} {
		if v, ok := lookup(getenv, key); ok {
			if _, err := strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("invalid %s %q: want a whole number (negative for no limit)", key, v)
			}
		}
	}
	v := getenv("OTEL_RESOURCE_ATTRIBUTES")
	for i, entry := range strings.Split(v, ",") {
		key, value, found := strings.Cut(entry, "=")
		key = strings.TrimSpace(key)
		decoded, err := url.PathUnescape(strings.TrimSpace(value))
		switch {
		case v == "":
		case !found:
			err = fmt.Errorf("entry %d %q is not key=value", i+1, entry)
		case key == "":
			err = fmt.Errorf("entry %d has no key", i+1)
		case err != nil:
			err = fmt.Errorf("the value of %s is not URL-encoded", key)
		case !utf8.ValidString(key):
			err = fmt.Errorf("the key of entry %d, %q, is not valid UTF-8", i+1, key)
		case !utf8.ValidString(decoded): // the exporter could not send it
			err = fmt.Errorf("the value of %s, %q once URL-decoded, is not valid UTF-8", key, decoded)
		}
		if err != nil {
			return nil, fmt.Errorf("invalid OTEL_RESOURCE_ATTRIBUTES: %v", err)
		}
	}
	return warnings, nil
}

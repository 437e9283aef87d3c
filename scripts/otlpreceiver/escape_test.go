package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// Texts that a terminal obeys rather than shows: clear the screen, set the
// window's title, recolour, a line of output forged, and a C1 control
// (CSI, which some terminals take as ESC [).
const (
	evilName    = "GET /\x1b[2J"
	evilService = "shop\x1b]0;pwned\x07"
	evilMessage = "denied\r\nshop · trace 0 · 1 spans"
	evilKey     = "user\x1b[31m"
	evilValue   = "alice\u009b2J"
	evilEvent   = "retry\b\b\b\b\bok"
)

// evilTrace is one span carrying those texts wherever a sender chooses text.
func evilTrace() *coltracepb.ExportTraceServiceRequest {
	str := func(s string) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
	}
	now := uint64(time.Now().UnixNano())
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{Key: "service.name", Value: str(evilService)}}},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
			TraceId: bytes.Repeat([]byte{0xab}, 16), SpanId: bytes.Repeat([]byte{0xcd}, 8), Name: evilName,
			Kind: tracepb.Span_SPAN_KIND_INTERNAL, StartTimeUnixNano: now, EndTimeUnixNano: now + 1000,
			Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: evilMessage},
			Attributes: []*commonpb.KeyValue{
				{Key: evilKey, Value: str(evilValue)},
				{Key: "tags", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{
					Values: []*commonpb.AnyValue{str("plain"), str(evilName)}}}}},
			},
			Events: []*tracepb.Span_Event{{Name: evilEvent, TimeUnixNano: now}},
		}}}},
	}}}
}

// controls finds what a terminal could obey: C0 controls but the newline,
// DEL, and C1 controls.
var controls = regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f]")

// TestControlCharactersAreEscaped: whatever a sender puts in its texts, the
// picture shows it escaped, and -json carries it whole but escaped.
func TestControlCharactersAreEscaped(t *testing.T) {
	var out bytes.Buffer
	v := serveInProcess(t, settings{quiet: time.Hour, attrs: true}, &out)
	v.send(t, evilTrace())
	v.interrupt()
	got := regexp.MustCompile(`at \+[0-9.]+ ms`).ReplaceAllString(masked(out.String()), "at + ms")
	want := `"shop\x1b]0;pwned\a" · trace abababababababababababababababab · 1 spans
"GET /\x1b[2J"  |bar| ms  ✗ "denied\r\nshop · trace 0 · 1 spans"
   "user\x1b[31m": "alice\u009b2J"
   tags: [plain "GET /\x1b[2J"]
   event "retry\b\b\b\b\bok" at + ms

`
	if got != want {
		t.Errorf("viewer printed:\n%s\nwant (bars and durations masked):\n%s", got, want)
	}
	if c := controls.FindString(out.String()); c != "" {
		t.Errorf("the picture holds the control character %q", c)
	}

	out.Reset()
	v = serveInProcess(t, settings{quiet: time.Hour, json: true}, &out)
	v.send(t, evilTrace())
	v.interrupt()
	if c := controls.FindString(out.String()); c != "" {
		t.Errorf("the JSON line holds the control character %q: %s", c, out.String())
	}
	var line struct {
		Services []string
		Spans    []struct {
			Name          string
			StatusMessage string `json:"status_message"`
			Attributes    map[string]any
			Events        []struct{ Name string }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &line); err != nil || len(line.Spans) != 1 || len(line.Spans[0].Events) != 1 {
		t.Fatalf("not the JSON line of one span with one event (%v): %s", err, out.String())
	}
	s := line.Spans[0]
	got2 := []any{line.Services, s.Name, s.StatusMessage, s.Attributes, s.Events[0].Name}
	want2 := []any{[]string{evilService}, evilName, evilMessage, map[string]any{evilKey: evilValue, "tags": []any{"plain", evilName}}, evilEvent}
	if !reflect.DeepEqual(got2, want2) {
		t.Errorf("the JSON line read back holds\n%q\nwant the texts as sent\n%q", got2, want2)
	}
}

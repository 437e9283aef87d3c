package receiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// sized is an export of one span whose attribute makes it about n bytes.
func sized(n int) *coltracepb.ExportTraceServiceRequest {
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
		TraceId: bytes.Repeat([]byte{1}, 16), SpanId: bytes.Repeat([]byte{2}, 8), Name: "big",
		Attributes: []*commonpb.KeyValue{{Key: "blob", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: strings.Repeat("x", n)}}}},
	}}}}}}}
}

// postHTTP sends body to the receiver and returns the status and the answer's text.
func postHTTP(t *testing.T, addr string, body []byte, encoding string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/traces", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", encoding)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no answer to an export of %d bytes: %v", len(body), err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(text))
}

// TestGzipBombIsRefused: an export that decompresses to 200 MiB is answered
// 413, with a message that says why, and no more than the limit of it is
// ever decompressed.
func TestGzipBombIsRefused(t *testing.T) {
	rec := NewHTTP()
	defer rec.Close()
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 200 {
		zw.Write(zeros)
	}
	zw.Close()

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	code, text := postHTTP(t, rec.Addr, bomb.Bytes(), "gzip")
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("a %d KB gzip bomb of 200 MiB: %d, %q; %d MiB allocated while it was answered", bomb.Len()>>10, code, text, allocated>>20)
	want := "the export is larger than 20 MiB once decompressed, the most this receiver takes in one request: send smaller batches"
	if code != http.StatusRequestEntityTooLarge || text != want {
		t.Errorf("answered %d %q; want 413 %q", code, text, want)
	}
	if allocated > 100<<20 {
		t.Errorf("%d MiB allocated to answer it; want under 100 MiB: the bomb was decompressed past the limit", allocated>>20)
	}
	if rec.SpanCount() != 0 {
		t.Errorf("%d spans recorded from the bomb", rec.SpanCount())
	}
}

// TestExportSizeLimitIsTheSameOverBothProtocols: an export of 10 MiB is
// taken over gRPC and HTTP alike, one of 21 MiB is refused by both, and
// over HTTP whether it is compressed or not.
func TestExportSizeLimitIsTheSameOverBothProtocols(t *testing.T) {
	small, _ := proto.Marshal(sized(10 << 20))
	large, _ := proto.Marshal(sized(21 << 20))

	h := NewHTTP()
	defer h.Close()
	if code, text := postHTTP(t, h.Addr, small, ""); code != http.StatusOK {
		t.Errorf("HTTP, 10 MiB: answered %d %q, want 200", code, text)
	}
	if code, text := postHTTP(t, h.Addr, large, ""); code != http.StatusRequestEntityTooLarge || !strings.Contains(text, "larger than 20 MiB as sent") {
		t.Errorf("HTTP, 21 MiB: answered %d %q, want 413 larger than 20 MiB as sent", code, text)
	}
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write(large)
	zw.Close()
	if code, text := postHTTP(t, h.Addr, zipped.Bytes(), "gzip"); code != http.StatusRequestEntityTooLarge || !strings.Contains(text, "larger than 20 MiB once decompressed") {
		t.Errorf("HTTP, 21 MiB gzipped: answered %d %q, want 413 larger than 20 MiB once decompressed", code, text)
	}

	g := NewGRPC()
	defer g.Close()
	conn, err := grpc.NewClient(g.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := coltracepb.NewTraceServiceClient(conn)
	if _, err := client.Export(context.Background(), sized(10<<20)); err != nil {
		t.Errorf("gRPC, 10 MiB: %v, want OK", err)
	}
	_, err = client.Export(context.Background(), sized(21<<20))
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("gRPC, 21 MiB: %v, want RESOURCE_EXHAUSTED", err)
	}
	if h.SpanCount() != 1 || g.SpanCount() != 1 {
		t.Errorf("recorded %d spans over HTTP and %d over gRPC, want the 10 MiB one each", h.SpanCount(), g.SpanCount())
	}
}

// TestOnSpansRefuses: an error from OnSpans refuses the export, over both
// protocols, with the error's text, and the spans are not counted.
func TestOnSpansRefuses(t *testing.T) {
	refuse := Options{OnSpans: func([]Span) error { return errors.New("cannot write the output") }}
	h := NewHTTPWith(refuse)
	defer h.Close()
	if r := exportHTTP(context.Background(), h.Addr); r.status != http.StatusServiceUnavailable || r.message != "cannot write the output" {
		t.Errorf("HTTP: %+v; want 503 with the error", r)
	}
	g := NewGRPCWith(refuse)
	defer g.Close()
	if r := exportGRPC(context.Background(), g.Addr); r.code != codes.Unavailable || r.message != "cannot write the output" {
		t.Errorf("gRPC: %+v; want UNAVAILABLE with the error", r)
	}
	if h.SpanCount()+g.SpanCount() != 0 {
		t.Errorf("refused spans counted")
	}
}

// TestKvlistAttribute: a kvlist attribute arrives as a map, nested values
// and all, not as nil.
func TestKvlistAttribute(t *testing.T) {
	str := func(s string) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
	}
	got := value(&commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{
		{Key: "user", Value: str("alice")},
		{Key: "inner", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{
			{Key: "tags", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{str("a")}}}}}}}}}},
	}}}})
	m, ok := got.(map[string]any)
	inner, _ := m["inner"].(map[string]any)
	tags, _ := inner["tags"].([]any)
	if !ok || m["user"] != "alice" || len(tags) != 1 || tags[0] != "a" {
		t.Errorf("kvlist read as %#v", got)
	}
}

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"net/http"
	"strings"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// The hostile sender: exports that no well-behaved SDK makes, but that
// anyone who reaches the viewer's ports can send. Each is a few bytes to a
// few hundred kilobytes; none may crash the viewer, hang it, fill its
// memory, or lose a span without a word.

// hostileTrace is the trace id of the hostile exports.
var hostileTrace = bytes.Repeat([]byte{0x66}, 16)

// hid is a span id of hostileTrace: hid(0) is 0000000000000000, which
// OTLP means as "none" only for a parent, so the tests start at 1.
func hid(n int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

// hspan is a span of hostileTrace; parent 0 makes a root. Times are in
// nanoseconds since 1970: a hostile sender picks any.
func hspan(id, parent int, name string, start, end uint64, attrs ...*commonpb.KeyValue) *tracepb.Span {
	s := &tracepb.Span{TraceId: hostileTrace, SpanId: hid(id), Name: name, Kind: tracepb.Span_SPAN_KIND_INTERNAL, StartTimeUnixNano: start, EndTimeUnixNano: end, Attributes: attrs}
	if parent != 0 {
		s.ParentSpanId = hid(parent)
	}
	return s
}

// export wraps spans in one export request of the service.
func export(service string, spans ...*tracepb.Span) *coltracepb.ExportTraceServiceRequest {
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource:   &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", str(service))}},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}},
	}}}
}

func kv(key string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: key, Value: v}
}

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func double(f float64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
}

func array(vs ...*commonpb.AnyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
}

func kvlist(kvs ...*commonpb.KeyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}
}

func blob(b []byte) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: b}}
}

// t0 is a start time for spans whose times do not matter: 2026-01-01.
const t0 = uint64(1767225600) * 1e9

// Hostile trees: the ids and times of each make a waterfall that is not a tree.
var hostileTrees = []struct {
	name  string
	spans []*tracepb.Span
}{
	{"a span its own parent", []*tracepb.Span{hspan(1, 1, "self", t0, t0+1e6)}},
	{"a root and a span its own parent", []*tracepb.Span{hspan(1, 0, "root", t0, t0+2e6), hspan(2, 2, "self", t0+1e6, t0+2e6)}},
	{"two spans each the other's parent", []*tracepb.Span{hspan(2, 1, "b", t0+1e6, t0+2e6), hspan(1, 2, "a", t0, t0+2e6)}},
	{"a span reusing the root's id, under the root's child", []*tracepb.Span{
		hspan(1, 0, "root", t0, t0+3e6), hspan(2, 1, "child", t0+1e6, t0+3e6), hspan(1, 2, "again", t0+2e6, t0+3e6)}},
	{"spans at 1970 and at 2^62 ns", []*tracepb.Span{hspan(1, 0, "epoch", 0, 1), hspan(2, 1, "far", 1<<62, 1<<62+1)}},
}

// gzipBomb is a gzip stream of n zero bytes: about n/1000 bytes on the wire.
func gzipBomb(n int) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for ; n > 0; n -= len(zeros) {
		zw.Write(zeros[:min(n, len(zeros))])
	}
	zw.Close()
	return b.Bytes()
}

// hugeSpans is an export of n spans of trace tr, each with an attribute of
// size bytes.
func hugeSpans(tr, n, size int) *coltracepb.ExportTraceServiceRequest {
	big := strings.Repeat("x", size)
	var spans []*tracepb.Span
	for i := range n {
		s := hspan(i+1, 0, "huge", t0, t0+1e6, kv("blob", str(big)))
		s.TraceId = binary.BigEndian.AppendUint64(hid(tr+1), 0)
		spans = append(spans, s)
	}
	return export("huge", spans...)
}

// oddValues is a span with an attribute of every kind that is not a plain
// string, number or bool: NaN and infinities, bytes, a list, a kvlist.
func oddValues() *coltracepb.ExportTraceServiceRequest {
	return export("odd", hspan(1, 0, "odd", t0, t0+1e6,
		kv("nan", double(math.NaN())), kv("inf", double(math.Inf(1))), kv("-inf", double(math.Inf(-1))),
		kv("bytes", blob([]byte{0xde, 0xad, 0xbe, 0xef})),
		kv("list", array(str("a"), double(math.NaN()), blob([]byte{1}))),
		kv("kvlist", kvlist(kv("user", str("alice")), kv("inner", kvlist(kv("n", double(math.Inf(1))))))),
	))
}

// post sends body to addr over OTLP/HTTP and returns the status and the answer's text.
func post(t *testing.T, addr string, body []byte, encoding string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/traces", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", encoding)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no answer to an export of %d bytes: %v", len(body), err)
	}
	defer resp.Body.Close()
	var text bytes.Buffer
	text.ReadFrom(resp.Body)
	return resp.StatusCode, strings.TrimSpace(text.String())
}

func marshal(t *testing.T, req *coltracepb.ExportTraceServiceRequest) []byte {
	t.Helper()
	b, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

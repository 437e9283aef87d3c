package receiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

func request() []byte {
	msg := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{Key: "service.name", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "svc"}}}}},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
			TraceId: bytes.Repeat([]byte{0xab}, 16), SpanId: bytes.Repeat([]byte{0xcd}, 8), Name: "op",
			Attributes: []*commonpb.KeyValue{{Key: "n", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 7}}}},
			Status:     &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "boom"},
		}}}},
	}}}
	b, _ := proto.Marshal(msg)
	return b
}

func TestHTTP(t *testing.T) {
	rec := NewHTTP()
	defer rec.Close()
	raw := request()
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write(raw)
	zw.Close()

	post := func(body []byte, contentType, encoding string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+rec.Addr+"/v1/traces", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(raw, "application/x-protobuf", ""); code != 200 {
		t.Fatalf("plain: %d", code)
	}
	if code := post(zipped.Bytes(), "application/x-protobuf", "gzip"); code != 200 {
		t.Fatalf("gzip: %d", code)
	}
	if code := post(raw, "application/json", ""); code != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: %d, want 415", code)
	}
	if code := post([]byte("not gzip"), "application/x-protobuf", "gzip"); code != http.StatusBadRequest {
		t.Errorf("bad gzip: %d, want 400", code)
	}

	reqs := rec.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests recorded, want the 2 good ones", len(reqs))
	}
	if reqs[0].Compression != "" || reqs[0].WireBytes != len(raw) || reqs[0].RawBytes != len(raw) {
		t.Errorf("plain request: %+v", reqs[0])
	}
	if reqs[1].Compression != "gzip" || reqs[1].WireBytes != zipped.Len() || reqs[1].RawBytes != len(raw) {
		t.Errorf("gzip request: %+v", reqs[1])
	}
	s := reqs[1].Spans[0]
	if s.Name != "op" || s.TraceID != "abababababababababababababababab" || s.ParentSpanID != "" ||
		s.Attributes["n"] != int64(7) || s.Resource["service.name"] != "svc" || s.StatusCode != "Error" || s.StatusMessage != "boom" {
		t.Errorf("span: %+v", s)
	}
	if reqs[1].Path != "/v1/traces" || rec.SpanCount() != 2 {
		t.Errorf("path %q, count %d", reqs[1].Path, rec.SpanCount())
	}
}

func TestGRPCWithTheRealExporter(t *testing.T) {
	rec := NewGRPC()
	defer rec.Close()
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithInsecure(), otlptracegrpc.WithEndpoint(rec.Addr),
		otlptracegrpc.WithCompressor("gzip"), otlptracegrpc.WithHeaders(map[string]string{"Authentication": "t"}))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	_, span := tp.Tracer("t").Start(context.Background(), "op")
	span.End()
	if !rec.WaitSpans(1, 10*time.Second) {
		t.Fatal("no span arrived")
	}
	tp.Shutdown(context.Background())
	req := rec.Requests()[0]
	if req.Compression != "gzip" || req.Header["authentication"][0] != "t" || req.WireBytes == 0 || req.RawBytes == 0 || req.Spans[0].Name != "op" {
		t.Errorf("request: %+v", req)
	}
}

func TestCountOnly(t *testing.T) {
	rec := NewHTTPWith(Options{CountOnly: true})
	defer rec.Close()
	for range 3 {
		resp, err := http.Post("http://"+rec.Addr+"/v1/traces", "application/x-protobuf", bytes.NewReader(request()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if rec.SpanCount() != 3 || len(rec.Requests()) != 0 || len(rec.Spans()) != 0 {
		t.Errorf("count %d, %d requests kept; want 3 spans counted and nothing kept", rec.SpanCount(), len(rec.Requests()))
	}
}

func TestStartOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "localhost:0", "nonsense"} {
		if rec, err := StartGRPC(Options{Addr: addr}); err == nil {
			rec.Close()
			t.Errorf("StartGRPC(%q) listened; want an error", addr)
		}
		if rec, err := StartHTTP(Options{Addr: addr}); err == nil {
			rec.Close()
			t.Errorf("StartHTTP(%q) listened; want an error", addr)
		}
	}
	rec, err := StartGRPC(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	rec.Close()
}

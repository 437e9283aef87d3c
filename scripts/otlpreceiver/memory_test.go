package main

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// Sizes of the memory test: the sample's 9-span tree, many traces to a request.
const (
	memTraces        = 100_000
	memSpansPerTrace = 9
	memPerRequest    = 100
	memHeapBound     = 64 << 20 // bytes; keeping every trace would take several hundred MB
)

// TestMemoryStaysBounded runs 100,000 traces through the viewer in -json
// mode, output discarded, and checks that the live heap stays bounded:
// printed traces are forgotten.
func TestMemoryStaysBounded(t *testing.T) {
	lines := &lineCounter{}
	v := serveInProcess(t, settings{quiet: 50 * time.Millisecond, json: true}, lines)
	var peak uint64
	began := time.Now()
	for sent := 0; sent < memTraces; sent += memPerRequest {
		v.send(t, traces(sent, memPerRequest))
		if (sent/memPerRequest)%100 == 99 { // every 10,000 traces
			// Measured once what was sent has gone quiet and been printed:
			// what stays then is what the viewer keeps, not a backlog that
			// a slow, busy machine has yet to print.
			for deadline := time.Now().Add(10 * time.Second); lines.n.Load() < int64(sent+memPerRequest) && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			peak = max(peak, liveHeap())
		}
	}
	v.interrupt()
	t.Logf("%d traces of %d spans in %s; live heap at most %.1f MB (measured every 10,000 traces, once they were printed, after a GC)",
		memTraces, memSpansPerTrace, time.Since(began).Round(time.Millisecond), float64(peak)/(1<<20))
	if got := lines.n.Load(); got != memTraces {
		t.Errorf("%d JSON lines printed, want one per trace: %d", got, memTraces)
	}
	if peak > memHeapBound {
		t.Errorf("live heap reached %d MB, want under %d MB: traces are kept after they are printed", peak>>20, memHeapBound>>20)
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// traces makes an export request of n traces, numbered from first, each a
// root with two children that have three children each.
func traces(first, n int) *coltracepb.ExportTraceServiceRequest {
	now := uint64(time.Now().UnixNano())
	id := func(b []byte, trace, span int) []byte {
		binary.BigEndian.PutUint64(b, uint64(trace+1))
		if len(b) == 16 {
			binary.BigEndian.PutUint64(b[8:], uint64(span))
		} else {
			b[0] = byte(span + 1)
		}
		return b
	}
	var spans []*tracepb.Span
	for tr := first; tr < first+n; tr++ {
		traceID := id(make([]byte, 16), tr, 0)
		for s := range memSpansPerTrace {
			var parent []byte
			switch {
			case s == 1 || s == 5:
				parent = id(make([]byte, 8), tr, 0)
			case s > 1:
				parent = id(make([]byte, 8), tr, 1+(s-2)/4*4)
			}
			spans = append(spans, &tracepb.Span{
				TraceId: traceID, SpanId: id(make([]byte, 8), tr, s), ParentSpanId: parent, Name: "span",
				StartTimeUnixNano: now, EndTimeUnixNano: now + 1000,
				Attributes: []*commonpb.KeyValue{{Key: "user.id", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "100"}}}},
			})
		}
	}
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource:   &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{Key: "service.name", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "load"}}}}},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: spans}},
	}}}
}

// lineCounter discards what is written and counts the lines.
type lineCounter struct{ n atomic.Int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n.Add(int64(bytes.Count(p, []byte("\n"))))
	return len(p), nil
}

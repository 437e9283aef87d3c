package sampletest

import (
	"testing"
	"time"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/jaegertest"
)

// Jaeger runs the main for protocol p against the real Jaeger of
// scripts/jaeger.sh and checks what Jaeger stored: one trace of 9 spans in
// the exact tree, the service name, Jaeger's error marks on exactly the
// missing user's spans, and no warnings (the upstream sample's root span
// draws "invalid parent span IDs").
func Jaeger(t *testing.T, p config.Protocol, bin string) {
	j := jaegertest.Start(t)
	endpoint := j.GRPCAddr
	if p == config.HTTP {
		endpoint = j.HTTPAddr
	}
	r := Run(t, bin, nil, "-endpoint", endpoint, "-json")
	if r.Code != 0 {
		t.Fatalf("exit code %d, want 0; output:\n%s", r.Code, r.Output())
	}
	id := Outcome(t, r).TraceID
	tr := j.WaitTrace(t, id, 9, 30*time.Second)

	if len(tr.Spans) != 9 {
		t.Errorf("Jaeger stored %d spans, want 9", len(tr.Spans))
	}
	if got := Tree(tr.Spans); AnyOrder(got) != AnyOrder(DefaultTree) {
		t.Errorf("Jaeger's tree:\n%s\nwant:\n%s", got, DefaultTree)
	}
	if len(tr.Warnings) != 0 {
		t.Errorf("Jaeger warns: %q", tr.Warnings)
	}
	marked := 0
	for _, s := range tr.Spans {
		if got, want := s.Resource["service.name"], "inprocess-"+string(p); got != want {
			t.Errorf("span %s: service %v, want %s", s.Name, got, want)
		}
		if tr.ErrorTags[s.SpanID] != (s.StatusCode == "Error") {
			t.Errorf("span %s (%s): Jaeger's error mark %v, status %s", s.Name, s.Attributes, tr.ErrorTags[s.SpanID], s.StatusCode)
		}
		if tr.ErrorTags[s.SpanID] {
			marked++
		}
	}
	if marked != 4 {
		t.Errorf("%d spans marked as errors, want 4: the missing user's GetUser and its three lookups", marked)
	}
}

package user_test

import (
	"context"
	"encoding/json"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"example.com/gftrace/common/user"
)

// record installs an SDK tracer provider that keeps every ended span, as
// gtrace.NewSpan uses the global provider.
func record(t *testing.T) *tracetest.SpanRecorder {
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	return rec
}

// span is what a test checks of one ended span.
type span struct {
	name, parent string
	attrs        map[attribute.Key]attribute.Value
	status       codes.Code
	message      string
}

// spans returns the ended spans by name, with parents by name.
func spans(t *testing.T, rec *tracetest.SpanRecorder) map[string]span {
	names := map[string]string{}
	for _, s := range rec.Ended() {
		names[s.SpanContext().SpanID().String()] = s.Name()
	}
	out := map[string]span{}
	for _, s := range rec.Ended() {
		attrs := map[attribute.Key]attribute.Value{}
		for _, kv := range s.Attributes() {
			attrs[kv.Key] = kv.Value
		}
		if _, dup := out[s.Name()]; dup {
			t.Fatalf("two spans named %s", s.Name())
		}
		out[s.Name()] = span{s.Name(), names[s.Parent().SpanID().String()], attrs, s.Status().Code, s.Status().Description}
	}
	return out
}

func TestFoundUser(t *testing.T) {
	rec := record(t)
	u := user.GetUser(context.Background(), 100)

	got, _ := json.Marshal(u)
	if want := `{"id":100,"name":"john","gender":1,"site":"https://goframe.org","email":"john@goframe.org","math":100,"english":60,"chinese":50}`; string(got) != want {
		t.Errorf("user 100 = %s, want %s", got, want)
	}
	s := spans(t, rec)
	if len(s) != 4 {
		t.Fatalf("%d spans, want 4", len(rec.Ended()))
	}
	if s["GetUser"].parent != "" || s["GetUser"].attrs["user.id"].AsString() != "100" {
		t.Errorf("GetUser: parent %q, user.id %v; want a root with user.id 100", s["GetUser"].parent, s["GetUser"].attrs["user.id"])
	}
	for _, name := range []string{"GetUser", "GetInfo", "GetDetail", "GetScores"} {
		if s[name].status != codes.Unset {
			t.Errorf("%s status %v, want Unset", name, s[name].status)
		}
		if _, ok := s[name].attrs["rpc.grpc.status_code"]; ok {
			t.Errorf("%s has rpc.grpc.status_code, want none for a found user", name)
		}
	}
	for _, name := range []string{"GetInfo", "GetDetail", "GetScores"} {
		if s[name].parent != "GetUser" {
			t.Errorf("%s parent %q, want GetUser", name, s[name].parent)
		}
	}
}

func TestMissingUser(t *testing.T) {
	rec := record(t)
	u := user.GetUser(context.Background(), 1)

	if got, _ := json.Marshal(u); string(got) != "{}" {
		t.Errorf("missing user = %s, want {}", got)
	}
	s := spans(t, rec)
	if len(s) != 4 {
		t.Fatalf("%d spans, want 4", len(rec.Ended()))
	}
	for _, name := range []string{"GetUser", "GetInfo", "GetDetail", "GetScores"} {
		if got := s[name].attrs["rpc.grpc.status_code"].AsInt64(); got != 5 {
			t.Errorf("%s rpc.grpc.status_code %d, want 5 (NOT_FOUND)", name, got)
		}
		if s[name].status != codes.Error || s[name].message != "user 1 not found" {
			t.Errorf("%s status %v %q, want Error \"user 1 not found\"", name, s[name].status, s[name].message)
		}
	}
}

func TestInvalidUserID(t *testing.T) {
	for _, id := range []int{0, -7} {
		rec := record(t)
		u := user.GetUser(context.Background(), id)

		if got, _ := json.Marshal(u); string(got) != "{}" {
			t.Errorf("user %d = %s, want {}", id, got)
		}
		s := spans(t, rec)
		if len(s) != 1 {
			t.Fatalf("user %d: %d spans, want only GetUser: an invalid id is not looked up", id, len(s))
		}
		g := s["GetUser"]
		if got := g.attrs["rpc.grpc.status_code"].AsInt64(); got != 3 {
			t.Errorf("user %d: rpc.grpc.status_code %d, want 3 (INVALID_ARGUMENT)", id, got)
		}
		if want := "invalid user id " + itoa(id); g.status != codes.Error || g.message != want {
			t.Errorf("user %d: status %v %q, want Error %q", id, g.status, g.message, want)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestTrace(t *testing.T) {
	rec := record(t)
	user.Trace([]int{100, 1})

	ended := rec.Ended()
	if len(ended) != 9 {
		t.Fatalf("%d spans, want 9: main, and four for each user", len(ended))
	}
	root := ended[len(ended)-1]
	if root.Name() != "main" || root.Parent().IsValid() {
		t.Fatalf("last span %s with parent %v, want the root main", root.Name(), root.Parent())
	}
	children := 0
	for _, s := range ended {
		if s.SpanContext().TraceID() != root.SpanContext().TraceID() {
			t.Errorf("%s is in another trace", s.Name())
		}
		if s.Parent().SpanID() == root.SpanContext().SpanID() {
			children++
			if s.Name() != "GetUser" {
				t.Errorf("child of main: %s, want GetUser", s.Name())
			}
		}
	}
	if children != 2 {
		t.Errorf("main has %d children, want a GetUser for each of the 2 users", children)
	}
}

// baggageAtStart records, for each span, the baggage of the context it was
// started from: what a call made from inside the span would carry.
type baggageAtStart struct {
	sdktrace.SpanProcessor
	got map[string]baggage.Baggage
}

func (b *baggageAtStart) OnStart(ctx context.Context, s sdktrace.ReadWriteSpan) {
	b.got[s.Name()] = baggage.FromContext(ctx)
}

// TestBaggageMerged: GetUser adds user.id to the baggage a caller sent and
// keeps the caller's members, so a call made from inside it carries both.
func TestBaggageMerged(t *testing.T) {
	rec := record(t)
	starts := &baggageAtStart{SpanProcessor: tracetest.NewSpanRecorder(), got: map[string]baggage.Baggage{}}
	otel.GetTracerProvider().(*sdktrace.TracerProvider).RegisterSpanProcessor(starts)

	tenant, _ := baggage.NewMemberRaw("tenant", "blue")
	callers, _ := baggage.New(tenant)
	user.GetUser(baggage.ContextWithBaggage(context.Background(), callers), 100)

	for _, name := range []string{"GetInfo", "GetDetail", "GetScores"} {
		b := starts.got[name]
		if b.Member("tenant").Value() != "blue" || b.Member("user.id").Value() != "100" {
			t.Errorf("%s started with baggage %q, want the caller's tenant=blue and user.id=100", name, b.String())
		}
		if got := spans(t, rec)[name].attrs["baggage.user.id"].AsString(); got != "100" {
			t.Errorf("%s baggage.user.id %q, want 100", name, got)
		}
	}
}

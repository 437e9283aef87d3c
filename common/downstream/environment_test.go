package downstream_test

import (
	"context"
	"testing"

	"github.com/gogf/gf/v2/net/gtrace"

	"example.com/gftrace/common/downstream"
)

// rootFromEnvironment starts and ends a span "main" the way the mains do,
// and returns it as recorded.
func rootFromEnvironment(t *testing.T) (traceID, parentID string, remote bool) {
	t.Helper()
	rec := install(t, otlpgrpcPropagator)
	_, span := gtrace.NewSpan(downstream.FromEnvironment(context.Background()), "main")
	span.End()
	s := ended(t, rec, "main")
	return s.SpanContext().TraceID().String(), s.Parent().SpanID().String(), s.Parent().IsRemote()
}

func TestFromEnvironmentContinuesTheCallersTrace(t *testing.T) {
	t.Setenv("TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	traceID, parentID, remote := rootFromEnvironment(t)
	if traceID != "4bf92f3577b34da6a3ce929d0e0e4736" || parentID != "00f067aa0ba902b7" || !remote {
		t.Errorf("main: trace %s, parent %s (remote %v); want trace 4bf92f3577b34da6a3ce929d0e0e4736, remote parent 00f067aa0ba902b7", traceID, parentID, remote)
	}
}

func TestFromEnvironmentWithoutTraceparentStartsANewTrace(t *testing.T) {
	t.Setenv("TRACEPARENT", "")
	_, parentID, _ := rootFromEnvironment(t)
	if parentID != "0000000000000000" {
		t.Errorf("main has parent %s, want none", parentID)
	}
}

// A TRACEPARENT the W3C format does not allow is ignored, as the
// propagator ignores a bad traceparent header: the span is a new root.
func TestFromEnvironmentIgnoresAMalformedTraceparent(t *testing.T) {
	for _, bad := range []string{
		"garbage",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",    // no flags
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero span id
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // forbidden version
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // upper case
	} {
		t.Run(bad, func(t *testing.T) {
			t.Setenv("TRACEPARENT", bad)
			traceID, parentID, _ := rootFromEnvironment(t)
			if parentID != "0000000000000000" || traceID == "4bf92f3577b34da6a3ce929d0e0e4736" {
				t.Errorf("TRACEPARENT=%s: main has trace %s, parent %s; want a new root", bad, traceID, parentID)
			}
		})
	}
}

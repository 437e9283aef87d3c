package sampletest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/receiver"
)

// dropAdvice checks the advice when the batch processor's queue overflows
// in a run without -traces, where pacing does not apply (issue 18, class
// 9): it names the queue's variable and size, not -pace; and a run of more
// spans than the picture draws still gives its trace id, and says what the
// picture leaves out instead of marking roots "parent never arrived".
func dropAdvice(t *testing.T, p config.Protocol, bin string) {
	ids := make([]string, 2000)
	for i := range ids {
		ids[i] = strconv.Itoa(i + 1)
	}
	for _, c := range []struct {
		name  string
		env   []string
		args  []string
		queue string
	}{
		{"a single run of 2,000 users", nil, []string{"-users", strings.Join(ids, ",")}, "OTEL_BSP_MAX_QUEUE_SIZE=2048"},
		{"OTEL_BSP_MAX_QUEUE_SIZE=1", []string{"OTEL_BSP_MAX_QUEUE_SIZE=1"}, nil, "OTEL_BSP_MAX_QUEUE_SIZE=1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := NewReceiver(p)
			defer rec.Close()
			if len(c.args) > 0 {
				// The queue overflows only if the 8,001 spans end faster
				// than the exporter drains it; an answer that takes 250ms
				// caps the drain at 2,048 spans a second, so that it does on
				// a loaded machine too (2 runs in 16 did not, without it).
				rec.SetFault(receiver.Fault{Delay: 250 * time.Millisecond})
			}
			r := Run(t, bin, c.env, append([]string{"-endpoint", rec.Addr, "-timeout", "5s"}, c.args...)...)
			if r.Code != 1 || !strings.Contains(r.Stdout, "the batch processor's queue was full and dropped") {
				t.Fatalf("exit %d, want 1 with spans dropped; output:\n%s", r.Code, r.Output())
			}
			want := "More spans ended at once than the batch processor's queue holds (" + c.queue + "): raise it; -pace applies to -traces runs only."
			if !strings.Contains(r.Stdout, want) || strings.Contains(r.Stdout, "leave -pace on") {
				t.Errorf("the advice is not %q:\n%s", want, r.Stdout)
			}
			PrintedTraceID(t, r)
			if strings.Contains(r.Stdout, "never arrived") {
				t.Errorf("the picture marks spans whose parent it left out as never arrived:\n%s", r.Stdout)
			}
			if len(c.args) > 0 && !strings.Contains(r.Stdout, "8001 spans that ended (the first to end, and their parents); it leaves out ") {
				t.Errorf("the report does not say what the picture leaves out:\n%s", r.Stdout)
			}
			res := Outcome(t, Run(t, bin, c.env, append([]string{"-endpoint", rec.Addr, "-timeout", "5s", "-json"}, c.args...)...))
			if len(res.TraceID) != 32 || !strings.Contains(res.Hint, c.queue) {
				t.Errorf("-json: trace id %q, hint %q", res.TraceID, res.Hint)
			}
		})
	}
}

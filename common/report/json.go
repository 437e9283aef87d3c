package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/load"
	"example.com/gftrace/common/printable"
)

// Result is what a run did, for scripts: -json prints it as one line, the
// last on stdout, instead of the report, which says the same in words.
type Result struct {
	Program     string  `json:"program"`            // inprocess-grpc or inprocess-http
	Protocol    string  `json:"protocol"`           // OTLP/gRPC or OTLP/HTTP
	Target      string  `json:"target"`             // where the spans went, as the report names it
	TraceID     string  `json:"trace_id,omitempty"` // the trace of a run without -traces
	Sampler     string  `json:"sampler,omitempty"`  // the head sampler's setting; "" for gf's: every trace
	Made        int64   `json:"spans_made"`         // spans started, whatever the sampler decided
	Recorded    int64   `json:"spans_recorded"`     // of those, the spans the sampler kept: the ones to deliver
	Delivered   int64   `json:"delivered"`          // spans the collector accepted
	Dropped     int64   `json:"dropped"`            // spans the batch processor dropped, its queue full
	Failed      int64   `json:"failed"`             // spans whose export failed or that the collector rejected
	Unconfirmed int64   `json:"unconfirmed"`        // spans still queued or in flight when the program stopped waiting
	Unseen      int64   `json:"unseen,omitempty"`   // of the unconfirmed, spans sent and answered 2xx, on answers nobody reads as OTLP (gf's otlphttp.Init)
	Answers     string  `json:"answers,omitempty"`  // what this program's checks saw when the exporter's answers are unseen
	Cause       string  `json:"cause,omitempty"`    // why not every span was delivered
	Summary     string  `json:"summary"`            // the report's summary line
	Hint        string  `json:"hint,omitempty"`     // the report's advice after a failure
	WaitedMS    float64 `json:"waited_ms"`          // how long the last flush waited for the collector
	ExitCode    int     `json:"exit_code"`
	Volume      *Volume `json:"volume,omitempty"` // a -traces run's figures
}

// Volume is what a -traces run did (see package load).
type Volume struct {
	Traces         int      `json:"traces"`           // traces made
	TracesSampled  int64    `json:"traces_sampled"`   // of those, the traces the sampler kept
	TracesAsked    int      `json:"traces_asked"`     // -traces
	SpansPerTrace  int      `json:"spans_per_trace"`  // as the SDK counted the first trace
	Concurrency    int      `json:"concurrency"`      // goroutines making traces
	ElapsedMS      float64  `json:"elapsed_ms"`       // first span to the collector's last answer
	SpansPerSecond float64  `json:"spans_per_second"` // delivered
	QueueSize      int      `json:"queue_size"`       // the batch span processor's
	BatchSize      int      `json:"batch_size"`
	Paced          bool     `json:"paced"`
	Flushes        int      `json:"flushes"` // pacing flushes
	Set            []string `json:"set"`     // what the program set, as KEY=value
	Stopped        string   `json:"stopped,omitempty"`
	Interrupted    bool     `json:"interrupted"` // stopped by SIGINT or SIGTERM
}

// result gathers the Result of this run, whose exit code is code.
func (r *Run) result(res delivery.Result, code int) Result {
	cfg := r.cfg
	res.Redact = cfg.Redact
	out := Result{
		Program: cfg.Protocol.Program(), Protocol: cfg.Protocol.String(), Target: cfg.Target(),
		Sampler: cfg.SamplerSetting, Made: res.Made, Recorded: res.Recorded, Delivered: res.Delivered, Dropped: res.Dropped, Failed: res.Failed,
		Unconfirmed: res.Recorded - res.Delivered - res.Failed - res.Dropped,
		Unseen:      res.Unseen, Answers: Answers(res),
		Cause: printable.Escaped(cause(res, cfg.Target())), Summary: Summary(cfg, res), Hint: Hint(cfg, res),
		WaitedMS: ms(res.Waited.Seconds()), ExitCode: code,
	}
	if r.picture != nil {
		if id := r.picture.TraceID(); id.IsValid() {
			out.TraceID = id.String()
		}
	}
	if st := r.stats; st != nil {
		v := &Volume{
			Traces: st.Traces, TracesSampled: res.RootsSampled, TracesAsked: cfg.Traces, SpansPerTrace: st.SpansPerTrace, Concurrency: cfg.Concurrency,
			ElapsedMS: ms(st.Elapsed.Seconds()), QueueSize: cfg.Batch.QueueSize, BatchSize: cfg.Batch.BatchSize,
			Paced: cfg.Pace, Flushes: st.Flushes, Set: append(append([]string{}, cfg.Batch.Set...), st.Set...),
		}
		if secs := st.Elapsed.Seconds(); secs > 0 {
			v.SpansPerSecond = float64(res.Delivered) / secs
		}
		if st.Stopped != nil {
			v.Stopped = printable.Escaped(cfg.Redact(st.Stopped.Error()))
			v.Interrupted = errors.As(st.Stopped, new(load.Interrupted))
		}
		out.Volume = v
	}
	return out
}

// ms turns seconds into milliseconds with a microsecond's precision.
func ms(seconds float64) float64 { return float64(int64(seconds*1e6)) / 1e3 }

// WriteJSON writes res as one line of JSON; what came from outside is
// redacted where it entered res.
func WriteJSON(w io.Writer, cfg config.Config, res Result) {
	b, err := json.Marshal(res)
	if err != nil { // a Result always marshals; say so if it ever does not
		b = []byte(fmt.Sprintf(`{"error":%q}`, err.Error()))
	}
	io.WriteString(w, string(b)+"\n") // redacted field by field: JSON keys and the program's words are not secrets
}

// ParseResult reads the Result that a run with -json printed: the last line
// of its stdout.
func ParseResult(stdout string) (Result, error) {
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var res Result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		return res, fmt.Errorf("no JSON result on the last line of the output: %v", err)
	}
	return res, nil
}

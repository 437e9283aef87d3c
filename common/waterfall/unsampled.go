package waterfall

import sdktrace "go.opentelemetry.io/otel/sdk/trace"

// KeepUnsampled wraps a sampler so that the picture can show a trace it
// did not sample: where s says Drop, the span is recorded but not sampled
// (RecordOnly). A Recorder sees it; the batch span processor exports only
// sampled spans, so nothing more is sent, and the trace context carried to
// other services still says "not sampled". A service does not need this.
// A nil s (no sampler: every trace) stays nil.
func KeepUnsampled(s sdktrace.Sampler) sdktrace.Sampler {
	if s == nil {
		return nil
	}
	return keepUnsampled{s}
}

type keepUnsampled struct{ sdktrace.Sampler }

func (k keepUnsampled) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	r := k.Sampler.ShouldSample(p)
	if r.Decision == sdktrace.Drop {
		r.Decision = sdktrace.RecordOnly
	}
	return r
}

package delivery

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// countSampling adds a data point of the SDK's spans-started count to
// Made, every span whatever the sampler decided, and to RootsSampled, the
// spans without a parent (new traces) that the sampler kept: a span the
// sampler did not record is neither delivered nor lost, it was never made
// for export.
func (r *Result) countSampling(dp metricdata.DataPoint[int64]) {
	r.Made += dp.Value
	if has(dp.Attributes, semconv.OTelSpanParentOriginNone) && has(dp.Attributes, semconv.OTelSpanSamplingResultRecordAndSample) {
		r.RootsSampled += dp.Value
	}
}

// has tells whether attrs hold kv.
func has(attrs attribute.Set, kv attribute.KeyValue) bool {
	v, ok := attrs.Value(kv.Key)
	return ok && v == kv.Value
}

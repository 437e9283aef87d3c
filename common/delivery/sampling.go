package delivery

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// countSampling adds a data point of the SDK's spans-started count to
// Made, every span whatever the sampler decided, and to RootsSampled, the
// spans without a parent (new traces) that the sampler kept: a span the
// sampler did not record is neither delivered nor lost, it was never made
// for export.
func (r *Result) countSampling(dp metricdata.DataPoint[int64]) {
	r.Made += dp.Value
	origin, _ := dp.Attributes.Value(attribute.Key("otel.span.parent.origin"))
	decision, _ := dp.Attributes.Value(attribute.Key("otel.span.sampling_result"))
	if origin.AsString() == "none" && decision.AsString() == "RECORD_AND_SAMPLE" {
		r.RootsSampled += dp.Value
	}
}

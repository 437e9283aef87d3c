package report

import (
	"fmt"
	"strings"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/common/load"
)

// notSampledSummary is the summary line of a run whose spans the sampler
// did not record.
func notSampledSummary(cfg config.Config, res delivery.Result) string {
	return fmt.Sprintf("The sampler (%s) recorded none of this run's %d spans: nothing was sent to %s over %s.",
		cfg.SamplerSetting, res.Made, cfg.Target(), cfg.Protocol)
}

// markNotSampled heads the picture of a trace that the sampler did not
// record: it shows what the program made, which no collector has.
func markNotSampled(b *strings.Builder, cfg config.Config, res delivery.Result) {
	if res.NoneRecorded() {
		fmt.Fprintf(b, "Not recorded (%s): the picture shows what the program made; no collector has this trace.\n", cfg.SamplerSetting)
	}
}

// writeSampling writes the spans recorded, and for a run with a sampler
// the traces it sampled against the share its setting expects and the spans
// it recorded of those made.
func writeSampling(b *strings.Builder, cfg config.Config, st load.Stats, res delivery.Result) {
	if cfg.Sampler == nil || st.Traces == 0 {
		fmt.Fprintf(b, "Spans recorded:    %d\n", res.Recorded)
		return
	}
	fmt.Fprintf(b, "Traces sampled:    %d of %d (%.1f%%; %s expects %s%%)\n", res.RootsSampled, st.Traces,
		100*float64(res.RootsSampled)/float64(st.Traces), cfg.SamplerSetting, percent(cfg.SampleRatio))
	fmt.Fprintf(b, "Spans recorded:    %d of %d made (the others, of traces not sampled, were never meant to be sent)\n", res.Recorded, res.Made)
}

// percent writes a ratio as a percentage with no needless digits: 25, 12.5.
func percent(ratio float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", 100*ratio), "0"), ".")
}

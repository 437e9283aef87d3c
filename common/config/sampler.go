package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Sampling is the head sampler: which new traces the SDK records and
// exports. gf's Init cannot take one (it always samples every trace), so a
// sampler selects the program's own provider (see package provider).
type Sampling struct {
	Sampler sdktrace.Sampler // nil when none is set: every trace, as gf's Init does
	// SamplerSetting is how it was set, for the report: "-sample 0.25" or
	// "OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0.25".
	SamplerSetting string
	SampleRatio    float64 // the share of new traces (without a parent) that Sampler keeps
}

// samplers are the values of OTEL_TRACES_SAMPLER that the OpenTelemetry Go
// SDK implements, as the specification names them.
var samplers = []string{"always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"}

// resolveSampler reads the head sampler from -sample (shorthand for
// parentbased_traceidratio) or OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG. It returns a nil sampler when none is set. The
// variables are checked even when the flag wins: the SDK reads them too,
// and would report a malformed one as an error in the middle of the run.
// A service leaves the variables to the SDK (package provider passes no
// sampler then); the sample builds the same sampler here because the
// report's picture wraps it (waterfall.KeepUnsampled) to show a trace it
// dropped, and the SDK does not hand out the one it builds.
func resolveSampler(flagValue string, flagSet bool, getenv func(string) string) (s Sampling, warnings []string, err error) {
	raw, named := lookup(getenv, "OTEL_TRACES_SAMPLER")
	name := strings.ToLower(strings.TrimSpace(raw))
	arg, hasArg := lookup(getenv, "OTEL_TRACES_SAMPLER_ARG")
	arg = strings.TrimSpace(arg)
	takesRatio := strings.HasSuffix(name, "traceidratio")
	switch {
	case named && !slices.Contains(samplers, name):
		return Sampling{}, nil, fmt.Errorf("invalid OTEL_TRACES_SAMPLER %q: want %s", raw, strings.Join(samplers, ", "))
	case hasArg && takesRatio:
		if s.SampleRatio, err = parseRatio(arg); err != nil {
			return Sampling{}, nil, fmt.Errorf("invalid OTEL_TRACES_SAMPLER_ARG %q: %v", arg, err)
		}
	case hasArg && !named:
		warnings = append(warnings, "OTEL_TRACES_SAMPLER_ARG is set but ignored: OTEL_TRACES_SAMPLER is not set")
	case hasArg:
		warnings = append(warnings, "OTEL_TRACES_SAMPLER_ARG is set but ignored: OTEL_TRACES_SAMPLER="+name+" takes no argument")
	case takesRatio:
		s.SampleRatio = 1 // the specification's default
	}

	if flagSet {
		r, err := parseRatio(flagValue)
		if err != nil {
			return Sampling{}, nil, fmt.Errorf("invalid -sample %q: %v", flagValue, err)
		}
		return Sampling{sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), "-sample " + flagValue, r}, warnings, nil
	}
	if !named {
		return Sampling{}, warnings, nil
	}
	s.SamplerSetting = "OTEL_TRACES_SAMPLER=" + name
	if hasArg && takesRatio {
		s.SamplerSetting += " OTEL_TRACES_SAMPLER_ARG=" + arg
	}
	switch name {
	case "always_on", "parentbased_always_on":
		s.Sampler, s.SampleRatio = sdktrace.AlwaysSample(), 1
	case "always_off", "parentbased_always_off":
		s.Sampler, s.SampleRatio = sdktrace.NeverSample(), 0
	default:
		s.Sampler = sdktrace.TraceIDRatioBased(s.SampleRatio)
	}
	if strings.HasPrefix(name, "parentbased_") {
		s.Sampler = sdktrace.ParentBased(s.Sampler) // a span with a parent follows its decision
	}
	return s, warnings, nil
}

// parseRatio reads a share of traces from 0 to 1.
func parseRatio(s string) (float64, error) {
	r, err := strconv.ParseFloat(s, 64)
	if err != nil || !(r >= 0 && r <= 1) { // NaN too

		return 0, fmt.Errorf("want a ratio from 0 to 1 such as 0.25")
	}
	return r, nil
}

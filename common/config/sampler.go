package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Sampling is the head sampler. gf's Init always samples every trace, so a
// sampler selects the program's own provider (see package provider).
type Sampling struct {
	// Sampler is nil when none is set. A service leaves OTEL_TRACES_SAMPLER
	// to the SDK; the sample builds the same sampler because the report's
	// picture wraps it (sdktrace.AlwaysRecord) to show a dropped trace, and
	// the SDK does not hand out the one it builds.
	Sampler        sdktrace.Sampler
	SamplerSetting string  // for the report: "-sample 0.25", "OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0.25"
	SampleRatio    float64 // the share of new traces (without a parent) that Sampler keeps
}

// samplers are the values of OTEL_TRACES_SAMPLER that the Go SDK implements.
var samplers = []string{"always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"}

// resolveSampler reads -sample (parentbased_traceidratio) or
// OTEL_TRACES_SAMPLER and _ARG. The variables are checked even when the
// flag wins: the SDK reads them too, and would log a bad one mid-run.
func resolveSampler(flagValue string, flagSet bool, getenv func(string) string) (s Sampling, warnings []string, err error) {
	raw, named := lookup(getenv, "OTEL_TRACES_SAMPLER")
	name := strings.ToLower(strings.TrimSpace(raw))
	arg, hasArg := lookup(getenv, "OTEL_TRACES_SAMPLER_ARG")
	arg = strings.TrimSpace(arg)
	s = Sampling{SamplerSetting: "OTEL_TRACES_SAMPLER=" + name, SampleRatio: 1} // the specification's default ratio
	switch {
	case named && !slices.Contains(samplers, name):
		return Sampling{}, nil, fmt.Errorf("invalid OTEL_TRACES_SAMPLER %q: want %s", raw, strings.Join(samplers, ", "))
	case hasArg && strings.HasSuffix(name, "traceidratio"):
		if s.SampleRatio, err = parseRatio("OTEL_TRACES_SAMPLER_ARG", arg); err != nil {
			return Sampling{}, nil, err
		}
		s.SamplerSetting += " OTEL_TRACES_SAMPLER_ARG=" + arg
	case hasArg && !named:
		warnings = append(warnings, "OTEL_TRACES_SAMPLER_ARG is set but ignored: OTEL_TRACES_SAMPLER is not set")
	case hasArg:
		warnings = append(warnings, "OTEL_TRACES_SAMPLER_ARG is set but ignored: OTEL_TRACES_SAMPLER="+name+" takes no argument")
	}

	root := strings.TrimPrefix(name, "parentbased_")
	switch {
	case flagSet:
		r, err := parseRatio("-sample", flagValue)
		if err != nil {
			return Sampling{}, nil, err
		}
		return Sampling{sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), "-sample " + flagValue, r}, warnings, nil
	case !named:
		return Sampling{}, warnings, nil
	case root == "always_on":
		s.Sampler = sdktrace.AlwaysSample()
	case root == "always_off":
		s.Sampler, s.SampleRatio = sdktrace.NeverSample(), 0
	default:
		s.Sampler = sdktrace.TraceIDRatioBased(s.SampleRatio)
	}
	if root != name {
		s.Sampler = sdktrace.ParentBased(s.Sampler) // a span with a parent follows its decision
	}
	return s, warnings, nil
}

// parseRatio reads a share of traces from 0 to 1 (NaN is refused too).
func parseRatio(name, s string) (float64, error) {
	if r, err := strconv.ParseFloat(s, 64); err == nil && r >= 0 && r <= 1 {
		return r, nil
	}
	return 0, fmt.Errorf("invalid %s %q: want a ratio from 0 to 1 such as 0.25", name, s)
}

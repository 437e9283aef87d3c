package config

import (
	"slices"
	"strings"
	"testing"
)

// TestSampler: every sampler the specification names is built as the SDK
// builds it from the same variables, -sample is parentbased_traceidratio
// and wins over the environment, and the report learns the setting and the
// share of new traces it keeps.
func TestSampler(t *testing.T) {
	cases := []struct {
		args, env   []string
		description string // the SDK sampler's own description
		setting     string
		ratio       float64
		warning     string
	}{
		{nil, nil, "", "", 0, ""},
		{nil, []string{"OTEL_TRACES_SAMPLER", "always_on"}, "AlwaysOnSampler", "OTEL_TRACES_SAMPLER=always_on", 1, ""},
		{nil, []string{"OTEL_TRACES_SAMPLER", "always_off"}, "AlwaysOffSampler", "OTEL_TRACES_SAMPLER=always_off", 0, ""},
		{nil, []string{"OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "0.25"}, "TraceIDRatioBased{0.25}", "OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0.25", 0.25, ""},
		{nil, []string{"OTEL_TRACES_SAMPLER", "traceidratio"}, "TraceIDRatioBased{1}", "OTEL_TRACES_SAMPLER=traceidratio", 1, ""},
		{nil, []string{"OTEL_TRACES_SAMPLER", "parentbased_always_on"}, "ParentBased{root:AlwaysOnSampler,", "OTEL_TRACES_SAMPLER=parentbased_always_on", 1, ""},
		{nil, []string{"OTEL_TRACES_SAMPLER", "ParentBased_Always_Off"}, "ParentBased{root:AlwaysOffSampler,", "OTEL_TRACES_SAMPLER=parentbased_always_off", 0, ""},
		{nil, []string{"OTEL_TRACES_SAMPLER", "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG", "0.1"}, "ParentBased{root:TraceIDRatioBased{0.1},", "OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1", 0.1, ""},
		{[]string{"-sample", "0.5"}, nil, "ParentBased{root:TraceIDRatioBased{0.5},", "-sample 0.5", 0.5, ""},
		{[]string{"-sample", "0"}, []string{"OTEL_TRACES_SAMPLER", "always_on"}, "ParentBased{root:TraceIDRatioBased{0},", "-sample 0", 0, ""},
		{nil, []string{"OTEL_TRACES_SAMPLER", "always_on", "OTEL_TRACES_SAMPLER_ARG", "0.5"}, "AlwaysOnSampler", "OTEL_TRACES_SAMPLER=always_on", 1,
			"OTEL_TRACES_SAMPLER_ARG is set but ignored: OTEL_TRACES_SAMPLER=always_on takes no argument"},
		{nil, []string{"OTEL_TRACES_SAMPLER_ARG", "0.5"}, "", "", 0, "OTEL_TRACES_SAMPLER_ARG is set but ignored: OTEL_TRACES_SAMPLER is not set"},
	}
	for _, c := range cases {
		cfg, warnings, err := Parse(GRPC, c.args, env(c.env...))
		if err != nil {
			t.Errorf("%v %v: %v", c.args, c.env, err)
			continue
		}
		description := ""
		if cfg.Sampler != nil {
			description = cfg.Sampler.Description()
		}
		if !strings.HasPrefix(description, c.description) || (c.description == "") != (cfg.Sampler == nil) {
			t.Errorf("%v %v: sampler %q, want %q", c.args, c.env, description, c.description)
		}
		if cfg.SamplerSetting != c.setting || cfg.SampleRatio != c.ratio {
			t.Errorf("%v %v: setting %q ratio %v, want %q %v", c.args, c.env, cfg.SamplerSetting, cfg.SampleRatio, c.setting, c.ratio)
		}
		if c.warning != "" && !slices.Contains(warnings, c.warning) || c.warning == "" && len(warnings) > 0 {
			t.Errorf("%v %v: warnings %q, want %q", c.args, c.env, warnings, c.warning)
		}
	}
}

// TestBadSampler: a value the SDK would ignore, or log about in the middle
// of the run, is bad input naming the setting and the value, even when
// -sample wins over the variable.
func TestBadSampler(t *testing.T) {
	cases := []struct {
		args, env []string
		want      string
	}{
		{nil, []string{"OTEL_TRACES_SAMPLER", "sometimes"}, `invalid OTEL_TRACES_SAMPLER "sometimes": want always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio`},
		{nil, []string{"OTEL_TRACES_SAMPLER", "jaeger_remote"}, `invalid OTEL_TRACES_SAMPLER "jaeger_remote"`},
		{nil, []string{"OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "half"}, `invalid OTEL_TRACES_SAMPLER_ARG "half": want a ratio from 0 to 1`},
		{nil, []string{"OTEL_TRACES_SAMPLER", "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG", "1.5"}, `invalid OTEL_TRACES_SAMPLER_ARG "1.5"`},
		{[]string{"-sample", "0.5"}, []string{"OTEL_TRACES_SAMPLER", "nope"}, `invalid OTEL_TRACES_SAMPLER "nope"`},
		{[]string{"-sample", "-0.1"}, nil, `invalid -sample "-0.1": want a ratio from 0 to 1`},
		{[]string{"-sample", "NaN"}, nil, `invalid -sample "NaN"`},
		{[]string{"-sample", "10%"}, nil, `invalid -sample "10%"`},
	}
	for _, c := range cases {
		_, _, err := Parse(HTTP, c.args, env(c.env...))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v %v: error %v, want one line saying %s", c.args, c.env, err, c.want)
		}
	}
}

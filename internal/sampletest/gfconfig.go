package sampletest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"example.com/gftrace/common/config"
)

// goFrameConfig runs the program inside a GoFrame project whose own
// configuration gf's logger cannot use (issue 12 §6): the run goes on, the
// spans are delivered and reported, and one warning line names the file
// and the setting. No panic, no stack trace, no exit 2.
func goFrameConfig(t *testing.T, p config.Protocol, bin string) {
	cases := []struct {
		name string
		file string // relative to the project's directory
		yaml string
		env  []string
		want []string // in the one warning line
	}{
		{"a logger path that cannot be created", "manifest/config/config.yaml", "logger:\n  path: /proc/no-such-dir/logs\n  level: all\n", nil,
			[]string{"manifest/config/config.yaml: logger.path cannot be used (mkdir /proc/no-such-dir: no such file or directory): gf's logger goes on without it"}},
		{"an unknown logger level, in config.yaml of the working directory", "config.yaml", "logger:\n  default:\n    level: loud\n", nil,
			[]string{"config.yaml: logger.default.level cannot be used (invalid level string: loud)"}},
		{"a configuration file that is not YAML", "manifest/config/config.yaml", "logger: [1, 2\n", nil,
			[]string{"manifest/config/config.yaml cannot be read (yaml: line 1: ", "GoFrame's configuration is not used"}},
		{"GF_GCFG_PATH names no directory", "", "", []string{"GF_GCFG_PATH=/no/such/dir"},
			[]string{`GF_GCFG_PATH="/no/such/dir" is not a directory`}},
	}
	for _, c := range cases {
		for _, traces := range []int{1, 50} {
			t.Run(c.name+", -traces "+strconv.Itoa(traces), func(t *testing.T) {
				dir := t.TempDir()
				if c.file != "" {
					path := filepath.Join(dir, c.file)
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(c.yaml), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				rec := NewReceiver(p)
				defer rec.Close()
				r := RunIn(t, dir, bin, c.env, "-endpoint", rec.Addr, "-traces", strconv.Itoa(traces), "-timeout", "5s")
				if r.Code != 0 || rec.SpanCount() != 9*traces {
					t.Errorf("exit %d, %d spans received; want exit 0 and every span:\n%s", r.Code, rec.SpanCount(), r.Output())
				}
				warnings := warningLines(r.Stderr)
				if len(warnings) != 1 {
					t.Errorf("want one warning line, got %q", warnings)
				}
				for _, w := range c.want {
					if !strings.Contains(r.Stderr, w) {
						t.Errorf("stderr does not say %q:\n%s", w, r.Stderr)
					}
				}
				if !strings.Contains(r.Stdout, fmt.Sprintf("%d of %d %s", 9*traces, 9*traces, allReached[p])) {
					t.Errorf("no report:\n%s", r.Stdout)
				}
				noLeaks(t, r)
			})
		}
	}
	t.Run("an IPv6 endpoint with a zone is bad input", func(t *testing.T) {
		for _, endpoint := range []string{"[::1%lo]:4317", "http://[::1%25lo]:4318", "https://[fe80::1%eth0]:4318/v1/traces"} {
			for _, run := range []struct{ env, args []string }{
				{nil, []string{"-endpoint", endpoint}},
				{[]string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint}, nil},
			} {
				r := Run(t, bin, run.env, run.args...)
				if !Rejected(r, "is not supported by the OTLP exporters; use an address without one") {
					t.Errorf("%v %v: exit %d, stderr %q, stdout %q; want exit 2 and one line about the zone", run.env, run.args, r.Code, r.Stderr, r.Stdout)
				}
				noLeaks(t, r)
			}
		}
	})
	t.Run("ignored variables are said", func(t *testing.T) {
		rec := NewReceiver(p)
		defer rec.Close()
		r := Run(t, bin, []string{"OTEL_SDK_DISABLED=true", "OTEL_TRACES_EXPORTER=none"}, "-endpoint", rec.Addr)
		want := []string{
			"warning: OTEL_SDK_DISABLED=true is set but ignored: gf's Init builds the SDK anyway, and the spans are exported",
			"warning: OTEL_TRACES_EXPORTER=none is set but ignored: inprocess-" + string(p) + " always exports over " + p.String(),
		}
		if got := warningLines(r.Stderr); len(got) != 2 || !strings.HasSuffix(got[0], want[0]) || !strings.HasSuffix(got[1], want[1]) {
			t.Errorf("warnings %q, want %q", got, want)
		}
		if r.Code != 0 || rec.SpanCount() != 9 {
			t.Errorf("exit %d, %d spans: the variables changed the run", r.Code, rec.SpanCount())
		}
		noLeaks(t, r)
	})
}

// warningLines are the program's warning lines in stderr.
func warningLines(stderr string) []string {
	var lines []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, ": warning: ") {
			lines = append(lines, line)
		}
	}
	return lines
}

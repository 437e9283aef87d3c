package scaletest_test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"example.com/gftrace/internal/repo"
	"example.com/gftrace/internal/sampletest"
	"example.com/gftrace/internal/scaletest"
)

// The traffic of every case: 200 traces of two runs each, every other one
// an error trace (the callee's user does not exist).
const (
	traces     = 200
	errorEvery = 2
	workers    = 4
	percent    = 25 // JAEGER_TAIL_PERCENT: the share of the other traces kept
)

// decisionWait is the backends' decision_wait: a trace's second run starts
// after its first one ended, so its spans reach the backend up to a few
// seconds after the first run's on a loaded machine; the decision must wait
// for them (tail-sampling.yaml's 2s is for traces made by one process).
const decisionWait = 10 * time.Second

// env is the tail-sampling settings of every case: the errors and percent
// policies as configured; the slow policy out of the way, since a trace of
// two runs, one after the other, lasts as long as starting a process, and
// the slow policy would keep every one.
var env = []string{
	"SCALE_DECISION_WAIT=" + decisionWait.String(),
	"JAEGER_TAIL_PERCENT=" + itoa(percent),
	"JAEGER_TAIL_SLOW_MS=3600000",
}

func itoa(i int) string { return strconv.Itoa(i) }

func buildSample(t *testing.T) string {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	return sampletest.Build(t, filepath.Join(root, "inprocess-grpc"))
}

// withinShare fails unless k of n is a plausible draw of the share p: at
// most 4.5 standard deviations of the binomial distribution from n·p (a
// false alarm about once in 150,000 runs).
func withinShare(t *testing.T, what string, k, n int, p float64) {
	t.Helper()
	mean, sd := float64(n)*p, math.Sqrt(float64(n)*p*(1-p))
	if math.Abs(float64(k)-mean) > 4.5*sd {
		t.Errorf("%s: %d of %d kept, want about %.0f (%.0f%%, ±%.0f at 4.5σ)", what, k, n, mean, p*100, 4.5*sd)
	}
}

// TestLoadBalancedTierKeepsErrorTracesWhole: behind the load_balancing
// exporter, each trace's spans reach one backend, whichever front they
// came through, so every error trace is stored whole, the others are
// kept at the configured share, and none is partial.
func TestLoadBalancedTierKeepsErrorTracesWhole(t *testing.T) {
	bin := buildSample(t)
	topo := scaletest.Start(t, env, "--replicas", "2")
	start := time.Now()
	sent := scaletest.Pairs(t, bin, topo.Fronts, traces, errorEvery, workers, 0, nil)
	sending := time.Since(start)
	stored := scaletest.Settle(t, topo.Jaeger, sent, decisionWait, 2*time.Minute)
	c := scaletest.Count(sent, stored, nil)
	t.Logf("load-balanced, %d traces in %s: %s", traces, sending.Round(time.Second), c)

	if c.ErrorsWhole != c.Errors {
		t.Errorf("%d of %d error traces stored whole, want all: %s", c.ErrorsWhole, c.Errors, c)
	}
	if c.ErrorsPartial+c.OthersPartial != 0 {
		t.Errorf("partial traces stored: %s", c)
	}
	withinShare(t, "other traces", c.OthersWhole, c.Others, percent/100.0)
}

// TestWithoutLoadBalancingErrorTracesBreak is the control: each front
// sends to its own backend, so the caller's spans and the callee's are
// decided apart. The callee's backend keeps its error spans; the caller's
// keeps its spans only when the percent policy picks the trace (both
// backends hash the same trace id alike). So most error traces are
// stored partial, and only about the share that policy keeps are whole.
func TestWithoutLoadBalancingErrorTracesBreak(t *testing.T) {
	bin := buildSample(t)
	topo := scaletest.Start(t, env, "--replicas", "2", "--no-lb")
	sent := scaletest.Pairs(t, bin, topo.Fronts, traces, errorEvery, workers, 0, nil)
	stored := scaletest.Settle(t, topo.Jaeger, sent, decisionWait, 2*time.Minute)
	c := scaletest.Count(sent, stored, nil)
	t.Logf("no load balancing, %d traces: %s", traces, c)

	if c.ErrorsPartial+c.ErrorsMissing == 0 {
		t.Errorf("every error trace stored whole without load balancing: the control shows no difference: %s", c)
	}
	// Whole only when the caller's backend kept its part by percent.
	withinShare(t, "error traces whole", c.ErrorsWhole, c.Errors, percent/100.0)
	withinShare(t, "other traces", c.OthersWhole, c.Others, percent/100.0)
}

// TestBackendKilledMidRun kills one tail-sampling backend after a third of
// the traces. The static resolver keeps routing that backend's share of
// trace ids to it, so those traces are lost; the others are stored whole.
// Nothing hangs: every run still exits 0 (the fronts accept the spans),
// and stop ends the topology.
func TestBackendKilledMidRun(t *testing.T) {
	bin := buildSample(t)
	topo := scaletest.Start(t, env, "--replicas", "2")
	victim := topo.BackendPIDs[1]
	kill := func() {
		if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
			t.Errorf("kill backend-2 (pid %d): %v", victim, err)
		}
	}
	start := time.Now()
	sent := scaletest.Pairs(t, bin, topo.Fronts, traces, errorEvery, workers, traces/3, kill)
	sending := time.Since(start)
	stored := scaletest.Settle(t, topo.Jaeger, sent, decisionWait, 2*time.Minute)
	after := func(s scaletest.Sent) bool { return s.AfterFault }
	before := func(s scaletest.Sent) bool { return !s.AfterFault }
	cb, ca := scaletest.Count(sent, stored, before), scaletest.Count(sent, stored, after)
	t.Logf("backend-2 killed after %d of %d traces (sending took %s)", traces/3, traces, sending.Round(time.Second))
	t.Logf("  started before the kill: %s", cb)
	t.Logf("  started after the kill:  %s", ca)

	if ca.ErrorsPartial+ca.OthersPartial+cb.ErrorsPartial+cb.OthersPartial != 0 {
		t.Errorf("partial traces stored: routing by trace id sends all of a trace to one backend, dead or alive")
	}
	// The trace ids that hash to the dead backend (about half: the ring
	// of the load_balancing exporter is not split exactly) are lost; the
	// others are kept as before.
	if ca.ErrorsMissing == 0 {
		t.Errorf("no error trace lost after a backend died: the static resolver should keep routing to it: %s", ca)
	}
	if ca.ErrorsWhole == 0 {
		t.Errorf("no error trace stored after a backend died: the other backend's share should be: %s", ca)
	}

	stopped := topo.Stop(t)
	t.Logf("stop took %s", stopped.Round(time.Millisecond))
	if stopped > 90*time.Second {
		t.Errorf("stop took %s: something hangs", stopped)
	}
	for _, pid := range append(append([]int{topo.JaegerPID}, topo.FrontPIDs...), topo.BackendPIDs[0]) {
		if _, err := os.Stat(filepath.Join("/proc", itoa(pid))); err == nil {
			if stat, _ := os.ReadFile(filepath.Join("/proc", itoa(pid), "stat")); !strings.Contains(string(stat), ") Z ") {
				t.Errorf("pid %d still runs after stop", pid)
			}
		}
	}
}

// TestBadInput: a bad argument or setting is exit 2 and one line naming
// it, before anything starts.
func TestBadInput(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	front := filepath.Join(root, "scripts", "collector", "front.yaml")
	for _, c := range []struct {
		script string
		env    []string
		args   []string
		want   string
	}{
		{"scale.sh", nil, []string{"start", "--replicas", "0"}, "--replicas 0 is not a number of replicas (1-8)"},
		{"scale.sh", nil, []string{"start", "--replicas", "9"}, "--replicas 9 is not a number of replicas (1-8)"},
		{"scale.sh", nil, []string{"start", "--replicas", "two"}, "--replicas two is not a number of replicas (1-8)"},
		{"scale.sh", nil, []string{"start", "--replicas"}, "start --replicas needs a number"},
		{"scale.sh", nil, []string{"start", "--lb"}, "unknown start argument: --lb"},
		{"scale.sh", nil, []string{"begin"}, "unknown command: begin"},
		{"scale.sh", []string{"SCALE_BASE_PORT=http"}, []string{"start"}, "SCALE_BASE_PORT=http is not a port"},
		{"scale.sh", []string{"SCALE_BASE_PORT=65530"}, []string{"start"}, "SCALE_BASE_PORT=65530 is not a port"},
		{"scale.sh", []string{"SCALE_DECISION_WAIT=soon"}, []string{"start"}, "SCALE_DECISION_WAIT=soon is not a duration"},
		{"collector.sh", nil, []string{"start"}, "start needs --config FILE"},
		{"collector.sh", nil, []string{"start", "--config", "/no/such.yaml"}, "start --config /no/such.yaml: no such readable file"},
		{"collector.sh", []string{"COLLECTOR_OTLP_GRPC_PORT=0"}, []string{"start", "--config", front}, "COLLECTOR_OTLP_GRPC_PORT=0 is not a port number (1-65535)"},
		{"collector.sh", []string{"COLLECTOR_HEALTH_PORT=13133x"}, []string{"start", "--config", front}, "COLLECTOR_HEALTH_PORT=13133x is not a port number (1-65535)"},
		{"collector.sh", []string{"COLLECTOR_START_TIMEOUT=1m"}, []string{"start", "--config", front}, "COLLECTOR_START_TIMEOUT=1m is not a number of seconds"},
		{"collector.sh", nil, []string{"build", "now"}, "build takes no arguments"},
		// Numbers that bash's arithmetic would wrap into range (2^64+1 is 1,
		// 18446744073709586085 is 34469): jaeger.sh's check, shared.
		{"scale.sh", nil, []string{"start", "--replicas", "18446744073709551617"}, "--replicas 18446744073709551617 is not a number of replicas (1-8)"},
		{"scale.sh", []string{"SCALE_BASE_PORT=18446744073709561617"}, []string{"start"}, "SCALE_BASE_PORT=18446744073709561617 is not a port"},
		{"collector.sh", []string{"COLLECTOR_HEALTH_PORT=18446744073709586085"}, []string{"start", "--config", front}, "COLLECTOR_HEALTH_PORT=18446744073709586085 is not a port number (1-65535)"},
		{"collector.sh", []string{"COLLECTOR_START_TIMEOUT=99999999999"}, []string{"start", "--config", front}, "COLLECTOR_START_TIMEOUT=99999999999 is not a number of seconds"},
		{"collector.sh", nil, []string{"logs", "-n", "18446744073709551617"}, "logs -n: '18446744073709551617' is not a number"},
		// A directory that cannot be written is a bad setting too, named,
		// as in jaeger.sh (/proc: read-only even for root).
		{"collector.sh", []string{"COLLECTOR_STATE_DIR=/proc/collector-state"}, []string{"start", "--config", front}, "COLLECTOR_STATE_DIR=/proc/collector-state: cannot write to /proc/collector-state"},
		{"collector.sh", []string{"COLLECTOR_STATE_DIR=/proc/collector-state"}, []string{"stop"}, "COLLECTOR_STATE_DIR=/proc/collector-state: cannot write to /proc/collector-state"},
		{"collector.sh", []string{"COLLECTOR_BIN_DIR=/proc/collector-bin"}, []string{"build"}, "COLLECTOR_BIN_DIR=/proc/collector-bin: cannot write to /proc/collector-bin"},
		{"scale.sh", []string{"SCALE_STATE_DIR=/proc/scale-state"}, []string{"stop"}, "SCALE_STATE_DIR=/proc/scale-state: cannot write to /proc/scale-state"},
	} {
		// c.env last: it may set a state directory of its own.
		env := append([]string{"SCALE_STATE_DIR=" + t.TempDir(), "COLLECTOR_STATE_DIR=" + t.TempDir()}, c.env...)
		out, code := scaletest.Script(t, c.script, env, c.args...)
		oneLine(t, c.script+" "+strings.Join(c.args, " "), out, code, c.script+": "+c.want)
	}

	// A checkout without the build files: a copy of collector.sh (and the
	// scripts/lib/service.sh it sources) whose scripts/collector/ is empty.
	scripts := filepath.Join(t.TempDir(), "scripts")
	for _, dir := range []string{"collector", "lib"} {
		if err := os.MkdirAll(filepath.Join(scripts, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"collector.sh", filepath.Join("lib", "service.sh")} {
		body, err := os.ReadFile(filepath.Join(root, "scripts", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(scripts, name), body, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copied := filepath.Join(scripts, "collector.sh")
	cmd := exec.Command(copied, "build")
	cmd.Env = append(os.Environ(), "COLLECTOR_BIN_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	}
	oneLine(t, "collector.sh build (no build files)", string(out), code, "collector.sh: missing build files: "+filepath.Join(scripts, "collector")+" needs manifest.yaml, go.mod and go.sum")
}

func oneLine(t *testing.T, what, out string, code int, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
		t.Errorf("%s: exit %d, output:\n%s\nwant exit 2 and one line starting %q", what, code, out, want)
	}
}

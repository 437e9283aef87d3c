package scripttest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"example.com/gftrace/internal/jaegertest"
	"example.com/gftrace/internal/localnet"
	"example.com/gftrace/internal/repo"
)

var portVars = []string{"JAEGER_OTLP_GRPC_PORT", "JAEGER_OTLP_HTTP_PORT", "JAEGER_QUERY_PORT", "JAEGER_QUERY_GRPC_PORT", "JAEGER_HEALTH_PORT"}

// freePortEnv gives each of Jaeger's ports a free one, so that a start
// never meets the default ports in use on a shared machine.
func freePortEnv(t *testing.T) []string {
	var env []string
	for i, p := range localnet.FreePorts(t, len(portVars)) {
		env = append(env, portVars[i]+"="+p)
	}
	return env
}

// run runs jaeger.sh with env added to b's, and returns its exit code and
// output.
func (b *builder) run(env []string, args ...string) (int, string, string) {
	b.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(b.script, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = append(append([]string{}, b.env...), env...), &stdout, &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		b.t.Fatal(err)
	}
	return exitCode(err), stdout.String(), stderr.String()
}

// A binary cache or state directory that cannot be written is bad input
// (exit 2, the variable named), found before any build; the build never
// lands elsewhere. /proc stands for a read-only filesystem, which root
// (who ignores file modes) cannot write either: /proc exists but takes no
// new files, /proc/… cannot be created.
func TestUnwritableDirectories(t *testing.T) {
	before, _ := filepath.Glob("/jaeger-*")
	for _, c := range []struct{ env, want string }{
		{"JAEGER_BIN_DIR=/proc", "JAEGER_BIN_DIR=/proc: cannot write to /proc"},
		{"JAEGER_BIN_DIR=/proc/jaeger-bin", "JAEGER_BIN_DIR=/proc/jaeger-bin: cannot write to /proc/jaeger-bin"},
		{"JAEGER_STATE_DIR=/proc/jaeger-state", "JAEGER_STATE_DIR=/proc/jaeger-state: cannot write to /proc/jaeger-state"},
	} {
		for _, cmd := range []string{"build", "start"} {
			b := newBuilder(t, 100*time.Millisecond)
			if cmd == "build" && strings.HasPrefix(c.env, "JAEGER_STATE_DIR") {
				continue // build does not use the state directory
			}
			code, stdout, stderr := b.run(append(freePortEnv(t), c.env), cmd)
			if code != 2 || !strings.Contains(stderr, c.want) {
				t.Errorf("%s jaeger.sh %s: exit %d, stderr:\n%s\nwant exit 2 and %q", c.env, cmd, code, stderr, c.want)
			}
			if len(b.builds()) > 0 || stdout != "" {
				t.Errorf("%s jaeger.sh %s built %q", c.env, cmd, stdout)
			}
			b.run(nil, "stop")
		}
	}
	if after, _ := filepath.Glob("/jaeger-*"); len(after) != len(before) {
		t.Errorf("a binary was built into /: %v", after)
	}
}

// A number that bash's arithmetic would wrap (18446744073709586085 is
// port 34469 modulo 2^64) or any port out of 1-65535 is bad input.
func TestNumbersOutOfRange(t *testing.T) {
	b := newBuilder(t, 100*time.Millisecond)
	for _, v := range portVars {
		for _, value := range []string{"18446744073709586085", "99999999999999999999999", "4294971613", "65536", "0", "-1", "0x10", "4317 "} {
			env := append(freePortEnv(t), v+"="+value)
			code, _, stderr := b.run(env, "start")
			want := v + "=" + value + " is not a port number (1-65535)"
			if code != 2 || !strings.Contains(stderr, want) {
				t.Errorf("%s=%q jaeger.sh start: exit %d, stderr:\n%s\nwant exit 2 and %q", v, value, code, stderr, want)
			}
		}
	}
	for _, value := range []string{"18446744073709551617", "99999999999"} {
		code, _, stderr := b.run(append(freePortEnv(t), "JAEGER_START_TIMEOUT="+value), "start")
		want := "JAEGER_START_TIMEOUT=" + value + " is not a number of seconds"
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("JAEGER_START_TIMEOUT=%s jaeger.sh start: exit %d, stderr:\n%s\nwant exit 2 and %q", value, code, stderr, want)
		}
		code, _, stderr = b.run(nil, "logs", "-n", value)
		if code != 2 || !strings.Contains(stderr, "'"+value+"' is not a number") {
			t.Errorf("jaeger.sh logs -n %s: exit %d, stderr:\n%s", value, code, stderr)
		}
	}
	if n := len(b.builds()); n != 0 {
		t.Errorf("%d builds ran for bad input", n)
	}
}

// A pid file that names a live process which is not the Jaeger this
// script started (a pid reused after a crash, by a binary whose name also
// starts with jaeger) is not Jaeger: status says not running, stop leaves
// the process alone.
func TestPidFileOfAnotherProcess(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "jaeger-not-ours")
	if err := os.WriteFile(other, data, 0o755); err != nil {
		t.Fatal(err)
	}
	b := newBuilder(t, 100*time.Millisecond)
	stateDir := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"JAEGER_STATE_DIR=" + stateDir}
	cachedBin := filepath.Join(b.binDir, "jaeger-0123456789abcdef")
	for _, pidFile := range []func(pid int) string{
		// as the script wrote it before it recorded more than the pid
		func(pid int) string { return strconv.Itoa(pid) + "\n" },
		// the pid of a Jaeger that has exited, since reused
		func(pid int) string { return strconv.Itoa(pid) + "\n1\n" + cachedBin + "\n" },
		// the right start time, another binary
		func(pid int) string { return strconv.Itoa(pid) + "\n" + startTime(t, pid) + "\n" + cachedBin + "\n" },
	} {
		proc := exec.Command(other, "300")
		if err := proc.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { proc.Process.Kill(); proc.Wait() })
		pid := proc.Process.Pid
		content := pidFile(pid)
		if err := os.WriteFile(filepath.Join(stateDir, "jaeger.pid"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, stdout, stderr := b.run(env, "status"); code != 3 || !strings.Contains(stdout, "Jaeger is not running") {
			t.Errorf("pid file %q (a process named %s): status exit %d\n%s%s\nwant 3, not running", content, filepath.Base(other), code, stdout, stderr)
		}
		if code, _, stderr := b.run(env, "stop"); code != 0 || !strings.Contains(stderr, "Jaeger is not running") {
			t.Errorf("pid file %q: stop exit %d\n%s\nwant 0, not running", content, code, stderr)
		}
		if syscall.Kill(pid, 0) != nil || gone(pid) {
			t.Errorf("pid file %q: stop killed %s (pid %d), which it did not start", content, filepath.Base(other), pid)
		}
		proc.Process.Kill()
		proc.Wait()
	}
}

// startTime is field 22 of /proc/PID/stat.
func startTime(t *testing.T, pid int) string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return fields[19]
}

// Two starts at once with different state directories and the same ports:
// one runs Jaeger, the other finds the ports in use (exit 4, as when they
// were in use before), never a Jaeger that fails to bind (exit 1). With
// the real Jaeger (built by scripts/test.sh).
func TestTwoStartsSamePorts(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	ports := freePortEnv(t)
	type result struct {
		code           int
		stdout, stderr string
	}
	var wg sync.WaitGroup
	results := make([]result, 2)
	runners := make([]*builder, 2)
	for i := range runners {
		b := &builder{t: t, script: filepath.Join(root, "scripts", "jaeger.sh")}
		b.env = append(append(os.Environ(), ports...),
			"JAEGER_BIN_DIR="+jaegertest.BinDir(root),
			"JAEGER_STATE_DIR="+t.TempDir())
		runners[i] = b
		t.Cleanup(func() {
			if code, _, stderr := b.run(nil, "stop"); code != 0 {
				t.Errorf("stop: exit %d\n%s", code, stderr)
			}
		})
	}
	// Built first, so that the two starts race for the ports, not the build.
	if code, _, stderr := runners[0].run(nil, "build"); code != 0 {
		t.Fatalf("jaeger.sh build: exit %d\n%s", code, stderr)
	}
	for i, b := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(b.script, "start")
			cmd.Env, cmd.Stdout, cmd.Stderr = b.env, &stdout, &stderr
			r.code = exitCode(cmd.Run())
			r.stdout, r.stderr = stdout.String(), stderr.String()
		}()
	}
	wg.Wait()
	codes := []int{results[0].code, results[1].code}
	if !(codes[0] == 0 && codes[1] == 4 || codes[0] == 4 && codes[1] == 0) {
		t.Fatalf("exit codes %v, want 0 and 4\nfirst:\n%s\nsecond:\n%s", codes, results[0].stderr, results[1].stderr)
	}
	loser := results[0]
	if codes[1] == 4 {
		loser = results[1]
	}
	if !strings.Contains(loser.stderr, "already in use") {
		t.Errorf("the second start does not say the ports are in use:\n%s", loser.stderr)
	}
}

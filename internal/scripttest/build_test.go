package scripttest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"example.com/gftrace/internal/repo"
)

// A real build of Jaeger takes minutes, so these tests give jaeger.sh a
// go command of their own (GO, which the script honours): it records its
// pid, writes half a binary, sleeps, then writes the whole one, as go
// build's linker does. The script's locking, process groups and temporary
// files are what is tested, and they are the same whatever GO does.
const fakeGo = `#!/usr/bin/env bash
out=
while (($#)); do
  if [[ $1 == -o ]]; then out=$2; shift; fi
  shift
done
echo $$ >>"$FAKE_GO_LOG"
printf 'half a binary' >"$out"
sleep "$FAKE_GO_SLEEP"
printf '#!/bin/sh\necho the whole binary\n' >"$out"
chmod +x "$out"
`

// builder is a binary cache and a fake go for jaeger.sh build.
type builder struct {
	t      *testing.T
	script string
	binDir string
	goLog  string // one line per build the fake go ran: its pid
	env    []string
}

func newBuilder(t *testing.T, sleep time.Duration) *builder {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	goPath := filepath.Join(dir, "go")
	if err := os.WriteFile(goPath, []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	b := &builder{t: t, script: filepath.Join(root, "scripts", "jaeger.sh"), binDir: filepath.Join(dir, "bin"), goLog: filepath.Join(dir, "go.log")}
	b.env = append(os.Environ(),
		"GO="+goPath,
		"FAKE_GO_LOG="+b.goLog,
		"FAKE_GO_SLEEP="+strconv.FormatFloat(sleep.Seconds(), 'f', 1, 64),
		"JAEGER_BIN_DIR="+b.binDir,
		"JAEGER_STATE_DIR="+filepath.Join(dir, "state"),
	)
	return b
}

// start runs jaeger.sh build in the background.
func (b *builder) start() (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	b.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(b.script, "build")
	cmd.Env, cmd.Stdout, cmd.Stderr = b.env, &stdout, &stderr
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, &stdout, &stderr
}

// builds returns the pids of the builds the fake go started.
func (b *builder) builds() []int {
	data, _ := os.ReadFile(b.goLog)
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			b.t.Fatalf("fake go log %q", data)
		}
		pids = append(pids, pid)
	}
	return pids
}

// waitBuilding waits until the fake go has started n builds.
func (b *builder) waitBuilding(n int) []int {
	b.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for len(b.builds()) < n {
		if time.Now().After(deadline) {
			b.t.Fatalf("the build did not start within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return b.builds()
}

// checkInstalled checks that path is the whole binary, in the cache, and
// that no temporary file is left beside it.
func (b *builder) checkInstalled(path string) {
	b.t.Helper()
	path = strings.TrimSpace(path)
	if filepath.Dir(path) != b.binDir || !strings.HasPrefix(filepath.Base(path), "jaeger-") {
		b.t.Errorf("jaeger.sh build printed %q, want a jaeger-… binary in %s", path, b.binDir)
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), "the whole binary") {
		b.t.Errorf("%s holds %q (%v), want the whole binary", path, data, err)
	}
	b.checkNoTemp()
}

func (b *builder) checkNoTemp() {
	b.t.Helper()
	if tmp, _ := filepath.Glob(filepath.Join(b.binDir, "*.tmp*")); len(tmp) > 0 {
		b.t.Errorf("temporary files left in the cache: %v", tmp)
	}
}

// gone reports whether pid has exited (a zombie has).
func gone(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// A build whose jaeger.sh is stopped (TERM, as a test harness or a service
// manager stops it) stops too: no go left running, no half-written binary;
// the next jaeger.sh builds it whole.
func TestBuildStoppedWithItsCaller(t *testing.T) {
	b := newBuilder(t, 30*time.Second)
	cmd, _, stderr := b.start()
	pids := b.waitBuilding(1)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(cmd.Wait()); code != 143 {
		t.Errorf("jaeger.sh build after SIGTERM: exit %d, want 143\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "interrupted by SIGTERM: the build was stopped") {
		t.Errorf("jaeger.sh did not say the build was stopped:\n%s", stderr)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !gone(pids[0]) {
		if time.Now().After(deadline) {
			t.Fatalf("the build (pid %d) still runs 10s after its jaeger.sh was stopped: an orphan", pids[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.checkNoTemp()

	b2 := *b
	b2.env = append(b.env, "FAKE_GO_SLEEP=0.2")
	cmd, stdout, stderr := b2.start()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the next jaeger.sh build: %v\n%s", err, stderr)
	}
	if n := len(b.builds()); n != 2 {
		t.Errorf("%d builds ran, want 2 (the stopped one and a new one)", n)
	}
	b.checkInstalled(stdout.String())
}

// A build whose jaeger.sh is killed outright (KILL cannot be caught) keeps
// the lock until it has installed the binary: a jaeger.sh started meanwhile
// waits for it and uses its binary instead of starting a second build.
func TestBuildKilledCallerIsWaitedFor(t *testing.T) {
	b := newBuilder(t, 3*time.Second)
	cmd, _, _ := b.start()
	b.waitBuilding(1)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	cmd, stdout, stderr := b.start()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the second jaeger.sh build: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr.String(), "a build of Jaeger is under way") {
		t.Errorf("the second jaeger.sh did not say that it waits for the first's build:\n%s", stderr)
	}
	if n := len(b.builds()); n != 1 {
		t.Errorf("%d builds ran, want 1: the second jaeger.sh started its own\n%s", n, stderr)
	}
	b.checkInstalled(stdout.String())
}

// Two jaeger.sh started at once: one builds, the other waits, both print
// the same binary.
func TestBuildTwoAtOnce(t *testing.T) {
	b := newBuilder(t, 2*time.Second)
	c1, out1, err1 := b.start()
	c2, out2, err2 := b.start()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() { <-ctx.Done(); c1.Process.Kill(); c2.Process.Kill() }()
	if err := c1.Wait(); err != nil {
		t.Fatalf("first: %v\n%s", err, err1)
	}
	if err := c2.Wait(); err != nil {
		t.Fatalf("second: %v\n%s", err, err2)
	}
	if n := len(b.builds()); n != 1 {
		t.Errorf("%d builds ran, want 1\n%s\n%s", n, err1, err2)
	}
	if out1.String() != out2.String() {
		t.Errorf("the two printed %q and %q, want the same binary", out1, out2)
	}
	b.checkInstalled(out1.String())
}

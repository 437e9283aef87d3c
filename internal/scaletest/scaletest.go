// Package scaletest runs the topology of scripts/scale.sh (front
// collectors, tail-sampling collectors, Jaeger) in a test, sends it traces
// whose spans come from two processes, and reads back what Jaeger stored.
package scaletest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/gftrace/internal/jaegertest"
	"example.com/gftrace/internal/repo"
	"example.com/gftrace/internal/sampletest"
)

// Topology is a running scripts/scale.sh topology.
type Topology struct {
	Fronts      []string // the front collectors' OTLP/gRPC addresses
	BackendPIDs []int    // the tail-sampling collectors' pids
	FrontPIDs   []int
	JaegerPID   int
	Jaeger      *jaegertest.Jaeger // QueryURL only: to read what it stored
	Env         map[string]string  // the lines of scale.sh env

	script string
	env    []string
}

// Script runs scripts/name (scale.sh, collector.sh) with args and env
// added to the test's environment, and returns its output and exit code.
func Script(t testing.TB, name string, env []string, args ...string) (string, int) {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	return script(t, filepath.Join(root, "scripts", name), append(cacheEnv(root), env...), args...)
}

// cacheEnv points the scripts at the repository's binary caches, so that a
// test's own state directory does not mean a new build.
func cacheEnv(root string) []string {
	env := os.Environ()
	if os.Getenv("JAEGER_BIN_DIR") == "" {
		env = append(env, "JAEGER_BIN_DIR="+filepath.Join(root, ".state", "jaeger", "bin"))
	}
	if os.Getenv("COLLECTOR_BIN_DIR") == "" {
		env = append(env, "COLLECTOR_BIN_DIR="+filepath.Join(root, ".state", "collector", "bin"))
	}
	return env
}

func script(t testing.TB, path string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return out.String(), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("%s %v: %v", path, args, err)
	}
	return out.String(), 0
}

// Start starts scripts/scale.sh start args in a state directory of the
// test's, with env added, and stops it when the test ends. It fails the
// test if the topology cannot be built or started: these tests never skip.
func Start(t testing.TB, env []string, args ...string) *Topology {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	topo := &Topology{
		script: filepath.Join(root, "scripts", "scale.sh"),
		env:    append(append(cacheEnv(root), env...), "SCALE_STATE_DIR="+t.TempDir()),
	}
	out, code := script(t, topo.script, topo.env, append([]string{"start"}, args...)...)
	// A free port that scale.sh picked can be taken by another process
	// before the collector binds it (the tests of other packages run at the
	// same time); scale.sh then stops what it started, and a second start
	// picks other ports. Any other failure fails at once.
	for try := 1; code != 0 && try < 3 && strings.Contains(out, "address already in use"); try++ {
		t.Logf("scripts/scale.sh start %v: a port was taken meanwhile; starting again with other ports", args)
		out, code = script(t, topo.script, topo.env, append([]string{"start"}, args...)...)
	}
	if code != 0 {
		t.Fatalf("scripts/scale.sh start %v: exit %d\n%s", args, code, out)
	}
	t.Cleanup(func() { topo.Stop(t) })
	out, code = script(t, topo.script, topo.env, "env")
	if code != 0 {
		t.Fatalf("scripts/scale.sh env: exit %d\n%s", code, out)
	}
	topo.Env = map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			// scale.sh env prints NAME=value lines only (a whole pid file,
			// start time and binary, once made a PID two lines more).
			t.Errorf("scripts/scale.sh env: line %q is not NAME=value\n%s", sc.Text(), out)
			continue
		}
		topo.Env[k] = v
	}
	n, _ := strconv.Atoi(topo.Env["REPLICAS"])
	for i := 1; i <= n; i++ {
		topo.Fronts = append(topo.Fronts, topo.Env[fmt.Sprintf("FRONT_%d_OTLP_GRPC", i)])
		topo.FrontPIDs = append(topo.FrontPIDs, atoi(t, topo.Env[fmt.Sprintf("FRONT_%d_PID", i)]))
		topo.BackendPIDs = append(topo.BackendPIDs, atoi(t, topo.Env[fmt.Sprintf("BACKEND_%d_PID", i)]))
	}
	topo.JaegerPID = atoi(t, topo.Env["JAEGER_PID"])
	topo.Jaeger = &jaegertest.Jaeger{QueryURL: topo.Env["JAEGER_QUERY"]}
	if n == 0 || topo.Jaeger.QueryURL == "" {
		t.Fatalf("scripts/scale.sh env printed no fronts or no Jaeger:\n%s", out)
	}
	return topo
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("scripts/scale.sh env: %q is not a pid", s)
	}
	return n
}

// Stop runs scripts/scale.sh stop (once; later calls do nothing) and
// returns how long it took.
func (topo *Topology) Stop(t testing.TB) time.Duration {
	t.Helper()
	if topo.script == "" {
		return 0
	}
	start := time.Now()
	out, code := script(t, topo.script, topo.env, "stop")
	topo.script = ""
	if code != 0 {
		t.Errorf("scripts/scale.sh stop: exit %d\n%s", code, out)
	}
	return time.Since(start)
}

// The two services of a trace made by two processes.
const (
	Caller = "caller" // the first run: main → GetUser(100) → …
	Callee = "callee" // the run it starts: main, a child of the caller's main, → GetUser(id) → …
)

// SpansPerRun is what one run with one user makes: main, GetUser and its
// three children.
const SpansPerRun = 5

// Sent is one trace sent through the topology.
type Sent struct {
	TraceID     string
	Error       bool   // the callee's user does not exist: its spans are errors
	CallerMain  string // the caller's main span, the callee's main's parent
	AfterFault  bool   // the caller ran after Pairs' fault hook
	CallerFront string
	CalleeFront string
}

var traceparentLine = regexp.MustCompile(`(?m)main would send downstream: traceparent: (00-([0-9a-f]{32})-([0-9a-f]{16})-01)$`)

// Pairs makes n traces, each by two runs of bin: the caller, whose report
// prints the traceparent of its main span, and the callee, started with
// that TRACEPARENT, so that its main continues the caller's trace. The
// caller exports to front 0, the callee to front 1 (each to a different
// front collector, as two services would). Every errorEvery-th trace's
// callee asks for a user that does not exist, so its spans are errors.
// Runs go on from workers goroutines; fault, if not nil, is called once
// after the first faultAfter traces are done. Every run must exit 0.
func Pairs(t *testing.T, bin string, fronts []string, n, errorEvery, workers, faultAfter int, fault func()) []Sent {
	t.Helper()
	sent := make([]Sent, n)
	var (
		mu     sync.Mutex
		done   int
		faulty bool
		wg     sync.WaitGroup
		next   = make(chan int, n) // filled up front: a worker that stops early blocks nobody
	)
	for i := range n {
		next <- i
	}
	close(next)
	for range workers {
		wg.Go(func() {
			for i := range next {
				mu.Lock()
				after := faulty
				mu.Unlock()
				s := pair(t, bin, fronts[0], fronts[1%len(fronts)], i%errorEvery == 0)
				s.AfterFault = after
				sent[i] = s
				mu.Lock()
				done++
				if fault != nil && done == faultAfter {
					fault()
					faulty = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return sent
}

func pair(t *testing.T, bin, callerFront, calleeFront string, isError bool) Sent {
	caller := sampletest.Run(t, bin, nil, "-endpoint", callerFront, "-service", Caller, "-users", "100")
	m := traceparentLine.FindStringSubmatch(caller.Stdout)
	if caller.Code != 0 || m == nil {
		t.Errorf("caller: exit %d (want 0), traceparent line found: %v; output:\n%s", caller.Code, m != nil, caller.Output())
		return Sent{}
	}
	user := "100"
	if isError {
		user = "1"
	}
	callee := sampletest.Run(t, bin, []string{"TRACEPARENT=" + m[1]}, "-endpoint", calleeFront, "-service", Callee, "-users", user)
	if callee.Code != 0 {
		t.Errorf("callee: exit %d, want 0; output:\n%s", callee.Code, callee.Output())
	}
	if got := sampletest.PrintedTraceID(t, callee); got != m[2] {
		t.Errorf("callee printed trace id %s, want the caller's %s", got, m[2])
	}
	return Sent{TraceID: m[2], Error: isError, CallerMain: m[3], CallerFront: callerFront, CalleeFront: calleeFront}
}

// Stored is what Jaeger has of one sent trace.
type Stored struct {
	Caller, Callee int  // spans of each service
	Linked         bool // the callee's main is a child of the caller's main
}

// Whole tells whether every span of both runs is there, joined into one tree.
func (s Stored) Whole() bool {
	return s.Caller == SpansPerRun && s.Callee == SpansPerRun && s.Linked
}

// Missing tells whether nothing of the trace is there.
func (s Stored) Missing() bool { return s.Caller == 0 && s.Callee == 0 }

// Settle waits until Jaeger has stored what it will of sent: the
// backends decide decisionWait after a trace's first span, then batch and
// export; it polls until two reads, settleEvery apart, agree, at most
// timeout. It returns what Jaeger has of each sent trace.
func Settle(t *testing.T, j *jaegertest.Jaeger, sent []Sent, decisionWait, timeout time.Duration) []Stored {
	t.Helper()
	time.Sleep(decisionWait + 2*time.Second)
	deadline := time.Now().Add(timeout)
	prev := read(t, j, sent)
	for {
		time.Sleep(3 * time.Second)
		cur := read(t, j, sent)
		if same(prev, cur) {
			return cur
		}
		if time.Now().After(deadline) {
			t.Fatalf("what Jaeger stores still changes %s after the last trace was sent", timeout)
		}
		prev = cur
	}
}

func same(a, b []Stored) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// read asks Jaeger for every trace with a span of either service and
// counts each sent trace's spans.
func read(t *testing.T, j *jaegertest.Jaeger, sent []Sent) []Stored {
	t.Helper()
	byID := map[string]*Stored{}
	for i := range sent {
		byID[sent[i].TraceID] = nil
	}
	counted := map[string]Stored{}
	for _, service := range []string{Caller, Callee} {
		for _, tr := range j.Search(t, service, 10*len(sent)) {
			if len(tr.Spans) == 0 {
				continue
			}
			id := tr.Spans[0].TraceID
			if _, ok := counted[id]; ok {
				continue // found through the other service too
			}
			var s Stored
			mains := map[string]string{} // service → main's span id
			var calleeMainParent string
			for _, sp := range tr.Spans {
				svc, _ := sp.Resource["service.name"].(string)
				switch svc {
				case Caller:
					s.Caller++
				case Callee:
					s.Callee++
				}
				if sp.Name == "main" {
					mains[svc] = sp.SpanID
					if svc == Callee {
						calleeMainParent = sp.ParentSpanID
					}
				}
			}
			s.Linked = mains[Caller] != "" && calleeMainParent == mains[Caller]
			counted[id] = s
		}
	}
	out := make([]Stored, len(sent))
	for i, s := range sent {
		out[i] = counted[s.TraceID]
	}
	return out
}

// Counts sums up what Jaeger stored of sent, by kind.
type Counts struct {
	Errors, ErrorsWhole, ErrorsPartial, ErrorsMissing int
	Others, OthersWhole, OthersPartial, OthersMissing int
}

func (c Counts) String() string {
	return fmt.Sprintf("error traces: %d sent, %d whole, %d partial, %d missing; other traces: %d sent, %d whole, %d partial, %d missing",
		c.Errors, c.ErrorsWhole, c.ErrorsPartial, c.ErrorsMissing, c.Others, c.OthersWhole, c.OthersPartial, c.OthersMissing)
}

// Count classifies each sent trace (those keep selects) by what is stored.
func Count(sent []Sent, stored []Stored, keep func(Sent) bool) Counts {
	var c Counts
	for i, s := range sent {
		if keep != nil && !keep(s) {
			continue
		}
		st := stored[i]
		whole, missing := st.Whole(), st.Missing()
		if s.Error {
			c.Errors++
			switch {
			case whole:
				c.ErrorsWhole++
			case missing:
				c.ErrorsMissing++
			default:
				c.ErrorsPartial++
			}
		} else {
			c.Others++
			switch {
			case whole:
				c.OthersWhole++
			case missing:
				c.OthersMissing++
			default:
				c.OthersPartial++
			}
		}
	}
	return c
}

// Package jaegertest runs the real Jaeger of scripts/jaeger.sh inside a
// test, on ports of its own, and reads traces back through Jaeger's query
// API, in the shape of the in-process receiver's spans so that the same
// checks apply to both.
package jaegertest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/gftrace/internal/localnet"
	"example.com/gftrace/internal/receiver"
	"example.com/gftrace/internal/repo"
)

// Jaeger is a running Jaeger v2 with in-memory storage on 127.0.0.1.
type Jaeger struct {
	GRPCAddr string // OTLP/gRPC receiver, host:port
	HTTPAddr string // OTLP/HTTP receiver, host:port
	QueryURL string // query API and the Jaeger UI, http://host:port

	script string
	env    []string
}

// Start builds Jaeger if needed (the first build takes minutes; the
// binary is cached in BinDir), starts it on free ports with its state in a
// temporary directory, serving the Jaeger UI build of UIAssets, and stops
// it when the test ends. It fails the test if Jaeger cannot be built or
// started: these tests never skip.
func Start(t testing.TB) *Jaeger {
	t.Helper()
	return StartWith(t, Options{})
}

// Options change how StartWith starts Jaeger.
type Options struct {
	// Config is the configuration file, relative to the repository's root,
	// such as scripts/jaeger/tail-sampling.yaml; "" for scripts/jaeger.sh's
	// default.
	Config string
	Env    []string // more environment for Jaeger, such as JAEGER_TAIL_PERCENT=25
}

// StartWith is Start with another configuration.
func StartWith(t testing.TB, o Options) *Jaeger {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	assets := UIAssets(t)
	ports := localnet.FreePorts(t, 5)
	j := &Jaeger{
		GRPCAddr: "127.0.0.1:" + ports[0],
		HTTPAddr: "127.0.0.1:" + ports[1],
		QueryURL: "http://127.0.0.1:" + ports[2],
		script:   filepath.Join(root, "scripts", "jaeger.sh"),
	}
	// The UI from the shared build, never a download: o.Env, later, may
	// override these.
	env := append(os.Environ(), "JAEGER_UI=1", "JAEGER_UI_ASSETS="+assets)
	j.env = append(append(env, o.Env...),
		"JAEGER_STATE_DIR="+t.TempDir(),
		"JAEGER_BIN_DIR="+BinDir(root),
		"JAEGER_OTLP_GRPC_PORT="+ports[0],
		"JAEGER_OTLP_HTTP_PORT="+ports[1],
		"JAEGER_QUERY_PORT="+ports[2],
		"JAEGER_QUERY_GRPC_PORT="+ports[3],
		"JAEGER_HEALTH_PORT="+ports[4],
	)
	start := []string{"start"}
	if o.Config != "" {
		start = append(start, "--config", filepath.Join(root, o.Config))
	}
	if out, err := j.run(start...); err != nil {
		t.Fatalf("scripts/jaeger.sh start: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := j.run("stop"); err != nil {
			t.Errorf("scripts/jaeger.sh stop: %v\n%s", err, out)
		}
	})
	return j
}

// BinDir is the binary cache that scripts/test.sh fills: $JAEGER_BIN_DIR
// when set (a cache shared by several checkouts), else the checkout's own
// .state/jaeger/bin.
func BinDir(root string) string {
	if dir := os.Getenv("JAEGER_BIN_DIR"); dir != "" {
		return dir
	}
	return filepath.Join(root, ".state", "jaeger", "bin")
}

// UIAssets returns the path of the Jaeger UI build that the tests serve:
// jaeger-ui/jaeger-ui-<version>-assets.tar.gz, for the Jaeger version in
// scripts/jaeger/go.mod, in the directory shared/ beside the checkout (or
// $SHARED_DIR, for a checkout elsewhere). It fails the test, naming the
// file, when that is missing.
func UIAssets(t testing.TB) string {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	version, err := jaegerVersion(filepath.Join(root, "scripts", "jaeger", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	shared := os.Getenv("SHARED_DIR")
	if shared == "" {
		shared = filepath.Join(filepath.Dir(root), "shared")
	}
	path := filepath.Join(shared, "jaeger-ui", "jaeger-ui-"+version+"-assets.tar.gz")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the Jaeger UI build that the tests serve is missing: %v (it belongs in shared/ beside the checkout, or in $SHARED_DIR; see shared/jaeger-ui/README.md)", err)
	}
	return path
}

// jaegerVersion reads the version of the Jaeger module that go.mod pins.
func jaegerVersion(gomod string) (string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	for line := range strings.Lines(string(data)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "github.com/jaegertracing/jaeger" {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("%s does not require github.com/jaegertracing/jaeger", gomod)
}

func (j *Jaeger) run(args ...string) ([]byte, error) {
	cmd := exec.Command(j.script, args...)
	cmd.Env = j.env
	return cmd.CombinedOutput()
}

// Trace is a trace as Jaeger stored it.
type Trace struct {
	Spans []receiver.Span
	// Warnings are Jaeger's warnings on the trace and on its spans, such as
	// "invalid parent span IDs=…" for a span whose parent does not exist.
	Warnings []string
	// ErrorTags maps span ids to Jaeger's "error" tag, which its UI marks.
	ErrorTags map[string]bool
}

// WaitTrace polls the query API until the trace has at least n spans or
// the timeout passes (Jaeger batches before it stores), and returns it.
func (j *Jaeger) WaitTrace(t testing.TB, traceID string, n int, timeout time.Duration) Trace {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		tr, err := j.trace(traceID)
		if err == nil && len(tr.Spans) >= n {
			return tr
		}
		if time.Now().After(deadline) {
			t.Fatalf("Jaeger has %d of %d spans of trace %s after %s (last error: %v)", len(tr.Spans), n, traceID, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The parts of Jaeger's /api/traces/<id> answer that the tests read.
type apiAnswer struct {
	Data []struct {
		Spans []struct {
			SpanID        string `json:"spanID"`
			TraceID       string `json:"traceID"`
			OperationName string `json:"operationName"`
			References    []struct {
				RefType string `json:"refType"`
				SpanID  string `json:"spanID"`
			} `json:"references"`
			StartTime int64    `json:"startTime"` // µs
			Duration  int64    `json:"duration"`  // µs
			Tags      []tag    `json:"tags"`
			ProcessID string   `json:"processID"`
			Warnings  []string `json:"warnings"`
		} `json:"spans"`
		Processes map[string]struct {
			ServiceName string `json:"serviceName"`
			Tags        []tag  `json:"tags"`
		} `json:"processes"`
		Warnings []string `json:"warnings"`
	} `json:"data"`
}

type tag struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// value turns a Jaeger tag into the Go type the receiver uses.
func (t tag) value() any {
	if f, ok := t.Value.(float64); ok && t.Type == "int64" {
		return int64(f)
	}
	return t.Value
}

func (j *Jaeger) trace(traceID string) (Trace, error) {
	traces, err := j.get("/api/traces/" + traceID)
	tr := Trace{ErrorTags: map[string]bool{}}
	for _, t := range traces {
		tr.Spans = append(tr.Spans, t.Spans...)
		tr.Warnings = append(tr.Warnings, t.Warnings...)
		maps.Copy(tr.ErrorTags, t.ErrorTags)
	}
	return tr, err
}

// Search returns the traces of service that Jaeger stored, at most limit,
// from its search API.
func (j *Jaeger) Search(t testing.TB, service string, limit int) []Trace {
	t.Helper()
	traces, err := j.get("/api/traces?" + url.Values{"service": {service}, "limit": {strconv.Itoa(limit)}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return traces
}

// get asks the query API for path and returns each trace of the answer.
func (j *Jaeger) get(path string) ([]Trace, error) {
	resp, err := http.Get(j.QueryURL + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	var a apiAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return nil, err
	}
	var traces []Trace
	for _, d := range a.Data {
		tr := Trace{ErrorTags: map[string]bool{}, Warnings: d.Warnings}
		for _, s := range d.Spans {
			span := receiver.Span{
				TraceID:    s.TraceID,
				SpanID:     s.SpanID,
				Name:       s.OperationName,
				Attributes: map[string]any{},
				Resource:   map[string]any{"service.name": d.Processes[s.ProcessID].ServiceName},
				StatusCode: "Unset",
				Start:      time.UnixMicro(s.StartTime),
				End:        time.UnixMicro(s.StartTime + s.Duration),
			}
			for _, r := range s.References {
				if r.RefType == "CHILD_OF" {
					span.ParentSpanID = r.SpanID
				}
			}
			for _, pt := range d.Processes[s.ProcessID].Tags {
				span.Resource[pt.Key] = pt.value()
			}
			for _, st := range s.Tags {
				switch st.Key {
				case "otel.status_code":
					span.StatusCode = map[any]string{"ERROR": "Error", "OK": "Ok"}[st.Value]
				case "otel.status_description":
					span.StatusMessage, _ = st.Value.(string)
				case "error":
					tr.ErrorTags[s.SpanID], _ = st.Value.(bool)
				default:
					span.Attributes[st.Key] = st.value()
				}
			}
			for _, w := range s.Warnings {
				tr.Warnings = append(tr.Warnings, s.OperationName+": "+w)
			}
			tr.Spans = append(tr.Spans, span)
		}
		traces = append(traces, tr)
	}
	return traces, nil
}

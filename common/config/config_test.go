package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	for _, c := range []struct {
		p                      Protocol
		endpoint, path, target string
	}{
		{GRPC, "localhost:4317", "", "localhost:4317"},
		{HTTP, "localhost:4318", "/v1/traces", "http://localhost:4318/v1/traces"},
	} {
		cfg, warnings, err := Parse(c.p, nil, env())
		if err != nil || len(warnings) != 0 {
			t.Fatalf("%s: %v %v", c.p, err, warnings)
		}
		if cfg.Endpoint != c.endpoint || cfg.Path != c.path || cfg.Target() != c.target || !cfg.IsDefaultEndpoint() {
			t.Errorf("%s: endpoint %q path %q target %q", c.p, cfg.Endpoint, cfg.Path, cfg.Target())
		}
		if cfg.Service != "inprocess-"+string(c.p) || cfg.Timeout != 5*time.Second || len(cfg.Users) != 2 || cfg.Users[0] != 100 || cfg.Users[1] != 1 {
			t.Errorf("%s: %+v", c.p, cfg)
		}
	}
}

func TestPrecedence(t *testing.T) {
	getenv := env(
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:1111/a/b",
		"OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:2222/base/",
		"OTEL_SERVICE_NAME", "svc-env",
		"TRACE_TOKEN", "tok-env",
	)
	cfg, _, err := Parse(GRPC, nil, env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:1111", "OTEL_SERVICE_NAME", "svc-env", "TRACE_TOKEN", "tok-env"))
	if err != nil || cfg.Endpoint != "traces:1111" || cfg.Service != "svc-env" || cfg.Token != "tok-env" {
		t.Errorf("environment: %+v %v", cfg, err)
	}
	cfg, _, err = Parse(GRPC, []string{"-endpoint", "flag:3333", "-service", "svc-flag", "-token", "tok-flag"}, getenv)
	if err != nil || cfg.Endpoint != "flag:3333" || cfg.Service != "svc-flag" || cfg.Token != "tok-flag" {
		t.Errorf("flags: %+v %v", cfg, err)
	}
	// OTLP/HTTP: the signal variable is the full URL, the generic one a base.
	cfg, _, err = Parse(HTTP, nil, env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:1111/a/b", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:2222/base/"))
	if err != nil || cfg.Endpoint != "traces:1111" || cfg.Path != "/a/b" {
		t.Errorf("signal variable: %+v %v", cfg, err)
	}
	cfg, _, err = Parse(HTTP, nil, env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:2222/base/"))
	if err != nil || cfg.Endpoint != "generic:2222" || cfg.Path != "/base/v1/traces" {
		t.Errorf("generic variable: %+v %v", cfg, err)
	}
	cfg, _, err = Parse(HTTP, []string{"-endpoint", "http://h:1/x", "-path", "/y"}, env())
	if err != nil || cfg.Path != "/y" {
		t.Errorf("-path over the URL's path: %+v %v", cfg, err)
	}
}

func TestParseEndpoint(t *testing.T) {
	good := map[string][2]string{
		"localhost:4317":          {"localhost:4317", ""},
		"127.0.0.1:1":             {"127.0.0.1:1", ""},
		"[::1]:4317":              {"[::1]:4317", ""},
		"http://localhost:4318":   {"localhost:4318", ""},
		"http://h:4318/v1/traces": {"h:4318", "/v1/traces"},
	}
	for in, want := range good {
		hp, path, err := ParseEndpoint(in)
		if err != nil || hp != want[0] || path != want[1] {
			t.Errorf("ParseEndpoint(%q) = %q %q %v, want %q %q", in, hp, path, err, want[0], want[1])
		}
	}
	for _, in := range []string{"", ":::", "host", "host:port:port", ":4317", "h:0", "h:65536", "h:x", "ftp://x:1", "http://u:p@h:1", "http://h:1/?q=1", "http://h:1/#f", "http://h"} {
		if hp, path, err := ParseEndpoint(in); err == nil {
			t.Errorf("ParseEndpoint(%q) = %q %q, want an error", in, hp, path)
		}
	}
}

func TestParseUsers(t *testing.T) {
	ids, err := ParseUsers(" 100, 1 ,0,-3")
	if err != nil || len(ids) != 4 || ids[0] != 100 || ids[1] != 1 || ids[2] != 0 || ids[3] != -3 {
		t.Errorf("ParseUsers = %v %v", ids, err)
	}
	for _, in := range []string{"", " ", "1,", ",1", "1,,2", "x", "1.5", "99999999999999999999"} {
		if _, err := ParseUsers(in); err == nil {
			t.Errorf("ParseUsers(%q) accepted", in)
		}
	}
}

func TestBadInputNamesTheValue(t *testing.T) {
	cases := []struct {
		p    Protocol
		args []string
		env  func(string) string
		want string
	}{
		{GRPC, []string{"-endpoint", "http://h:1/path"}, env(), "a gRPC endpoint has no path"},
		{GRPC, []string{"-path", "/x"}, env(), "-path is for OTLP/HTTP only"},
		{HTTP, []string{"-path", "x"}, env(), `"x"`},
		{HTTP, []string{"-path", "/v1/%zz"}, env(), `invalid -path "/v1/%zz"`},
		{HTTP, []string{"-path", "/v1/\x7f"}, env(), `invalid -path "/v1/\x7f"`},
		{HTTP, []string{"-path", "/v1/traces#x"}, env(), `invalid -path "/v1/traces#x"`},
		{HTTP, []string{"-path", "/v1?"}, env(), `invalid -path "/v1?"`},
		{GRPC, []string{"-timeout", "-1s"}, env(), `"-1s"`},
		{GRPC, nil, env("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://h:1"), "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{GRPC, []string{"-endpoint", "h:1"}, env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "h:port"), "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{GRPC, nil, env("OTEL_SERVICE_NAME", " "), "service name"},
	}
	for _, c := range cases {
		_, _, err := Parse(c.p, c.args, c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s %v: error %v, want one line containing %s", c.p, c.args, err, c.want)
		}
	}
	if _, _, err := Parse(GRPC, []string{"-h"}, env()); !errors.Is(err, ErrHelp) {
		t.Errorf("-h: %v, want ErrHelp", err)
	}
}

// TestUserInfoIsNotShown: an endpoint URL with user info is refused, and
// the message does not repeat the user info, which may be a secret.
func TestUserInfoIsNotShown(t *testing.T) {
	for _, c := range []struct {
		args   []string
		getenv func(string) string
	}{
		{[]string{"-endpoint", "http://user:pa55word@h:1/v1/traces"}, env()},
		{[]string{"-endpoint", "https://pa55word@h:1"}, env()},
		{nil, env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:pa55word@h:1")},
		{[]string{"-endpoint", "h:1"}, env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://pa55word:x@h:1?q")},
	} {
		_, _, err := Parse(HTTP, c.args, c.getenv)
		if err == nil || strings.Contains(err.Error(), "pa55word") || !strings.Contains(err.Error(), "xxxxx@h:1") {
			t.Errorf("%v: error %v; want a refusal that shows xxxxx for the user info", c.args, err)
		}
	}
}

func TestHighVolumeSettings(t *testing.T) {
	// A single run: the SDK's defaults, nothing set by the program.
	cfg, _, err := Parse(GRPC, nil, env())
	want := Batch{QueueSize: 2048, BatchSize: 512, ScheduleDelay: 5 * time.Second, ExportTimeout: 30 * time.Second}
	if err != nil || cfg.Traces != 1 || cfg.Concurrency != 1 || !cfg.Pace || !reflect.DeepEqual(cfg.Batch, want) {
		t.Errorf("defaults: %+v %v", cfg, err)
	}
	// A high-volume run: the program's queue and batch.
	cfg, _, err = Parse(GRPC, []string{"-traces", "2"}, env())
	want = Batch{QueueSize: 8192, BatchSize: 1024, ScheduleDelay: 5 * time.Second, ExportTimeout: 30 * time.Second,
		Set: []string{"OTEL_BSP_MAX_QUEUE_SIZE=8192", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=1024"}}
	if err != nil || !reflect.DeepEqual(cfg.Batch, want) {
		t.Errorf("high-volume defaults: %+v %v", cfg.Batch, err)
	}
	// The environment wins over the program.
	cfg, _, err = Parse(HTTP, []string{"-traces", "100000", "-concurrency", "4", "-pace=false"}, env(
		"OTEL_BSP_MAX_QUEUE_SIZE", "4096", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "256",
		"OTEL_BSP_SCHEDULE_DELAY", "200", "OTEL_BSP_EXPORT_TIMEOUT", "1000"))
	want = Batch{QueueSize: 4096, BatchSize: 256, ScheduleDelay: 200 * time.Millisecond, ExportTimeout: time.Second}
	if err != nil || cfg.Traces != 100000 || cfg.Concurrency != 4 || cfg.Pace || !reflect.DeepEqual(cfg.Batch, want) {
		t.Errorf("set: %+v %v", cfg, err)
	}
	// A queue from the environment bounds the program's batch.
	cfg, _, err = Parse(GRPC, []string{"-traces", "2"}, env("OTEL_BSP_MAX_QUEUE_SIZE", "16"))
	want = Batch{QueueSize: 16, BatchSize: 16, ScheduleDelay: 5 * time.Second, ExportTimeout: 30 * time.Second,
		Set: []string{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE=16"}}
	if err != nil || !reflect.DeepEqual(cfg.Batch, want) {
		t.Errorf("tiny queue: %+v %v", cfg.Batch, err)
	}
	// Like the SDK: a batch larger than the queue becomes min(512, queue).
	for _, c := range []struct {
		queue, batch string
		want         int
	}{{"16", "512", 16}, {"1000", "4096", 512}} {
		cfg, _, err = Parse(GRPC, nil, env("OTEL_BSP_MAX_QUEUE_SIZE", c.queue, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", c.batch))
		if err != nil || cfg.Batch.BatchSize != c.want {
			t.Errorf("queue %s batch %s: batch %d, want %d (%v)", c.queue, c.batch, cfg.Batch.BatchSize, c.want, err)
		}
	}
}

func TestHighVolumeBadInput(t *testing.T) {
	cases := []struct {
		args         []string
		env          func(string) string
		value, bound string
	}{
		{[]string{"-traces", "0"}, env(), `-traces "0"`, "10000000"},
		{[]string{"-traces", "10000001"}, env(), `-traces "10000001"`, "10000000"},
		{[]string{"-traces", "1e6"}, env(), `-traces "1e6"`, "10000000"},
		{[]string{"-concurrency", "-1"}, env(), `-concurrency "-1"`, "1024"},
		{[]string{"-concurrency", "1025"}, env(), `-concurrency "1025"`, "1024"},
		{[]string{"-pace=maybe"}, env(), "maybe", "-pace"},
		{nil, env("OTEL_BSP_MAX_QUEUE_SIZE", "0"), `OTEL_BSP_MAX_QUEUE_SIZE "0"`, "1048576"},
		{nil, env("OTEL_BSP_MAX_QUEUE_SIZE", "2000000"), `OTEL_BSP_MAX_QUEUE_SIZE "2000000"`, "1048576"},
		{nil, env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "x"), `OTEL_BSP_MAX_EXPORT_BATCH_SIZE "x"`, "1048576"},
		{nil, env("OTEL_BSP_SCHEDULE_DELAY", "0"), `OTEL_BSP_SCHEDULE_DELAY "0"`, "milliseconds from 1 to 3600000"},
		{nil, env("OTEL_BSP_EXPORT_TIMEOUT", "5s"), `OTEL_BSP_EXPORT_TIMEOUT "5s"`, "milliseconds from 1 to 3600000"},
	}
	for _, c := range cases {
		_, _, err := Parse(GRPC, c.args, c.env)
		if err == nil || !strings.Contains(err.Error(), c.value) || !strings.Contains(err.Error(), c.bound) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error %v, want one line naming %s and %s", c.args, err, c.value, c.bound)
		}
	}
}

package sampletest

import (
	"strings"
	"testing"

	"example.com/gftrace/common/config"
)

// badCase is one bad input: flags, environment, and what the message
// must name.
type badCase struct {
	args []string // nil: -endpoint of the receiver alone
	env  []string
	want string
	// sdkFirst: gf's gtrace package builds a default tracer provider when
	// the program starts, before main; the OpenTelemetry SDK then logs a
	// line of its own about the variable before the program's one line.
	sdkFirst bool
}

// moreBadInput checks the bad input of issue 7 that badInput does not:
// users, timeout and endpoints in each malformed shape, a negative
// -concurrency, and the OTEL_* variables that the exporter and the SDK read
// by themselves (volumeBadInput has the other high-volume settings). Every run has
// the token in TRACE_TOKEN, and it must never show.
func moreBadInput(t *testing.T, p config.Protocol, bin string) {
	rec := NewReceiver(p)
	defer rec.Close()
	cases := []badCase{
		{args: []string{"-users", " , "}, want: `invalid -users " , "`},
		{args: []string{"-users", "1.5"}, want: `"1.5" is not an integer user id`},
		{args: []string{"-timeout", "-1s"}, want: `invalid -timeout "-1s"`},
		{args: []string{"-timeout", "5"}, want: `invalid -timeout "5"`},
		{args: []string{"-endpoint", "host:1:2"}, want: `"host:1:2"`},
		{args: []string{"-endpoint", "ftp://x"}, want: `scheme "ftp" is not supported`},
		{args: []string{"-endpoint", "http://user:" + Token + "@h:1"}, want: `"http://xxxxx@h:1": user info (before @) is not accepted`},
		{args: []string{"-endpoint", "http://h:1/v1/traces?x=1"}, want: "a URL with a query or fragment is not accepted"},
		{args: []string{"-endpoint", "h:0"}, want: `port "0" is not a number from 1 to 65535`},
		{args: []string{"-endpoint", "bad host:1"}, want: `host "bad host" is not a host name or an IP address`},
		{args: []string{}, env: []string{"OTEL_EXPORTER_OTLP_ENDPOINT=localhost"}, want: `invalid OTEL_EXPORTER_OTLP_ENDPOINT "localhost"`},
		{env: []string{"OTEL_EXPORTER_OTLP_TIMEOUT=10s"}, want: `invalid OTEL_EXPORTER_OTLP_TIMEOUT "10s": want milliseconds`},
		{env: []string{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=0"}, want: `invalid OTEL_EXPORTER_OTLP_TRACES_TIMEOUT "0"`},
		{env: []string{"OTEL_EXPORTER_OTLP_COMPRESSION=br"}, want: `invalid OTEL_EXPORTER_OTLP_COMPRESSION "br"`},
		{env: []string{"OTEL_EXPORTER_OTLP_PROTOCOL=grpc/json"}, want: `invalid OTEL_EXPORTER_OTLP_PROTOCOL "grpc/json"`},
		{env: []string{"OTEL_EXPORTER_OTLP_TRACES_INSECURE=yes"}, want: `invalid OTEL_EXPORTER_OTLP_TRACES_INSECURE "yes"`},
		{env: []string{"OTEL_EXPORTER_OTLP_HEADERS=x-key=%zz" + Token}, want: "invalid OTEL_EXPORTER_OTLP_HEADERS: header x-key: the value is not URL-encoded"},
		{env: []string{"OTEL_SERVICE_NAME=  "}, want: "invalid service name: it is empty"},
		{args: []string{"-endpoint", rec.Addr, "-traces", "10", "-concurrency", "-3"}, want: `invalid -concurrency "-3": want a whole number from 1 to 1024`},
		{env: []string{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE=x"}, want: `invalid OTEL_BSP_MAX_EXPORT_BATCH_SIZE "x"`},
		{env: []string{"OTEL_BSP_EXPORT_TIMEOUT=5s"}, want: `invalid OTEL_BSP_EXPORT_TIMEOUT "5s": want milliseconds from 1 to 3600000`},
		{env: []string{"OTEL_RESOURCE_ATTRIBUTES=team"}, want: `invalid OTEL_RESOURCE_ATTRIBUTES: entry 1 "team" is not key=value`, sdkFirst: true},
		{env: []string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=lots"}, want: `invalid OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT "lots"`, sdkFirst: true},
		// Invalid UTF-8 would fail every export, as if the collector refused.
		{args: []string{"-endpoint", rec.Addr, "-service", "shop\xffping"}, want: `invalid -service "shop\xffping": it is not valid UTF-8`},
		{env: []string{"OTEL_SERVICE_NAME=caf\xe9"}, want: `invalid OTEL_SERVICE_NAME "caf\xe9": it is not valid UTF-8`},
		{env: []string{"OTEL_RESOURCE_ATTRIBUTES=team=%FFblue"}, want: `invalid OTEL_RESOURCE_ATTRIBUTES: the value of team, "\xffblue" once URL-decoded, is not valid UTF-8`},
		{env: []string{"OTEL_RESOURCE_ATTRIBUTES=te\xffam=blue"}, want: `invalid OTEL_RESOURCE_ATTRIBUTES: the key of entry 1, "te\xffam", is not valid UTF-8`},
	}
	if p == config.GRPC {
		cases = append(cases, badCase{args: []string{"-token", "tök-" + Token}, want: "invalid -token: the value has a character that gRPC metadata cannot carry (only printable ASCII)"})
	}
	for _, c := range cases {
		args := c.args
		if args == nil {
			args = []string{"-endpoint", rec.Addr}
		}
		r := Run(t, bin, append(c.env, "TRACE_TOKEN="+Token), args...)
		lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
		last := lines[len(lines)-1]
		if r.Code != 2 || r.Stdout != "" || !strings.Contains(last, c.want) || len(lines) != 1 && !c.sdkFirst {
			t.Errorf("%v %v: exit %d, stderr %q, stdout %q; want exit 2 and one line saying %s", c.env, c.args, r.Code, r.Stderr, r.Stdout, c.want)
		}
		noLeaks(t, r)
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("bad input still sent %d export requests", n)
	}
}

package sampletest

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/receiver"
	"example.com/gftrace/internal/testcerts"
)

// honesty checks that a delivery is claimed only when a collector accepted
// the spans, against endpoints that answer but are no OTLP collector (a
// web page, a redirect, another protocol, a collector that refuses for
// ever, hangs up or stops), that each run ends within its bound, and that
// a healthy run does not open a connection per flush.
func honesty(t *testing.T, p config.Protocol, bin string) {
	if p == config.HTTP {
		t.Run("answers that are not OTLP", func(t *testing.T) { notOTLP(t, bin) })
		t.Run("redirects are not followed", func(t *testing.T) { redirects(t, bin) })
		t.Run("answers after the check", func(t *testing.T) { unseen(t, bin) })
	}
	t.Run("causes name what the collector did", func(t *testing.T) { causes(t, p, bin) })
	t.Run("what the collector says is quoted", func(t *testing.T) { terminal(t, p, bin) })
	t.Run("output lost", func(t *testing.T) { outputLost(t, p, bin) })
	t.Run("the advice when the queue overflows", func(t *testing.T) { dropAdvice(t, p, bin) })
	t.Run("a -traces run ends within -timeout of the collector's end", func(t *testing.T) { collectorEnds(t, p, bin) })
	t.Run("no connection churn", func(t *testing.T) { connections(t, p, bin) })
}

// notOTLP points inprocess-http at endpoints that answer 2xx without being
// an OTLP collector: nothing counts as delivered, and the summary says what
// the answer was. A collector's partial success counts whatever OTLP
// encoding and spelling of the content type it comes in.
func notOTLP(t *testing.T, bin string) {
	cases := []struct {
		name  string
		fault receiver.Fault
		want  string
	}{
		{"a web page answers 200 with HTML", receiver.Fault{Status: 200, ContentType: "text/html; charset=utf-8", Body: "<!doctype html><title>Jaeger UI</title>"},
			`the collector's answer was not an OTLP response (200 OK, "text/html; charset=utf-8")`},
		{"200 with no content type", receiver.Fault{Status: 200, Body: "ok"},
			`the collector's answer was not an OTLP response (200 OK, "no Content-Type")`},
		{"202 in plain text", receiver.Fault{Status: 202, ContentType: "text/plain", Body: "queued"},
			`the collector's answer was not an OTLP response (202 Accepted, "text/plain")`},
		{"200 with a body that does not decode", receiver.Fault{Status: 200, ContentType: "application/x-protobuf", Body: "\xff\xff\xff not protobuf"},
			`(200 OK, "application/x-protobuf", a body that does not decode as an OTLP export response)`},
		{"200 JSON that is not OTLP", receiver.Fault{Status: 200, ContentType: "application/json", Body: `{"partialSuccess": 7}`},
			`(200 OK, "application/json", a body that does not decode as an OTLP export response)`},
	}
	for _, c := range cases {
		for _, way := range tokenWays(config.HTTP) {
			t.Run(c.name+", "+way.name, func(t *testing.T) {
				t.Parallel()
				rec := NewReceiver(config.HTTP)
				defer rec.Close()
				rec.SetFault(c.fault)
				r := Run(t, bin, way.env, append([]string{"-endpoint", rec.Addr, "-timeout", "2s", "-json"}, way.args...)...)
				ends(t, config.HTTP, r, rec.Addr, 2*time.Second, 0, c.want, "is not an OTLP/HTTP endpoint")
				if strings.Contains(r.Stdout, "Is a collector running there?") {
					t.Errorf("something answered, yet the output asks whether a collector runs:\n%s", r.Stdout)
				}
				if rec.Attempts() != 0 {
					t.Errorf("%d exports with spans reached it; the check must keep them", rec.Attempts())
				}
			})
		}
	}
	// The own provider's client reads a partial success in every OTLP
	// spelling. gf's Init's exporter reads it only in exactly
	// application/x-protobuf or application/json: in any other spelling it
	// would count the rejected spans as delivered, so the check keeps every
	// span and says why.
	for _, ct := range []string{"application/json; charset=utf-8", "application/json", "Application/X-Protobuf", "application/x-protobuf; proto=opentelemetry"} {
		for _, way := range tokenWays(config.HTTP) {
			t.Run("partial success in "+ct+", "+way.name, func(t *testing.T) {
				t.Parallel()
				rec := NewReceiver(config.HTTP)
				defer rec.Close()
				rec.SetFault(receiver.Fault{Reject: 3, Message: "spans too old", ContentType: ct})
				r := Run(t, bin, way.env, append([]string{"-endpoint", rec.Addr, "-timeout", "5s", "-json"}, way.args...)...)
				if way.args == nil && way.env == nil && ct != "application/json" { // gf's Init
					ends(t, config.HTTP, r, rec.Addr, 5*time.Second, 0, fmt.Sprintf("the collector answers in %q, in which the exporter of gf's otlphttp.Init cannot read the spans it rejects", ct),
						"no span was sent", "own provider")
				} else {
					ends(t, config.HTTP, r, rec.Addr, 5*time.Second, 6, "the collector rejected 3 spans: spans too old")
				}
				if int64(rec.SpanCount()) != Reached(Outcome(t, r)) {
					t.Errorf("the receiver kept %d spans, the program says %d", rec.SpanCount(), Reached(Outcome(t, r)))
				}
			})
		}
	}
}

// redirects points inprocess-http at an endpoint that redirects to another
// receiver, with every redirect status, and from https:// to http://: no
// span and no header goes there, and the summary names where it pointed.
func redirects(t *testing.T, bin string) {
	ca := testcerts.New(t)
	for _, code := range []int{301, 302, 303, 307, 308} {
		for _, secure := range []bool{false, true} {
			for _, way := range tokenWays(config.HTTP) {
				if secure {
					way.args = append(slices.Clone(way.args), "-ca", ca.CAFile)
				}
				name := fmt.Sprintf("%d, %s", code, way.name)
				if secure {
					name = fmt.Sprintf("%d from https to http, %s", code, way.name)
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					elsewhere := NewReceiver(config.HTTP)
					defer elsewhere.Close()
					to := "http://" + elsewhere.Addr + config.DefaultPath
					opts := receiver.Options{}
					target := "http://"
					if secure {
						opts.TLS, target = ca.ServerTLS(), "https://"
					}
					rec := NewReceiverWith(config.HTTP, opts)
					defer rec.Close()
					target += rec.Addr + config.DefaultPath
					rec.SetFault(receiver.Fault{Status: code, Location: to})
					r := Run(t, bin, way.env, append([]string{"-endpoint", target, "-timeout", "2s", "-json"}, way.args...)...)
					if r.Code != 1 {
						t.Errorf("exit code %d, want 1; output:\n%s", r.Code, r.Output())
					}
					want := fmt.Sprintf("0 of 9 spans delivered to %s over OTLP/HTTP: the collector redirected to %s (%d %s)", target, to, code, http.StatusText(code))
					if summary := Outcome(t, r).Summary; !strings.Contains(summary, want) {
						t.Errorf("summary %q does not say %q", summary, want)
					}
					if n := elsewhere.Connections(); n != 0 {
						t.Errorf("%d connections reached the address the redirect named", n)
					}
					if rec.Attempts() != 0 {
						t.Errorf("%d exports with spans reached the redirecting endpoint; the check must keep them", rec.Attempts())
					}
					noLeaks(t, r)
				})
			}
		}
	}
}

// causes checks that the summary says what the collector did: refused for
// now, every time (HTTP 429, 502, 503, 504; gRPC RESOURCE_EXHAUSTED and
// UNAVAILABLE); spoke something else; hung up; or could not be reached
// within a -timeout too short to connect.
func causes(t *testing.T, p config.Protocol, bin string) {
	type cause struct {
		name  string
		fault receiver.Fault
		want  []string
	}
	var cases []cause
	if p == config.HTTP {
		for _, c := range []struct {
			status int
			gist   string
		}{{429, "it is rate-limiting this program"}, {502, "a gateway in front of it could not reach it"}, {503, "it is unavailable"}, {504, "a gateway in front of it could not reach it"}} {
			cases = append(cases, cause{fmt.Sprintf("%d every time", c.status), receiver.Fault{Status: c.status, Body: "try later"},
				[]string{fmt.Sprintf("kept refusing the spans for 2s: %d %s (try later): %s", c.status, http.StatusText(c.status), c.gist)}})
		}
		cases = append(cases,
			// issue 18, class 9: a collector answered; the request was bad
			cause{"400 with a multi-line body", receiver.Fault{Status: 400, Body: "bad request:\nspan 1 has no name\n" + strings.Repeat("span (2) has no name;\n", 20)},
				[]string{"the collector refused the spans: 400 Bad Request (bad request:"}},
			// the exporter gives up at once: no "kept refusing ... for 2s"
			cause{"429 with Retry-After: 3600", receiver.Fault{Refuse: codes.ResourceExhausted, Message: "slow down", RetryAfter: time.Hour},
				[]string{"refused the spans for now: 429 Too Many Requests (slow down): it is rate-limiting this program; it asked to be retried later than the exporter waits, so the exporter gave up at once"}},
			cause{"garbage bytes", receiver.Fault{Garbage: true}, []string{"answered with something that is not HTTP"}},
			cause{"hangs up", receiver.Fault{HangUp: true}, []string{"hung up without an answer"}})
	} else {
		cases = append(cases,
			cause{"UNAVAILABLE every time", receiver.Fault{Refuse: codes.Unavailable, Message: "try later"},
				[]string{"kept refusing the spans for 2s: Unavailable (try later): it is unavailable"}},
			cause{"RESOURCE_EXHAUSTED every time, retry later", receiver.Fault{Refuse: codes.ResourceExhausted, Message: "try later", RetryAfter: 100 * time.Millisecond},
				[]string{"kept refusing the spans for 2s: ResourceExhausted (try later): it is rate-limiting this program"}},
			// issue 18, class 9: answers the client could not take
			cause{"an answer of 5 MB", receiver.Fault{Reject: 1, Message: strings.Repeat("x", 5<<20)},
				[]string{"was too large for gRPC's client (grpc: received message ", "the spans may have arrived, but nothing confirmed them"}},
			cause{"a malformed answer", receiver.Fault{Malformed: true},
				[]string{"could not be read (grpc: failed to unmarshal the received message: "}},
			cause{"RESOURCE_EXHAUSTED, retry in an hour", receiver.Fault{Refuse: codes.ResourceExhausted, Message: "slow down", RetryAfter: time.Hour},
				[]string{"refused the spans for now: ResourceExhausted (slow down): it is rate-limiting this program; it asked to be retried later than the exporter waits, so the exporter gave up at once"}},
			cause{"garbage bytes", receiver.Fault{Garbage: true}, []string{"not gRPC"}},
			cause{"hangs up", receiver.Fault{HangUp: true}, []string{"hung up without an answer"}})
	}
	for _, c := range cases {
		for _, way := range tokenWays(p) {
			t.Run(c.name+", "+way.name, func(t *testing.T) {
				t.Parallel()
				rec := NewReceiver(p)
				defer rec.Close()
				rec.SetFault(c.fault)
				r := Run(t, bin, way.env, append([]string{"-endpoint", rec.Addr, "-timeout", "2s", "-json"}, way.args...)...)
				ends(t, p, r, rec.Addr, 2*time.Second, 0, c.want...)
				for _, wrong := range []string{"did not answer", "Something accepts connections", "Is a collector running there?", "nothing listens"} {
					if strings.Contains(r.Stdout, wrong) {
						t.Errorf("the output says %q:\n%s", wrong, r.Stdout)
					}
				}
			})
		}
	}
	for _, way := range tokenWays(p) {
		t.Run("-timeout too short to connect, "+way.name, func(t *testing.T) {
			t.Parallel()
			rec := NewReceiver(p)
			defer rec.Close()
			r := Run(t, bin, way.env, append([]string{"-endpoint", rec.Addr, "-timeout", "1ms", "-json"}, way.args...)...)
			ends(t, p, r, rec.Addr, time.Millisecond, 0, "no connection to", "could be made within 1ms", "give it longer with -timeout")
			for _, wrong := range []string{"Something accepts connections", "nothing listens"} {
				if strings.Contains(r.Stdout, wrong) {
					t.Errorf("the output says %q:\n%s", wrong, r.Stdout)
				}
			}
		})
	}
}

// collectorEnds stops the collector in the middle of a -traces run, by
// killing it or by freezing it: the program ends within -timeout plus a
// second of that moment (and the allowance for a busy machine), with exit
// code 1 and a summary that counts every span.
func collectorEnds(t *testing.T, p config.Protocol, bin string) {
	const timeout = 2 * time.Second
	for _, how := range []string{"dies", "freezes"} {
		for _, way := range tokenWays(p) {
			t.Run("the collector "+how+", "+way.name, func(t *testing.T) {
				t.Parallel()
				rec := NewReceiverWith(p, receiver.Options{CountOnly: true})
				defer rec.Close()
				args := append([]string{"-endpoint", rec.Addr, "-traces", "5000000", "-concurrency", "4", "-timeout", timeout.String(), "-json"}, way.args...)
				proc := Start(t, bin, way.env, args...)
				if !rec.WaitSpans(midRunSpans, 30*time.Second) {
					proc.Signal(os.Kill)
					t.Fatalf("fewer than %d spans arrived within 30s; output:\n%s", midRunSpans, proc.Wait().Output())
				}
				if how == "dies" {
					rec.Close()
				} else {
					rec.SetFault(receiver.Fault{Freeze: true})
				}
				stopped := time.Now()
				r := proc.Wait()
				t.Logf("ended %s after the collector %s", r.Ended.Sub(stopped).Round(time.Millisecond), how)
				if took, limit := r.Ended.Sub(stopped), timeout+time.Second+startAllowance+r.Late; took > limit {
					t.Errorf("the program ended %s after the collector %s, with -timeout %s; the bound is %s (of which %s is how long this busy machine kept the test's timers waiting)", took, how, timeout, limit, r.Late)
				}
				if r.Code != 1 {
					t.Errorf("exit code %d, want 1; output:\n%s", r.Code, r.Output())
				}
				c := readCounts(t, r)
				// The wait the report names is the one that gave up: -timeout
				// and the exporter's moment, not what the last flush added.
				if waited := time.Duration(Outcome(t, r).WaitedMS * float64(time.Millisecond)); how == "freezes" && waited < timeout {
					t.Errorf("the report says it waited %s, though it waited -timeout (%s) for a collector that froze", waited, timeout)
				}
				if how == "freezes" {
					exact(t, c, rec)
				} else if c.created != 9*c.traces || c.delivered+c.failed+c.dropped+c.unconfirmed != c.created || c.delivered+c.unseen > rec.SpanCount() {
					// A collector killed while it took an export may have
					// kept spans whose answer never came: not delivered.
					t.Errorf("counts do not add up, or more delivered than the receiver got (%d): %+v", rec.SpanCount(), c)
				}
				if c.delivered == c.created {
					t.Errorf("every span delivered though the collector %s: %+v", how, c)
				}
				noLeaks(t, r)
			})
		}
	}
}

// connections counts the TCP connections a healthy run opens to the
// collector: the exporter's own, and at most one for each check, in a
// single run and in a -traces run with many flushes alike.
func connections(t *testing.T, p config.Protocol, bin string) {
	for _, traces := range []int{1, 20000} {
		for _, way := range tokenWays(p) {
			t.Run(fmt.Sprintf("-traces %d, %s", traces, way.name), func(t *testing.T) {
				t.Parallel()
				rec := NewReceiverWith(p, receiver.Options{CountOnly: true})
				defer rec.Close()
				args := append([]string{"-endpoint", rec.Addr, "-traces", strconv.Itoa(traces), "-concurrency", "4"}, way.args...)
				r := Run(t, bin, way.env, args...)
				if r.Code != 0 {
					t.Fatalf("exit code %d, want 0; output:\n%s", r.Code, r.Output())
				}
				if rec.SpanCount() != 9*traces {
					t.Errorf("the receiver got %d spans, want %d", rec.SpanCount(), 9*traces)
				}
				// Over gf's otlphttp.Init, whose answers are unseen, a
				// second check follows the last export (see delivery's unseen.go).
				checks := 1
				if p == config.HTTP && way.args == nil && way.env == nil {
					checks = 2
				}
				if n := rec.Connections(); n < 1 || n > 1+checks {
					t.Errorf("%d connections to the collector; want the exporter's and at most %d of the checks", n, checks)
				}
				noLeaks(t, r)
			})
		}
	}
}

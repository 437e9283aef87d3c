package sampletest

import (
	"cmp"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/receiver"
)

// unseen points inprocess-http at a collector that answers the check
// before the first export correctly and then misbehaves: a web page, a
// redirect to another live receiver, a partial success the exporter of
// gf's otlphttp.Init misreads. That exporter's answers cannot be read, so
// the report never calls those spans delivered: they are sent, answers
// unseen, unconfirmed, and the check after the last export fails the run.
// The own provider (-provider own) reads every answer. A healthy collector
// still gets exit 0 from gf's Init, with the line that says what the checks
// prove.
func unseen(t *testing.T, bin string) {
	type outcome struct {
		code               int
		delivered, unseen  int64
		summary, elsewhere string
		elsewhereSpans     int
	}
	t.Run("a round-robin proxy over a collector and a web page", func(t *testing.T) {
		t.Parallel()
		roundRobinProxy(t, bin)
	})
	for _, way := range tokenWays(config.HTTP) {
		t.Run("a disconnect, then a web page, "+way.name, func(t *testing.T) {
			t.Parallel()
			disconnectThenPage(t, bin, way)
		})
	}
	cases := []struct {
		name    string
		fault   func(elsewhere string) receiver.Fault
		gf, own outcome
		traces  string
		timeout string // -timeout; 3s when empty
	}{
		{name: "HTML 200", fault: func(string) receiver.Fault {
			return receiver.Fault{HealthyChecks: 1, Status: 200, ContentType: "text/html; charset=utf-8", Body: "<!doctype html><title>Sign in</title>"}
		},
			gf:  outcome{code: 1, unseen: 9, summary: `so the spans are unconfirmed; this program's check after the last export found no OTLP collector there (the collector's answer was not an OTLP response (200 OK, "text/html; charset=utf-8"))`},
			own: outcome{code: 1, summary: `the collector's answer was not an OTLP response (200 OK, "text/html; charset=utf-8")`}},
		{name: "307 to another receiver", fault: func(elsewhere string) receiver.Fault {
			return receiver.Fault{HealthyChecks: 1, Status: 307, Location: elsewhere}
		},
			gf:  outcome{code: 1, unseen: 9, summary: "9 of 9 spans sent to ", elsewhere: "found no OTLP collector there (the collector redirected to ", elsewhereSpans: 9},
			own: outcome{code: 1, summary: "the collector redirected to "}},
		{name: "JSON partial success with charset", fault: func(string) receiver.Fault {
			return receiver.Fault{HealthyChecks: 1, Reject: 9, Message: "all rejected", ContentType: "application/json; charset=utf-8"}
		},
			gf:  outcome{code: 1, unseen: 9, summary: `found no OTLP collector there (an answer in "application/json; charset=utf-8", in which the exporter cannot read the spans rejected)`},
			own: outcome{code: 1, summary: "the collector rejected 9 spans: all rejected"}},
		{name: "HTML 200, -traces 300", traces: "300", fault: func(string) receiver.Fault {
			return receiver.Fault{HealthyChecks: 1, Status: 200, ContentType: "text/html", Body: "<html>"}
		},
			gf:  outcome{code: 1, unseen: 2700, summary: "2700 of 2700 spans sent to "},
			own: outcome{code: 1, summary: `the collector's answer was not an OTLP response (200 OK, "text/html")`}},
		// The check after the last export waits to the end of -timeout,
		// not 1s: a collector slow to answer is not an absent one.
		{name: "a collector that answers in 1.5s", timeout: "5s", fault: func(string) receiver.Fault {
			return receiver.Fault{Delay: 1500 * time.Millisecond}
		},
			gf:  outcome{code: 0, unseen: 9, summary: "9 of 9 spans sent to "},
			own: outcome{code: 0, delivered: 9, summary: "9 of 9 spans delivered to "}},
		{name: "a healthy collector", fault: func(string) receiver.Fault { return receiver.Fault{} },
			gf:  outcome{code: 0, unseen: 9, summary: "9 of 9 spans sent to "},
			own: outcome{code: 0, delivered: 9, summary: "9 of 9 spans delivered to "}},
	}
	for _, c := range cases {
		for _, provider := range []string{"gf", "own"} {
			want := c.gf
			if provider == "own" {
				want = c.own
			}
			t.Run(c.name+", -provider "+provider, func(t *testing.T) {
				t.Parallel()
				elsewhere := NewReceiver(config.HTTP)
				defer elsewhere.Close()
				rec := NewReceiver(config.HTTP)
				defer rec.Close()
				rec.SetFault(c.fault("http://" + elsewhere.Addr + config.DefaultPath))
				timeout := cmp.Or(c.timeout, "3s")
				args := []string{"-endpoint", rec.Addr, "-timeout", timeout, "-json", "-provider", provider}
				if c.traces != "" {
					args = append(args, "-traces", c.traces)
				}
				r := Run(t, bin, nil, args...)
				res := Outcome(t, r)
				if r.Code != want.code {
					t.Errorf("exit code %d, want %d; output:\n%s", r.Code, want.code, r.Output())
				}
				if res.Delivered != want.delivered || res.Unseen != want.unseen {
					t.Errorf("delivered %d, unseen %d; want %d, %d; output:\n%s", res.Delivered, res.Unseen, want.delivered, want.unseen, r.Output())
				}
				if res.Unconfirmed < res.Unseen {
					t.Errorf("unconfirmed %d is fewer than unseen %d", res.Unconfirmed, res.Unseen)
				}
				for _, s := range []string{want.summary, want.elsewhere} {
					if !strings.Contains(res.Summary, s) {
						t.Errorf("summary %q does not say %q", res.Summary, s)
					}
				}
				if provider == "own" && elsewhere.SpanCount() != 0 {
					t.Errorf("the own provider followed the redirect: %d spans reached it", elsewhere.SpanCount())
				}
				if provider == "gf" && want.elsewhereSpans != 0 && elsewhere.SpanCount() != want.elsewhereSpans {
					t.Errorf("%d spans reached the redirect's target, want %d (gf's exporter follows it)", elsewhere.SpanCount(), want.elsewhereSpans)
				}
				gfHealthy := provider == "gf" && want.code == 0
				if gfHealthy != (res.Answers != "") {
					t.Errorf("answers line %q for -provider %s with exit %d: want one exactly for gf's Init when delivered", res.Answers, provider, want.code)
				}
				if want.code != 0 && strings.Contains(res.Summary, fmt.Sprintf("%d of %d spans delivered", res.Recorded, res.Recorded)) {
					t.Errorf("summary claims every span: %q", res.Summary)
				}
			})
		}
	}
}

// disconnectThenPage stops the collector in the middle of a -traces run and
// brings a web page up on its port: the spans the collector took before
// stay delivered where the answers were read (the own provider), and are
// unconfirmed, not failed, where they were not (gf's Init); the run stops.
func disconnectThenPage(t *testing.T, bin string, way run) {
	rec := NewReceiverWith(config.HTTP, receiver.Options{CountOnly: true})
	defer rec.Close()
	args := append([]string{"-endpoint", rec.Addr, "-traces", "5000000", "-concurrency", "4", "-timeout", "3s", "-json"}, way.args...)
	proc := Start(t, bin, way.env, args...)
	if !rec.WaitSpans(20000, 30*time.Second) {
		proc.Signal(os.Kill)
		t.Fatalf("no spans arrived; output:\n%s", proc.Wait().Output())
	}
	rec.Stop()
	taken := rec.SpanCount()
	time.Sleep(500 * time.Millisecond) // exports meanwhile lose their connection
	rec.SetFault(receiver.Fault{Status: 200, ContentType: "text/html", Body: "<html>maintenance</html>"})
	if err := rec.Restart(); err != nil {
		t.Fatal(err)
	}
	r := proc.Wait()
	res := Outcome(t, r)
	if r.Code != 1 {
		t.Errorf("exit code %d, want 1; output:\n%s", r.Code, r.Output())
	}
	if got := rec.SpanCount(); got != taken {
		t.Errorf("the page recorded spans: %d after, %d before", got, taken)
	}
	if way.args == nil && way.env == nil { // gf's Init: the answers were never seen
		if res.Delivered != 0 || res.Unseen < int64(taken) || res.Failed > res.Recorded-int64(taken) {
			t.Errorf("delivered %d, unseen %d, failed %d of %d; the collector took %d whose answers nobody saw: want them unconfirmed, not failed",
				res.Delivered, res.Unseen, res.Failed, res.Recorded, taken)
		}
	} else if res.Delivered != int64(taken) || res.Unseen != 0 {
		t.Errorf("delivered %d, unseen %d; the collector took and answered %d before the page came", res.Delivered, res.Unseen, taken)
	}
	if res.Delivered+res.Failed+res.Dropped+res.Unconfirmed != res.Recorded {
		t.Errorf("counts do not add up: %+v", res)
	}
	noLeaks(t, r)
}

// roundRobinProxy points gf's otlphttp.Init at a TCP proxy that hands its
// connections in turn to a collector and to a web page: the checks before
// the first export and after the last reach the collector, the exporter's
// connection the page. This program cannot tell, so the spans are sent,
// answers unseen, never delivered, and the run exits 0 on the checks'
// word, saying what they do not prove.
func roundRobinProxy(t *testing.T, bin string) {
	for _, asJSON := range []bool{false, true} {
		rec := NewReceiver(config.HTTP)
		defer rec.Close()
		page := NewReceiver(config.HTTP)
		defer page.Close()
		page.SetFault(receiver.Fault{Status: 200, ContentType: "text/html; charset=utf-8", Body: "<!doctype html><title>Jaeger UI</title>"})
		args := []string{"-endpoint", roundRobin(t, rec.Addr, page.Addr), "-timeout", "3s"}
		if asJSON {
			args = append(args, "-json")
		}
		r := Run(t, bin, nil, args...)
		if page.Attempts() == 0 || rec.SpanCount() == 9 {
			t.Fatalf("the exports did not reach the page (%d exports there, %d spans at the collector): the case did not happen; output:\n%s", page.Attempts(), rec.SpanCount(), r.Output())
		}
		if r.Code != 0 {
			t.Errorf("exit code %d, want 0: both checks found an OTLP collector; output:\n%s", r.Code, r.Output())
		}
		if !asJSON {
			for _, want := range []string{
				"9 of 9 spans sent to http://127.0.0.1:", " over OTLP/HTTP, answers unseen: " + "each export was answered 2xx, but neither gf's exporter nor this program reads those answers as OTLP, so the spans are unconfirmed.\n",
				"\nAnswers unseen: an OTLP collector answered this program's checks before the first export and after the last; that does not prove that it answered each export in between (-provider own reads every answer).\n",
			} {
				if !strings.Contains(r.Stdout, want) {
					t.Errorf("the report does not say %q:\n%s", want, r.Stdout)
				}
			}
			if strings.Contains(r.Stdout, "delivered") {
				t.Errorf("the report says delivered of spans whose answers nobody saw:\n%s", r.Stdout)
			}
			continue
		}
		res := Outcome(t, r)
		if res.Delivered != 0 || res.Unseen != 9 || res.Unconfirmed != 9 || res.ExitCode != 0 || res.Answers == "" {
			t.Errorf("delivered %d, unseen %d, unconfirmed %d, exit_code %d, answers %q; want 0, 9, 9, 0 and the checks' line; output:\n%s",
				res.Delivered, res.Unseen, res.Unconfirmed, res.ExitCode, res.Answers, r.Output())
		}
		if strings.Contains(res.Summary+res.Answers+res.Cause+res.Hint, "delivered") {
			t.Errorf("-json says delivered of spans whose answers nobody saw: %+v", res)
		}
	}
}

// roundRobin starts a TCP proxy on 127.0.0.1 that hands each connection it
// accepts to the next of backends, in turn, and returns its address.
func roundRobin(t *testing.T, backends ...string) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lis.Close() })
	go func() {
		for i := 0; ; i++ {
			in, err := lis.Accept()
			if err != nil {
				return
			}
			go func(backend string) {
				defer in.Close()
				out, err := net.Dial("tcp", backend)
				if err != nil {
					return
				}
				defer out.Close()
				go func() { io.Copy(out, in); out.Close() }()
				io.Copy(in, out)
			}(backends[i%len(backends)])
		}
	}()
	return lis.Addr().String()
}

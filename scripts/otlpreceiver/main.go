// Command otlpreceiver shows in the terminal the traces that any service
// sends it over OTLP: the quickest way to see what a service sent, with no
// Jaeger to build and no Docker.
//
//	go run ./scripts/otlpreceiver                       # OTLP/gRPC on 127.0.0.1:4317, OTLP/HTTP on 127.0.0.1:4318
//	go run ./scripts/otlpreceiver -grpc 127.0.0.1:14317 -http 127.0.0.1:14318
//
// Once no span of a trace has arrived for -quiet, it prints the trace's
// services and id and the same waterfall as the sample's report, then
// forgets the trace. -attrs adds each span's attributes and events, -json
// prints one JSON line per trace instead, and -count only counts spans, for
// measuring how fast a program delivers. It accepts what a real collector
// accepts: protobuf over gRPC or HTTP, gzip or not. SIGINT or SIGTERM
// lets the exports under way finish (for a second at most), prints what is
// pending and exits 0.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"example.com/gftrace/internal/receiver"
)

// Exit codes (docs/viewer.md, "Limits and exit codes").
const (
	exitOK       = 0
	exitListen   = 1 // a port is busy or cannot be opened
	exitBadInput = 2 // a bad flag or value
	exitOutput   = 3 // the output cannot be written (a full disk, a closed file)
	exitCrash    = 4 // a bug: the viewer panicked
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}

// settings are the command's flags, and the limits that follow from them.
type settings struct {
	grpc, http         string // host:port, or "" for none
	quiet              time.Duration
	attrs, json, count bool
	limits             limits
}

func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) (code int) {
	// A bug must not look like a bad flag (Go's own exit code for a panic
	// is 2): one line, with no value a sender sent, and exitCrash.
	defer func() {
		if r := recover(); r != nil {
			code = crashed(stderr, caught(r))
		}
	}()
	s, err := parse(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "otlpreceiver: %v\n", err)
		return exitBadInput
	}
	srv, err := start(s, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "otlpreceiver: %v\n", err)
		return exitListen
	}
	srv.announce(stderr)
	err = srv.serve(stop)
	if c, ok := err.(*crash); ok {
		return crashed(stderr, c)
	}
	if err != nil {
		fmt.Fprintf(stderr, "otlpreceiver: %v\n", err)
		return exitOutput
	}
	return exitOK
}

func crashed(stderr io.Writer, c *crash) int {
	fmt.Fprintf(stderr, "otlpreceiver: crashed (%v): a bug in the viewer, please report it\n", c)
	return exitCrash
}

// parse reads the flags; a bad one is an error of one line that names it.
func parse(args []string, stdout io.Writer) (settings, error) {
	var s settings
	fs := flag.NewFlagSet("otlpreceiver", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by run
	fs.StringVar(&s.grpc, "grpc", "127.0.0.1:4317", "host:port for OTLP/gRPC, or \"\" for none")
	fs.StringVar(&s.http, "http", "127.0.0.1:4318", "host:port for OTLP/HTTP (any path), or \"\" for none")
	fs.DurationVar(&s.quiet, "quiet", time.Second, "print a trace once no span of it has arrived for this long")
	fs.BoolVar(&s.attrs, "attrs", false, "show each span's attributes and events under it")
	fs.BoolVar(&s.json, "json", false, "print each trace as one JSON line instead of a picture")
	fs.BoolVar(&s.count, "count", false, "only count the spans, every second and at the end")
	fs.Usage = func() {} // the flag package calls it on every error: see below
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: otlpreceiver [flags]\n\nShows the traces that services send over OTLP, one trace at a time.\n\nFlags:")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return s, err
	}
	switch {
	case fs.NArg() > 0:
		return s, fmt.Errorf("unexpected argument %q: every setting is a flag", fs.Arg(0))
	case s.quiet <= 0:
		return s, fmt.Errorf("invalid -quiet %s: want a duration above zero, such as 1s", s.quiet)
	case s.count && (s.json || s.attrs):
		return s, errors.New("-count prints only counts: it does not go with -json or -attrs")
	case s.json && s.attrs:
		return s, errors.New("-attrs is for the picture: -json lines always carry the attributes")
	case s.grpc == "" && s.http == "":
		return s, errors.New("-grpc and -http are both empty: nothing to listen on")
	}
	s.limits = defaultLimits(s.quiet)
	for _, a := range []struct{ flag, value string }{{"grpc", s.grpc}, {"http", s.http}} {
		if a.value == "" {
			continue
		}
		if err := checkAddr(a.value); err != nil {
			return s, fmt.Errorf("invalid -%s %q: %v", a.flag, a.value, err)
		}
	}
	return s, nil
}

// checkAddr accepts host:port with a host named, so that no one listens on
// every interface without saying so.
func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return errors.New("want host:port, such as 127.0.0.1:4317")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New("the port is not a number from 0 to 65535")
	}
	return nil
}

// server is the running command: its receivers and what they feed.
type server struct {
	settings
	grpcRec, httpRec *receiver.Receiver // nil when not listening
	view             *viewer            // nil with -count
	out              *bufio.Writer
}

// start listens on the ports of s; an error names the port that failed.
func start(s settings, stdout io.Writer) (*server, error) {
	srv := &server{settings: s, out: bufio.NewWriter(stdout)}
	opts := receiver.Options{CountOnly: true}
	if !s.count {
		srv.view = newViewer(s.quiet, s.limits, srv.out, s.json, s.attrs)
		opts = receiver.Options{OnSpans: srv.view.add}
	}
	var err error
	if s.grpc != "" {
		opts.Addr, opts.AnyHost = s.grpc, true // the flag's host, as the user asked
		if srv.grpcRec, err = receiver.StartGRPC(opts); err != nil {
			return nil, listenError("grpc", s.grpc, err)
		}
	}
	if s.http != "" {
		opts.Addr, opts.AnyHost = s.http, true
		if srv.httpRec, err = receiver.StartHTTP(opts); err != nil {
			srv.stop()
			return nil, listenError("http", s.http, err)
		}
	}
	return srv, nil
}

func listenError(flag, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("cannot listen on %s (-%s): the port is in use, perhaps by another collector", addr, flag)
	}
	return fmt.Errorf("cannot listen on %s (-%s): %v", addr, flag, err)
}

// announce says where the command listens, on stderr so that stdout holds
// only traces (or counts).
func (srv *server) announce(w io.Writer) {
	var on []string
	for _, r := range []struct {
		name string
		rec  *receiver.Receiver
	}{{"OTLP/gRPC", srv.grpcRec}, {"OTLP/HTTP", srv.httpRec}} {
		if r.rec == nil {
			continue
		}
		on = append(on, r.name+" on "+r.rec.Addr)
		if host, _, _ := net.SplitHostPort(r.rec.Addr); host != "127.0.0.1" {
			fmt.Fprintf(w, "otlpreceiver: %s is open to other machines: anyone who reaches it can send spans\n", r.rec.Addr)
		}
	}
	what := fmt.Sprintf("each trace is printed %s after its last span", srv.quiet)
	if srv.count {
		what = "counting spans"
	}
	fmt.Fprintf(w, "otlpreceiver: %s; %s\n", strings.Join(on, ", "), what)
}

// serve prints until stop, then stops the receivers and prints what is
// pending. It returns early when the output cannot be written (an error
// that says so, and how many spans were not printed) or when the viewer
// crashed (a *crash); the receivers are stopped then too.
func (srv *server) serve(stop <-chan os.Signal) error {
	if srv.count {
		return srv.countSpans(stop)
	}
	srv.view.printEvery(stop)
	srv.stop()
	if c := srv.view.crashed(); c != nil {
		return c // and nothing more is printed: a lock may be held still
	}
	srv.view.printAll()
	if cause, lost := srv.view.failure(); cause != nil {
		return fmt.Errorf("cannot write the traces (%v): %d spans received were not printed, and exports were refused from then on", cause, lost)
	}
	return nil
}

// countSpans prints the total every second in which spans arrived, and at
// the end: the output that the high-volume measurements read.
func (srv *server) countSpans(stop <-chan os.Signal) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := 0
	for {
		select {
		case <-tick.C:
			if n := srv.spanCount(); n != last {
				fmt.Fprintf(srv.out, "otlpreceiver: %d spans (+%d)\n", n, n-last)
				if err := srv.out.Flush(); err != nil {
					srv.stop()
					return fmt.Errorf("cannot write the counts: %v", err)
				}
				last = n
			}
		case <-stop:
			srv.stop()
			fmt.Fprintf(srv.out, "otlpreceiver: %d spans in total\n", srv.spanCount())
			if err := srv.out.Flush(); err != nil {
				return fmt.Errorf("cannot write the counts: %v", err)
			}
			return nil
		}
	}
}

func (srv *server) spanCount() int {
	n := 0
	for _, r := range []*receiver.Receiver{srv.grpcRec, srv.httpRec} {
		if r != nil {
			n += r.SpanCount()
		}
	}
	return n
}

// stop stops both receivers at once, gracefully: a sender is answered 200
// (or OK) only once its spans are with the viewer, so each export under way
// is let finish, for the receiver's grace time at most, before what is
// pending is printed.
func (srv *server) stop() {
	var wg sync.WaitGroup
	for _, r := range []*receiver.Receiver{srv.grpcRec, srv.httpRec} {
		if r != nil {
			wg.Go(r.Stop)
		}
	}
	wg.Wait()
}

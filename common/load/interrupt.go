package load

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"example.com/gftrace/common/exitcode"
)

// Interrupted is why a run stopped when the process got SIGINT (Ctrl-C) or
// SIGTERM: Run stops making traces, still flushes what was made, and the
// report says so and exits with ExitCode.
type Interrupted struct{ Signal os.Signal }

func (i Interrupted) Error() string { return "interrupted by " + signalName(i.Signal) }

// ExitCode is the exit code of a run the signal stopped (see package exitcode).
func (i Interrupted) ExitCode() int { return exitcode.Signal(i.Signal) }

// signalName is SIGINT or SIGTERM, as users write them.
func signalName(s os.Signal) string {
	if name, ok := signalNames[s]; ok {
		return name
	}
	return s.String()
}

var signalNames = map[os.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}

// onInterrupt calls interrupt with the first SIGINT or SIGTERM until end is
// called. A second signal ends the process at once, without waiting for the
// collector: the user asked twice.
func onInterrupt(interrupt func(Interrupted)) (end func()) {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-signals:
			interrupt(Interrupted{s})
		case <-done:
			return
		}
		select {
		case s := <-signals:
			fmt.Fprintf(os.Stderr, "%s again: exiting without waiting for the collector\n", signalName(s))
			os.Exit(Interrupted{s}.ExitCode())
		case <-done:
		}
	}()
	return func() {
		signal.Stop(signals)
		close(done)
	}
}

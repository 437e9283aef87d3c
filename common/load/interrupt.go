package load

import (
	"os"
	"syscall"

	"example.com/gftrace/common/exitcode"
)

// Interrupted is why a run stopped when the process got SIGINT (Ctrl-C) or
// SIGTERM: Run stops making traces, still flushes what was made, and the
// report says so and exits with ExitCode.
type Interrupted struct{ Signal os.Signal }

func (i Interrupted) Error() string { return "interrupted by " + SignalName(i.Signal) }

// ExitCode is the exit code of a run the signal stopped (see package exitcode).
func (i Interrupted) ExitCode() int { return exitcode.Signal(i.Signal) }

// SignalName is SIGINT or SIGTERM, as users write them.
func SignalName(s os.Signal) string {
	if name, ok := signalNames[s]; ok {
		return name
	}
	return s.String()
}

var signalNames = map[os.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}

// Package exitcode names the exit codes of the sample's two programs, in
// one place, so that scripts can rely on them.
package exitcode

import (
	"os"
	"syscall"
)

const (
	Delivered    = 0 // every span reached the collector
	NotDelivered = 1 // not every span did, or tracing could not start
	BadInput     = 2 // bad flags or environment, found before any span was made
	// OutputLost: the report (or -json's line) could not be written to
	// stdout, a full disk or a reader that went away (| head -1); the run
	// exported the spans all the same, and the summary line, which says
	// what became of them, goes to stderr.
	OutputLost = 3
)

// Signal is the exit code of a -traces run that sig stopped, after it
// flushed what it made: what a shell reports for a process the signal
// ended, 128 plus the signal's number (130 for SIGINT, 143 for SIGTERM).
func Signal(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return NotDelivered
}

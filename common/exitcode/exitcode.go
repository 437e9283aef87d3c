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
	// OutputLost: stdout took no report (a full disk, | head -1); the spans
	// were exported all the same, and the summary line went to stderr.
	OutputLost = 3
)

// Signal is the exit code of a -traces run that sig stopped after flushing
// what it made: 128 plus the signal's number, as a shell reports it.
func Signal(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return NotDelivered
}

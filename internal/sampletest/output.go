package sampletest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/exitcode"
)

// outputLost runs the binary with a stdout that takes nothing: a full disk
// (/dev/full) and a pipe whose reader went away, as with | head -1. The
// spans are sent all the same, the summary goes to stderr, and the exit
// code says that the output was lost (exitcode.OutputLost), not that all
// went well.
func outputLost(t *testing.T, p config.Protocol, bin string) {
	sinks := map[string]func(t *testing.T) *os.File{
		"a full disk": func(t *testing.T) *os.File {
			f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			if err != nil {
				t.Fatalf("this test needs /dev/full: %v", err)
			}
			return f
		},
		"a reader that went away": func(t *testing.T) *os.File {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			return w
		},
	}
	for name, sink := range sinks {
		for _, asJSON := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, -json %v", name, asJSON), func(t *testing.T) {
				t.Parallel()
				rec := NewReceiver(p)
				defer rec.Close()
				stdout := sink(t)
				defer stdout.Close()
				args := []string{"-endpoint", rec.Addr}
				if asJSON {
					args = append(args, "-json")
				}
				cmd := exec.Command(bin, args...)
				cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
				var stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = stdout, &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				var err error
				select {
				case err = <-done:
				case <-time.After(time.Minute):
					cmd.Process.Kill()
					t.Fatalf("the run did not end within a minute; stderr:\n%s", stderr.String())
				}
				code := 0
				var exit *exec.ExitError
				if errors.As(err, &exit) {
					code = exit.ExitCode()
				}
				if code != exitcode.OutputLost {
					t.Errorf("exit code %d (%v), want %d; stderr:\n%s", code, err, exitcode.OutputLost, stderr.String())
				}
				if n := rec.SpanCount(); n != 9 {
					t.Errorf("the receiver got %d spans, want 9", n)
				}
				if want := "9 of 9 " + allReached[p]; !strings.Contains(stderr.String(), "could not be written to stdout") || !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr does not say that stdout was lost, with the summary:\n%s", stderr.String())
				}
			})
		}
	}
}

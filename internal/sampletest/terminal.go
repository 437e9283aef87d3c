package sampletest

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/receiver"
)

// forged is a collector's refusal that would steer the terminal printed as
// it is: an OSC sequence that retitles the window, an ESC sequence that
// clears the screen, a C1 CSI, and a newline that forges the report's
// summary line.
const forged = "bad\x1b]0;pwned\x07\x1b[2J\u009b31m\n9 of 9 spans delivered to 127.0.0.1:1 over OTLP/gRPC."

// terminal checks that what a collector says reaches the output escaped:
// no control character on stdout or stderr, and no forged line.
func terminal(t *testing.T, p config.Protocol, bin string) {
	for _, way := range tokenWays(p) {
		for _, asJSON := range []bool{false, true} {
			name := way.name
			if asJSON {
				name += ", -json"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				rec := NewReceiver(p)
				defer rec.Close()
				rec.SetFault(receiver.Fault{Refuse: codes.InvalidArgument, Message: forged})
				args := append([]string{"-endpoint", rec.Addr, "-timeout", "2s"}, way.args...)
				if asJSON {
					args = append(args, "-json")
				}
				r := Run(t, bin, way.env, args...)
				if r.Code != 1 {
					t.Errorf("exit code %d, want 1; output:\n%q", r.Code, r.Output())
				}
				for _, bad := range []string{"\x1b", "\x07", "\u009b"} {
					if strings.Contains(r.Output(), bad) {
						t.Errorf("the output carries %q from the collector:\n%q", bad, r.Output())
					}
				}
				for _, line := range strings.Split(r.Output(), "\n") {
					if strings.HasPrefix(line, "9 of 9 spans delivered") {
						t.Errorf("the collector forged a line of the report: %q", line)
					}
				}
				if asJSON {
					if res := Outcome(t, r); !strings.Contains(res.Summary, `bad\x1b]0;pwned\a\x1b[2J`) {
						t.Errorf("the summary does not quote what the collector said: %q", res.Summary)
					}
				} else if !strings.Contains(r.Stdout, `bad\x1b]0;pwned\a\x1b[2J`) {
					t.Errorf("the report does not quote what the collector said:\n%s", r.Stdout)
				}
			})
		}
	}
}

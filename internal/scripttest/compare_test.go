package scripttest

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"example.com/gftrace/internal/repo"
)

// compare runs scripts/compare.sh with args, bounded by a generous timeout
// (a measurement, when it should not start, would take minutes).
func compare(t *testing.T, args ...string) (int, string) {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "compare.sh"), args...)
	cmd.Stderr = &stderr
	err = cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return exitCode(err), stderr.String()
}

// Bad options of compare.sh are bad input (exit 2, the value named), found
// before anything is built or measured.
func TestCompareBadPaths(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--repo", "/nonexistent"}, `invalid --repo "/nonexistent": not the sample's checkout`},
		{[]string{"--repo", t.TempDir()}, `not the sample's checkout`},
		{[]string{"--runs", "1", "--traces", "0", "--plot", "/nonexistent/dir/x.svg"}, `invalid --plot "/nonexistent/dir/x.svg": cannot write a file in /nonexistent/dir`},
		{[]string{"--runs", "1", "--traces", "0", "--plot", "/proc/x.svg"}, `invalid --plot "/proc/x.svg": cannot write a file in /proc`},
	} {
		code, stderr := compare(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("compare.sh %q: exit %d, stderr:\n%s\nwant exit 2 and %q", c.args, code, stderr, c.want)
		}
		if strings.Contains(stderr, "compare: building") {
			t.Errorf("compare.sh %q started measuring before it checked its options", c.args)
		}
	}
}

package doccheck

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"example.com/gftrace/internal/jaegertest"
)

// TestCommands runs the shell blocks of README.md and docs/*.md as their
// marks say (see the package doc), and lists the ones it does not run,
// with the reason. The Chinese files hold the same commands
// (TestEnglishAndChinese), so their blocks are not run twice.
func TestCommands(t *testing.T) {
	root, all := docs(t)
	if out, err := exec.Command("unshare", "-rn", "sh", "-c", "ip link set lo up").CombinedOutput(); err != nil {
		t.Fatalf("the docs' commands run in a network namespace of their own, which needs unshare (util-linux), ip (iproute2) and user namespaces: %v\n%s", err, out)
	}
	var excluded []string
	for _, d := range all {
		if english(d.path) != "" {
			continue
		}
		for _, b := range blocks(d.text) {
			if !b.shell() {
				continue
			}
			where := fmt.Sprintf("%s:%d", d.path, b.line)
			verb, rest, _ := strings.Cut(b.mark, " ")
			switch {
			case b.mark == "":
				t.Errorf("%s: a shell block without a mark: put <!-- doccheck: exit CODE… --> or <!-- doccheck: exclude: REASON --> on the line before it (see internal/doccheck)", where)
			case verb == "exclude:" && strings.TrimSpace(rest) != "":
				excluded = append(excluded, where+": "+rest)
			case verb == "exit":
				t.Run(where, func(t *testing.T) { runBlock(t, root, b, strings.Fields(rest)) })
			default:
				t.Errorf("%s: mark %q is neither exit CODE… nor exclude: REASON", where, b.mark)
			}
		}
	}
	t.Logf("not run (%d blocks):\n  %s", len(excluded), strings.Join(excluded, "\n  "))
}

// runBlock runs the commands of b in order, in one bash, each with its
// code: a number it must exit with, or bg, started in the background and
// stopped when the block ends.
func runBlock(t *testing.T, root string, b block, codes []string) {
	cmds := b.commands()
	if len(codes) == 1 {
		codes = slices.Repeat(codes, len(cmds))
	}
	if len(codes) != len(cmds) || len(cmds) == 0 {
		t.Fatalf("the mark gives %d codes for %d commands", len(codes), len(cmds))
	}
	dir := t.TempDir()
	statusFile := filepath.Join(dir, "status")
	var script strings.Builder
	script.WriteString("ip link set lo up || exit 97\nexec 3>\"$DOCCHECK_STATUS\"\n")
	var want []string
	for i, c := range cmds {
		if codes[i] == "bg" {
			c = strings.TrimSpace(commentRe.ReplaceAllString(c, ""))
			if !strings.HasSuffix(c, "&") {
				c += " &"
			}
			// A user starts it in another terminal and waits until it
			// listens; so does the block, or the next command races its
			// compilation (seen under load). The block runs in a network
			// namespace of its own, so a new listener is this command's.
			script.WriteString("listeners=$(ss -Hltn | wc -l)\n" + c + "\n")
			script.WriteString("for _ in $(seq 1800); do [ \"$(ss -Hltn | wc -l)\" -gt \"$listeners\" ] && break; sleep 0.1; done\n")
			continue
		}
		if _, err := strconv.Atoi(codes[i]); err != nil {
			t.Fatalf("code %q is neither a number nor bg", codes[i])
		}
		want = append(want, codes[i])
		fmt.Fprintf(&script, "%s\necho \"$?\" >&3\n", c)
	}
	env := append(os.Environ(),
		"DOCCHECK_STATUS="+statusFile,
		"GOPROXY=off", // everything comes from the module cache: no network here
		"JAEGER_STATE_DIR="+filepath.Join(dir, "jaeger"),
		"JAEGER_BIN_DIR="+jaegertest.BinDir(root),
	)
	before := untracked(t, root)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// A file, not a pipe: what the block leaves in the background keeps
	// its output open, and the block has ended all the same.
	out, err := os.Create(filepath.Join(dir, "output"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, "unshare", "-rn", "bash", "-c", script.String())
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = root, env, out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	start := time.Now()
	err = cmd.Run()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // what the block left in the background
	// A Jaeger the block started runs in a session of its own.
	stop := exec.Command(filepath.Join(root, "scripts", "jaeger.sh"), "stop")
	stop.Env = env
	if o, err := stop.CombinedOutput(); err != nil {
		t.Errorf("scripts/jaeger.sh stop after the block: %v\n%s", err, o)
	}
	for _, f := range untracked(t, root) {
		if !slices.Contains(before, f) {
			t.Logf("removing %s, which the block made in the checkout", f)
			os.Remove(filepath.Join(root, f))
		}
	}
	output, _ := os.ReadFile(out.Name())
	if ctx.Err() != nil {
		t.Fatalf("the block did not end within 5 minutes; output:\n%s", tail(string(output)))
	}
	data, _ := os.ReadFile(statusFile)
	got := strings.Fields(string(data))
	if !slices.Equal(got, want) {
		t.Errorf("exit codes %v (bash: %v), the doc says %v, in %s; output:\n%s", got, err, want, time.Since(start).Round(time.Second), tail(string(output)))
	}
}

// untracked lists the files git does not track and does not ignore.
func untracked(t *testing.T, root string) []string {
	cmd := exec.Command("git", "ls-files", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	return strings.Fields(string(out))
}

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 40 {
		lines = append([]string{"…"}, lines[len(lines)-40:]...)
	}
	return strings.Join(lines, "\n")
}

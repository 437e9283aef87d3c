package readme

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/gftrace/internal/receiver"
	"example.com/gftrace/internal/repo"
	"example.com/gftrace/internal/standalone"
)

// TestTheCodeIsAService builds the complete main.go that "The code" shows
// in each README as a service of its own would: in a temporary module that
// requires the modules the program imports, at this repository's versions.
// It runs the program against an in-process OTLP/gRPC receiver with
// OTEL_EXPORTER_OTLP_ENDPOINT as a URL and as host:port. Both must exit 0,
// deliver the exact tree (main, a root without a parent, and GetUser under
// it with user.id and an error status), and print no error of any library.
func TestTheCodeIsAService(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ readme, section string }{
		{"README.md", "## The code"},
		{"README.zh-CN.md", "## 代码"},
	} {
		t.Run(c.readme, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(root, c.readme))
			if err != nil {
				t.Fatal(err)
			}
			program := fenced(string(text), c.section, "go")
			if program == "" {
				t.Fatalf("%s: %q shows no complete program (a go block that starts with package main)", c.readme, c.section)
			}
			if n := strings.Count(strings.TrimSpace(program), "\n") + 1; n > 45 {
				t.Errorf("%s: the program is %d lines; want at most 45", c.readme, n)
			}
			diff := fenced(string(text), c.section, "diff")
			httpProgram, err := applyDiff(program, diff)
			if err != nil {
				t.Fatalf("%s: the HTTP differences: %v", c.readme, err)
			}
			for _, v := range []struct {
				name    string
				program string
				start   func() *receiver.Receiver
			}{
				{"gRPC", program, receiver.NewGRPC},
				{"HTTP", httpProgram, receiver.NewHTTP},
			} {
				bin := standalone.Build(t, v.program)
				for _, form := range []string{"URL", "host:port"} {
					t.Run(v.name+"/"+form, func(t *testing.T) {
						rec := v.start()
						defer rec.Close()
						endpoint := rec.Addr
						if form == "URL" {
							endpoint = "http://" + rec.Addr
						}
						out, code := runService(t, bin, endpoint)
						t.Logf("OTEL_EXPORTER_OTLP_ENDPOINT=%s: exit %d, output:\n%s", endpoint, code, out)
						if code != 0 {
							t.Errorf("exit code %d, want 0", code)
						}
						if stray := strayLines(out); len(stray) > 0 {
							t.Errorf("stray lines in the output: %q", stray)
						}
						checkTree(t, rec.Spans())
					})
				}
			}
		})
	}
}

// applyDiff applies the lines of a README's diff block to program: each
// run of removed lines, which must be lines of program in a row, is
// replaced by the added lines that follow it.
func applyDiff(program, diff string) (string, error) {
	if diff == "" {
		return "", fmt.Errorf("no diff block")
	}
	lines := strings.Split(program, "\n")
	var del, add []string
	apply := func() error {
		if len(del) == 0 && len(add) == 0 {
			return nil
		}
		for i := 0; i+len(del) <= len(lines); i++ {
			if len(del) > 0 && slices.Equal(lines[i:i+len(del)], del) {
				lines = slices.Concat(lines[:i], add, lines[i+len(del):])
				del, add = nil, nil
				return nil
			}
		}
		return fmt.Errorf("the removed lines %q are not lines of the program in a row", del)
	}
	for _, l := range strings.Split(strings.TrimSuffix(diff, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "-") && len(add) > 0:
			if err := apply(); err != nil {
				return "", err
			}
			del = append(del, l[1:])
		case strings.HasPrefix(l, "-"):
			del = append(del, l[1:])
		case strings.HasPrefix(l, "+"):
			add = append(add, l[1:])
		default:
			return "", fmt.Errorf("line %q is neither removed (-) nor added (+)", l)
		}
	}
	if err := apply(); err != nil {
		return "", err
	}
	return strings.Join(lines, "\n"), nil
}

// fenced returns the first block of section in language lang, exactly as
// the README shows it; for "go", the first that is a whole program.
func fenced(text, section, lang string) string {
	var b strings.Builder
	in, inBlock := false, false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			in = strings.HasPrefix(line, section)
		case in && !inBlock && strings.TrimSpace(line) == "```"+lang:
			inBlock = true
			b.Reset()
		case inBlock && strings.TrimSpace(line) == "```":
			if lang != "go" || strings.HasPrefix(b.String(), "package main\n") {
				return b.String()
			}
			inBlock = false
		case inBlock:
			b.WriteString(line + "\n")
		}
	}
	return ""
}

// runService runs the built program with OTEL_EXPORTER_OTLP_ENDPOINT set to
// endpoint and no other OTEL_ variable, and returns its output and exit code.
func runService(t *testing.T, bin, endpoint string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a generous bound, for a loaded machine
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTEL_") && !strings.HasPrefix(kv, "GF_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "OTEL_EXPORTER_OTLP_ENDPOINT="+endpoint)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the program did not end within 2 minutes; output:\n%s", out)
	}
	code := 0
	if e, ok := err.(*exec.ExitError); ok {
		code = e.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// strayLines are the lines of output that are not gf's own note, at debug
// level, that the shutdown succeeded. The program itself prints nothing.
func strayLines(out string) []string {
	var stray []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" && !(strings.Contains(l, "[DEBU]") && strings.HasSuffix(l, "Shutdown tracerProvider success")) {
			stray = append(stray, l)
		}
	}
	return stray
}

// checkTree checks what the receiver got: main, a root without a parent,
// and GetUser under it with user.id 1 and the status Error.
func checkTree(t *testing.T, spans []receiver.Span) {
	t.Helper()
	if len(spans) != 2 {
		t.Fatalf("%d spans received, want 2 (main and GetUser): %+v", len(spans), spans)
	}
	byName := map[string]receiver.Span{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	main, child := byName["main"], byName["GetUser"]
	if main.Name == "" || child.Name == "" {
		t.Fatalf("spans %q and %q received, want main and GetUser", spans[0].Name, spans[1].Name)
	}
	if main.ParentSpanID != "" {
		t.Errorf("main has the parent %s, want none: a root", main.ParentSpanID)
	}
	if child.TraceID != main.TraceID || child.ParentSpanID != main.SpanID {
		t.Errorf("GetUser in trace %s under %s, want main's trace %s under main %s", child.TraceID, child.ParentSpanID, main.TraceID, main.SpanID)
	}
	if got := child.Attributes["user.id"]; got != int64(1) {
		t.Errorf("GetUser's user.id %#v, want 1", got)
	}
	if child.StatusCode != "Error" || child.StatusMessage != "user 1 not found" || main.StatusCode != "Unset" {
		t.Errorf("status GetUser %s %q, main %s; want GetUser Error \"user 1 not found\", main Unset", child.StatusCode, child.StatusMessage, main.StatusCode)
	}
}

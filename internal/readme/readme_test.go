package readme

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"example.com/gftrace/internal/repo"
)

// goLink finds a Markdown link to a Go file of this repository.
var goLink = regexp.MustCompile(`\]\(([^)#\s]+\.go)(#[^)]*)?\)`)

// block is a ```go block of a README, and the Go file linked last before it.
type block struct {
	file  string
	lines []string // trimmed, blank lines left out
	line  int      // where the block starts in the README
}

// blocks returns the ```go blocks of text in section (the text from the
// "## " heading that starts with section to the next "## " heading), or of
// all the text when section is "".
func blocks(text, section string) []block {
	var out []block
	var cur *block
	file, in := "", section == ""
	for i, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			in = section == "" || strings.HasPrefix(line, section)
		case !in:
		case cur == nil && strings.TrimSpace(line) == "```go":
			cur = &block{file: file, line: i + 1}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			if t := strings.TrimSpace(line); t != "" {
				cur.lines = append(cur.lines, t)
			}
		default:
			if m := goLink.FindAllStringSubmatch(line, -1); m != nil {
				file = m[len(m)-1][1]
			}
		}
	}
	return out
}

// TestCodeIsTheSource checks every Go line that the READMEs show against
// the file each block links to, and that "The code" stays short. A whole
// program (package main) is checked by building and running it instead.
func TestCodeIsTheSource(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ readme, codeSection string }{
		{"README.md", "## The code"},
		{"README.zh-CN.md", "## 代码"},
	} {
		text, err := os.ReadFile(filepath.Join(root, c.readme))
		if err != nil {
			t.Fatal(err)
		}
		all := blocks(string(text), "")
		if len(all) == 0 {
			t.Errorf("%s shows no Go code", c.readme)
		}
		for _, b := range all {
			if len(b.lines) > 0 && b.lines[0] == "package main" {
				continue // a whole program: TestTheCodeIsAService builds and runs it
			}
			if b.file == "" {
				t.Errorf("%s:%d: no link to a Go file before this block", c.readme, b.line)
				continue
			}
			src, err := os.ReadFile(filepath.Join(root, b.file))
			if err != nil {
				t.Errorf("%s:%d: %v", c.readme, b.line, err)
				continue
			}
			have := map[string]bool{}
			for _, l := range strings.Split(string(src), "\n") {
				have[strings.TrimSpace(l)] = true
			}
			for _, l := range b.lines {
				if !have[l] {
					t.Errorf("%s:%d: %q is not a line of %s", c.readme, b.line, l, b.file)
				}
			}
		}
		n := 0
		for _, b := range blocks(string(text), c.codeSection) {
			n += len(b.lines)
		}
		if n == 0 || n > 45 {
			t.Errorf("%s: %q shows %d lines of Go; want 1 to 45", c.readme, c.codeSection, n)
		}
	}
}

// The check itself: a line that is not in the linked file is found, and
// so is a block with no link before it.
func TestBlocks(t *testing.T) {
	text := "## The code\n\nIn [a](x/a.go#L1):\n\n```go\nfoo()\n\n  bar()\n```\n\n## Other\n\n```go\nbaz()\n```\n"
	got := blocks(text, "## The code")
	if len(got) != 1 || got[0].file != "x/a.go" || strings.Join(got[0].lines, "|") != "foo()|bar()" {
		t.Errorf("blocks in the section: %+v", got)
	}
	if all := blocks(text, ""); len(all) != 2 || all[1].file != "x/a.go" || all[1].lines[0] != "baz()" {
		t.Errorf("all blocks: %+v", all)
	}
	if none := blocks("```go\nx()\n```\n", ""); len(none) != 1 || none[0].file != "" {
		t.Errorf("a block with no link: %+v", none)
	}
}

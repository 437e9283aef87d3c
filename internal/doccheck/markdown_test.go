package doccheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"example.com/gftrace/internal/repo"
)

// block is a fenced code block of a Markdown file.
type block struct {
	line  int    // of the opening fence, from 1
	info  string // what follows the opening fence: "bash", "go", ""
	mark  string // the doccheck mark before it, without "<!-- doccheck:" and "-->"
	lines []string
}

var markRe = regexp.MustCompile(`^<!--\s*doccheck:\s*(.*?)\s*-->$`)

// blocks returns the fenced blocks of text.
func blocks(text string) []block {
	var out []block
	var cur *block
	prev := "" // the last line that is not blank, outside blocks
	for i, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case cur == nil && strings.HasPrefix(t, "```"):
			cur = &block{line: i + 1, info: strings.TrimSpace(strings.TrimPrefix(t, "```"))}
			if m := markRe.FindStringSubmatch(prev); m != nil {
				cur.mark = m[1]
			}
		case cur != nil && t == "```":
			out = append(out, *cur)
			cur = nil
			prev = ""
		case cur != nil:
			cur.lines = append(cur.lines, l)
		case t != "":
			prev = t
		}
	}
	return out
}

// shell tells whether b holds shell commands: a bash or sh block, or a
// transcript with "$ " lines.
func (b block) shell() bool {
	if b.info == "bash" || b.info == "sh" {
		return true
	}
	for _, l := range b.lines {
		if strings.HasPrefix(strings.TrimSpace(l), "$ ") {
			return true
		}
	}
	return false
}

// commands returns the commands of a shell block, one per logical line
// (continued lines joined), comment-only lines left out; of a transcript,
// the "$ " lines alone.
func (b block) commands() []string {
	transcript := b.info != "bash" && b.info != "sh"
	var out []string
	cont := false
	for _, l := range b.lines {
		t := strings.TrimSpace(l)
		switch {
		case cont:
			out[len(out)-1] += "\n" + l
		case transcript && strings.HasPrefix(t, "$ "):
			out = append(out, strings.TrimPrefix(t, "$ "))
		case transcript, t == "", strings.HasPrefix(t, "#"):
			continue
		default:
			out = append(out, t)
		}
		cont = strings.HasSuffix(t, "\\")
	}
	return out
}

// doc is a Markdown file of the checkout.
type doc struct {
	path string // relative to the root
	text string
}

// docs returns README.md, README.zh-CN.md and docs/*.md.
func docs(t *testing.T) (string, []doc) {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	paths = append([]string{filepath.Join(root, "README.md"), filepath.Join(root, "README.zh-CN.md")}, paths...)
	var out []doc
	for _, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, doc{rel, string(text)})
	}
	return root, out
}

// english returns the English file of a Chinese one, "" for an English one.
func english(path string) string {
	if !strings.HasSuffix(path, ".zh-CN.md") {
		return ""
	}
	return strings.TrimSuffix(path, ".zh-CN.md") + ".md"
}

func TestBlocks(t *testing.T) {
	text := "Text\n\n<!-- doccheck: exit 0 1 -->\n\n```bash\ngo run ./a   # one\n# a comment\nfoo \\\n  --bar\n```\n\n```\n$ x -y\noutput\n```\n\n```go\nx := 1\n```\n"
	bs := blocks(text)
	if len(bs) != 3 {
		t.Fatalf("%d blocks, want 3: %+v", len(bs), bs)
	}
	if bs[0].mark != "exit 0 1" || !bs[0].shell() || strings.Join(bs[0].commands(), "|") != "go run ./a   # one|foo \\\n  --bar" {
		t.Errorf("bash block %+v, commands %q", bs[0], bs[0].commands())
	}
	if bs[1].mark != "" || !bs[1].shell() || strings.Join(bs[1].commands(), "|") != "x -y" {
		t.Errorf("transcript %+v, commands %q", bs[1], bs[1].commands())
	}
	if bs[2].shell() || bs[2].line != 17 {
		t.Errorf("go block %+v", bs[2])
	}
}

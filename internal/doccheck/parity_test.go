package doccheck

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// shape is what an English file and its Chinese one must have alike.
type shape struct {
	headings []string // "##" per heading, in order
	blocks   []string // per fenced block: info, mark, line count, and its commands
	tables   []string // per table: rows × columns
	numbers  []string // every number, sorted
	links    []string // every link target, language and anchor left out, sorted
}

var (
	numberRe = regexp.MustCompile(`\d+(?:[.,]\d+)*`)
	linkRe   = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	// A trailing comment of a command: translated, so left out.
	commentRe = regexp.MustCompile(`\s+#[^'"]*$`)
)

func shapeOf(text string) shape {
	var s shape
	for _, b := range blocks(text) {
		desc := fmt.Sprintf("```%s (mark %q, %d lines)", b.info, b.mark, len(b.lines))
		if b.shell() {
			var cmds []string
			for _, c := range b.commands() {
				cmds = append(cmds, commentRe.ReplaceAllString(c, ""))
			}
			desc += fmt.Sprintf(" commands %q", cmds)
		}
		s.blocks = append(s.blocks, desc)
	}
	inBlock, rows, cols := false, 0, 0
	endTable := func() {
		if rows > 0 {
			s.tables = append(s.tables, fmt.Sprintf("%d rows × %d columns", rows, cols))
		}
		rows, cols = 0, 0
	}
	var prose []string // text outside blocks, for numbers and links
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") {
			inBlock = !inBlock
			endTable()
			continue
		}
		if inBlock {
			continue
		}
		prose = append(prose, l)
		if strings.HasPrefix(t, "|") {
			if rows == 0 {
				cols = strings.Count(strings.ReplaceAll(t, "\\|", ""), "|") - 1
			}
			rows++
			continue
		}
		endTable()
		if h := strings.TrimLeft(t, "#"); h != t && strings.HasPrefix(h, " ") {
			s.headings = append(s.headings, t[:len(t)-len(h)])
		}
	}
	endTable()
	all := strings.Join(prose, "\n")
	for _, m := range linkRe.FindAllStringSubmatch(all, -1) {
		target, _, _ := strings.Cut(m[1], "#")
		if target == "" {
			target = "#" // an anchor of the same file; anchors differ by language
		}
		if e := english(target); e != "" {
			target = e
		}
		s.links = append(s.links, target)
	}
	// Links hold numbers of their own (line anchors); count them with the links.
	s.numbers = numberRe.FindAllString(linkRe.ReplaceAllString(all, "]"), -1)
	sort.Strings(s.links)
	sort.Strings(s.numbers)
	return s
}

// TestEnglishAndChinese: each docs/X.zh-CN.md (and README.zh-CN.md) has
// its English file's headings, code blocks, tables, numbers and links.
func TestEnglishAndChinese(t *testing.T) {
	_, all := docs(t)
	byPath := map[string]string{}
	for _, d := range all {
		byPath[d.path] = d.text
	}
	pairs := 0
	for _, d := range all {
		en := english(d.path)
		if en == "" {
			if _, ok := byPath[strings.TrimSuffix(d.path, ".md")+".zh-CN.md"]; !ok {
				t.Errorf("%s has no Chinese file", d.path)
			}
			continue
		}
		enText, ok := byPath[en]
		if !ok {
			t.Errorf("%s has no English file %s", d.path, en)
			continue
		}
		pairs++
		for _, diff := range compareShapes(shapeOf(enText), shapeOf(d.text)) {
			t.Errorf("%s against %s: %s", d.path, en, diff)
		}
	}
	if pairs == 0 {
		t.Error("no pair of English and Chinese files found")
	}
}

// compareShapes names each difference between an English shape and a
// Chinese one.
func compareShapes(en, zh shape) []string {
	var out []string
	list := func(what string, e, z []string) {
		if slices.Equal(e, z) {
			return
		}
		if len(e) != len(z) {
			out = append(out, fmt.Sprintf("%d %s, want %d", len(z), what, len(e)))
		}
		for i := range min(len(e), len(z)) {
			if e[i] != z[i] {
				out = append(out, fmt.Sprintf("%s %d is %s, want %s", what, i+1, z[i], e[i]))
				return
			}
		}
	}
	bag := func(what string, e, z []string) {
		missing, extra := difference(e, z), difference(z, e)
		if len(missing) > 0 {
			out = append(out, fmt.Sprintf("%s missing: %q", what, missing))
		}
		if len(extra) > 0 {
			out = append(out, fmt.Sprintf("%s not in English: %q", what, extra))
		}
	}
	list("headings", en.headings, zh.headings)
	list("code blocks", en.blocks, zh.blocks)
	list("tables", en.tables, zh.tables)
	bag("numbers", en.numbers, zh.numbers)
	bag("links", en.links, zh.links)
	return out
}

// difference returns what a has more often than b (both sorted).
func difference(a, b []string) []string {
	count := map[string]int{}
	for _, x := range b {
		count[x]++
	}
	var out []string
	for _, x := range a {
		if count[x] > 0 {
			count[x]--
		} else {
			out = append(out, x)
		}
	}
	return out
}

// The check finds each kind of difference.
func TestCompareShapes(t *testing.T) {
	en := "# T\n\n[中文](a.zh-CN.md) · [README](../README.md)\n\n## A\n\n3 spans, 1,200 bytes.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```bash\ngo run ./x -n 1   # one\n```\n"
	good := "# T\n\n[English](a.md) · [README](../README.zh-CN.md)\n\n## 甲\n\n3 个 span，1,200 字节。\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n\n```bash\ngo run ./x -n 1   # 一\n```\n"
	if d := compareShapes(shapeOf(en), shapeOf(good)); len(d) != 0 {
		t.Errorf("a faithful translation differs: %q", d)
	}
	for _, c := range []struct{ zh, want string }{
		{strings.Replace(good, "## 甲", "### 甲", 1), "headings 2 is ###, want ##"},
		{strings.Replace(good, "1,200", "1,300", 1), `numbers missing: ["1,200"]`},
		{strings.Replace(good, "../README.zh-CN.md", "../docs/x.md", 1), `links missing: ["../README.md"]`},
		{strings.Replace(good, "| 1 | 2 |\n", "", 1), "tables 1 is 2 rows × 2 columns, want 3 rows × 2 columns"},
		{strings.Replace(good, "-n 1", "-n 2", 1), "code blocks 1 is"},
		{strings.Replace(good, "```bash\n", "<!-- doccheck: exit 0 -->\n```bash\n", 1), "code blocks 1 is"},
	} {
		d := compareShapes(shapeOf(en), shapeOf(c.zh))
		if !strings.Contains(strings.Join(d, "\n"), c.want) {
			t.Errorf("differences %q, want one with %q", d, c.want)
		}
	}
}

package scripttest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"example.com/gftrace/internal/repo"
)

// .ci/run runs the README's test command, in both languages the same,
// and no other run of the workspace's tests: what CI passes, a person who
// follows the README passes.
func TestCIRunsTheReadmeCommand(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	// The first ```bash block after the sentence that names the command CI runs.
	command := func(readme, sentence string) string {
		text := read(readme)
		i := strings.Index(text, sentence)
		if i < 0 {
			t.Fatalf("%s does not say %q", readme, sentence)
		}
		m := regexp.MustCompile("(?s)```bash\n(.*?)\n```").FindStringSubmatch(text[i:])
		if m == nil || strings.Contains(m[1], "\n") {
			t.Fatalf("%s: after %q, want a ```bash block of one command, got %q", readme, sentence, m)
		}
		return m[1]
	}
	en := command("README.md", "this is the command CI runs")
	zh := command("README.zh-CN.md", "CI 运行的就是这条命令")
	if en != zh {
		t.Errorf("README.md's test command is %q, README.zh-CN.md's %q", en, zh)
	}
	ci := read(".ci/run")
	found := false
	for _, l := range strings.Split(ci, "\n") {
		l = strings.TrimSpace(l)
		if l == en {
			found = true
		}
		// Fuzzing and benchmarks run no test (-run '^$'); anything else
		// that runs the workspace's tests is not the README's command.
		if strings.HasPrefix(l, "go test") && !strings.Contains(l, "-run '^$'") {
			t.Errorf(".ci/run runs %q besides the README's command", l)
		}
	}
	if !found {
		t.Errorf(".ci/run does not run the README's test command %q", en)
	}
	if !strings.Contains(read("scripts/test.sh"), "go test -count=1 -timeout 20m work") {
		t.Errorf("scripts/test.sh does not run go test -count=1 -timeout 20m work")
	}
}

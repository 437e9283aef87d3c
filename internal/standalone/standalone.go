// Package standalone builds one Go file of this repository's docs or
// sources as a module of its own, the way a reader who copies it into a
// service would: it requires the modules the file imports, at this
// repository's versions, and is built offline from the module cache.
package standalone

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"example.com/gftrace/internal/repo"
)

// Build writes source as the only file of a temporary module and builds
// it with GOWORK=off and GOPROXY=off. The module requires the modules that
// source imports; every other module of its build is pinned, as indirect,
// to the version this repository builds with (the older versions the
// imported modules ask for may not be in the cache). The go.sum lines are
// copied from this repository's. For package main it returns the path of
// the program; it fails the test when the file does not build.
func Build(t testing.TB, source string) string {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	versions := repoVersions(t, root)
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", source, parser.ImportsOnly)
	if err != nil {
		t.Fatalf("the file does not parse: %v", err)
	}
	direct := map[string]bool{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if !strings.Contains(strings.Split(path, "/")[0], ".") {
			continue // the standard library
		}
		if strings.HasPrefix(path, "example.com/gftrace/") {
			t.Fatalf("the file imports %s, from this repository: it cannot be copied alone", path)
		}
		mod := ""
		for m := range versions {
			if (path == m || strings.HasPrefix(path, m+"/")) && len(m) > len(mod) {
				mod = m
			}
		}
		if mod == "" {
			t.Fatalf("the file imports %s, which no module of this repository requires", path)
		}
		direct[mod] = true
	}
	var gomod strings.Builder
	gomod.WriteString("module example.com/service\n\ngo 1.26.0\n\nrequire (\n")
	for _, indirect := range []bool{false, true} {
		for _, m := range slices.Sorted(maps.Keys(versions)) {
			if direct[m] == !indirect {
				fmt.Fprintf(&gomod, "\t%s %s%s\n", m, versions[m], map[bool]string{true: " // indirect"}[indirect])
			}
		}
	}
	gomod.WriteString(")\n")

	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Base(f.Name.Name)+".go", source)
	write("go.mod", gomod.String())
	write("go.sum", goSum(t, root, versions))
	args := []string{"build", "."}
	bin := ""
	if f.Name.Name == "main" {
		bin = filepath.Join(dir, "service")
		args = []string{"build", "-o", bin, "."}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the file does not build as a module of its own: %v\n%s\ngo.mod:\n%s", err, out, gomod.String())
	}
	return bin
}

// repoVersions reads the required versions of this repository's modules'
// go.mod files (they agree: go.work builds them together).
func repoVersions(t testing.TB, root string) map[string]string {
	t.Helper()
	versions := map[string]string{}
	for _, mod := range []string{"common", "internal", "inprocess-grpc", "inprocess-http"} {
		for _, fields := range lines(t, filepath.Join(root, mod, "go.mod")) {
			if fields[0] == "require" {
				fields = fields[1:]
			}
			if len(fields) >= 2 && strings.Contains(fields[0], ".") && strings.HasPrefix(fields[1], "v") && !strings.HasPrefix(fields[0], "example.com/") {
				versions[fields[0]] = fields[1]
			}
		}
	}
	return versions
}

// goSum copies the lines of this repository's go.sum files that name a
// module the temporary module requires.
func goSum(t testing.TB, root string, versions map[string]string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "*", "go.sum"))
	files = append(files, filepath.Join(root, "go.work.sum"))
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		for _, fields := range lines(t, f) {
			line := strings.Join(fields, " ")
			if _, ok := versions[fields[0]]; ok && !seen[line] {
				seen[line] = true
				out = append(out, line)
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n") + "\n"
}

// lines returns the fields of each non-empty line of a file.
func lines(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fields := strings.Fields(s.Text()); len(fields) > 0 {
			out = append(out, fields)
		}
	}
	return out
}

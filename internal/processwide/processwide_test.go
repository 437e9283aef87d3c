package processwide

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"example.com/gftrace/internal/repo"
)

// scope is what the scan reads: the sample, the code that runs in the
// process of inprocess-grpc or inprocess-http (common/ and the two mains),
// without its tests. internal/ and scripts/ are not scanned: they are test
// harness and programs of their own (the viewer, the compare harness), each
// with its own main, and a service copies nothing from them.
var scope = []string{"common", "inprocess-grpc", "inprocess-http"}

// allowed are the files that may change the process: the one place that
// main calls, and the mains themselves (os.Exit with the report's code).
var allowed = []string{"common/report/setup.go", "inprocess-grpc/main.go", "inprocess-http/main.go"}

// changers names, per import path, the package functions that change the
// process. Installing the tracer provider and the propagator is what a
// service does (gf's Init does it, and so does package provider): allowed
// anywhere.
var changers = map[string]func(name string) bool{
	"os":            oneOf("Setenv", "Unsetenv", "Clearenv", "Exit", "Chdir"),
	"os/signal":     oneOf("Notify", "Ignore", "Reset", "Stop"),
	"runtime/debug": setter,
	"go.opentelemetry.io/otel": func(n string) bool {
		return setter(n) && n != "SetTracerProvider" && n != "SetTextMapPropagator"
	},
	"github.com/gogf/gf/v2/os/glog": setter,
	"github.com/gogf/gf/v2/os/genv": oneOf("Set", "SetMap", "Remove"),
}

// globals are gf's functions that return a process-wide object: any Set
// method called on what they return (g.Log().SetLevel, g.Cfg().SetAdapter)
// changes the process.
var globals = map[string][]string{
	"github.com/gogf/gf/v2/frame/g": {"Log", "Cfg", "Config"},
	"github.com/gogf/gf/v2/os/glog": {"DefaultLogger"},
	"github.com/gogf/gf/v2/os/gcfg": {"Instance"},
}

func oneOf(names ...string) func(string) bool {
	return func(n string) bool { return slices.Contains(names, n) }
}

func setter(n string) bool { return strings.HasPrefix(n, "Set") }

// TestOnePlaceChangesTheProcess scans the sample for calls that change the
// process and fails for each one outside the allowed files.
func TestOnePlaceChangesTheProcess(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, dir := range scope {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			files++
			calls, err := processChanges(path)
			if err != nil {
				return err
			}
			if !slices.Contains(allowed, rel) {
				for _, c := range calls {
					t.Errorf("%s:%s changes the process; only report.Setup (common/report/setup.go) and the mains may", rel, c)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 20 {
		t.Fatalf("scanned %d files of %v: not the sample", files, scope)
	}
}

// TestTheScanFindsEveryKind feeds the scan one call of each kind, under
// other import names too, so that it cannot pass by seeing nothing.
func TestTheScanFindsEveryKind(t *testing.T) {
	src := `package p
import (
	"os"
	sig "os/signal"
	"runtime/debug"
	"go.opentelemetry.io/otel"
	"github.com/gogf/gf/v2/frame/g"
	"github.com/gogf/gf/v2/os/glog"
	"github.com/gogf/gf/v2/os/gcfg"
)
func f() {
	os.Setenv("A", "1"); os.Unsetenv("A"); os.Exit(2); sig.Notify(nil)
	debug.SetGCPercent(400); otel.SetLogger(nil); otel.SetErrorHandler(nil); otel.SetMeterProvider(nil)
	glog.SetDefaultHandler(nil); g.Log().SetLevel(0); g.Log("x").SetStack(false); glog.DefaultLogger().SetDebug(true)
	g.Cfg().SetAdapter(nil); gcfg.Instance().SetPath("x")
	otel.SetTracerProvider(nil); otel.SetTextMapPropagator(nil) // allowed: what a service does
	os.Getenv("A"); g.Log().Info(nil)                          // reading is not changing
}`
	path := filepath.Join(t.TempDir(), "p.go")
	if err := writeFile(path, src); err != nil {
		t.Fatal(err)
	}
	calls, err := processChanges(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range calls {
		_, name, _ := strings.Cut(c, " ")
		got = append(got, name)
	}
	want := []string{"os.Setenv", "os.Unsetenv", "os.Exit", "signal.Notify", "debug.SetGCPercent", "otel.SetLogger",
		"otel.SetErrorHandler", "otel.SetMeterProvider", "glog.SetDefaultHandler", "g.Log().SetLevel", "g.Log().SetStack",
		"glog.DefaultLogger().SetDebug", "g.Cfg().SetAdapter", "gcfg.Instance().SetPath"}
	if !slices.Equal(got, want) {
		t.Errorf("found %q\nwant  %q", got, want)
	}
}

// processChanges returns the calls in the Go file at path that change the
// process, as "LINE pkg.Func" or "LINE g.Log().SetX".
func processChanges(path string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	imports := map[string]string{} // local name to import path
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if strings.HasPrefix(name, "v") && strings.Count(p, "/") > 0 { // .../gf/v2: the package is the element before
			if _, err := strconv.Atoi(name[1:]); err == nil {
				rest := p[:strings.LastIndex(p, "/")]
				name = rest[strings.LastIndex(rest, "/")+1:]
			}
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imports[name] = p
	}
	// pkgFunc returns the import path and name of pkg.Func, or "", "".
	pkgFunc := func(e ast.Expr) (string, string) {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return "", ""
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return "", ""
		}
		return imports[id.Name], sel.Sel.Name
	}
	var calls []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		line := fset.Position(call.Pos()).Line
		if p, name := pkgFunc(call.Fun); p != "" {
			if is, ok := changers[p]; ok && is(name) {
				calls = append(calls, fmt.Sprintf("%d %s.%s", line, p[strings.LastIndex(p, "/")+1:], name))
			}
			return true
		}
		// A Set method on a process-wide object: g.Log().SetLevel(...).
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !setter(sel.Sel.Name) {
			return true
		}
		inner, ok := sel.X.(*ast.CallExpr)
		if !ok {
			return true
		}
		if p, name := pkgFunc(inner.Fun); slices.Contains(globals[p], name) {
			calls = append(calls, fmt.Sprintf("%d %s.%s().%s", line, p[strings.LastIndex(p, "/")+1:], name, sel.Sel.Name))
		}
		return true
	})
	return calls, nil
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }

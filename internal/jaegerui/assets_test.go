package jaegerui

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"example.com/gftrace/internal/jaegertest"
	"example.com/gftrace/internal/localnet"
	"example.com/gftrace/internal/repo"
)

// scriptRun is what one run of scripts/jaeger.sh did.
type scriptRun struct {
	stdout, stderr string
	code           int
}

// jaegerScript runs scripts/jaeger.sh for a test: on free ports, with a state
// directory of its own, and an environment of the test's own (without any
// JAEGER_UI variable of it) and env. Whatever it starts is stopped when the
// test ends.
type jaegerScript struct {
	t        *testing.T
	path     string
	env      []string
	state    string
	queryURL string // http://127.0.0.1:port, where the UI is
}

func newJaegerScript(t *testing.T, env ...string) *jaegerScript {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	ports := localnet.FreePorts(t, 5)
	s := &jaegerScript{t: t, path: filepath.Join(root, "scripts", "jaeger.sh"), state: t.TempDir(), queryURL: "http://127.0.0.1:" + ports[2]}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JAEGER_UI") {
			s.env = append(s.env, kv)
		}
	}
	binDir := os.Getenv("JAEGER_BIN_DIR")
	if binDir == "" { // the cache scripts/test.sh builds into: the state directory here is a new one
		binDir = filepath.Join(root, ".state", "jaeger", "bin")
	}
	s.env = append(append(s.env,
		"JAEGER_STATE_DIR="+s.state,
		"JAEGER_BIN_DIR="+binDir,
		"JAEGER_OTLP_GRPC_PORT="+ports[0],
		"JAEGER_OTLP_HTTP_PORT="+ports[1],
		"JAEGER_QUERY_PORT="+ports[2],
		"JAEGER_QUERY_GRPC_PORT="+ports[3],
		"JAEGER_HEALTH_PORT="+ports[4],
	), env...)
	t.Cleanup(func() {
		if r := s.run("stop"); r.code != 0 {
			t.Errorf("scripts/jaeger.sh stop: exit %d\n%s", r.code, r.stderr)
		}
	})
	return s
}

func (s *jaegerScript) run(args ...string) scriptRun {
	s.t.Helper()
	cmd := exec.Command(s.path, args...)
	cmd.Env = s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := scriptRun{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// uiLeft lists what is in the state directory's ui/, where the script
// unpacks UI builds.
func (s *jaegerScript) uiLeft() []string {
	s.t.Helper()
	list, err := os.ReadDir(filepath.Join(s.state, "ui"))
	if err != nil && !os.IsNotExist(err) {
		s.t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name())
	}
	return names
}

// page returns what the UI's URL serves at path.
func (s *jaegerScript) page(path string) string {
	s.t.Helper()
	resp, err := http.Get(s.queryURL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return string(body)
}

// member is one entry of a tarball that tarball writes.
type member struct {
	name string
	link string // a symbolic link to this, when not ""
}

// tarball writes a .tar.gz of members (each file holds a line of HTML) and
// returns its path.
func tarball(t *testing.T, members ...member) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	body := []byte("<html><title>Jaeger UI</title></html>\n")
	for _, m := range members {
		h := &tar.Header{Name: m.name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(body))}
		if m.link != "" {
			h = &tar.Header{Name: m.name, Mode: 0o777, Typeflag: tar.TypeSymlink, Linkname: m.link}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if m.link == "" {
			if _, err := tw.Write(body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ui.tar.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBadAssets gives scripts/jaeger.sh start a JAEGER_UI_ASSETS that is not
// a Jaeger UI build, or is not there: one line that names the path and what
// is wrong, exit 1 (exit 2 for a path that does not exist), no Jaeger, and
// nothing unpacked in the state directory that a later start could take for
// the UI.
func TestBadAssets(t *testing.T) {
	truncated := filepath.Join(t.TempDir(), "truncated.tar.gz")
	whole, err := os.ReadFile(jaegertest.UIAssets(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(truncated, whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	notGzip := filepath.Join(t.TempDir(), "index.html")
	if err := os.WriteFile(notGzip, []byte("<html></html>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	emptyDir := t.TempDir()

	for _, c := range []struct {
		name, assets, want string
		code               int
	}{
		{"no such path", filepath.Join(emptyDir, "missing.tar.gz"), "no such file or directory", 2},
		{"a partial download", truncated, "not a .tar.gz that can be read", 1},
		{"not gzip", notGzip, "not a .tar.gz that can be read", 1},
		{"no index.html in the tarball", tarball(t, member{name: "static/app.js"}), "no index.html at the top of the archive", 1},
		{"index.html not at the top", tarball(t, member{name: "build/index.html"}), "no index.html at the top of the archive", 1},
		{"a directory without index.html", emptyDir, "the directory has no index.html", 1},
		{"a member with ..", tarball(t, member{name: "index.html"}, member{name: "static/../../escaped.js"}), "refused: a member has an absolute path or '..'", 1},
		{"an absolute member", tarball(t, member{name: "index.html"}, member{name: "/tmp/escaped.js"}), "refused: a member has an absolute path or '..'", 1},
		{"a symbolic link", tarball(t, member{name: "index.html"}, member{name: "static", link: "/etc"}), "refused: a member is neither a plain file nor a directory", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newJaegerScript(t, "JAEGER_UI_ASSETS="+c.assets)
			r := s.run("start")
			if r.code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, c.code, r.stderr)
			}
			first, _, _ := strings.Cut(r.stderr, "\n")
			if want := "jaeger.sh: JAEGER_UI_ASSETS=" + c.assets + ": " + c.want; !strings.HasPrefix(first, want) {
				t.Errorf("first line of stderr:\n%s\nwant it to start with:\n%s", first, want)
			}
			if c.code == 1 && strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr has more than one line:\n%s", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout: %q, want nothing", r.stdout)
			}
			if left := s.uiLeft(); len(left) != 0 {
				t.Errorf("left behind in the state directory's ui/: %q", left)
			}
			if r := s.run("status"); r.code != 3 {
				t.Errorf("status: exit %d, want 3 (not running)\n%s", r.code, r.stdout)
			}
		})
	}
}

// TestBadUISettings: a JAEGER_UI other than 0 or 1, or a JAEGER_UI_URL that
// is not https, is a usage error (exit 2) that names it.
func TestBadUISettings(t *testing.T) {
	for _, env := range []string{"JAEGER_UI=yes", "JAEGER_UI_URL=http://127.0.0.1:1/assets.tar.gz"} {
		r := newJaegerScript(t, env).run("start")
		if r.code != 2 || !strings.HasPrefix(r.stderr, "jaeger.sh: "+env+": ") && !strings.HasPrefix(r.stderr, "jaeger.sh: "+env+" ") {
			t.Errorf("%s: exit %d, want 2 and a line that names it; stderr:\n%s", env, r.code, r.stderr)
		}
	}
}

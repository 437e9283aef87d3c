package jaegerui

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"example.com/gftrace/internal/jaegertest"
	"example.com/gftrace/internal/localnet"
	"example.com/gftrace/internal/repo"
)

// releaseServer stands in for the Jaeger UI's release page: an HTTPS server on
// 127.0.0.1 whose certificate curl trusts through CURL_CA_BUNDLE. It returns
// the server and the environment that points scripts/jaeger.sh's download at
// url on it.
func releaseServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, []string) {
	t.Helper()
	srv := httptest.NewTLSServer(handler)
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv, []string{"JAEGER_UI_URL=" + srv.URL + "/assets.tar.gz", "CURL_CA_BUNDLE=" + ca}
}

// TestDownload: without JAEGER_UI_ASSETS, scripts/jaeger.sh start downloads
// the UI once, serves it, and a later start reuses it without a download.
func TestDownload(t *testing.T) {
	build, err := os.ReadFile(jaegertest.UIAssets(t))
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int32
	srv, env := releaseServer(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.URL.Path != "/assets.tar.gz" {
			http.NotFound(w, r)
			return
		}
		w.Write(build)
	})
	s := newJaegerScript(t, env...)

	r := s.run("start")
	if r.code != 0 {
		t.Fatalf("start: exit %d\n%s", r.code, r.stderr)
	}
	if want := "jaeger.sh: downloading the Jaeger UI (once) from " + srv.URL + "/assets.tar.gz\n"; !strings.Contains(r.stderr, want) {
		t.Errorf("start's stderr does not say %q:\n%s", want, r.stderr)
	}
	if want := "  UI:         " + s.queryURL + "/  (the Jaeger UI)\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("start's stdout does not say %q:\n%s", want, r.stdout)
	}
	if page := s.page("/"); !strings.Contains(page, "<title>Jaeger UI</title>") {
		t.Errorf("%s/ is not the Jaeger UI:\n%.300s", s.queryURL, page)
	}
	if r := s.run("status"); r.code != 0 || !strings.Contains(r.stdout, "(the Jaeger UI)") {
		t.Errorf("status: exit %d, does not say it serves the Jaeger UI:\n%s", r.code, r.stdout)
	}

	if r := s.run("stop"); r.code != 0 {
		t.Fatalf("stop: exit %d\n%s", r.code, r.stderr)
	}
	r = s.run("start")
	if r.code != 0 || strings.Contains(r.stderr, "downloading") || requests.Load() != 1 {
		t.Errorf("second start: exit %d, %d requests in all, want one download only; stderr:\n%s", r.code, requests.Load(), r.stderr)
	}
	if page := s.page("/"); !strings.Contains(page, "<title>Jaeger UI</title>") {
		t.Errorf("after the second start, %s/ is not the Jaeger UI:\n%.300s", s.queryURL, page)
	}
}

// TestDownloadFails: a download that fails (HTTP 404, nothing listening, cut
// short, not a UI build) still starts Jaeger, with its placeholder page, a
// one-line warning that gives the URL and the fix, and nothing left in the
// state directory that a later start would take for the UI.
func TestDownloadFails(t *testing.T) {
	build, err := os.ReadFile(jaegertest.UIAssets(t))
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + localnet.FreeAddr(t) + "/assets.tar.gz"
	for _, c := range []struct {
		name    string
		handler http.HandlerFunc // nil: nothing listens
		cause   string           // in the warning's parentheses
	}{
		{"HTTP 404", http.NotFound, "404"},
		{"nothing listens", nil, "Failed to connect"},
		{"cut short", func(w http.ResponseWriter, r *http.Request) {
			// Promise the whole build, send half, and hang up.
			w.Header().Set("Content-Length", strconv.Itoa(len(build)))
			w.Write(build[:len(build)/2])
			panic(http.ErrAbortHandler)
		}, "curl: (18)"},
		{"not a UI build", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html>a login page</html>\n"))
		}, "the download: not a .tar.gz that can be read"},
	} {
		t.Run(c.name, func(t *testing.T) {
			url, env := closed, []string{"JAEGER_UI_URL=" + closed}
			if c.handler != nil {
				var srv *httptest.Server
				srv, env = releaseServer(t, c.handler)
				url = srv.URL + "/assets.tar.gz"
			}
			s := newJaegerScript(t, env...)
			r := s.run("start")
			if r.code != 0 {
				t.Fatalf("start: exit %d, want 0 (Jaeger starts with its placeholder page)\n%s", r.code, r.stderr)
			}
			var warning string
			for line := range strings.Lines(r.stderr) {
				if strings.HasPrefix(line, "jaeger.sh: warning: ") {
					warning += line
				}
			}
			for _, want := range []string{"no Jaeger UI from " + url + " (", c.cause, "serving Jaeger's placeholder page instead", "set JAEGER_UI_ASSETS", "allow the download"} {
				if !strings.Contains(warning, want) {
					t.Errorf("the warning does not say %q:\n%s", want, r.stderr)
				}
			}
			if n := strings.Count(warning, "\n"); n != 1 {
				t.Errorf("%d warning lines, want 1:\n%s", n, r.stderr)
			}
			if !strings.Contains(r.stdout, "  UI:         "+s.queryURL+"/  (Jaeger's placeholder page, not the UI") {
				t.Errorf("start's stdout does not say the UI is the placeholder:\n%s", r.stdout)
			}
			if page := s.page("/"); !strings.Contains(page, "placeholder for the Jaeger UI") {
				t.Errorf("%s/ is not Jaeger's placeholder page:\n%.300s", s.queryURL, page)
			}
			if r := s.run("status"); !strings.Contains(r.stdout, "(Jaeger's placeholder page, not the UI") {
				t.Errorf("status does not say the UI is the placeholder:\n%s", r.stdout)
			}
			if left := s.uiLeft(); len(left) != 0 {
				t.Errorf("left behind in the state directory's ui/: %q", left)
			}
		})
	}
}

// TestOtherSources: JAEGER_UI_ASSETS naming a directory serves the UI from it,
// the tail-sampling configuration serves the UI too, and JAEGER_UI=0 serves
// the placeholder page without a download.
func TestOtherSources(t *testing.T) {
	dir := t.TempDir()
	unpack := exec.Command("tar", "-xzf", jaegertest.UIAssets(t), "-C", dir)
	if out, err := unpack.CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	var requests atomic.Int32
	_, download := releaseServer(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.NotFound(w, r)
	})
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		env    []string
		args   []string
		served string
	}{
		{"a directory", append([]string{"JAEGER_UI_ASSETS=" + dir}, download...), nil, "(the Jaeger UI)"},
		{"tail sampling", append([]string{"JAEGER_UI_ASSETS=" + dir}, download...),
			[]string{"--config", filepath.Join(root, "scripts", "jaeger", "tail-sampling.yaml")}, "(the Jaeger UI)"},
		{"JAEGER_UI=0", append([]string{"JAEGER_UI=0"}, download...), nil, "(Jaeger's placeholder page, not the UI"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newJaegerScript(t, c.env...)
			r := s.run(append([]string{"start"}, c.args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "  UI:         "+s.queryURL+"/  "+c.served) {
				t.Errorf("start: exit %d, want 0 and the UI line to say %q; stdout:\n%s\nstderr:\n%s", r.code, c.served, r.stdout, r.stderr)
			}
			if strings.Contains(r.stderr, "warning") || strings.Contains(r.stderr, "downloading") {
				t.Errorf("start warns or downloads:\n%s", r.stderr)
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d download requests, want none", n)
	}
}

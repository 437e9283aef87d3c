// Package jaegerui loads pages of the real Jaeger UI in headless Chromium
// (Debian's chromium package) and reads what a user would see there: the
// rendered page and a screenshot of it.
//
// It runs the chromium command itself, with --dump-dom and --screenshot,
// rather than driving the DevTools protocol through a Go library: the
// tests then need no module beyond the workspace's, and each step is one
// command a reader can run by hand.
package jaegerui

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// The browser window, in CSS pixels: tall enough for the sample's rows (the
// trace page draws only the rows in view); a screenshot is as tall as the
// sample's trace page, which leaves no empty space under its rows.
const (
	renderWindow     = "1400,900"
	screenshotWindow = "1400,520"
)

// budget is how far virtual time runs after the page starts loading.
// Chromium does not count the time its fetches take against it, so the
// page's calls to Jaeger's API finish within it however slow the machine.
const budget = 10 * time.Second

// Render loads url and returns the DOM that the page has built once
// virtual time has run budget ahead, as chromium --dump-dom prints it.
func Render(t testing.TB, url string) string {
	t.Helper()
	dom := chromium(t, renderWindow, "--dump-dom", url)
	if len(dom) == 0 {
		// Chromium exits 0 when the page does not load, and prints nothing.
		t.Fatalf("chromium rendered nothing for %s", url)
	}
	return string(dom)
}

// Screenshot loads url and writes a PNG of the window to path.
func Screenshot(t testing.TB, url, path string) {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	chromium(t, screenshotWindow, "--screenshot="+abs, url)
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("chromium made no screenshot of %s: %v", url, err)
	}
}

// chromium runs headless Chromium in a window of size ("width,height") with
// args after the common ones, and returns its stdout.
func chromium(t testing.TB, size string, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not on PATH (%v): the browser tests need Debian's chromium package: apt-get install chromium (.ci/run installs it)", err)
	}
	common := []string{
		"--headless",
		"--disable-gpu",
		"--hide-scrollbars",
		"--window-size=" + size,
		"--virtual-time-budget=" + strconv.FormatInt(budget.Milliseconds(), 10),
		"--user-data-dir=" + t.TempDir(),
		// Nothing but the page: no first-run, sync, update or other
		// background traffic, and no host name but 127.0.0.1 resolves, so
		// the browser reaches 127.0.0.1 and nothing else.
		"--no-first-run",
		"--disable-background-networking",
		"--disable-component-update",
		"--disable-sync",
		"--disable-extensions",
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
	}
	if os.Geteuid() == 0 {
		// Chromium refuses to run as root with its sandbox on.
		common = append(common, "--no-sandbox")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(common, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, lastBytes(stderr.Bytes(), 4096))
	}
	return out
}

// lastBytes is the end of b, at most n bytes.
func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

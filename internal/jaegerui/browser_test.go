package jaegerui

import (
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/gftrace/internal/jaegertest"
	"example.com/gftrace/internal/receiver"
	"example.com/gftrace/internal/repo"
	"example.com/gftrace/internal/sampletest"
)

var screenshot = flag.Bool("screenshot", false, "write TestTraceInBrowser's screenshot of the trace page to docs/jaeger-ui-trace.png")

// TestTraceInBrowser sends the sample's trace with inprocess-grpc to the
// Jaeger of scripts/jaeger.sh, serving the Jaeger UI, and reads the trace
// page and the search page as headless Chromium rendered them.
func TestTraceInBrowser(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	bin := sampletest.Build(t, filepath.Join(root, "inprocess-grpc"))
	j := jaegertest.Start(t)
	r := sampletest.Run(t, bin, nil, "-endpoint", j.GRPCAddr, "-json")
	if r.Code != 0 {
		t.Fatalf("inprocess-grpc: exit %d, want 0; output:\n%s", r.Code, r.Output())
	}
	id := sampletest.Outcome(t, r).TraceID
	// The browser asks the same API; wait until Jaeger has stored it all.
	stored := j.WaitTrace(t, id, 9, 30*time.Second)

	traceURL := j.QueryURL + "/trace/" + id
	dom := Render(t, traceURL)
	page, err := ParseTracePage(dom)
	if err != nil {
		t.Fatal(err)
	}
	if page.Name != "inprocess-grpc: main" || page.ID != id[:7] {
		t.Errorf("the trace page's heading is %q %q, want \"inprocess-grpc: main\" %q", page.Name, page.ID, id[:7])
	}
	if got := page.Overview; got["Services"] != "1" || got["Depth"] != "3" || got["Total Spans"] != "9" {
		t.Errorf("the trace page's header shows %q, want Services 1, Depth 3, Total Spans 9", got)
	}
	// The rows, top to bottom, are the spans in the order of the tree, each
	// with the UI's error mark exactly where Jaeger stored an error.
	want := rowsOf(stored)
	if !slices.Equal(page.Rows, want) {
		t.Errorf("the trace page's rows:\n%s\nwant:\n%s", rowsText(page.Rows), rowsText(want))
	}
	var ops, failed []string
	for _, row := range page.Rows {
		ops = append(ops, row.Operation)
		if row.Error {
			failed = append(failed, row.Operation)
		}
	}
	for _, op := range []string{"main", "GetUser", "GetInfo", "GetDetail", "GetScores"} {
		if !slices.Contains(ops, op) {
			t.Errorf("the trace page shows no %s span", op)
		}
	}
	if !slices.Equal(failed, []string{"GetUser", "GetInfo", "GetDetail", "GetScores"}) {
		t.Errorf("error marks on %q, want on the failed user's GetUser, GetInfo, GetDetail, GetScores", failed)
	}
	if t.Failed() {
		t.Logf("the trace page as Chromium rendered it:\n%s", dom)
	}

	searchURL := j.QueryURL + "/search?service=inprocess-grpc"
	dom = Render(t, searchURL)
	results, err := ParseSearchPage(dom)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(results, func(r SearchResult) bool { return r.Link == "/trace/"+id })
	if i < 0 {
		t.Fatalf("the search page does not list trace %s; it lists %+v\n%s", id, results, dom)
	}
	if got := results[i]; got.Spans != "9 Spans" || got.Errors != "4 Errors" || !slices.Equal(got.Services, []string{"inprocess-grpc (9)"}) {
		t.Errorf("the search page lists the trace as %+v, want 9 Spans, 4 Errors, service inprocess-grpc (9)", got)
	}

	shot := filepath.Join(t.TempDir(), "trace.png")
	if *screenshot {
		shot = filepath.Join(root, "docs", "jaeger-ui-trace.png")
	}
	Screenshot(t, traceURL, shot)
	checkPNG(t, shot)
}

// rowsOf is what the trace page should show for the trace Jaeger stored:
// a row per span, depth first, children in the order they started.
func rowsOf(tr jaegertest.Trace) []Row {
	children := map[string][]receiver.Span{}
	for _, s := range tr.Spans {
		children[s.ParentSpanID] = append(children[s.ParentSpanID], s)
	}
	var rows []Row
	var walk func(parent string)
	walk = func(parent string) {
		kids := children[parent]
		slices.SortStableFunc(kids, func(a, b receiver.Span) int { return a.Start.Compare(b.Start) })
		for _, s := range kids {
			rows = append(rows, Row{Service: s.Resource["service.name"].(string), Operation: s.Name, Error: tr.ErrorTags[s.SpanID]})
			walk(s.SpanID)
		}
	}
	walk("")
	return rows
}

func rowsText(rows []Row) string {
	var b strings.Builder
	for _, r := range rows {
		mark := " "
		if r.Error {
			mark = "!"
		}
		b.WriteString("  " + mark + " " + r.Service + " " + r.Operation + "\n")
	}
	return b.String()
}

// checkPNG fails unless path is a PNG of the screenshot window's size.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot %s: %v", path, err)
	}
	if got := fmt.Sprintf("%d,%d", img.Bounds().Dx(), img.Bounds().Dy()); got != screenshotWindow {
		t.Errorf("the screenshot is %s pixels, want %s", got, screenshotWindow)
	}
}

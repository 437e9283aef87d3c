package jaegerui

import (
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// Row is one span's row on the trace page, as the user reads it.
type Row struct {
	Service   string
	Operation string
	Error     bool // the row has the UI's error mark, a red "!" before the service
}

// TracePage is what the trace page /trace/<id> shows.
type TracePage struct {
	Name     string            // the trace's name in the heading: "<service>: <root operation>"
	ID       string            // the heading's trace id, its first 7 digits
	Overview map[string]string // the header's figures: "Services": "1", "Total Spans": "9", ...
	Rows     []Row             // top to bottom
}

// ParseTracePage reads the trace page out of the DOM Chromium rendered.
func ParseTracePage(dom string) (TracePage, error) {
	doc, err := html.Parse(strings.NewReader(dom))
	if err != nil {
		return TracePage{}, err
	}
	p := TracePage{Overview: map[string]string{}}
	if n := byClass(doc, "TraceName"); len(n) > 0 {
		p.Name = text(n[0])
	}
	if n := byClass(doc, "TraceIDLength"); len(n) > 0 {
		p.ID = text(n[0])
	}
	for _, item := range byClass(doc, "LabeledList--item") {
		label := byClass(item, "LabeledList--label")
		for d := range item.Descendants() {
			if len(label) > 0 && d.Type == html.ElementNode && d.Data == "strong" {
				p.Overview[text(label[0])] = text(d)
			}
		}
	}
	for _, name := range byClass(doc, "span-name") {
		row := Row{Error: len(byClass(name, "SpanBarRow--errorIcon")) > 0}
		if svc := byClass(name, "span-svc-name"); len(svc) > 0 {
			row.Service = text(svc[0])
		}
		if op := byClass(name, "endpoint-name"); len(op) > 0 {
			row.Operation = text(op[0])
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

// SearchResult is one trace in the list of the search page.
type SearchResult struct {
	Link     string // the trace's page, /trace/<id>
	Title    string
	Spans    string   // "9 Spans"
	Errors   string   // "4 Errors"
	Services []string // the service tags: "inprocess-grpc (9)"
}

// byClass returns the elements under n (n too) whose class list has class.
func byClass(n *html.Node, class string) []*html.Node {
	var found []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && hasClass(d, class) {
			found = append(found, d)
		}
	}
	return found
}

func hasClass(n *html.Node, class string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" && slices.Contains(strings.Fields(a.Val), class) {
			return true
		}
	}
	return false
}

// text is the text of n and its descendants, with runs of white space made
// one space, as a browser shows it.
func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// ParseSearchPage reads the list of traces out of the search page's DOM.
func ParseSearchPage(dom string) ([]SearchResult, error) {
	doc, err := html.Parse(strings.NewReader(dom))
	if err != nil {
		return nil, err
	}
	var results []SearchResult
	for _, item := range byClass(doc, "ResultItem") {
		var r SearchResult
		for d := range item.Descendants() {
			if d.Type == html.ElementNode && d.Data == "a" && r.Link == "" {
				r.Link = attr(d, "href")
			}
		}
		if title := byClass(item, "ResultItemTitle--title"); len(title) > 0 {
			r.Title = text(title[0])
		}
		for _, n := range byClass(item, "ResultItem--serviceTag") {
			r.Services = append(r.Services, text(n))
		}
		for d := range item.Descendants() {
			if d.Type != html.TextNode {
				continue
			}
			switch s := strings.TrimSpace(d.Data); {
			case strings.HasSuffix(s, " Spans") || strings.HasSuffix(s, " Span"):
				r.Spans = s
			case strings.HasSuffix(s, " Errors") || strings.HasSuffix(s, " Error"):
				r.Errors = s
			}
		}
		results = append(results, r)
	}
	return results, nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

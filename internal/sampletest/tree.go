package sampletest

import (
	"fmt"
	"slices"
	"strings"

	"example.com/gftrace/common/waterfall"
	"example.com/gftrace/internal/receiver"
)

// Tree renders spans as an indented tree, children in start order, each
// span with the sample's own attributes (user.id, baggage.user.id,
// rpc.grpc.status_code) and its error status. A span whose parent is not
// among the spans is a root; a root that has a parent id is marked
// "(parent <id> missing)".
func Tree(spans []receiver.Span) string {
	var b strings.Builder
	for _, row := range waterfall.Tree(receiver.WaterfallSpans(spans)) {
		s := row.Span
		b.WriteString(strings.Repeat("  ", row.Depth) + s.Name)
		for _, key := range []string{"user.id", "baggage.user.id", "rpc.grpc.status_code"} {
			if v, ok := s.Attributes[key]; ok {
				fmt.Fprintf(&b, " %s=%v", key, v)
			}
		}
		if s.StatusCode == "Error" {
			b.WriteString(" Error: " + s.StatusMessage)
		}
		if parent := row.MissingParent(); parent != "" {
			fmt.Fprintf(&b, " (parent %s missing)", parent)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// AnyOrder is a tree as Tree renders it, with the children of each span in
// the order of their text. Jaeger keeps start times in microseconds, so
// siblings that started within one microsecond come back from it in any
// order: compare a tree read from Jaeger with AnyOrder on both sides. The
// in-process receiver keeps nanoseconds, and its trees are compared as
// they are.
func AnyOrder(tree string) string {
	type node struct {
		line     string
		children []*node
	}
	root := &node{}
	path := []*node{root} // the last node at each depth
	for _, line := range strings.Split(strings.TrimSuffix(tree, "\n"), "\n") {
		if line == "" {
			continue
		}
		depth := min((len(line)-len(strings.TrimLeft(line, " ")))/2, len(path)-1)
		n := &node{line: line}
		path = append(path[:depth+1], n)
		path[depth].children = append(path[depth].children, n)
	}
	var render func(n *node) string
	render = func(n *node) string {
		var children []string
		for _, c := range n.children {
			children = append(children, render(c))
		}
		slices.Sort(children)
		if n == root {
			return strings.Join(children, "")
		}
		return n.line + "\n" + strings.Join(children, "")
	}
	return render(root)
}

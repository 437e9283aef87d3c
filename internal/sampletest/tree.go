package sampletest

import (
	"fmt"
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

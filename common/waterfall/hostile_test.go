package waterfall

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// drawn is the picture of spans, as Draw draws it.
func drawn(spans []Span) string {
	var b strings.Builder
	Draw(&b, spans, Options{})
	return b.String()
}

// TestCyclesAndSharedIDsAreDrawnOnce: whatever the parent ids say (a span
// its own parent, a cycle, a span id used twice), each span is drawn once,
// and what is wrong is said under it.
func TestCyclesAndSharedIDsAreDrawnOnce(t *testing.T) {
	for _, c := range []struct {
		name  string
		spans []Span
		want  []string
	}{{
		name:  "its own parent",
		spans: []Span{{SpanID: "a", ParentID: "a", Name: "self", Start: at(0), End: at(1)}},
		want: []string{
			"self  |██████████████████████████████|    1.000 ms",
			"   ⚠ its parent is itself: drawn here as a root",
		},
	}, {
		name: "a root and a span its own parent",
		spans: []Span{
			{SpanID: "r", Name: "root", Start: at(0), End: at(2)},
			{SpanID: "s", ParentID: "s", Name: "self", Start: at(1), End: at(2)},
		},
		want: []string{
			"root  |██████████████████████████████|    2.000 ms",
			"self  |               ███████████████|    1.000 ms",
			"   ⚠ its parent is itself: drawn here as a root",
		},
	}, {
		name: "two spans each the other's parent",
		spans: []Span{
			{SpanID: "b", ParentID: "a", Name: "b", Start: at(1), End: at(2)},
			{SpanID: "a", ParentID: "b", Name: "a", Start: at(0), End: at(2)},
		},
		want: []string{
			"a     |██████████████████████████████|    2.000 ms",
			"│  ⚠ parent b is in a cycle of parents: drawn here as a root",
			"└─ b  |               ███████████████|    1.000 ms",
		},
	}, {
		name: "a span that reuses the root's id, under the root's child",
		spans: []Span{
			{SpanID: "r", Name: "root", Start: at(0), End: at(3)},
			{SpanID: "c", ParentID: "r", Name: "child", Start: at(1), End: at(3)},
			{SpanID: "r", ParentID: "c", Name: "again", Start: at(2), End: at(3)},
		},
		want: []string{
			"root         |██████████████████████████████|    3.000 ms",
			"│  ⚠ span id r is used by 2 spans",
			"└─ child     |          ████████████████████|    2.000 ms",
			"   └─ again  |                    ██████████|    1.000 ms",
			"         ⚠ span id r is used by 2 spans",
		},
	}} {
		if got, want := drawn(c.spans), strings.Join(c.want, "\n")+"\n"; got != want {
			t.Errorf("%s: Draw:\n%s\nwant:\n%s", c.name, got, want)
		}
	}
}

// TestTreeKeepsEverySpan: in many random traces whose ids repeat and whose
// parents loop, Tree gives each span exactly one row.
func TestTreeKeepsEverySpan(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ids := []string{"", "a", "b", "c", "d", "e", "f"}
	for trial := range 2000 {
		var spans []Span
		for n := range 1 + r.IntN(12) {
			spans = append(spans, Span{SpanID: ids[1+r.IntN(6)], ParentID: ids[r.IntN(7)], Name: string(rune('A' + n)), Start: at(float64(r.IntN(5)))})
		}
		var got []string
		for _, row := range Tree(slices.Clone(spans)) {
			got = append(got, row.Span.Name)
		}
		var want []string
		for _, s := range spans {
			want = append(want, s.Name)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: rows %v, want each of %v once; spans %+v", trial, got, want, spans)
		}
	}
}

// TestAnyTimeRangeFits: spans from 1970 to 2116 (2^62 ns), and a span that
// ends before it starts, fit the time axis.
func TestAnyTimeRangeFits(t *testing.T) {
	spans := []Span{
		{SpanID: "1", Name: "epoch", Start: time.Unix(0, 0), End: time.Unix(0, 1)},
		{SpanID: "2", ParentID: "1", Name: "far", Start: time.Unix(0, 1<<62), End: time.Unix(0, 1<<62+1)},
		{SpanID: "3", ParentID: "1", Name: "backwards", Start: time.Unix(0, 1<<61), End: time.Unix(0, 0)},
	}
	want := strings.Join([]string{
		"epoch         |█                             |    0.000 ms",
		"├─ backwards  |              █               | -2305843009213.694 ms", // 2^61 of 2^62+1 ns: 14.99 of 30
		"└─ far        |                             █|    0.000 ms",
	}, "\n") + "\n"
	if got := drawn(spans); got != want {
		t.Errorf("Draw:\n%s\nwant:\n%s", got, want)
	}
}

// TestDeepChainIndentsNoFurther: a chain of 5,000 parents is drawn whole,
// with an indentation that stops growing, not one the size of its square.
func TestDeepChainIndentsNoFurther(t *testing.T) {
	var spans []Span
	for i := range 5000 {
		s := Span{SpanID: string(rune(0x1000 + i)), Name: "s", Start: at(float64(i)), End: at(5000)}
		if i > 0 {
			s.ParentID = string(rune(0x1000 + i - 1))
		}
		spans = append(spans, s)
	}
	rows := Tree(spans)
	longest := 0
	for _, r := range rows {
		longest = max(longest, len([]rune(r.Branch)), len([]rune(r.Under)))
	}
	if len(rows) != 5000 || longest > 3*(maxIndent+3) {
		t.Errorf("%d rows, indentation up to %d characters; want 5000 rows and at most %d", len(rows), longest, 3*(maxIndent+3))
	}
}

// TestValueString: every kind of OTLP attribute value is shown with its
// contents: a kvlist as a map, bytes in base64, lists of them.
func TestValueString(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{"plain", "plain"},
		{int64(-3), "-3"},
		{2.5, "2.5"},
		{true, "true"},
		{[]byte{0xde, 0xad, 0xbe, 0xef}, "3q2+7w=="},
		{[]any{"a", int64(1), []byte{1}}, "[a 1 AQ==]"},
		{map[string]any{"b": int64(2), "a": map[string]any{"x": []any{"y"}}}, "{a: {x: [y]}, b: 2}"},
	} {
		if got := ValueString(c.v); got != c.want {
			t.Errorf("ValueString(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}

package sampletest

import "testing"

// TestAnyOrder: siblings may come in any order, and nothing else may
// differ: not a span's place in the tree, nor its text.
func TestAnyOrder(t *testing.T) {
	swapped := "main\n  GetUser user.id=1\n    GetScores\n    GetInfo\n    GetDetail\n  GetUser user.id=100\n    GetInfo\n    GetDetail\n    GetScores\n"
	want := "main\n  GetUser user.id=100\n    GetInfo\n    GetDetail\n    GetScores\n  GetUser user.id=1\n    GetInfo\n    GetDetail\n    GetScores\n"
	if AnyOrder(swapped) != AnyOrder(want) {
		t.Errorf("siblings in another order differ:\n%s\nagainst\n%s", AnyOrder(swapped), AnyOrder(want))
	}
	for name, other := range map[string]string{
		"a child under the other parent": "main\n  GetUser user.id=100\n    GetInfo\n    GetDetail\n  GetUser user.id=1\n    GetInfo\n    GetDetail\n    GetScores\n    GetScores\n",
		"a child one level up":           "main\n  GetUser user.id=100\n    GetInfo\n    GetDetail\n  GetScores\n  GetUser user.id=1\n    GetInfo\n    GetDetail\n    GetScores\n",
		"an attribute changed":           "main\n  GetUser user.id=100\n    GetInfo\n    GetDetail\n    GetScores\n  GetUser user.id=2\n    GetInfo\n    GetDetail\n    GetScores\n",
		"a span missing":                 "main\n  GetUser user.id=100\n    GetInfo\n    GetDetail\n    GetScores\n  GetUser user.id=1\n    GetInfo\n    GetDetail\n",
	} {
		if AnyOrder(other) == AnyOrder(want) {
			t.Errorf("%s: the same as the tree:\n%s", name, AnyOrder(other))
		}
	}
	if got := AnyOrder(DefaultTree); len(got) != len(DefaultTree) {
		t.Errorf("AnyOrder(DefaultTree) has %d bytes, want %d:\n%s", len(got), len(DefaultTree), got)
	}
}

package printable

import "testing"

// TestEscaped: every control character, C1 character and byte that is not
// UTF-8 is written out, printable text (non-ASCII too) is left alone.
func TestEscaped(t *testing.T) {
	for in, want := range map[string]string{
		"refused: bad spans":                       "refused: bad spans",
		"名字 ünïcode":                               "名字 ünïcode",
		"no\x1b]0;pwned\x07\x1b[2J":                `no\x1b]0;pwned\a\x1b[2J`,
		"x\n9 of 9 spans delivered":                `x\n9 of 9 spans delivered`,
		"c1 \u009b31m, bidi \u202e, bad \xff byte": `c1 \u009b31m, bidi \u202e, bad \xff byte`,
		"tab\tcr\r":                                `tab\tcr\r`,
	} {
		if got := Escaped(in); got != want {
			t.Errorf("Escaped(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestQuoted: a text with anything not printable is quoted whole.
func TestQuoted(t *testing.T) {
	for in, want := range map[string]string{
		"GetUser":       "GetUser",
		"a\x1b[2J":      `"a\x1b[2J"`,
		"line\nforged":  `"line\nforged"`,
		"\xffnot utf-8": `"\xffnot utf-8"`,
	} {
		if got := Quoted(in); got != want {
			t.Errorf("Quoted(%q) = %q, want %q", in, got, want)
		}
	}
}

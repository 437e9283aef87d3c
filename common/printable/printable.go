// Package printable keeps text that came from outside the program (a
// collector's answer, a sender's span) from steering the terminal that
// shows it: an ESC or OSC sequence could move the cursor, clear the screen
// or retitle the window, and a newline could forge a line of the report.
// The report and the viewer (scripts/otlpreceiver) use it alike.
package printable

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Is tells whether s is valid UTF-8 and every rune of it is printable.
func Is(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}

// Quoted returns s as it is when Is(s), else quoted as Go quotes a string:
// "a\x1b[2J".
func Quoted(s string) string {
	if Is(s) {
		return s
	}
	return strconv.Quote(s)
}

// Escaped returns s with each rune that is not printable, and each byte
// that is not UTF-8, written as Go writes it inside a quoted string (\n,
// \x1b, \u0085), and the rest as it is: for a line of the program's own
// words that carries a collector's.
func Escaped(s string) string {
	if Is(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			q := strconv.Quote(s[:1])
			b.WriteString(q[1 : len(q)-1])
		case strconv.IsPrint(r):
			b.WriteString(s[:size])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		s = s[size:]
	}
	return b.String()
}

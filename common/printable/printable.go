// Package printable keeps text that came from outside the program (a
// collector's answer, a sender's span) from steering the terminal that
// shows it: an escape sequence could clear the screen or retitle the
// window, and a newline could forge a line of the report.
package printable

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Quoted returns s as it is when every rune of it is printable UTF-8, else
// quoted as Go quotes a string: "a\x1b[2J".
func Quoted(s string) string {
	if Escaped(s) == s {
		return s
	}
	return strconv.Quote(s)
}

// Escaped writes each rune that is not printable, and each byte that is not
// UTF-8, as Go writes it inside a quoted string (\n, \x1b, \u0085), and the
// rest as it is: for a line of the program's own words that carries a
// collector's.
func Escaped(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if strconv.IsPrint(r) && !(r == utf8.RuneError && size == 1) {
			b.WriteString(s[:size])
		} else {
			q := strconv.Quote(s[:size])
			b.WriteString(q[1 : len(q)-1])
		}
		s = s[size:]
	}
	return b.String()
}

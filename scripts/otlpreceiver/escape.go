package main

import (
	"bytes"
	"fmt"

	"example.com/gftrace/common/printable"
	"example.com/gftrace/common/waterfall"
)

// escaped returns the spans with every text that a sender chose (names,
// service names, status messages, attribute keys and values, events)
// printable (quoted when it holds anything else, see package printable): whoever can reach the viewer must not be able to move the
// cursor, clear the screen or retitle the terminal of the one who reads it.
func escaped(spans []waterfall.Span) []waterfall.Span {
	out := make([]waterfall.Span, len(spans))
	for i, s := range spans {
		s.Name, s.Service, s.StatusMessage = printable.Quoted(s.Name), printable.Quoted(s.Service), printable.Quoted(s.StatusMessage)
		s.Attributes = printableAttributes(s.Attributes)
		s.Events = slicesMap(s.Events, func(e waterfall.Event) waterfall.Event {
			e.Name, e.Attributes = printable.Quoted(e.Name), printableAttributes(e.Attributes)
			return e
		})
		out[i] = s
	}
	return out
}

func printableAttributes(attrs map[string]any) map[string]any {
	if attrs == nil {
		return nil
	}
	out := make(map[string]any, len(attrs))
	for k, v := range attrs {
		out[printable.Quoted(k)] = printableValue(v)
	}
	return out
}

// printableValue makes the strings in an attribute value printable, in
// lists and kvlists too; the other kinds print as digits, true/false or
// base64.
func printableValue(v any) any {
	switch v := v.(type) {
	case string:
		return printable.Quoted(v)
	case []any:
		return slicesMap(v, printableValue)
	case map[string]any: // an OTLP kvlist
		return printableAttributes(v)
	}
	return v
}

func slicesMap[T any](in []T, f func(T) T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return out
}

// escapeC1 escapes in a JSON line the C1 control characters (U+0080 to
// U+009F) that encoding/json leaves as they are, and that some terminals
// obey as they obey ESC sequences. Outside strings JSON holds only ASCII,
// so every one of them is in a string, where \u00XX is the same character.
func escapeC1(line []byte) []byte {
	var out []byte
	rest := line
	for {
		// In UTF-8 a C1 character is 0xc2 then 0x80 to 0x9f; 0xc2 leads
		// nothing else but 0xa0 to 0xbf.
		i := bytes.IndexByte(rest, 0xc2)
		if i < 0 || i+1 == len(rest) {
			break
		}
		if c := rest[i+1]; c <= 0x9f {
			out = fmt.Appendf(append(out, rest[:i]...), `\u%04x`, c)
		} else {
			out = append(out, rest[:i+2]...)
		}
		rest = rest[i+2:]
	}
	if out == nil {
		return line
	}
	return append(out, rest...)
}

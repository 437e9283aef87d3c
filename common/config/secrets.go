package config

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A secretValue is a value never to be printed (the token, a header value,
// an endpoint's user info), with the label printed in its place.
type secretValue struct{ value, label string }

// Shorter values are not redacted: they cannot be told apart from the rest
// of the output (a header "x-shard=1" would blank out every 1).
const minSecret = 4

// Redact replaces every secret of the configuration in text by a label such
// as [token], in each form an echo might print it (see forms). It is for
// text from outside; the program's own words are not redacted, since a
// header value such as "true" would corrupt them.
func (c Config) Redact(text string) string { return c.redactor().replace(text) }

// RedactWriter is w with Redact applied to each write; the loggers of gf
// and OpenTelemetry write a line at a time.
func (c Config) RedactWriter(w io.Writer) io.Writer { return redactWriter{w, c.redactor()} }

type redactWriter struct {
	w io.Writer
	r *redactor
}

func (rw redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.r.replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// redactor is the one Parse built; a Config made by hand gets a new one.
func (c Config) redactor() *redactor {
	if c.redaction != nil {
		return c.redaction
	}
	return newRedactor(c)
}

// A redactor holds the folded forms (see fold) of the secrets by their
// first minSecret bytes, longest first, so that at each place of a text the
// longest form that starts there is replaced whole. pairs marks the first
// two bytes of every form: most places are passed over with one look.
type redactor struct {
	byPrefix map[string][]secretValue
	pairs    [1 << 16 / 64]uint64
}

func newRedactor(c Config) *redactor {
	all := append(slices.Clip(c.inputSecrets), secretValue{c.Token, "[token]"})
	for name, value := range c.Headers {
		all = append(all, secretValue{value, "[header " + name + "]"})
	}
	r, seen := &redactor{byPrefix: map[string][]secretValue{}}, map[string]bool{}
	for _, s := range all {
		if len(s.value) < minSecret {
			continue
		}
		for _, form := range forms(s.value) {
			if f, _ := fold(form); len(f) >= minSecret && !seen[f] {
				seen[f] = true
				r.byPrefix[f[:minSecret]] = append(r.byPrefix[f[:minSecret]], secretValue{f, s.label})
				pair := int(f[0])<<8 | int(f[1])
				r.pairs[pair/64] |= 1 << (pair % 64)
			}
		}
	}
	for _, forms := range r.byPrefix {
		slices.SortStableFunc(forms, func(a, b secretValue) int { return len(b.value) - len(a.value) })
	}
	return r
}

// replace finds the forms in text folded, and replaces each match in the
// text as it was, line breaks inside the match included.
func (r *redactor) replace(text string) string {
	if len(r.byPrefix) == 0 || len(text) < minSecret {
		return text
	}
	folded, at := fold(text)
	var b strings.Builder
	last := 0 // in text
	for i := 0; i+minSecret <= len(folded); i++ {
		if pair := int(folded[i])<<8 | int(folded[i+1]); r.pairs[pair/64]&(1<<(pair%64)) == 0 {
			continue
		}
		for _, f := range r.byPrefix[folded[i:i+minSecret]] {
			if strings.HasPrefix(folded[i:], f.value) {
				b.Grow(len(text))
				b.WriteString(text[last:at[i]])
				b.WriteString(f.label)
				last = int(at[i+len(f.value)-1]) + 1
				i += len(f.value) - 1
				break
			}
		}
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// fold is what the forms are sought in: s in lower case where that keeps
// the length (an echo may upper-case a value, and hex digits come in either
// case), without line breaks, raw or escaped (an echo may wrap a value).
// at maps each byte of the result to its index in s.
func fold(s string) (string, []int32) {
	b := make([]byte, 0, len(s))
	at := make([]int32, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n' || c == '\r':
			continue
		case c == '\\' && i+1 < len(s) && (s[i+1] == 'n' || s[i+1] == 'r'):
			i++
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if l := unicode.ToLower(r); utf8.RuneLen(l) == size {
				b = utf8.AppendRune(b, l)
			} else {
				b = append(b, s[i:i+size]...)
			}
			for j := range size {
				at = append(at, int32(i+j))
			}
			i += size - 1
			continue
		}
		b = append(b, c)
		at = append(at, int32(i))
	}
	return string(b), at
}

// escapes are the ways a value may be escaped on its way to the output.
var escapes = []func(string) string{
	func(s string) string { return unquote(strconv.Quote(s)) },        // Go %q
	func(s string) string { return unquote(strconv.QuoteToASCII(s)) }, // Go %+q
	func(s string) string { b, _ := json.Marshal(s); return unquote(string(b)) },
	func(s string) string { // JSON without HTML escaping
		var b strings.Builder
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		e.Encode(s)
		return unquote(strings.TrimSuffix(b.String(), "\n"))
	},
	url.QueryEscape,
	url.PathEscape,
	html.EscapeString,
	func(s string) string { // every byte percent-encoded, as some encoders do
		var b strings.Builder
		for i := range len(s) {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
		return b.String()
	},
}

func unquote(q string) string { return q[1 : len(q)-1] }

// forms returns s, and the value it encodes if it is percent-encoded, each
// escaped once and twice (JSON quoting a URL-encoded value), in hex, and in
// base64 wherever in a longer base64 text it may stand.
func forms(s string) []string {
	bases := []string{s}
	for _, unescape := range []func(string) (string, error){url.PathUnescape, url.QueryUnescape} {
		if d, err := unescape(s); err == nil && d != s {
			bases = append(bases, d)
		}
	}
	var all []string
	for _, b := range bases {
		all = append(all, b, hex.EncodeToString([]byte(b)))
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			for k := range 3 { // "Basic " + base64("user:password") holds the password at offset 5
				e := enc.EncodeToString(append(make([]byte, k), b...))
				all = append(all, e[(8*k+5)/6:8*(k+len(b))/6]) // the characters whose bits are all b's
			}
		}
		for _, once := range escapes {
			all = append(all, once(b))
			for _, twice := range escapes {
				all = append(all, twice(once(b)))
			}
		}
	}
	return all
}

// inputSecrets finds the secrets in the command line and the environment,
// even in input that Parse rejects, so that the line saying what is wrong
// cannot carry them: -token, TRACE_TOKEN, the values of both HEADERS
// variables, and an endpoint's user info (also a stray argument's).
func inputSecrets(args []string, getenv func(string) string) []secretValue {
	found := []secretValue{{getenv("TRACE_TOKEN"), "[token]"}}
	for _, key := range otlpKeys("HEADERS") {
		found = append(found, headerSecrets(getenv(key))...)
	}
	for _, key := range otlpKeys("ENDPOINT") {
		found = append(found, userInfoSecrets(getenv(key))...)
	}
	fs := newFlagSet(GRPC) // both mains have the same bool flags
	for i := 0; i < len(args); i++ {
		if args[i] == "--" || !strings.HasPrefix(args[i], "-") {
			found = append(found, userInfoSecrets(args[i])...) // an endpoint without -endpoint?
			continue
		}
		name, value, inline := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		isBool := name == "h" || name == "help"
		if f := fs.Lookup(name); f != nil { // an unknown flag's value is scanned all the same
			b, ok := f.Value.(interface{ IsBoolFlag() bool })
			isBool = ok && b.IsBoolFlag()
		}
		if !inline && !isBool && i+1 < len(args) {
			i++
			value = args[i]
		}
		switch name {
		case "token":
			found = append(found, secretValue{value, "[token]"})
		case "endpoint":
			found = append(found, userInfoSecrets(value)...)
		}
	}
	return found
}

// headerSecrets are the values of an OTEL_EXPORTER_OTLP_HEADERS value,
// leniently: an entry without = ("Authorization: Bearer x") is secret
// whole; the credential of "Bearer x" alone, and the decoded credentials
// of "Basic BASE64" (user:password and the password), too.
func headerSecrets(v string) []secretValue {
	var found []secretValue
	for _, entry := range strings.Split(v, ",") {
		name, value, ok := strings.Cut(entry, "=")
		label := "[header " + strings.TrimSpace(name) + "]"
		if !ok || !headerName.MatchString(strings.TrimSpace(name)) {
			value, label = entry, "[header]"
		}
		found = append(found, secretValue{value, label}, secretValue{strings.TrimSpace(value), label})
		decoded, err := url.PathUnescape(value)
		if err != nil {
			decoded = value
		}
		fields := strings.Fields(decoded)
		for _, f := range fields[min(1, len(fields)):] {
			found = append(found, secretValue{f, label})
		}
		if len(fields) == 2 && strings.EqualFold(fields[0], "Basic") {
			if creds, err := base64.StdEncoding.DecodeString(fields[1]); err == nil {
				_, password, _ := strings.Cut(string(creds), ":")
				found = append(found, secretValue{string(creds), label}, secretValue{password, label})
			}
		}
	}
	return found
}

// userInfoSecrets are the user info of an endpoint and its password; the
// user name alone is no secret, and "user" would blank out words.
func userInfoSecrets(endpoint string) []secretValue {
	start, end := userInfo(endpoint)
	if start < 0 {
		return nil
	}
	_, password, _ := strings.Cut(endpoint[start:end], ":")
	return []secretValue{{endpoint[start:end], "[user info]"}, {password, "[user info]"}}
}

// schemeName is a URL scheme; schemePrefix is one with its slashes, however
// many (http://, and the mistyped http:/ and http:///).
var (
	schemeName   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)
	schemePrefix = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:/+`)
)

// userInfo locates the user info of an endpoint in any spelling: what
// comes before the last @ (a password may hold / ? or #), for an OTLP
// endpoint has no other use for @. It returns -1, -1 when there is none.
func userInfo(endpoint string) (start, end int) {
	if i := strings.Index(endpoint, "://"); i >= 0 {
		start = i + 3
	} else {
		start = len(schemePrefix.FindString(endpoint))
	}
	at := strings.LastIndex(endpoint[start:], "@")
	if at < 0 {
		return -1, -1
	}
	return start, start + at
}

// withoutUserInfo hides the user info of an endpoint for a message:
// http://user:pass@h:1 becomes http://xxxxx@h:1.
func withoutUserInfo(endpoint string) string {
	if start, end := userInfo(endpoint); start >= 0 {
		return endpoint[:start] + "xxxxx" + endpoint[end:]
	}
	return endpoint
}

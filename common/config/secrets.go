package config

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A secretValue is a value the program must never print: the token, a header
// value of OTEL_EXPORTER_OTLP_HEADERS (whatever the header's name), the user
// info of an endpoint. Label is what is printed in its place.
type secretValue struct {
	value, label string
}

// minSecret is the length below which a value is not redacted: a secret of
// one to three characters cannot be told apart from the rest of the output
// (a header "x-shard=1" would blank out every 1 of an address).
const minSecret = 4

// Redact replaces every secret of the configuration in text by a label
// such as [token], in each form a collector, a library or an echo might
// print it (see redactor). It is for text that came from outside: a
// collector's answer, a library's log line, echoed input. The program's own
// words and keys are not redacted: a header value such as "true" or
// "delivered" would corrupt them.
func (c Config) Redact(text string) string {
	return c.redactor().replace(text)
}

// RedactWriter is w with Redact applied to each write; a logger that writes
// a line at a time, as gf's and OpenTelemetry's do, is redacted line by line.
func (c Config) RedactWriter(w io.Writer) io.Writer {
	return redactWriter{w, c.redactor()}
}

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

// redactor is the one Parse built, while Token and Headers are still the
// ones it was built for; a Config made or changed by hand gets a new one.
func (c Config) redactor() *redactor {
	if r := c.redaction; r != nil && r.token == c.Token && maps.Equal(r.headers, c.Headers) && r.inputs == len(c.inputSecrets) {
		return r
	}
	return newRedactor(c)
}

// secrets are those found in the input (Parse keeps them, even when a flag
// overrides a variable) and those of the fields, for a Config made by hand.
func (c Config) secrets() []secretValue {
	all := append([]secretValue(nil), c.inputSecrets...)
	all = append(all, secretValue{c.Token, "[token]"})
	for name, value := range c.Headers {
		all = append(all, secretValue{value, "[header " + name + "]"})
	}
	return all
}

// A redactor finds every form of the secrets in a folded text (see fold):
// at each place the longest form that starts there, so that a secret that
// contains another is replaced whole.
type redactor struct {
	// byPrefix are the forms (folded) by their first minSecret bytes,
	// longest first; pairs marks the first two bytes of every form, so
	// that most places are passed over with one look.
	byPrefix map[string][]secretValue
	pairs    [1 << 16 / 64]uint64
	// What it was built for (see Config.redactor).
	token   string
	headers map[string]string
	inputs  int // how many input secrets
}

func newRedactor(c Config) *redactor {
	r := &redactor{byPrefix: map[string][]secretValue{}, token: c.Token, headers: maps.Clone(c.Headers), inputs: len(c.inputSecrets)}
	label := map[string]string{}
	for _, s := range c.secrets() {
		if len(s.value) < minSecret {
			continue
		}
		for _, form := range forms(s.value) {
			if f, _ := fold(form); len(f) >= minSecret {
				if _, ok := label[f]; !ok {
					label[f] = s.label
				}
			}
		}
	}
	for f, l := range label {
		r.byPrefix[f[:minSecret]] = append(r.byPrefix[f[:minSecret]], secretValue{f, l})
		pair := int(f[0])<<8 | int(f[1])
		r.pairs[pair/64] |= 1 << (pair % 64)
	}
	for _, forms := range r.byPrefix {
		sort.Slice(forms, func(i, j int) bool {
			if len(forms[i].value) != len(forms[j].value) {
				return len(forms[i].value) > len(forms[j].value)
			}
			return forms[i].value < forms[j].value
		})
	}
	return r
}

// replace finds the forms in text, folded, and replaces each match in the
// text as it was, line breaks inside the match included.
func (r *redactor) replace(text string) string {
	if len(r.byPrefix) == 0 || len(text) < minSecret {
		return text
	}
	folded, at := fold(text)
	var b strings.Builder
	last := 0 // in text
	for i := 0; i+minSecret <= len(folded); i++ {
		pair := int(folded[i])<<8 | int(folded[i+1])
		if r.pairs[pair/64]&(1<<(pair%64)) == 0 {
			continue
		}
		for _, f := range r.byPrefix[folded[i:i+minSecret]] {
			if strings.HasPrefix(folded[i:], f.value) {
				if b.Len() == 0 {
					b.Grow(len(text))
				}
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

// fold is what the forms are sought in: s in lower case (an echo may
// upper-case a value; hex digits come in either case: %2F, \u00E4, 7F3A),
// where that keeps the length, without line breaks, raw or escaped (an echo
// may wrap a long value). at maps each byte of the result to its index in s.
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
			if l := unicode.ToLower(r); l != r && utf8.RuneLen(l) == size {
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
	percentAll,
	html.EscapeString,
}

// forms returns s and its escaped forms, escaped once and twice (a JSON
// message that quotes a URL-encoded value), where s is itself
// percent-encoded the decoded value's, and its encodings: hex, and base64
// wherever in a longer base64 text it may stand (see base64Cores).
func forms(s string) []string {
	bases := []string{s}
	if d, err := url.PathUnescape(s); err == nil && d != s {
		bases = append(bases, d)
	}
	if d, err := url.QueryUnescape(s); err == nil && d != s {
		bases = append(bases, d)
	}
	var all []string
	for _, b := range bases {
		all = append(all, b, hex.EncodeToString([]byte(b)))
		all = append(all, base64Cores(b)...)
		for _, once := range escapes {
			e := once(b)
			all = append(all, e)
			for _, twice := range escapes {
				all = append(all, twice(e))
			}
		}
	}
	return all
}

// base64Cores are the parts of s's base64 encoding (standard and URL
// alphabets) that do not depend on what stands around s in the encoded
// text, for each of the three offsets s may have there: "Basic " and the
// base64 of "user:password" hides the password at offset len("user:").
func base64Cores(s string) []string {
	var cores []string
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for k := 0; k < 3; k++ {
			e := enc.EncodeToString(append(make([]byte, k), s...))
			from, to := (8*k+5)/6, 8*(k+len(s))/6 // the characters whose bits are all s's
			cores = append(cores, e[from:to])
		}
	}
	return cores
}

func unquote(q string) string { return q[1 : len(q)-1] }

// percentAll encodes every byte of s, as some encoders do.
func percentAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// inputSecrets finds the secrets in the command line and the environment,
// even in input that Parse rejects, so that the line saying what is wrong
// cannot carry them: the token of -token and TRACE_TOKEN, every value of
// OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_TRACES_HEADERS, and
// the user info of an endpoint in whatever spelling (also a URL given as an
// argument without -endpoint).
func inputSecrets(args []string, getenv func(string) string) []secretValue {
	var found []secretValue
	if v, ok := lookup(getenv, "TRACE_TOKEN"); ok {
		found = append(found, secretValue{v, "[token]"})
	}
	for _, key := range otlpKeys("HEADERS") {
		v, _ := lookup(getenv, key)
		found = append(found, headerSecrets(v)...)
	}
	for _, key := range otlpKeys("ENDPOINT") {
		v, _ := lookup(getenv, key)
		found = append(found, userInfoSecrets(v)...)
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" || !strings.HasPrefix(arg, "-") {
			found = append(found, userInfoSecrets(arg)...) // a stray argument: an endpoint without -endpoint?
			continue
		}
		name, value, inline := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !inline && !isBoolFlag(name) && i+1 < len(args) {
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

// isBoolFlag tells whether the flag takes no separate value on the command
// line, as the flag package reads it: -h, -help and the mains' bool flags.
func isBoolFlag(name string) bool {
	if name == "h" || name == "help" {
		return true
	}
	fs, _ := newFlagSet(GRPC) // both mains have the same flags but -path, a string
	f := fs.Lookup(name)
	if f == nil {
		return false // an unknown flag: Parse rejects it; its value is scanned all the same
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// headerSecrets are the values of an OTEL_EXPORTER_OTLP_HEADERS value,
// leniently: an entry without = ("Authorization: Bearer x") is secret
// whole, and the credential of "Bearer x" is secret alone too.
func headerSecrets(v string) []secretValue {
	var found []secretValue
	for _, entry := range strings.Split(v, ",") {
		name, value, ok := strings.Cut(entry, "=")
		label := "[header " + strings.TrimSpace(name) + "]"
		if !ok || !validHeaderName(strings.TrimSpace(name)) {
			value, label = entry, "[header]"
		}
		found = append(found, secretValue{value, label}, secretValue{strings.TrimSpace(value), label})
		if fields := strings.Fields(value); len(fields) > 1 {
			for _, f := range fields[1:] {
				found = append(found, secretValue{f, label})
			}
		}
		found = append(found, basicSecrets(value, label)...)
	}
	return found
}

// basicSecrets are the decoded credentials of "Basic BASE64", written
// as a header value (OTEL_EXPORTER_OTLP_HEADERS takes it URL-encoded):
// user:password, and the password alone, as for user info.
func basicSecrets(value, label string) []secretValue {
	if v, err := url.PathUnescape(value); err == nil {
		value = v
	}
	fields := strings.Fields(value)
	if len(fields) != 2 || !strings.EqualFold(fields[0], "Basic") {
		return nil
	}
	decoded, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return nil
	}
	found := []secretValue{{string(decoded), label}}
	if _, password, ok := strings.Cut(string(decoded), ":"); ok {
		found = append(found, secretValue{password, label})
	}
	return found
}

// userInfoSecrets are the user info of an endpoint, whole and its
// password, or nothing when it has none.
func userInfoSecrets(endpoint string) []secretValue {
	start, end := userInfo(endpoint)
	if start < 0 {
		return nil
	}
	info := endpoint[start:end]
	found := []secretValue{{info, "[user info]"}}
	// The password alone too; the user name alone is no secret, and a
	// name such as "user" would blank out words of the messages.
	if _, password, ok := strings.Cut(info, ":"); ok {
		found = append(found, secretValue{password, "[user info]"})
	}
	return found
}

// schemeName is a URL scheme; schemePrefix is one with its slashes,
// however many: http://, and the mistyped http:/ and http:///.
var (
	schemeName   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)
	schemePrefix = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:/+`)
)

// userInfo locates the user info of an endpoint, in any spelling
// (scheme://user:pass@host, user:pass@host:port, a mistyped scheme, a
// password with / ? or # in it): what comes before the last @. It returns
// -1, -1 when there is none. An OTLP endpoint has no other use for @.
func userInfo(endpoint string) (start, end int) {
	start = 0
	if i := strings.Index(endpoint, "://"); i >= 0 {
		start = i + 3
	} else if m := schemePrefix.FindString(endpoint); m != "" {
		start = len(m)
	}
	at := strings.LastIndex(endpoint[start:], "@")
	if at < 0 {
		return -1, -1
	}
	return start, start + at
}

// withoutUserInfo hides the user info of an endpoint for a message, in
// any spelling: http://user:pass@h:1 becomes http://xxxxx@h:1, and
// user:pass@h:1 becomes xxxxx@h:1.
func withoutUserInfo(endpoint string) string {
	start, end := userInfo(endpoint)
	if start < 0 {
		return endpoint
	}
	return endpoint[:start] + "xxxxx" + endpoint[end:]
}

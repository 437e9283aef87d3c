package config

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
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

// Redact replaces every secret of the configuration in text, in each
// escaping the program or a collector might print it with (raw, Go-quoted,
// JSON, URL- and percent-encoded, HTML), by a label such as [token]. Every
// output of the program goes through it: a collector's error message may
// echo a header it was sent.
func (c Config) Redact(text string) string {
	return redactor(c.secrets()).Replace(text)
}

// RedactWriter is w with Redact applied to each write; a logger that writes
// a line at a time, as gf's and OpenTelemetry's do, is redacted line by line.
func (c Config) RedactWriter(w io.Writer) io.Writer {
	return redactWriter{w, redactor(c.secrets())}
}

type redactWriter struct {
	w io.Writer
	r *strings.Replacer
}

func (rw redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
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

// redactor replaces each secret, in each of its forms, longest first, so
// that a secret that contains another is replaced whole.
func redactor(secrets []secretValue) *strings.Replacer {
	label := map[string]string{}
	for _, s := range secrets {
		if len(s.value) < minSecret {
			continue
		}
		for _, form := range escapings(s.value) {
			if _, ok := label[form]; !ok {
				label[form] = s.label
			}
		}
	}
	forms := make([]string, 0, len(label))
	for f := range label {
		forms = append(forms, f)
	}
	sort.Slice(forms, func(i, j int) bool {
		if len(forms[i]) != len(forms[j]) {
			return len(forms[i]) > len(forms[j])
		}
		return forms[i] < forms[j]
	})
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, label[f])
	}
	return strings.NewReplacer(pairs...)
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

// escapings returns s and its escaped forms, escaped once and twice (a
// JSON message that quotes a URL-encoded value), and, where s is itself
// percent-encoded, the decoded value's.
func escapings(s string) []string {
	bases := []string{s}
	if d, err := url.PathUnescape(s); err == nil && d != s {
		bases = append(bases, d)
	}
	if d, err := url.QueryUnescape(s); err == nil && d != s {
		bases = append(bases, d)
	}
	var forms []string
	for _, b := range bases {
		forms = append(forms, b)
		for _, once := range escapes {
			e := once(b)
			forms = append(forms, e)
			for _, twice := range escapes {
				forms = append(forms, twice(e))
			}
		}
	}
	// Percent-encoding's hex digits may come in either case.
	for _, f := range forms {
		if l := percentHex.ReplaceAllStringFunc(f, strings.ToLower); l != f {
			forms = append(forms, l)
		}
	}
	return forms
}

var percentHex = regexp.MustCompile(`%[0-9A-F]{2}`)

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

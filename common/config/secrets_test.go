package config

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// escaped are pw as a program or a collector might print it.
func escaped(pw string) []string {
	j, _ := json.Marshal(pw)
	q := strconv.Quote(pw)
	jq, _ := json.Marshal(q)
	return []string{pw, q, strconv.QuoteToASCII(pw), string(j), url.QueryEscape(pw), url.PathEscape(pw),
		html.EscapeString(pw), string(jq), strconv.Quote(url.QueryEscape(pw)), strings.ToLower(url.QueryEscape(pw))}
}

func TestRedactEveryEscaping(t *testing.T) {
	const token, key, pass = `tok "ü" <&> /+`, "k3y=v/a l", "p@ss:w0rd"
	cfg, _, err := Parse(HTTP, []string{"-token", token}, envOf("OTEL_EXPORTER_OTLP_HEADERS=x-api-key="+url.QueryEscape(key)))
	if err != nil {
		t.Fatal(err)
	}
	cfg.inputSecrets = append(cfg.inputSecrets, userInfoSecrets("http://admin:"+url.QueryEscape(pass)+"@h:1")...)
	cfg.redaction = newRedactor(cfg)
	for _, s := range []string{token, key, pass} {
		for _, form := range escaped(s) {
			text := "collector says: " + form + " is wrong"
			got := cfg.Redact(text)
			if strings.Contains(got, form) {
				t.Errorf("Redact(%q) = %q: the secret shows", text, got)
			}
		}
	}
	if got := cfg.Redact("bad token " + strconv.Quote(token)); got != `bad token "[token]"` {
		t.Errorf("Redact gives %q, want the label in the token's place", got)
	}
	if got := cfg.Redact("key " + key); got != "key [header x-api-key]" {
		t.Errorf("Redact gives %q, want the header named", got)
	}
	// A value too short to tell apart from the output is left alone.
	short := Config{Headers: map[string]string{"x-shard": "1"}}
	if got := short.Redact("127.0.0.1"); got != "127.0.0.1" {
		t.Errorf("a one-character value blanked out %q", got)
	}
	var out strings.Builder
	w := cfg.RedactWriter(&out)
	w.Write([]byte("log: " + token + "\n"))
	if strings.Contains(out.String(), token) || !strings.Contains(out.String(), "log: [token]") {
		t.Errorf("RedactWriter wrote %q", out.String())
	}
}

// TestBadEndpointsHideUserInfo: every spelling of an endpoint with user
// info is rejected with a message that names what is wrong, not the user
// info.
func TestBadEndpointsHideUserInfo(t *testing.T) {
	const pw = "PASSWORD9"
	cases := []struct{ endpoint, want string }{
		{"user:" + pw + "@host:4317", `"xxxxx@host:4317": user info (before @) is not accepted`},
		{pw + "@host:4317", `"xxxxx@host:4317": user info`},
		{"htp://u:" + pw + "@h:1", `"htp://xxxxx@h:1": user info`},
		{"http://u:" + pw + "@h:port-typo", `"http://xxxxx@h:port-typo": user info`},
		{"http://u%3A" + pw + "@h:1", `"http://xxxxx@h:1": user info`},
		{"http:/u:" + pw + "@h:1", `"http:/xxxxx@h:1": user info`},
		{"http://u:" + pw + "@h:1/v1/traces", `"http://xxxxx@h:1/v1/traces": user info`},
		{"https://u:" + pw + "@[::1]:1", `"https://xxxxx@[::1]:1": user info`},
		{"http://u:" + pw + "/x?y#z@h:1", `"http://xxxxx@h:1": user info`},
	}
	for _, c := range cases {
		for _, p := range []Protocol{GRPC, HTTP} {
			_, _, err := Parse(p, []string{"-endpoint", c.endpoint}, envOf())
			if err == nil || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s -endpoint %q: error %v, want one that says %s", p, c.endpoint, err, c.want)
			}
			_, _, err = Parse(p, nil, envOf("OTEL_EXPORTER_OTLP_ENDPOINT="+c.endpoint))
			if err == nil || strings.Contains(err.Error(), pw) {
				t.Errorf("%s OTEL_EXPORTER_OTLP_ENDPOINT=%q: error %v", p, c.endpoint, err)
			}
		}
	}
	// A URL given without -endpoint, and a header entry that is not
	// name=value.
	for _, args := range [][]string{{"http://u:" + pw + "@h:1"}, {"-endpoint", "h:1", "x", "u:" + pw + "@h:1"}} {
		_, _, err := Parse(GRPC, args, envOf())
		if err == nil || strings.Contains(err.Error(), pw) {
			t.Errorf("%q: error %v", args, err)
		}
	}
	_, _, err := Parse(GRPC, nil, envOf("OTEL_EXPORTER_OTLP_HEADERS=Authorization: Bearer "+pw+"=x"))
	if err == nil || strings.Contains(err.Error(), pw) {
		t.Errorf("a header entry with a colon: error %v", err)
	}
}

func TestEndpointHostMessages(t *testing.T) {
	cases := []struct{ endpoint, want string }{
		{"http://h:port-typo", `port "port-typo" is not a number`},
		{"[::1%lo]:4317", "an IPv6 zone (%lo) is not supported"},
		{"http://[::1%25lo]:4318", "an IPv6 zone (%lo) is not supported"},
		{"http://[::1%lo]:4318", "an IPv6 zone (%lo) is not supported"},
		{"1.2.3.4%eth0:1", `host "1.2.3.4%eth0" is not a host name`},
	}
	for _, c := range cases {
		_, _, err := ParseEndpoint(c.endpoint)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseEndpoint(%q): %v, want %s", c.endpoint, err, c.want)
		}
	}
}

// TestInputSecrets: the secrets are found in every way a flag is written,
// so that even a message about a malformed command line hides them.
func TestInputSecrets(t *testing.T) {
	args := []string{"--token", "tok-one", "-token=tok-two", "---token=tok-three", "-tls", "-endpoint", "u:pw-four@h:1", "stray://u:pw-five@h", "-json", "-token", "tok-ten"}
	env := envOf("TRACE_TOKEN=tok-six", "OTEL_EXPORTER_OTLP_TRACES_HEADERS=a=hv-seven,broken: Bearer hv-eight",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://u:pw-nine@h:1")
	cfg := Config{inputSecrets: inputSecrets(args, env)}
	for _, s := range []string{"tok-one", "tok-two", "tok-three", "pw-four", "pw-five", "tok-six", "hv-seven", "hv-eight", "pw-nine", "tok-ten"} {
		if got := cfg.Redact("<" + s + ">"); strings.Contains(got, s) {
			t.Errorf("%s is not found as a secret: %q", s, got)
		}
	}
}

// TestRedactEncodings: a collector or a proxy may echo a secret encoded,
// cased or wrapped otherwise than the program sent it (issue 18 §2).
func TestRedactEncodings(t *testing.T) {
	const token, key = "tok-7f3a9cä0x", "k3y-Secret+/v41"
	const user, password = "alice", "S3cretPassw0rd"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	cfg, _, err := Parse(HTTP, []string{"-token", token}, envOf("OTEL_EXPORTER_OTLP_HEADERS=x-api-key="+url.QueryEscape(key)+",Authorization="+url.PathEscape("Basic "+basic)))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{token, key, user + ":" + password} {
		b64 := func(prefix string) string { return base64.StdEncoding.EncodeToString([]byte(prefix + s + "~")) }
		ascii := strconv.QuoteToASCII(s)
		for _, form := range []string{
			base64.StdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s)),
			b64("x"), b64("xy"), b64("xyz"), // inside a longer base64 text, at each offset
			hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s))),
			strings.ToUpper(s), strings.ToLower(s),
			strings.ToUpper(ascii),                                             // \u00E4
			s[:5] + "\n" + s[5:], s[:3] + "\r\n" + s[3:], s[:6] + `\n` + s[6:], // wrapped
		} {
			got := cfg.Redact("collector says: " + form + " is wrong")
			if strings.Contains(got, form) || !strings.Contains(got, "]") {
				t.Errorf("%q as %q: Redact gives %q", s, form, got)
			}
		}
	}
	// The password of Basic credentials alone, and in the base64 of the
	// whole value, is found too.
	for _, text := range []string{"password " + password, "Basic " + basic} {
		if got := cfg.Redact(text); strings.Contains(got, password) || strings.Contains(got, basic) {
			t.Errorf("Redact(%q) = %q", text, got)
		}
	}
}

// TestRedactBuiltOnce: redacting a line costs a few allocations, not a
// new replacer of every secret's every form.
func TestRedactBuiltOnce(t *testing.T) {
	cfg := redactBenchConfig(t)
	line := redactBenchLine(cfg)
	if got := cfg.Redact(line); strings.Contains(got, "tok-7f3a9c") || strings.Contains(got, "hv-") {
		t.Fatalf("the line is not redacted: %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { cfg.Redact(line) }); n > 50 {
		t.Errorf("Redact of one log line made %.0f allocations, want at most 50", n)
	}
}

// BenchmarkRedact: one log line with a token and two header values.
func BenchmarkRedact(b *testing.B) {
	cfg := redactBenchConfig(b)
	line := redactBenchLine(cfg)
	b.ReportAllocs()
	for b.Loop() {
		cfg.Redact(line)
	}
}

func redactBenchConfig(t testing.TB) Config {
	cfg, _, err := Parse(GRPC, []string{"-token", "tok-7f3a9c1e5b"}, envOf("OTEL_EXPORTER_OTLP_HEADERS=x-api-key=hv-41b0c9d2,x-tenant=hv-tenant-9f2e"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func redactBenchLine(cfg Config) string {
	return `2026/12/02 14:00:00 exporter.go:42: traces export: rpc error: code = PermissionDenied desc = not for you; you sent authorization: Bearer ` +
		cfg.Token + `; x-api-key: ` + cfg.Headers["x-api-key"] + `; x-tenant: ` + cfg.Headers["x-tenant"] + "\n"
}

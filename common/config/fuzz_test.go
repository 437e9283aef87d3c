package config

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The fuzz targets check properties of the parsers for any input; their
// seeds run as ordinary test cases with go test. In CI each runs briefly:
//
//	go test -run '^$' -fuzz '^FuzzParseEndpoint$' -fuzztime 10s ./common/config

// oneLine fails the test if an error message spans more than one line: the
// program prints it as one line of stderr.
func oneLine(t *testing.T, err error) {
	t.Helper()
	if strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("error is not one line: %q", err.Error())
	}
}

func FuzzParseEndpoint(f *testing.F) {
	for _, seed := range []string{
		"localhost:4317", "127.0.0.1:1", "[::1]:4317", "http://localhost:4318", "https://h:4318/v1/traces",
		"http://h:4318/base/", "HTTP://H:1", "", ":::", "host", "host:port:port", ":4317", "h:0", "h:65536", "h:x",
		"ftp://x", "ftp://x:1", "http://u:p@h:1", "http://h:1/?q=1", "http://h:1/#f", "http://h", "http://[::1",
		"h :1", "h\n:1", "[fe80::1%25eth0]:1", "http://h:1/a%2Fb", "http://h:01", "h:+1", "xn--bcher-kva.example:1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		hostPort, path, err := ParseEndpoint(raw)
		if err != nil {
			oneLine(t, err)
			return
		}
		host, port, splitErr := net.SplitHostPort(hostPort)
		if splitErr != nil || host == "" {
			t.Fatalf("ParseEndpoint(%q) accepted %q, which is not host:port", raw, hostPort)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			t.Errorf("ParseEndpoint(%q) accepted port %q", raw, port)
		}
		if path != "" && !strings.HasPrefix(path, "/") {
			t.Errorf("ParseEndpoint(%q) returned path %q, which does not start with /", raw, path)
		}
		// What was accepted reads back the same: host:port alone, and as
		// a URL with its path.
		if hp, p, err := ParseEndpoint(hostPort); err != nil || hp != hostPort || p != "" {
			t.Errorf("ParseEndpoint(%q) = %q; that again gives %q %q %v", raw, hostPort, hp, p, err)
		}
		u := (&url.URL{Scheme: "http", Host: hostPort, Path: path}).String()
		if hp, p, err := ParseEndpoint(u); err != nil || hp != hostPort || p != path {
			t.Errorf("ParseEndpoint(%q) = %q %q; as the URL %q it gives %q %q %v", raw, hostPort, path, u, hp, p, err)
		}
	})
}

func FuzzParseUsers(f *testing.F) {
	for _, seed := range []string{"100,1", " 100, 1 ,0,-3", "", " ", "1,", ",1", "1,,2", "x", "1.5", "99999999999999999999", "+7", "0x10", "1\n2"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := ParseUsers(s)
		if err != nil {
			oneLine(t, err)
			if !strings.Contains(err.Error(), "-users") {
				t.Errorf("error %q does not name -users", err)
			}
			return
		}
		if len(ids) != strings.Count(s, ",")+1 {
			t.Errorf("ParseUsers(%q) = %v: one id per comma-separated field expected", s, ids)
		}
		// The ids written out plainly read back the same.
		fields := make([]string, len(ids))
		for i, id := range ids {
			fields[i] = strconv.Itoa(id)
		}
		if again, err := ParseUsers(strings.Join(fields, ",")); err != nil || !slices.Equal(again, ids) {
			t.Errorf("ParseUsers(%q) = %v, but written out they read back as %v %v", s, ids, again, err)
		}
	})
}

// hidden is a header value that must never appear in an error message.
const hidden = "s3cr3t-VALUE"

func FuzzParseHeaders(f *testing.F) {
	for _, seed := range [][2]string{
		{"", ""}, {"x-team=blue", ""}, {"", "Authentication=abc"}, {"a", ""}, {"=v", ""}, {"bad name=v", ""},
		{"k=%zz", ""}, {"k=a%0Ab", ""}, {"k=%20x%20", ""}, {"", ",k"}, {"Authentication=" + hidden + "%", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, before, after string) {
		if strings.Contains(before+after, hidden) {
			t.Skip() // the hidden value may then be part of a name, which errors do name
		}
		// The hidden value sits between whatever the fuzzer makes, as the value
		// of one entry, well-formed or not.
		input := strings.TrimPrefix(before+",k="+hidden+after, ",")
		headers, err := ParseHeaders(input)
		if err != nil {
			oneLine(t, err)
			if strings.Contains(err.Error(), hidden) {
				t.Errorf("ParseHeaders(%q): the error %q shows a header value", input, err)
			}
			return
		}
		entries := []string{}
		for name, value := range headers {
			if !headerName.MatchString(name) || hasControl(value) {
				t.Errorf("ParseHeaders(%q) accepted header %q with value %q", input, name, value)
			}
			entries = append(entries, name+"="+url.PathEscape(value))
		}
		// The headers written out in the variable's format read back the same.
		again, err := ParseHeaders(strings.Join(entries, ","))
		if err != nil || len(again) != len(headers) {
			t.Fatalf("ParseHeaders(%q) = %v; written out they read back as %v %v", input, headers, again, err)
		}
		for name, value := range headers {
			if again[name] != value {
				t.Errorf("header %q: %q, read back as %q", name, value, again[name])
			}
		}
	})
}

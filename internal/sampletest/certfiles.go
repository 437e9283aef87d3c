package sampletest

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/receiver"
	"example.com/gftrace/internal/testcerts"
)

// certFiles checks how the certificate and key files are read (issue 12
// §5): once, so that pipes work (-ca /dev/stdin, -key <(command), a
// variable naming the same pipe as a flag), and within -timeout with a
// bounded size, so that a pipe no one writes to or /dev/zero is bad input
// naming the file rather than a hang.
func certFiles(t *testing.T, p config.Protocol, bin string) {
	ca := testcerts.New(t)
	rec := NewReceiverWith(p, receiver.Options{TLS: ca.MutualTLS()})
	defer rec.Close()
	t.Run("-ca /dev/stdin, -cert and -key <(command)", func(t *testing.T) {
		script := fmt.Sprintf(`exec %q -json -endpoint %s -ca /dev/stdin -cert <(cat %q) -key <(cat %q) < %q`,
			bin, rec.Addr, ca.ClientCertFile, ca.ClientKeyFile, ca.CAFile)
		deliversTree(t, p, "bash", rec, tlsURL(p, rec), run{"bash", nil, []string{"-c", script}}, false)
	})
	t.Run("a flag and a variable name the same pipe", func(t *testing.T) {
		caPipe, keyPipe := fifo(t, ca.CAFile), fifo(t, ca.ClientKeyFile)
		env := []string{"OTEL_EXPORTER_OTLP_CERTIFICATE=" + caPipe, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY=" + keyPipe}
		deliversTree(t, p, bin, rec, tlsURL(p, rec), run{"pipes", env, []string{"-endpoint", rec.Addr, "-ca", caPipe, "-cert", ca.ClientCertFile, "-key", keyPipe}}, false)
	})
	silent := fifo(t, "")
	for _, c := range []struct {
		env, args []string
		want      string
	}{
		{nil, []string{"-ca", silent}, `invalid -ca "` + silent + `": it did not end within 1s (-timeout); a pipe no one writes to?`},
		{[]string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=" + silent}, nil, `invalid OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE "` + silent + `": it did not end within 1s`},
		{nil, []string{"-ca", ca.CAFile, "-cert", ca.ClientCertFile, "-key", "/dev/zero"}, `invalid -key "/dev/zero": it is larger than 1 MiB, too large for a certificate or key file`},
	} {
		r := Run(t, bin, append(c.env, "TRACE_TOKEN="+Token), append([]string{"-endpoint", rec.Addr, "-timeout", "1s"}, c.args...)...)
		if !Rejected(r, c.want) {
			t.Errorf("%v %v: exit %d, stderr %q, stdout %q; want exit 2 and one line saying %s", c.env, c.args, r.Code, r.Stderr, r.Stdout, c.want)
		}
		if limit := time.Second + startAllowance + r.Late; r.Elapsed > limit {
			t.Errorf("%v %v: took %s with -timeout 1s; the bound is %s (of which %s is how long this busy machine kept the test's timers waiting)", c.env, c.args, r.Elapsed, limit, r.Late)
		}
		noLeaks(t, r)
	}
}

// fifo makes a named pipe to which the contents of file are written once,
// as <(cat file) does; with file "", no one ever writes to it.
func fifo(t *testing.T, file string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if file == "" {
		return path
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			w.Write(data)
			w.Close()
		}
	}()
	return path
}

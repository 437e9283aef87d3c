package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// resolveTLS decides whether the exporter uses TLS, and with which
// certificates; nil means plaintext, as gf's Init functions dial. The
// endpoint's scheme decides when it has one; else -tls, a CA or a client
// certificate turns TLS on, the variables being the flags' defaults
// (OTEL_EXPORTER_OTLP_INSECURE=false stands for -tls). A certificate given
// while TLS is off, or a -tls that contradicts the scheme, is bad input.
func resolveTLS(arg func(string) string, set map[string]bool, ep endpoint, getenv func(string) string, timeout time.Duration) (*tls.Config, error) {
	files := pemFiles{timeout, map[string][]byte{}}
	ca := pick("-ca", arg("ca"), set["ca"], getenv, otlpKeys("CERTIFICATE")...)
	cert := pick("-cert", arg("cert"), set["cert"], getenv, otlpKeys("CLIENT_CERTIFICATE")...)
	key := pick("-key", arg("key"), set["key"], getenv, otlpKeys("CLIENT_KEY")...)

	// The exporter reads the variables too: a bad one is bad input even
	// when a flag or the scheme overrides it.
	insecure := pick("", "", false, getenv, otlpKeys("INSECURE")...)
	for _, k := range otlpKeys("INSECURE") {
		if v, ok := lookup(getenv, k); ok && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return nil, fmt.Errorf("invalid %s %q: want true or false", k, v)
		}
	}
	for _, k := range CertificateVariables() {
		if v, ok := lookup(getenv, k); ok {
			if _, err := files.load(setting{v, k}); err != nil {
				return nil, err
			}
		}
	}

	useTLS := arg("tls") == "true"
	var on bool
	var offBecause string
	switch {
	case set["tls"] && useTLS && ep.scheme == "http":
		return nil, fmt.Errorf("-tls asks for TLS, but %s %q says http://; use https:// or host:port", ep.source, ep.raw)
	case set["tls"] && !useTLS && ep.scheme == "https":
		return nil, fmt.Errorf("-tls=false asks for plaintext, but %s %q says https://; use http:// or host:port", ep.source, ep.raw)
	case ep.scheme == "https":
		on = true
	case ep.scheme == "http":
		offBecause = fmt.Sprintf("%s %q says http://", ep.source, ep.raw)
	case set["tls"]:
		on, offBecause = useTLS, "-tls=false"
	case set["ca"] || set["cert"] || set["key"]:
		on = true // a flag wins over OTEL_EXPORTER_OTLP_INSECURE
	case insecure.value != "":
		on, offBecause = strings.EqualFold(insecure.value, "false"), insecure.source+"="+insecure.value
	default:
		on = ca.value != "" || cert.value != "" || key.value != ""
	}
	if !on {
		for _, s := range []setting{ca, cert, key} {
			if s.value != "" {
				return nil, fmt.Errorf("%s is for TLS, but %s turns TLS off", s.source, offBecause)
			}
		}
		return nil, nil
	}

	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca.value != "" {
		data, err := files.load(ca)
		if err != nil {
			return nil, err
		}
		if c.RootCAs = x509.NewCertPool(); !c.RootCAs.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("invalid %s %q: the file holds no PEM certificate", ca.source, ca.value)
		}
	}
	switch {
	case cert.value != "" && key.value == "":
		return nil, fmt.Errorf("%s %q needs its private key: give it with -key FILE", cert.source, cert.value)
	case key.value != "" && cert.value == "":
		return nil, fmt.Errorf("%s %q needs its certificate: give it with -cert FILE", key.source, key.value)
	case cert.value != "":
		certPEM, err := files.load(cert)
		if err != nil {
			return nil, err
		}
		keyPEM, err := files.load(key)
		if err != nil {
			return nil, err
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil { // its text may quote the secret files: our own words
			return nil, fmt.Errorf("invalid %s %q with %s %q: not a certificate and its matching private key", cert.source, cert.value, key.source, key.value)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

// maxPEMFile bounds what is read of a certificate or key file: a CA bundle
// is some hundred KB; /dev/zero given by mistake never ends.
const maxPEMFile = 1 << 20

// pemFiles reads each file once, so that -ca /dev/stdin and -key <(command)
// work, and within the timeout, so that a pipe no one writes to does not
// hang the program.
type pemFiles struct {
	timeout time.Duration
	read    map[string][]byte // by path
}

// load returns the file's contents, which must hold a PEM block.
func (files pemFiles) load(s setting) ([]byte, error) {
	if data, ok := files.read[s.value]; ok {
		return data, nil
	}
	var data []byte
	done := make(chan error, 1)
	go func() { // opening a FIFO blocks until a writer comes
		f, err := os.Open(s.value)
		if err == nil {
			data, err = io.ReadAll(io.LimitReader(f, maxPEMFile+1))
			f.Close()
		}
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(files.timeout):
		return nil, fmt.Errorf("invalid %s %q: it did not end within %s (-timeout); a pipe no one writes to?", s.source, s.value, files.timeout)
	}
	var pathErr *os.PathError
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("invalid %s %q: no such file", s.source, s.value)
	case errors.As(err, &pathErr): // without the path, which the message names already
		return nil, fmt.Errorf("invalid %s %q: %v", s.source, s.value, pathErr.Err)
	case err != nil:
		return nil, fmt.Errorf("invalid %s %q: %v", s.source, s.value, err)
	case len(data) > maxPEMFile:
		return nil, fmt.Errorf("invalid %s %q: it is larger than %d MiB, too large for a certificate or key file", s.source, s.value, maxPEMFile>>20)
	}
	if block, _ := pem.Decode(data); block == nil {
		return nil, fmt.Errorf("invalid %s %q: the file is not PEM", s.source, s.value)
	}
	files.read[s.value] = data
	return data, nil
}

// CertificateVariables name certificate and key files. Once Parse has read
// them, the exporter must not read them again (a pipe would be empty):
// report.Setup unsets them.
func CertificateVariables() []string {
	return append(append(otlpKeys("CERTIFICATE"), otlpKeys("CLIENT_CERTIFICATE")...), otlpKeys("CLIENT_KEY")...)
}

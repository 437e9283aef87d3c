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

// setting is one value as given, with where it came from (a flag or an
// environment variable), so that an error can name it.
type setting struct {
	value, source string
}

// pick returns the flag when it was set, else the first of the
// environment variables that is set, else an empty setting.
func pick(flagName, flagValue string, flagSet bool, getenv func(string) string, keys ...string) setting {
	if flagSet {
		return setting{flagValue, flagName}
	}
	return fromEnv(getenv, keys...)
}

// fromEnv returns the first of the environment variables that is set.
func fromEnv(getenv func(string) string, keys ...string) setting {
	for _, key := range keys {
		if v, ok := lookup(getenv, key); ok {
			return setting{v, key}
		}
	}
	return setting{}
}

// otlpKeys names an OpenTelemetry exporter variable, the traces-specific
// one first because it wins: otlpKeys("CERTIFICATE") is
// OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE, OTEL_EXPORTER_OTLP_CERTIFICATE.
func otlpKeys(name string) []string {
	return []string{"OTEL_EXPORTER_OTLP_TRACES_" + name, "OTEL_EXPORTER_OTLP_" + name}
}

// tlsFlags are the values of -tls, -ca, -cert and -key, with what
// resolveTLS needs besides.
type tlsFlags struct {
	tls           bool
	ca, cert, key string
	set           map[string]bool // which flags were given
	endpoint      endpoint
	getenv        func(string) string
	timeout       time.Duration // the longest a file may take to read
}

// resolveTLS decides whether the exporter uses TLS, and with which
// certificates; nil means plaintext, as gf's Init functions dial.
//
// The endpoint's scheme decides when it has one (https:// or http://).
// Without one, -tls turns TLS on with the system's roots, and so does a CA
// or a client certificate (with that CA, that certificate); the variables
// are the flags' defaults, OTEL_EXPORTER_OTLP_INSECURE=false standing for
// -tls. A certificate file given while TLS is off, or a -tls that
// contradicts the scheme, is bad input rather than silently ignored.
func resolveTLS(f tlsFlags) (*tls.Config, error) {
	files := pemFiles{timeout: f.timeout, read: map[string][]byte{}}
	ca := pick("-ca", f.ca, f.set["ca"], f.getenv, otlpKeys("CERTIFICATE")...)
	cert := pick("-cert", f.cert, f.set["cert"], f.getenv, otlpKeys("CLIENT_CERTIFICATE")...)
	key := pick("-key", f.key, f.set["key"], f.getenv, otlpKeys("CLIENT_KEY")...)

	// The exporter reads these variables too, so a bad one is bad input
	// even when a flag or the scheme overrides it.
	insecure := fromEnv(f.getenv, otlpKeys("INSECURE")...)
	for _, k := range otlpKeys("INSECURE") {
		if v, ok := lookup(f.getenv, k); ok && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return nil, fmt.Errorf("invalid %s %q: want true or false", k, v)
		}
	}
	for _, name := range []string{"CERTIFICATE", "CLIENT_CERTIFICATE", "CLIENT_KEY"} {
		for _, k := range otlpKeys(name) {
			if v, ok := lookup(f.getenv, k); ok {
				if _, err := files.load(setting{v, k}); err != nil {
					return nil, err
				}
			}
		}
	}

	scheme := f.endpoint.scheme
	var on bool
	var offBecause string
	switch {
	case f.set["tls"] && f.tls && scheme == "http":
		return nil, fmt.Errorf("-tls asks for TLS, but %s %q says http://; use https:// or host:port", f.endpoint.source, f.endpoint.raw)
	case f.set["tls"] && !f.tls && scheme == "https":
		return nil, fmt.Errorf("-tls=false asks for plaintext, but %s %q says https://; use http:// or host:port", f.endpoint.source, f.endpoint.raw)
	case scheme == "https":
		on = true
	case scheme == "http":
		offBecause = fmt.Sprintf("%s %q says http://", f.endpoint.source, f.endpoint.raw)
	case f.set["tls"]:
		on, offBecause = f.tls, "-tls=false"
	case f.set["ca"] || f.set["cert"] || f.set["key"]:
		on = true // a flag wins over OTEL_EXPORTER_OTLP_INSECURE
	case insecure.value != "":
		on = strings.EqualFold(insecure.value, "false")
		offBecause = insecure.source + "=" + insecure.value
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
		pool, err := loadCA(files, ca)
		if err != nil {
			return nil, err
		}
		c.RootCAs = pool
	}
	switch {
	case cert.value != "" && key.value == "":
		return nil, fmt.Errorf("%s %q needs its private key: give it with -key FILE", cert.source, cert.value)
	case key.value != "" && cert.value == "":
		return nil, fmt.Errorf("%s %q needs its certificate: give it with -cert FILE", key.source, key.value)
	case cert.value != "":
		pair, err := loadKeyPair(files, cert, key)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

// maxPEMFile bounds what is read of a certificate or key file: a CA
// bundle is some hundred KB; /dev/zero given by mistake never ends.
const maxPEMFile = 1 << 20

// pemFiles reads each certificate and key file once, so that -ca
// /dev/stdin and -key <(command) work, and within the timeout, so that a
// pipe no one writes to does not hang the program.
type pemFiles struct {
	timeout time.Duration
	read    map[string][]byte // by path
}

// load returns the file's contents, which must hold a PEM block.
func (files pemFiles) load(s setting) ([]byte, error) {
	if data, ok := files.read[s.value]; ok {
		return data, nil
	}
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() { // opening a FIFO blocks until a writer comes
		f, err := os.Open(s.value)
		if err != nil {
			done <- result{nil, err}
			return
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, maxPEMFile+1))
		done <- result{data, err}
	}()
	timer := time.NewTimer(files.timeout)
	defer timer.Stop()
	var r result
	select {
	case r = <-done:
	case <-timer.C:
		return nil, fmt.Errorf("invalid %s %q: it did not end within %s (-timeout); a pipe no one writes to?", s.source, s.value, files.timeout)
	}
	switch {
	case r.err != nil:
		return nil, fmt.Errorf("invalid %s %q: %v", s.source, s.value, plainFileError(r.err))
	case len(r.data) > maxPEMFile:
		return nil, fmt.Errorf("invalid %s %q: it is larger than %d MiB, too large for a certificate or key file", s.source, s.value, maxPEMFile>>20)
	}
	if block, _ := pem.Decode(r.data); block == nil {
		return nil, fmt.Errorf("invalid %s %q: the file is not PEM", s.source, s.value)
	}
	files.read[s.value] = r.data
	return r.data, nil
}

// loadCA reads a PEM file of one or more CA certificates.
func loadCA(files pemFiles, s setting) (*x509.CertPool, error) {
	data, err := files.load(s)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("invalid %s %q: the file holds no PEM certificate", s.source, s.value)
	}
	return pool, nil
}

// loadKeyPair reads a client certificate and its private key.
func loadKeyPair(files pemFiles, cert, key setting) (tls.Certificate, error) {
	certPEM, err := files.load(cert)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := files.load(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// The error may quote the files' contents, which are secret: say
		// what is wrong in our own words.
		return tls.Certificate{}, fmt.Errorf("invalid %s %q with %s %q: not a certificate and its matching private key", cert.source, cert.value, key.source, key.value)
	}
	return pair, nil
}

// plainFileError drops the path that os errors repeat.
func plainFileError(err error) error {
	var pathErr *os.PathError
	if errors.As(err, &pathErr) {
		if errors.Is(err, os.ErrNotExist) {
			return errors.New("no such file")
		}
		return pathErr.Err
	}
	return err
}

// CertificateVariables are the variables that name certificate and key
// files. Once Parse has read the files, the exporter must not read them
// again: a pipe (-ca /dev/stdin) would have nothing left, and cfg.TLS holds
// what they held. report.Setup unsets them.
func CertificateVariables() []string {
	var keys []string
	for _, name := range []string{"CERTIFICATE", "CLIENT_CERTIFICATE", "CLIENT_KEY"} {
		keys = append(keys, otlpKeys(name)...)
	}
	return keys
}

// Package testcerts makes a throwaway certificate authority for a test: a
// CA, a server certificate for 127.0.0.1 and localhost, and a client
// certificate, all signed by that CA and written as PEM files in the test's
// temporary directory. Nothing is committed: every test run makes new ones.
package testcerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Authority is a CA with one server and one client certificate.
type Authority struct {
	CAFile         string // the CA certificate (PEM): what -ca takes
	ServerCertFile string // the server certificate (PEM), for 127.0.0.1 and localhost
	ServerKeyFile  string // its private key (PEM)
	ClientCertFile string // the client certificate (PEM): what -cert takes
	ClientKeyFile  string // its private key (PEM): what -key takes

	pool   *x509.CertPool
	server tls.Certificate
}

// New makes a CA and its certificates in a new temporary directory of t.
func New(t testing.TB) *Authority {
	t.Helper()
	dir := t.TempDir()
	caKey := newKey(t)
	caTemplate := template(1, "CA")
	caTemplate.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	caTemplate.BasicConstraintsValid, caTemplate.IsCA = true, true
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	a := &Authority{pool: x509.NewCertPool()}
	a.pool.AddCert(ca)
	a.CAFile = writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)

	issue := func(name string, serial int64, usage x509.ExtKeyUsage, ips []net.IP, dns []string) (certFile, keyFile string, pair tls.Certificate) {
		key := newKey(t)
		leaf := template(serial, name)
		leaf.KeyUsage = x509.KeyUsageDigitalSignature
		leaf.ExtKeyUsage = []x509.ExtKeyUsage{usage}
		leaf.IPAddresses, leaf.DNSNames = ips, dns
		der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		certFile = writePEM(t, dir, name+".pem", "CERTIFICATE", der)
		keyFile = writePEM(t, dir, name+"-key.pem", "PRIVATE KEY", keyDER)
		pair, err = tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		return certFile, keyFile, pair
	}
	a.ServerCertFile, a.ServerKeyFile, a.server = issue("server", 2, x509.ExtKeyUsageServerAuth,
		[]net.IP{net.IPv4(127, 0, 0, 1)}, []string{"localhost"})
	a.ClientCertFile, a.ClientKeyFile, _ = issue("client", 3, x509.ExtKeyUsageClientAuth, nil, nil)
	return a
}

// ServerTLS is the TLS configuration of a server that shows the server
// certificate and asks nothing of the client.
func (a *Authority) ServerTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{a.server}}
}

// MutualTLS is the TLS configuration of a server that shows the server
// certificate and requires a client certificate signed by this CA.
func (a *Authority) MutualTLS() *tls.Config {
	c := a.ServerTLS()
	c.ClientAuth = tls.RequireAndVerifyClientCert
	c.ClientCAs = a.pool
	return c
}

// template is a certificate valid from an hour ago for a day.
func template(serial int64, name string) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "gftrace test " + name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
	}
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func writePEM(t testing.TB, dir, name, blockType string, der []byte) string {
	path := filepath.Join(dir, name)
	data := pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

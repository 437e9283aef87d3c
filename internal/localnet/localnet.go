// Package localnet finds free ports on 127.0.0.1 for tests, the only
// address they use.
package localnet

import (
	"net"
	"strconv"
	"testing"
)

// FreePorts returns n distinct ports on 127.0.0.1 where nothing listens.
// They are free when it returns; a test should use them soon.
func FreePorts(t testing.TB, n int) []string {
	t.Helper()
	var ports []string
	var held []net.Listener // all held at once, so that the n ports differ
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, l)
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	for _, l := range held {
		l.Close()
	}
	return ports
}

// FreeAddr returns a 127.0.0.1 address where nothing listens.
func FreeAddr(t testing.TB) string {
	t.Helper()
	return "127.0.0.1:" + FreePorts(t, 1)[0]
}

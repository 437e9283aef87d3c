package main

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Relay is a TCP relay on 127.0.0.1 that counts the bytes going through it
// in each direction and the connections made to it (by the exporter and by
// the program's check of the collector alike). Put between an exporter
// and a collector, it measures what travels on the wire whatever the
// protocol's framing (HTTP/1.1 headers, HTTP/2 frames, gRPC messages): the
// TCP payload, without the IP and TCP headers.
type Relay struct {
	Addr string // where the exporter connects: 127.0.0.1:port

	target string
	lis    net.Listener

	up, down atomic.Int64 // bytes exporter → collector, collector → exporter
	conns    atomic.Int64

	mu     sync.Mutex
	closed bool
	open   map[net.Conn]bool
	active sync.WaitGroup // one per relayed connection
}

// NewRelay listens on a free port of 127.0.0.1 and relays every connection
// to target.
func NewRelay(target string) (*Relay, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Relay{Addr: lis.Addr().String(), target: target, lis: lis, open: map[net.Conn]bool{}}
	go r.accept()
	return r, nil
}

func (r *Relay) accept() {
	for {
		c, err := r.lis.Accept()
		if err != nil {
			return // closed
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			c.Close()
			return
		}
		r.conns.Add(1)
		r.active.Add(1)
		r.mu.Unlock()
		go r.relay(c)
	}
}

// relay copies both ways until both sides are done. When one side stops
// sending, the other side is told so (half-close), as it would be without
// the relay, so that each side ends its connection as it normally does.
func (r *Relay) relay(client net.Conn) {
	defer r.active.Done()
	server, err := net.Dial("tcp", r.target)
	if err != nil {
		client.Close()
		return
	}
	r.track(client, server)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); pipe(server, client, &r.up) }()
	go func() { defer wg.Done(); pipe(client, server, &r.down) }()
	wg.Wait()
	r.untrack(client, server)
	client.Close()
	server.Close()
}

// pipe copies src to dst, counting the bytes, then half-closes dst.
func pipe(dst, src net.Conn, n *atomic.Int64) {
	buf := make([]byte, 32*1024)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			n.Add(int64(k))
			if _, werr := dst.Write(buf[:k]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

func (r *Relay) track(cs ...net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		r.open[c] = true
	}
}

func (r *Relay) untrack(cs ...net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		delete(r.open, c)
	}
}

// Up is the number of bytes sent from the exporter to the collector so far.
func (r *Relay) Up() int64 { return r.up.Load() }

// Down is the number of bytes sent from the collector to the exporter so far.
func (r *Relay) Down() int64 { return r.down.Load() }

// Conns is the number of connections the program made to the collector: the
// exporter's own, and the one of its check that a collector answers (see
// package delivery), which a healthy run makes once.
func (r *Relay) Conns() int64 { return r.conns.Load() }

// ErrStillOpen is returned by Close when connections had to be cut.
var ErrStillOpen = errors.New("relay: connections still open")

// Close stops accepting and waits up to grace for the relayed connections
// to end by themselves (after the exporter's process has ended they do, and
// then every byte has been counted); then it cuts what is left.
func (r *Relay) Close(grace time.Duration) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.lis.Close()
	done := make(chan struct{})
	go func() { r.active.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(grace):
	}
	r.mu.Lock()
	for c := range r.open {
		c.Close()
	}
	r.mu.Unlock()
	<-done
	return ErrStillOpen
}

package main

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// A server that reads the whole request (until the client half-closes),
// answers with reply bytes, and closes; the client counts what it got back.
func TestRelayCountsBytesExactlyBothWays(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	const replySize = 70_001
	got := make(chan int, 2)
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				n, _ := io.Copy(io.Discard, c)
				got <- int(n)
				c.Write(bytes.Repeat([]byte("r"), replySize))
			}()
		}
	}()

	relay, err := NewRelay(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{123_457, 1}
	for _, size := range sizes {
		c, err := net.Dial("tcp", relay.Addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(bytes.Repeat([]byte("q"), size)); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite() // the server answers when the request ends
		back, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		if len(back) != replySize {
			t.Errorf("client got %d bytes back through the relay, want %d", len(back), replySize)
		}
		if n := <-got; n != size {
			t.Errorf("server got %d bytes through the relay, want %d", n, size)
		}
	}
	if err := relay.Close(5 * time.Second); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if up, want := relay.Up(), int64(sizes[0]+sizes[1]); up != want {
		t.Errorf("Up() = %d, want %d", up, want)
	}
	if down, want := relay.Down(), int64(2*replySize); down != want {
		t.Errorf("Down() = %d, want %d", down, want)
	}
	if relay.Conns() != 2 {
		t.Errorf("Conns() = %d, want 2", relay.Conns())
	}
}

// A connection that stays open past the grace period is cut, and Close
// says so, rather than waiting forever.
func TestRelayCloseCutsWhatStaysOpen(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	go func() {
		c, err := lis.Accept()
		if err == nil {
			io.Copy(io.Discard, c) // never answers, never closes first
			c.Close()
		}
	}()
	relay, err := NewRelay(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", relay.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("hello"))
	for deadline := time.Now().Add(5 * time.Second); relay.Up() < 5 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond) // until the relay has it
	}
	if err := relay.Close(50 * time.Millisecond); err != ErrStillOpen {
		t.Fatalf("Close with an open connection = %v, want ErrStillOpen", err)
	}
	if relay.Up() != 5 || relay.Down() != 0 || relay.Conns() != 1 {
		t.Errorf("counts up=%d down=%d conns=%d, want 5, 0, 1", relay.Up(), relay.Down(), relay.Conns())
	}
}

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
)

// TestStopFinishesExportsUnderWay: an export whose handler is running when
// SIGINT comes is answered 200, and its spans are printed, not lost.
func TestStopFinishesExportsUnderWay(t *testing.T) {
	var out bytes.Buffer
	v := serveInProcess(t, settings{quiet: time.Hour, json: true}, &out)
	addr := v.httpRec.Addr

	// Headers first, with Expect: 100-continue: the server answers 100
	// once the handler reads the body, so the export is then under way.
	body, _ := proto.Marshal(traces(0, 1))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST /v1/traces HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-protobuf\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, len(body))
	in := bufio.NewReader(conn)
	if line, err := in.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("before the body: %q, %v; want 100 Continue", line, err)
	}
	in.ReadString('\n') // the blank line after the 100

	go v.interrupt()
	waitClosed(t, addr)
	conn.Write(body)
	resp, err := http.ReadResponse(in, nil)
	if err != nil {
		t.Fatalf("the export under way at SIGINT got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the export under way at SIGINT was answered %s", resp.Status)
	}
	v.interrupt()
	got := out.String()
	if want := `{"trace_id":"00000000000000010000000000000000",`; !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 1 || strings.Count(got, `"span_id"`) != memSpansPerTrace {
		t.Errorf("printed %q; want one line, %s…, with its %d spans", got, want, memSpansPerTrace)
	}
}

// waitClosed waits until addr refuses connections: the receiver is stopping.
func waitClosed(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		c.Close()
	}
	t.Fatalf("%s still takes connections 30s after SIGINT", addr)
}

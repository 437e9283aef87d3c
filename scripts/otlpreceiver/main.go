// Command otlpreceiver is a minimal OTLP trace collector on 127.0.0.1 that
// counts the spans it receives: a stand-in collector in another process,
// for measuring how fast the sample delivers. It accepts what a real
// collector accepts (OTLP/gRPC or OTLP/HTTP with protobuf, gzip or not),
// decodes every request, and keeps nothing but the count.
//
//	go run ./common/cmd/otlpreceiver -protocol grpc -addr 127.0.0.1:4317
//
// Every second in which spans arrived it prints the total so far; on
// SIGINT or SIGTERM it prints the total and exits.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"example.com/gftrace/common/receiver"
)

func main() {
	protocol := flag.String("protocol", "grpc", "grpc or http")
	addr := flag.String("addr", "", "127.0.0.1:port to listen on (default 127.0.0.1:4317 for grpc, 127.0.0.1:4318 for http)")
	flag.Parse()

	var rec *receiver.Receiver
	var err error
	switch *protocol {
	case "grpc":
		rec, err = receiver.StartGRPC(receiver.Options{Addr: orDefault(*addr, "127.0.0.1:4317"), CountOnly: true})
	case "http":
		rec, err = receiver.StartHTTP(receiver.Options{Addr: orDefault(*addr, "127.0.0.1:4318"), CountOnly: true})
	default:
		err = fmt.Errorf("invalid -protocol %q: want grpc or http", *protocol)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "otlpreceiver: %v\n", err)
		os.Exit(2)
	}
	fmt.Printf("otlpreceiver: OTLP/%s on %s\n", *protocol, rec.Addr)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	tick := time.NewTicker(time.Second)
	last := 0
	for {
		select {
		case <-tick.C:
			if n := rec.SpanCount(); n != last {
				fmt.Printf("otlpreceiver: %d spans (+%d)\n", n, n-last)
				last = n
			}
		case <-stop:
			rec.Close()
			fmt.Printf("otlpreceiver: %d spans in total\n", rec.SpanCount())
			return
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

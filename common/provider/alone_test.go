package provider_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/gogf/gf/v2/net/gtrace"

	"example.com/gftrace/common/provider"
	"example.com/gftrace/common/user"
	"example.com/gftrace/internal/receiver"
	"example.com/gftrace/internal/standalone"
)

// TestCopiedAlone: provider.go is the one file a service copies, so it
// must build alone, in a module that requires only what it imports.
func TestCopiedAlone(t *testing.T) {
	source, err := os.ReadFile("provider.go")
	if err != nil {
		t.Fatal(err)
	}
	standalone.Build(t, string(source))
}

// TestSamplerFromTheEnvironment: without a Sampler the SDK reads
// OTEL_TRACES_SAMPLER itself. always_off exports nothing, traceidratio
// with 0 nothing of a new trace, and unset every trace.
func TestSamplerFromTheEnvironment(t *testing.T) {
	for _, c := range []struct {
		sampler, arg string
		want         int // spans exported of the 5 GetUser and main make
	}{
		{"always_off", "", 0},
		{"traceidratio", "0", 0},
		{"", "", 5},
	} {
		t.Setenv("OTEL_TRACES_SAMPLER", c.sampler)
		t.Setenv("OTEL_TRACES_SAMPLER_ARG", c.arg)
		rec := receiver.NewGRPC()
		shutdown, err := provider.GRPC(provider.Options{Service: "alone", Endpoint: rec.Addr})
		if err != nil {
			t.Fatal(err)
		}
		ctx, span := gtrace.NewSpan(context.Background(), "main")
		user.GetUser(ctx, 100)
		span.End()
		if err := shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		rec.Close()
		if got := len(rec.Spans()); got != c.want {
			t.Errorf("OTEL_TRACES_SAMPLER=%q OTEL_TRACES_SAMPLER_ARG=%q: %d spans exported, want %d", c.sampler, c.arg, got, c.want)
		}
	}
}

// TestShutdownTakesTheCallersTime: shutdown returns the error of an export
// that does not finish within the caller's context, and waits as long as
// that context allows for one that is slow: no shorter limit of its own.
func TestShutdownTakesTheCallersTime(t *testing.T) {
	const delay = 2 * time.Second // longer than gf's Init waits (1 s)
	for _, c := range []struct {
		within  time.Duration
		wantErr bool
	}{
		{delay / 4, true},
		{delay * 15, false}, // generous, for a loaded machine
	} {
		rec := receiver.NewGRPC()
		rec.SetFault(receiver.Fault{Delay: delay})
		shutdown, err := provider.GRPC(provider.Options{Service: "alone", Endpoint: rec.Addr})
		if err != nil {
			t.Fatal(err)
		}
		_, span := gtrace.NewSpan(context.Background(), "main")
		span.End()
		ctx, cancel := context.WithTimeout(context.Background(), c.within)
		err = shutdown(ctx)
		cancel()
		rec.Close()
		if got := err != nil; got != c.wantErr || (err != nil && !errors.Is(err, context.DeadlineExceeded)) {
			t.Errorf("within %s of an answer after %s: shutdown returned %v; want an error: %v (context deadline exceeded)", c.within, delay, err, c.wantErr)
		}
		if !c.wantErr && len(rec.Spans()) != 1 {
			t.Errorf("within %s: %d spans received, want main", c.within, len(rec.Spans()))
		}
	}
}

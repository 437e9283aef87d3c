package delivery

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"example.com/gftrace/common/config"
	"example.com/gftrace/internal/receiver"
)

// installHTTP builds the pipeline gf's otlphttp.Init builds and makes it
// the global provider, and has w count its spans.
func installHTTP(t *testing.T, w *Watcher, endpoint string) {
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithInsecure(), otlptracehttp.WithEndpoint(endpoint))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(exp)))
	otel.SetTracerProvider(tp)
	w.Count(tp)
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
}

// TestFlushWaitsForTheCollector: the OTLP/HTTP exporter does not retry a
// refused connection, so a collector that comes up a second after the
// program started gets the spans only because Flush waits for it. Each
// phase has its own Watch, as a program has.
func TestFlushWaitsForTheCollector(t *testing.T) {
	rec := receiver.NewHTTP()
	defer rec.Close()
	rec.Stop()
	const timeout = 4 * time.Second

	t.Run("without waiting the exporter gives up at once", func(t *testing.T) {
		w := Watch(config.Config{Timeout: timeout}) // no endpoint: no wait
		installHTTP(t, w, rec.Addr)
		makeSpans(3)
		w.Flush()
		r := w.Result()
		if r.Delivered != 0 || r.Failed != 3 || !strings.Contains(r.Cause(rec.Addr), "connection refused") {
			t.Fatalf("%+v, cause %q: the HTTP exporter now retries a refused connection; is the wait still needed?", r, r.Cause(rec.Addr))
		}
		if r.Waited > timeout/2 {
			t.Errorf("waited %s; the HTTP exporter does not retry a refused connection", r.Waited)
		}
	})

	t.Run("collector comes up within the timeout", func(t *testing.T) {
		w := Watch(config.Config{Timeout: timeout, Endpoint: rec.Addr})
		installHTTP(t, w, rec.Addr)
		makeSpans(3)
		up := make(chan error, 1)
		go func() {
			time.Sleep(time.Second)
			up <- rec.Restart()
		}()
		w.Flush()
		if err := <-up; err != nil {
			t.Fatal(err)
		}
		r := w.Result()
		if !r.OK() || r.Delivered != 3 || rec.SpanCount() != 3 {
			t.Fatalf("%+v, the receiver got %d: want 3 delivered", r, rec.SpanCount())
		}
		if r.Waited < time.Second || r.Waited > timeout {
			t.Errorf("waited %s; the collector came up after a second", r.Waited)
		}
	})

	t.Run("nothing comes up: refused, within the timeout", func(t *testing.T) {
		rec.Stop()
		const short = time.Second
		w := Watch(config.Config{Timeout: short, Endpoint: rec.Addr})
		installHTTP(t, w, rec.Addr)
		makeSpans(3)
		start := time.Now()
		w.Flush()
		elapsed := time.Since(start)
		r := w.Result()
		if r.OK() || r.Delivered != 0 || !strings.Contains(r.Cause(rec.Addr), "connection refused: nothing listens at "+rec.Addr) {
			t.Errorf("%+v, cause %q", r, r.Cause(rec.Addr))
		}
		if elapsed > short+time.Second {
			t.Errorf("Flush took %s with a timeout of %s", elapsed, short)
		}
	})
}

// TestCutoff: after Cutoff, a flush waits no longer than the cutoff, even
// with a longer timeout and a collector that never answers.
func TestCutoff(t *testing.T) {
	rec := receiver.NewHTTP()
	defer rec.Close()
	rec.SetFault(receiver.Fault{Delay: time.Hour})
	const timeout, cut = 10 * time.Second, 500 * time.Millisecond
	w := Watch(config.Config{Timeout: timeout, Endpoint: rec.Addr})
	installHTTP(t, w, rec.Addr)
	makeSpans(3)
	start := time.Now()
	w.Cutoff(start.Add(cut))
	w.Flush()
	// The cutoff, a moment for the exporter's error, and an allowance.
	if elapsed := time.Since(start); elapsed > cut+flushGrace+time.Second {
		t.Errorf("Flush took %s with a cutoff %s from its start (timeout %s)", elapsed, cut, timeout)
	}
	if r := w.Result(); r.OK() || r.Delivered != 0 {
		t.Errorf("%+v: delivered to a collector that never answers", r)
	}
}

// TestRefusalRedactedBeforeCut: the check quotes 200 bytes of a refusal;
// a token across the cut must not show in part.
func TestRefusalRedactedBeforeCut(t *testing.T) {
	const token = "tok-7f3a9c1e5b8d"
	rec := receiver.NewHTTP()
	defer rec.Close()
	for pad := 190; pad <= 200; pad++ {
		rec.SetFault(receiver.Fault{Status: 401, Body: strings.Repeat("x", pad) + " " + token + " is wrong"})
		cfg, _, err := config.Parse(config.HTTP, []string{"-endpoint", rec.Addr, "-token", token}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = check(ctx, cfg, true)
		cancel()
		if err == nil || strings.Contains(err.Error(), token[:5]) || !strings.Contains(err.Error(), "401") {
			t.Errorf("pad %d: the check says %v", pad, err)
		}
	}
}

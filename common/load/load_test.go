package load

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
	"example.com/gftrace/internal/receiver"
)

// queue stands for the batch processor's queue: traces put spans in, a
// flush takes out everything that was in when it started, as ForceFlush
// does. It remembers whether it ever held more than its size.
type queue struct {
	size     int
	mu       sync.Mutex
	held     int
	overflow bool
}

func (q *queue) put(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.held += n
	if q.held > q.size {
		q.overflow = true
	}
}

func (q *queue) flush() error {
	q.mu.Lock()
	n := q.held
	q.mu.Unlock()
	time.Sleep(100 * time.Microsecond) // the collector's answer; traces go on meanwhile
	q.mu.Lock()
	q.held -= n
	q.mu.Unlock()
	return nil
}

func TestPacerNeverOverfillsTheQueue(t *testing.T) {
	for _, c := range []struct{ room, need, workers int }{{2047, 9, 4}, {15, 9, 4}, {9, 9, 8}, {100, 1, 16}} {
		q := &queue{size: c.room}
		p := newPacer(c.room, q.flush)
		var wg sync.WaitGroup
		var traces atomic.Int64
		for range c.workers {
			wg.Go(func() {
				for traces.Add(1) <= 1000 {
					if err := p.reserve(c.need); err != nil {
						t.Error(err)
						return
					}
					q.put(c.need)
					p.release(c.need)
				}
			})
		}
		wg.Wait()
		flushes := p.close()
		if q.overflow {
			t.Errorf("room %d, %d spans a trace, %d workers: the queue overflowed", c.room, c.need, c.workers)
		}
		if flushes == 0 {
			t.Errorf("room %d: no flush for %d spans", c.room, 1000*c.need)
		}
	}
}

// TestPacerTakesRoomBackFromExports has the queue export every full batch
// by itself, as the batch processor does: the room comes back without a
// flush. When the exports freeze, flushes give it back instead.
func TestPacerTakesRoomBackFromExports(t *testing.T) {
	const room, batch, need = 2047, 64, 9
	q := &queue{size: room}
	var exported atomic.Int64
	var frozen atomic.Bool
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Microsecond):
			}
			q.mu.Lock()
			if !frozen.Load() && q.held >= batch {
				q.held -= batch
				exported.Add(batch)
			}
			q.mu.Unlock()
		}
	}()
	var flushes atomic.Int64
	p := newPacer(room, func() error { flushes.Add(1); return q.flush() })
	p.creditExports(func() int64 { return exported.Load() }, batch)
	run := func(traces int64) {
		var wg sync.WaitGroup
		var made atomic.Int64
		for range 4 {
			wg.Go(func() {
				for made.Add(1) <= traces {
					if err := p.reserve(need); err != nil {
						t.Error(err)
						return
					}
					q.put(need)
					p.release(need)
				}
			})
		}
		wg.Wait()
	}
	// 18000 spans: without the exports' credit, 9 flushes. A few may come
	// when a loaded machine pauses the process for longer than the patience.
	run(2000)
	if n := flushes.Load(); n > 4 {
		t.Errorf("%d flushes for 2000 traces while the queue exported by itself", n)
	}
	frozen.Store(true)
	before := flushes.Load()
	run(500)
	p.close()
	if flushes.Load() == before {
		t.Error("no flush gave room back while the exports were frozen")
	}
	if q.overflow {
		t.Error("the queue overflowed")
	}
}

func TestPacerStopsWhenAFlushFails(t *testing.T) {
	failure := errors.New("collector gone")
	p := newPacer(10, func() error { return failure })
	var err error
	for range 100 {
		if err = p.reserve(5); err != nil {
			break
		}
		p.release(5)
	}
	if !errors.Is(err, failure) {
		t.Errorf("reserve after a failed flush: %v, want the flush's error", err)
	}
	p.close()
}

// TestRun runs the real thing on a small scale: the SDK's batch processor
// with a queue of 8, a receiver, traces slow enough for a progress line.
func TestRun(t *testing.T) {
	rec := receiver.NewGRPC()
	defer rec.Close()
	const traces = 24
	cfg := config.Config{Endpoint: rec.Addr, Timeout: 5 * time.Second, Traces: traces, Concurrency: 3, Pace: true, Batch: config.Batch{QueueSize: 8}}
	watch := delivery.NewWatcher(cfg) // and what report.Setup does for it:
	t.Setenv("OTEL_GO_X_OBSERVABILITY", "true")
	otel.SetMeterProvider(watch.MeterProvider())
	otel.SetErrorHandler(otel.ErrorHandlerFunc(watch.Handle))
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithInsecure(), otlptracegrpc.WithEndpoint(rec.Addr))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithMaxQueueSize(8), sdktrace.WithMaxExportBatchSize(8)))
	otel.SetTracerProvider(tp)
	watch.Count(tp)
	defer tp.Shutdown(context.Background())

	var progress strings.Builder
	st := Run(context.Background(), cfg, watch, &progress, func() {
		ctx, root := otel.Tracer("t").Start(context.Background(), "root")
		for range 2 {
			_, child := otel.Tracer("t").Start(ctx, "child")
			child.End()
		}
		time.Sleep(150 * time.Millisecond) // 24 traces on 3 goroutines: over a second
		root.End()
	})
	res := watch.Result()
	if st.Traces != traces || st.SpansPerTrace != 3 || st.Room != 7 || st.Stopped != nil {
		t.Errorf("stats %+v", st)
	}
	if res.Recorded != 3*traces || res.Delivered != 3*traces || res.Dropped != 0 || rec.SpanCount() != 3*traces {
		t.Errorf("created %d, delivered %d, dropped %d, received %d; want %d, none dropped",
			res.Recorded, res.Delivered, res.Dropped, rec.SpanCount(), 3*traces)
	}
	if st.Flushes < traces/2 {
		t.Errorf("%d flushes for %d traces of 3 spans in 7 slots", st.Flushes, traces)
	}
	if !strings.Contains(progress.String(), "spans recorded") || !strings.Contains(progress.String(), "spans/s") {
		t.Errorf("no progress line in %q", progress.String())
	}
}

// Package load runs the sample's trace many times, from several goroutines,
// and delivers every span it makes.
//
// gf's Init builds the SDK's batch span processor with no options: its queue
// holds OTEL_BSP_MAX_QUEUE_SIZE spans (2048 by default), it drops without a
// word every span that ends while the queue is full, and Init cannot make it
// block. So Run paces the traces: a trace starts only when its spans fit in
// the room left in the queue. The room of spans comes back as the SDK
// counts them exported, batch by batch; only when no export comes for a
// moment does a flush (ForceFlush, which returns once everything queued
// before it was exported) give it back, as when the collector is slow or
// gone. Flushes are kept rare because ForceFlush exports the last, partial
// batch itself while holding the processor's lock: the processor stalls,
// and a busy run took several percent longer.
package load

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"example.com/gftrace/common/config"
	"example.com/gftrace/common/delivery"
)

// Stats is what a run did. The span counts are the SDK's, in
// delivery.Result.
type Stats struct {
	Traces        int           // traces made
	SpansPerTrace int           // spans of one trace, as the SDK counted the first
	Elapsed       time.Duration // from the first span to the collector's answer for the last
	Flushes       int           // pacing flushes
	Room          int           // spans that may wait in the queue at once; 0 when not paced
	Set           []string      // process-wide settings made for the run, as KEY=value (see report.Setup)
	Stopped       error         // why the run stopped before making every trace, or nil
}

// Interrupted is why a run stopped when the process got SIGINT (Ctrl-C) or
// SIGTERM: what was made is flushed all the same, and the exit code is the
// signal's (exitcode.Signal).
type Interrupted struct{ Signal os.Signal }

func (i Interrupted) Error() string { return "interrupted by " + SignalName(i.Signal) }

// SignalName is SIGINT or SIGTERM, as users write them.
func SignalName(s os.Signal) string {
	if name, ok := signalNames[s]; ok {
		return name
	}
	return s.String()
}

var signalNames = map[os.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}

// Run makes cfg.Traces traces by calling trace from cfg.Concurrency
// goroutines, paced unless cfg.Pace is false, then waits for the collector's
// answer with watch.Flush. Every second it writes the progress to progress.
//
// It stops making traces when ctx ends (a signal ends it with Interrupted as
// its cause), or when exports fail and the collector takes no span for
// cfg.Timeout: the rest would fail too, and slowly. A collector that
// restarts within the timeout does not stop the run. What was made is
// flushed all the same.
func Run(ctx context.Context, cfg config.Config, watch *delivery.Watcher, progress io.Writer, trace func()) Stats {
	start := time.Now()
	var stop atomic.Pointer[error] // why the run stops early
	var p *pacer                   // nil when not paced
	if cfg.Pace {
		// One slot of the queue stays free for ForceFlush's own marker.
		p = newPacer(cfg.Batch.QueueSize-1, watch.Sync)
	}
	interrupted := context.AfterFunc(ctx, func() {
		watch.Cutoff(time.Now().Add(cfg.Timeout)) // what was made is flushed within the timeout
		if p != nil {
			p.stop(context.Cause(ctx)) // traces waiting for room stop waiting
		}
	})
	defer interrupted()

	// The first trace alone tells how many spans a trace makes, so that the
	// pacer knows how much room each one needs. Flushing it empties the
	// queue, and finds out early whether the collector answers at all.
	trace()
	st := Stats{SpansPerTrace: int(watch.Result().Made)} // sampled or not
	var made atomic.Int64
	made.Store(1)
	need := 0
	if p != nil {
		if err := watch.Sync(); err != nil {
			stop.CompareAndSwap(nil, &err)
		}
		// From now on exports give room back (a cfg without a batch size
		// has the SDK's). With a sampler they count only the sampled spans,
		// too few to tell the room: flushes give it back, as before.
		if cfg.Sampler == nil {
			p.creditExports(watch.Exported, cmp.Or(cfg.Batch.BatchSize, sdktrace.DefaultMaxExportBatchSize))
		}
		st.Room = p.room
		need = min(st.SpansPerTrace, p.room) // a trace larger than the queue goes alone
	}

	endProgress := showProgress(progress, watch, start, cfg.Timeout, &stop)
	var wg sync.WaitGroup
	var next atomic.Int64
	next.Store(1)
	for range cfg.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil && stop.Load() == nil && next.Add(1) <= int64(cfg.Traces) {
				if p != nil {
					if err := p.reserve(need); err != nil {
						stop.CompareAndSwap(nil, &err)
						return
					}
				}
				trace()
				made.Add(1)
				if p != nil {
					p.release(need)
				}
			}
		})
	}
	wg.Wait()
	if p != nil {
		st.Flushes = p.close()
	}
	endProgress()

	watch.Flush()
	st.Elapsed = time.Since(start)
	st.Traces = int(made.Load())
	if err := stop.Load(); err != nil {
		st.Stopped = *err
	}
	if ctx.Err() != nil {
		st.Stopped = context.Cause(ctx) // over any other cause: the user's word decides the exit code
	}
	return st
}

// showProgress writes a line to w every second until end is called: the
// spans recorded, delivered and dropped so far, and the rate. When exports
// fail and no span is delivered for timeout, it asks the run to stop.
func showProgress(w io.Writer, watch *delivery.Watcher, start time.Time, timeout time.Duration, stop *atomic.Pointer[error]) (end func()) {
	ticker := time.NewTicker(time.Second)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var delivered int64
		var failingSince time.Time // since when exports fail and nothing is delivered
		for {
			select {
			case <-done:
				return
			case now := <-ticker.C:
				r := watch.Result()
				elapsed := now.Sub(start)
				// Over gf's otlphttp.Init no span is known delivered: they
				// are sent, answers unseen (see delivery's unseen.go).
				through, how := r.Delivered, "delivered"
				if r.AnswersUnread {
					through, how = r.Unseen, "sent (answers unseen)"
				}
				fmt.Fprintf(w, "%6.1fs  %d spans recorded, %d %s, %d dropped, %.0f spans/s %s\n",
					elapsed.Seconds(), r.Recorded, through, how, r.Dropped, float64(through)/elapsed.Seconds(), how)
				switch {
				case through > delivered || len(r.Errs) == 0:
					delivered, failingSince = through, time.Time{}
				case failingSince.IsZero():
					failingSince = now
				case now.Sub(failingSince) >= timeout:
					stop.CompareAndSwap(nil, &r.Errs[len(r.Errs)-1])
				}
			}
		}
	})
	return func() {
		ticker.Stop()
		close(done)
		wg.Wait()
	}
}

// pacer keeps the spans waiting in the batch processor's queue within room.
// A trace reserves room for its spans before it starts; once it has ended,
// its spans wait in the queue, and their room is free again once they are
// known to have left it: exported, as the SDK counts (see creditExports),
// or seen out by a flush.
type pacer struct {
	room  int
	flush func() error

	mu       sync.Mutex
	freed    *sync.Cond // room came back, or a flush failed: traces may go on
	wanted   *sync.Cond // room is wanted: the flusher goes on
	running  int        // room held by traces that have not ended
	ended    int        // spans of the traces that ended, in all
	flushed  int        // of them, those a flush saw leave the queue
	sent     int        // spans exported since pacing started, when counted
	waiting  int        // traces waiting for room
	closed   bool
	err      error
	flushes  int
	flusher  sync.WaitGroup
	exported func() int64 // see creditExports; nil: only flushes give room back
	base     int64        // exported() when pacing started
	batch    int          // spans of one export
}

// While room is wanted, the flusher asks the SDK for its count of exported
// spans every pollEvery; when none came for patience, it flushes.
const pollEvery, patience = 2 * time.Millisecond, 50 * time.Millisecond

func newPacer(room int, flush func() error) *pacer {
	p := &pacer{room: room, flush: flush}
	p.freed = sync.NewCond(&p.mu)
	p.wanted = sync.NewCond(&p.mu)
	p.flusher.Go(p.loop)
	return p
}

// creditExports lets the spans that exported counts from now on give their
// room back without a flush: the batch processor exports a batch of batch
// spans whenever it has one. A flush (ForceFlush) exports the rest itself,
// holding the processor's lock, so that the processor stalls behind it: in
// a busy run, flushes cost several percent of the wall time. Were exported
// to count fewer spans than the traces made, room would come back only by
// flushes, each after patience.
func (p *pacer) creditExports(exported func() int64, batch int) {
	base := exported()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exported, p.base, p.batch = exported, base, batch
}

// queued is how many spans may still wait in the queue: those ended, less
// those known to have left it.
func (p *pacer) queued() int { return max(0, p.ended-max(p.flushed, p.sent)) }

// reserve waits until n spans fit, or the pacer stopped.
func (p *pacer) reserve(n int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.err == nil && p.running+p.queued()+n > p.room {
		p.waiting++
		p.wanted.Signal() // only exports or a flush give room back
		p.freed.Wait()
		p.waiting--
	}
	if p.err != nil {
		return p.err
	}
	p.running += n
	return nil
}

// release says that a trace holding n spans of room has ended.
func (p *pacer) release(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running -= n
	p.ended += n
	if p.due() {
		p.wanted.Signal()
	}
}

// due tells whether room is wanted: half the room waits in the queue, or a
// trace waits for room that only exports or a flush can give back.
func (p *pacer) due() bool {
	q := p.queued()
	return q >= p.room/2 || (p.waiting > 0 && q > 0)
}

// loop gives room back whenever it is wanted, until close or a failed
// flush: from exports while they come, else by a flush.
func (p *pacer) loop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for !p.closed && !p.due() {
			p.wanted.Wait()
		}
		if p.closed {
			return
		}
		// With less than a batch queued, only a flush exports it.
		if p.exported != nil && p.queued() >= p.batch {
			p.awaitExports()
			if p.closed || !p.due() {
				continue
			}
		}
		n := p.ended
		p.mu.Unlock()
		err := p.flush()
		p.mu.Lock()
		p.flushes++
		if err != nil {
			p.err = err // the spans may still be queued: their room stays taken
			p.freed.Broadcast()
			return
		}
		p.flushed = max(p.flushed, n)
		p.freed.Broadcast()
	}
}

// awaitExports gives the room of exported spans back while room is wanted,
// until no span was exported for patience.
func (p *pacer) awaitExports() {
	last := time.Now()
	for !p.closed && p.due() && time.Since(last) < patience {
		p.mu.Unlock()
		time.Sleep(pollEvery)
		sent := int(p.exported() - p.base)
		p.mu.Lock()
		if sent > p.sent {
			p.sent, last = sent, time.Now()
			p.freed.Broadcast()
		}
	}
}

// stop makes the traces waiting for room, and those to come, stop with err.
func (p *pacer) stop(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
	}
	p.freed.Broadcast()
}

// close stops the flusher once every trace has ended, and tells how many
// flushes it made. The last spans are left to the final flush.
func (p *pacer) close() int {
	p.mu.Lock()
	p.closed = true
	p.wanted.Signal()
	p.mu.Unlock()
	p.flusher.Wait()
	return p.flushes
}

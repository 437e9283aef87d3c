package sampletest

import "time"

// midRunSpans is how many spans of a -traces run of millions arrive before
// a test acts in the middle of it: two batches. Not more: with -timeout 2s
// on a loaded machine, a flush that takes longer stops the run by itself
// (measured: after 16,389 spans, "stopped": "context deadline exceeded"),
// before a test that waited for 20,000 could act.
const midRunSpans = 2048

// A busyProbe measures how late this process's timers fire while a
// program under test runs: the time a loaded machine keeps a runnable
// process waiting for a CPU. The program waits alike, at each of its own
// timers and wake-ups, so a bound on how long it takes grows by that much:
// tight on an idle machine, and still true on a shared 2-core machine
// under load, where a fixed allowance either fails or hides everything.
type busyProbe struct {
	done chan struct{}
	late chan time.Duration
}

func startBusyProbe() *busyProbe {
	p := &busyProbe{done: make(chan struct{}), late: make(chan time.Duration, 1)}
	go func() {
		const tick = 20 * time.Millisecond
		var late time.Duration
		timer := time.NewTimer(tick)
		defer timer.Stop()
		for began := time.Now(); ; began = time.Now() {
			timer.Reset(tick)
			select {
			case <-p.done:
				p.late <- late
				return
			case <-timer.C:
				if d := time.Since(began) - tick; d > 0 {
					late += d
				}
			}
		}
	}()
	return p
}

// stop ends the probe and returns the lateness it added up.
func (p *busyProbe) stop() time.Duration {
	close(p.done)
	return <-p.late
}

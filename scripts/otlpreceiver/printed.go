package main

import (
	"container/list"
	"hash/maphash"
	"time"

	"example.com/gftrace/common/waterfall"
)

// printed remembers, for a while and within a size, the traces printed
// lately and their span ids: a span that arrives after its trace was
// printed (a slow service, a batch exported late) is then printed as late,
// its parent as printed before, rather than as a trace of its own whose
// root's parent never arrived. Span ids are kept as 64-bit hashes: a
// collision could only change that wording.
type printed struct {
	keep     time.Duration // how long a trace is remembered after it was printed
	maxSpans int           // span ids remembered at most, over all traces
	seed     maphash.Seed

	traces map[string]*printedTrace
	spans  map[uint64]struct{} // hashes of trace id and span id
	order  list.List           // of *printedTrace, the least lately printed first
}

type printedTrace struct {
	id     string
	at     time.Time // when it was last printed
	hashes []uint64  // of its spans printed
	elem   *list.Element
}

func newPrinted(keep time.Duration, maxSpans int) printed {
	return printed{keep: keep, maxSpans: maxSpans, seed: maphash.MakeSeed(), traces: map[string]*printedTrace{}, spans: map[uint64]struct{}{}}
}

func (p *printed) hash(trace, span string) uint64 {
	return maphash.String(p.seed, trace+"/"+span)
}

// trace tells whether the trace was printed within keep before now.
func (p *printed) trace(id string, now time.Time) bool {
	p.expire(now)
	return p.traces[id] != nil
}

// span tells whether the span of the trace was printed within keep before now.
func (p *printed) span(trace, span string, now time.Time) bool {
	p.expire(now)
	_, ok := p.spans[p.hash(trace, span)]
	return ok
}

// add remembers the spans of the trace, printed at now.
func (p *printed) add(trace string, spans []waterfall.Span, now time.Time) {
	if p.keep <= 0 || p.maxSpans <= 0 {
		return
	}
	t := p.traces[trace]
	if t == nil {
		t = &printedTrace{id: trace}
		t.elem = p.order.PushBack(t)
		p.traces[trace] = t
	} else {
		p.order.MoveToBack(t.elem)
	}
	t.at = now
	for _, s := range spans {
		h := p.hash(trace, s.SpanID)
		if _, ok := p.spans[h]; !ok {
			p.spans[h] = struct{}{}
			t.hashes = append(t.hashes, h)
		}
	}
	for len(p.spans) > p.maxSpans {
		p.forget(p.order.Front().Value.(*printedTrace))
	}
	p.expire(now)
}

// expire forgets the traces printed longer than keep before now.
func (p *printed) expire(now time.Time) {
	for e := p.order.Front(); e != nil && now.Sub(e.Value.(*printedTrace).at) > p.keep; e = p.order.Front() {
		p.forget(e.Value.(*printedTrace))
	}
}

func (p *printed) forget(t *printedTrace) {
	for _, h := range t.hashes {
		delete(p.spans, h)
	}
	delete(p.traces, t.id)
	p.order.Remove(t.elem)
}

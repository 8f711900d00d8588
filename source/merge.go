package source

import (
	"container/heap"
	"io"
)

// Merger interleaves several sources into one stream ordered by timestamp
// (a k-way merge holding one packet per source). Ties go to the source
// listed first. A source that fails is dropped from the merge; its error
// stays in its Err.
type Merger struct {
	srcs []*Source
	h    mergeHeap
	last int // source whose packet was handed out last; refilled on the next call
	// Failed counts sources that ended with an error.
	Failed int
	// OnEnd, when set, is called as each source ends (cleanly or not),
	// before the next packet of any other source is handed out.
	OnEnd   func(src int)
	started bool
}

type mergeItem struct {
	pkt Packet
	src int
}

type mergeHeap []mergeItem

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(i, j int) bool {
	if h[i].pkt.Time.Equal(h[j].pkt.Time) {
		return h[i].src < h[j].src
	}
	return h[i].pkt.Time.Before(h[j].pkt.Time)
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// NewMerger prepares a merge over srcs; the first call to Next reads the
// first packet of each.
func NewMerger(srcs []*Source) *Merger {
	return &Merger{srcs: srcs, last: -1, h: make(mergeHeap, 0, len(srcs))}
}

func (m *Merger) start() {
	m.started = true
	for i := range m.srcs {
		m.fill(i)
	}
	heap.Init(&m.h)
}

// ended accounts for source i having ended with err.
func (m *Merger) ended(i int, err error) {
	if err != io.EOF {
		m.Failed++
	}
	if m.OnEnd != nil {
		m.OnEnd(i)
	}
}

func (m *Merger) fill(i int) bool {
	var p Packet
	if err := m.srcs[i].Next(&p); err != nil {
		m.ended(i, err)
		return false
	}
	m.h = append(m.h, mergeItem{pkt: p, src: i})
	return true
}

// Next returns the earliest pending packet and the index of its source, or
// io.EOF when every source has ended. The packet's data stays valid until
// the following call.
func (m *Merger) Next() (*Packet, int, error) {
	if !m.started {
		m.start()
	}
	if len(m.srcs) == 1 {
		return m.nextSingle()
	}
	if m.last >= 0 {
		// The packet handed out last is consumed: read its source's next one
		// into the heap's top slot (it is still there) and restore order.
		var p Packet
		if err := m.srcs[m.last].Next(&p); err != nil {
			m.ended(m.last, err)
			heap.Pop(&m.h)
		} else {
			m.h[0].pkt = p
			heap.Fix(&m.h, 0)
		}
		m.last = -1
	}
	if len(m.h) == 0 {
		return nil, -1, io.EOF
	}
	top := &m.h[0]
	m.last = top.src
	return &top.pkt, top.src, nil
}

// nextSingle serves the common case of one source without the heap.
func (m *Merger) nextSingle() (*Packet, int, error) {
	if len(m.h) == 0 {
		return nil, -1, io.EOF
	}
	if m.last >= 0 {
		if err := m.srcs[0].Next(&m.h[0].pkt); err != nil {
			m.ended(0, err)
			m.h = m.h[:0]
			return nil, -1, io.EOF
		}
	}
	m.last = 0
	return &m.h[0].pkt, 0, nil
}

package source

import (
	"io"
	"sync"
)

// Prefetching: on a gzip-compressed capture, decompression costs more than
// everything else together (stdlib inflate runs at about 700 MB/s), so it
// runs in a goroutine of its own, a few megabytes ahead, while pcapgo, the
// decoder and the detectors run on the other core. Plain files are read
// directly: measured, a read-ahead goroutine there costs more (one more
// copy, and the hand-over) than the read(2) it overlaps.

const (
	prefetchChunk  = 1 << 20
	prefetchChunks = 4
)

type chunk struct {
	buf []byte
	n   int
	err error
}

// prefetchReader reads r in a background goroutine into a small ring of
// large buffers and serves Read from them in order.
type prefetchReader struct {
	full chan chunk
	free chan []byte
	stop chan struct{}
	once sync.Once

	cur  chunk
	off  int
	done bool
}

func newPrefetchReader(r io.Reader) *prefetchReader {
	p := &prefetchReader{
		full: make(chan chunk, prefetchChunks),
		free: make(chan []byte, prefetchChunks),
		stop: make(chan struct{}),
	}
	for i := 0; i < prefetchChunks; i++ {
		p.free <- make([]byte, prefetchChunk)
	}
	go p.fill(r)
	return p
}

func (p *prefetchReader) fill(r io.Reader) {
	defer close(p.full)
	for {
		var buf []byte
		select {
		case buf = <-p.free:
		case <-p.stop:
			return
		}
		n, err := io.ReadFull(r, buf)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF // a short last chunk is the end, not a fault
		}
		select {
		case p.full <- chunk{buf: buf, n: n, err: err}:
		case <-p.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read implements io.Reader.
func (p *prefetchReader) Read(b []byte) (int, error) {
	for {
		if p.off < p.cur.n {
			n := copy(b, p.cur.buf[p.off:p.cur.n])
			p.off += n
			return n, nil
		}
		if p.done {
			return 0, p.cur.err
		}
		if p.cur.buf != nil {
			if p.cur.err != nil {
				p.done = true
				continue
			}
			p.free <- p.cur.buf
		}
		c, ok := <-p.full
		if !ok {
			p.done = true
			if p.cur.err == nil {
				p.cur.err = io.EOF
			}
			continue
		}
		p.cur, p.off = c, 0
	}
}

// Close stops the background reader; it does not close the underlying
// reader.
func (p *prefetchReader) Close() error {
	p.once.Do(func() { close(p.stop) })
	return nil
}

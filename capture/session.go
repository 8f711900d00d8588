package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/engine"
	"github.com/wiretale/wiretale/report"
	"github.com/wiretale/wiretale/source"
)

// DefaultTick is how often a session advances detector time and takes a
// snapshot of the findings for streaming and metrics.
const DefaultTick = time.Second

// Session drives one live capture through an analyzer until the context
// is cancelled (SIGINT, SIGTERM), Count packets were read, Duration
// passed, or the capture broke.
//
// It keeps no per-packet state of its own: counters only. Memory over days
// of capture is the detectors' bounded state plus one report snapshot per
// tick.
type Session struct {
	Reader   Reader
	Analyzer *engine.Analyzer
	Name     string // the interface: the report's source name
	Format   string // the report's source format, e.g. "live (libpcap 1.10.3)"
	Version  string // wiretale's version, for the report

	Count    int64         // stop after this many packets; 0 means no limit
	Duration time.Duration // stop after this long; 0 means no limit
	Tick     time.Duration // 0 means DefaultTick
	// Lag is how far behind the wall clock detector time is advanced: the
	// kernel hands over buffered packets up to one read timeout late, and a
	// detector advanced past a packet not yet read could call a silence
	// that was not one. Set it to the read timeout.
	Lag time.Duration
	// Clock returns the wall-clock time; nil means time.Now.
	Clock func() time.Time

	// Write, when set, receives every packet (to save the raw capture). A
	// write error stops the writing, not the analysis; it becomes a report
	// warning and is passed to Warn.
	Write func(p *source.Packet) error
	// Snapshot, when set, receives the report so far after every tick
	// (final false) and the final report (final true).
	Snapshot func(r *report.Report, final bool)
	// Warn, when set, is told of problems as they happen (for stderr).
	Warn func(msg string)
	// OnTick, when set, runs at every tick and at the end, before the
	// snapshot (to flush the saved capture).
	OnTick func()

	// Counters, as the report's source shows them.
	packets, bytes int64
	first, last    time.Time
	outOfOrder     int64
	undecoded      int64
	stats          Stats
	statsOK        bool
	writeErr       error
	writeErrAt     int64
	captureErr     error
	stopped        string
}

// Result is how a session ended.
type Result struct {
	Report *report.Report
	// Stats are the kernel's final counters (zero when unavailable).
	Stats Stats
	// Err is the capture fault that ended it (the interface went away);
	// nil when it was stopped on purpose.
	Err error
	// Stopped says why it ended, in a few words.
	Stopped string
}

// drainFor bounds how long a stopped session keeps reading what the
// kernel had already captured.
const drainFor = time.Second

// Run captures until a stop condition and returns the final report, built
// exactly as analyze builds one (engine.Analyzer.Report).
func (s *Session) Run(ctx context.Context) Result {
	clock := s.Clock
	if clock == nil {
		clock = time.Now
	}
	tick := s.Tick
	if tick <= 0 {
		tick = DefaultTick
	}
	start := clock()
	var deadline time.Time
	if s.Duration > 0 {
		deadline = start.Add(s.Duration)
	}
	nextTick := start.Add(tick)
	var p source.Packet
	// On SIGINT/SIGTERM the packets the kernel already holds are still
	// analysed (like tcpdump, which counts them as received): reading goes
	// on until the buffer is empty (a read times out) or for at most
	// drainFor, so a stop is prompt even on a busy link.
	var drainUntil time.Time
loop:
	for {
		if ctx.Err() != nil && drainUntil.IsZero() {
			s.stopped = "interrupted"
			drainUntil = clock().Add(drainFor)
		}
		if !drainUntil.IsZero() && !clock().Before(drainUntil) {
			break
		}
		err := s.Reader.Next(&p)
		if !drainUntil.IsZero() && err != nil {
			break // drained (a timeout), or the capture ended
		}
		var now time.Time
		switch {
		case err == nil:
			s.packet(&p)
			if s.Count > 0 && s.packets >= s.Count {
				s.stopped = fmt.Sprintf("%d packets captured (--count)", s.packets)
				break loop
			}
			// The kernel's timestamp is the wall clock at capture: checking
			// it spares a clock read per packet on a busy link.
			now = p.Time
		case errors.Is(err, ErrTimeout):
			now = clock()
		case errors.Is(err, io.EOF):
			s.stopped = "capture closed"
			break loop
		default:
			s.captureErr = err
			s.stopped = "capture failed"
			break loop
		}
		if !deadline.IsZero() && !now.Before(deadline) {
			if now = clock(); !now.Before(deadline) {
				s.stopped = fmt.Sprintf("%s passed (--duration)", s.Duration)
				break
			}
		}
		if !now.Before(nextTick) {
			now = clock()
			s.tick(now, false)
			nextTick = now.Add(tick)
		}
	}
	rep := s.tick(clock(), true)
	return Result{Report: rep, Stats: s.stats, Err: s.captureErr, Stopped: s.stopped}
}

// packet accounts for one packet and hands it on.
func (s *Session) packet(p *source.Packet) {
	s.packets++
	p.Number = s.packets
	s.bytes += int64(p.WireLen)
	if s.packets == 1 {
		s.first = p.Time
	} else if p.Time.Before(s.last) {
		s.outOfOrder++
	}
	if s.packets == 1 || p.Time.After(s.last) {
		s.last = p.Time
	}
	if !p.LinkType.Known() {
		s.undecoded++
	}
	if s.Write != nil && s.writeErr == nil {
		if err := s.Write(p); err != nil {
			s.writeErr, s.writeErrAt = err, s.packets-1
			if s.Warn != nil {
				s.Warn(fmt.Sprintf("saving the capture failed after %d packets: %v; the analysis goes on", s.writeErrAt, err))
			}
		}
	}
	s.Analyzer.Packet(0, p)
}

// tick advances detector time to the wall clock (less the lag), refreshes
// the kernel counters and, when someone listens, takes a snapshot. The
// final tick always builds the report.
func (s *Session) tick(now time.Time, final bool) *report.Report {
	s.Analyzer.Advance(now.Add(-s.Lag))
	if s.OnTick != nil {
		s.OnTick()
	}
	if st, err := s.Reader.Stats(); err == nil {
		s.stats, s.statsOK = st, true
	}
	if s.Snapshot == nil && !final {
		return nil
	}
	r := s.Analyzer.Report(s.Version, []engine.Input{s.input()})
	if s.writeErr != nil {
		r.Warnings = append(r.Warnings, report.Clean(fmt.Sprintf("%s: saving the raw capture failed after %d packets (%v); the analysis covers every packet", s.Name, s.writeErrAt, s.writeErr)))
	}
	if s.Snapshot != nil {
		s.Snapshot(r, final)
	}
	return r
}

// input describes the capture for the report.
func (s *Session) input() engine.Input {
	in := engine.Input{
		Source: report.Source{
			Name:       s.Name,
			Format:     s.Format,
			Packets:    s.packets,
			Bytes:      s.bytes,
			OutOfOrder: s.outOfOrder,
			Undecoded:  s.undecoded,
		},
		LinkTypes: []decode.LinkType{s.Reader.LinkType()},
		Err:       s.captureErr,
	}
	if s.packets > 0 {
		in.First = &report.Time{Time: s.first}
		in.Last = &report.Time{Time: s.last}
	}
	if s.statsOK {
		st := s.stats
		in.Received, in.Dropped, in.IfDropped = &st.Received, &st.Dropped, &st.IfDropped
	}
	return in
}

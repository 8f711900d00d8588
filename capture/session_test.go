package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/detectors"
	"github.com/wiretale/wiretale/engine"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/report"
	"github.com/wiretale/wiretale/source"
)

var t0 = time.Date(2026, 2, 15, 1, 40, 0, 0, time.UTC)

// fakeClock is a wall clock that moves only when the fake reader waits.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

// fakeReader replays a script: packets at given times, read timeouts
// (which move the clock on by the timeout), then an error or EOF.
type fakeReader struct {
	clock   *fakeClock
	timeout time.Duration
	script  []step
	i       int
	lt      decode.LinkType
	stats   Stats
	statsN  int
	closed  bool
	end     error // after the script; nil means keep timing out
}

type step struct {
	at   time.Time // packet time; zero means a read timeout
	data []byte
}

func (r *fakeReader) Next(p *source.Packet) error {
	if r.i >= len(r.script) {
		if r.end != nil {
			return r.end
		}
		r.clock.now = r.clock.now.Add(r.timeout)
		return ErrTimeout
	}
	s := r.script[r.i]
	r.i++
	if s.at.IsZero() {
		r.clock.now = r.clock.now.Add(r.timeout)
		return ErrTimeout
	}
	if s.at.After(r.clock.now) {
		r.clock.now = s.at
	}
	p.Data, p.Time, p.WireLen, p.LinkType = s.data, s.at, len(s.data), r.lt
	p.Number = -1 // the session must number packets itself
	return nil
}

func (r *fakeReader) LinkType() decode.LinkType { return r.lt }
func (r *fakeReader) Stats() (Stats, error)     { r.statsN++; return r.stats, nil }
func (r *fakeReader) Close()                    { r.closed = true }

// silence is a time-based detector: it reports when no frame came for
// 2 s, at the moment Advance says so, like a VRRP master gone quiet.
type silence struct {
	last     time.Time
	lastNum  int64
	fired    time.Time
	advances []time.Time
}

func (s *silence) Observe(f *decode.Frame) { s.last, s.lastNum = f.Time, f.Number }
func (s *silence) Advance(now time.Time) {
	s.advances = append(s.advances, now)
	if s.fired.IsZero() && !s.last.IsZero() && now.Sub(s.last) > 2*time.Second {
		s.fired = now
	}
}
func (s *silence) Findings() []report.Finding {
	if s.fired.IsZero() {
		return nil
	}
	return []report.Finding{{
		Detector: "silence", Code: "silence.gap", Severity: report.Critical, Subject: "wire",
		Summary: "the wire went quiet", First: report.Time{Time: s.last}, Last: report.Time{Time: s.fired}, Count: 1,
		Frames: []int64{s.lastNum},
		Events: []report.Event{{Time: report.Time{Time: s.fired}, Severity: report.Critical, Text: fmt.Sprintf("silent %.2f s", s.fired.Sub(s.last).Seconds())}},
	}}
}

func silenceInfo() detectors.Info { return detectors.Info{Name: "silence"} }

func frame() []byte {
	return craft.Ethernet(craft.MustMAC("52:54:00:00:00:02"), craft.MustMAC("52:54:00:00:00:01"), nil, 0x0800, craft.Bytes(100, 1))
}

func newTestSession(script []step, det detectors.Detector) (*Session, *fakeReader, *fakeClock) {
	clock := &fakeClock{now: t0}
	r := &fakeReader{clock: clock, timeout: 250 * time.Millisecond, script: script, lt: decode.LinkEthernet}
	s := &Session{
		Reader:   r,
		Analyzer: engine.NewAnalyzer([]detectors.Detector{det}, []detectors.Info{silenceInfo()}),
		Name:     "br0",
		Format:   "live (test)",
		Version:  "test",
		Lag:      250 * time.Millisecond,
		Clock:    clock.Now,
	}
	return s, r, clock
}

// TestSessionAdvancesOnQuietWire: a detector's time moves on with the wall
// clock while no packet arrives, so a silence is reported during the
// capture, not when the next packet comes (there is none here).
func TestSessionAdvancesOnQuietWire(t *testing.T) {
	det := &silence{}
	script := []step{{at: t0.Add(100 * time.Millisecond), data: frame()}}
	s, _, _ := newTestSession(script, det)
	s.Duration = 5 * time.Second
	var snaps []*report.Report
	s.Snapshot = func(r *report.Report, final bool) {
		if !final {
			snaps = append(snaps, r)
		}
	}
	res := s.Run(context.Background())
	if res.Err != nil || !strings.Contains(res.Stopped, "--duration") {
		t.Fatalf("stopped %q, err %v", res.Stopped, res.Err)
	}
	// Detector time lags the clock by one read timeout, so the 2 s silence
	// after the packet at 0.1 s is seen at the first tick past 2.35 s.
	if det.fired.IsZero() {
		t.Fatal("the silence was never reported")
	}
	if got, want := det.fired.Sub(t0), 2350*time.Millisecond; got < want || got > want+time.Second {
		t.Errorf("silence reported at +%s, want the first tick after +%s", got, want)
	}
	found := -1
	for i, r := range snaps {
		if len(r.Findings) > 0 && found < 0 {
			found = i
		}
	}
	if found < 0 || found >= len(snaps)-1 {
		t.Errorf("the finding appeared in snapshot %d of %d; want it while the capture still runs", found, len(snaps))
	}
	for i := 1; i < len(det.advances); i++ {
		if det.advances[i].Before(det.advances[i-1]) {
			t.Fatalf("detector time went back: %v", det.advances)
		}
	}
	if len(snaps) < 4 {
		t.Errorf("%d snapshots over 5 s with a 1 s tick", len(snaps))
	}
}

// TestSessionCountAndNumbering stops after --count packets and numbers
// frames 1.. in capture order, whatever the reader set.
func TestSessionCountAndNumbering(t *testing.T) {
	det := &silence{}
	var script []step
	for i := 0; i < 5; i++ {
		script = append(script, step{at: t0.Add(time.Duration(i) * 10 * time.Millisecond), data: frame()})
	}
	s, r, _ := newTestSession(script, det)
	s.Count = 3
	var written []int64
	s.Write = func(p *source.Packet) error { written = append(written, p.Number); return nil }
	res := s.Run(context.Background())
	if res.Report.Packets != 3 || det.lastNum != 3 || fmt.Sprint(written) != "[1 2 3]" {
		t.Errorf("packets %d, last frame number %d, written %v; want 3 packets numbered 1..3", res.Report.Packets, det.lastNum, written)
	}
	if !strings.Contains(res.Stopped, "--count") || r.i != 3 {
		t.Errorf("stopped %q after reading %d packets", res.Stopped, r.i)
	}
	src := res.Report.Sources[0]
	if src.Name != "br0" || src.Packets != 3 || src.Bytes != int64(3*len(frame())) || src.First == nil || !src.First.Equal(t0) {
		t.Errorf("source %+v", src)
	}
}

// TestSessionDropsInReport: the kernel's counters reach the report's
// source, and drops become a warning.
func TestSessionDropsInReport(t *testing.T) {
	s, r, _ := newTestSession([]step{{at: t0, data: frame()}}, &silence{})
	r.stats = Stats{Received: 1000, Dropped: 990, IfDropped: 3}
	s.Count = 1
	res := s.Run(context.Background())
	src := res.Report.Sources[0]
	if src.Received == nil || *src.Received != 1000 || *src.Dropped != 990 || *src.IfDropped != 3 {
		t.Fatalf("kernel counters in the source: %+v", src)
	}
	want := "br0: the kernel dropped 990 of 1000 packets (capture buffer full: raise --buffer or narrow --filter) and the interface counted 3 receive drops (rx_dropped); findings may be incomplete"
	if len(res.Report.Warnings) != 1 || res.Report.Warnings[0] != want {
		t.Errorf("warnings %q\nwant %q", res.Report.Warnings, want)
	}

	// No drops, no warning; the counters are still there (zero).
	s, r, _ = newTestSession([]step{{at: t0, data: frame()}}, &silence{})
	r.stats = Stats{Received: 1}
	s.Count = 1
	res = s.Run(context.Background())
	if src := res.Report.Sources[0]; src.Dropped == nil || *src.Dropped != 0 || len(res.Report.Warnings) != 0 {
		t.Errorf("clean capture: source %+v, warnings %q", src, res.Report.Warnings)
	}
}

// TestSessionEnds covers the other ways out: a cancelled context
// (SIGINT), a broken capture, a failing --write.
func TestSessionEnds(t *testing.T) {
	t.Run("interrupted", func(t *testing.T) {
		s, _, _ := newTestSession(nil, &silence{})
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		s.OnTick = func() {
			if n++; n == 3 {
				cancel()
			}
		}
		res := s.Run(ctx)
		if res.Stopped != "interrupted" || res.Err != nil || res.Report == nil {
			t.Errorf("stopped %q err %v", res.Stopped, res.Err)
		}
	})
	t.Run("capture broke", func(t *testing.T) {
		s, r, _ := newTestSession([]step{{at: t0, data: frame()}}, &silence{})
		r.end = errors.New("capture on br0 failed: The interface went down")
		res := s.Run(context.Background())
		if res.Err != r.end || res.Report.Packets != 1 {
			t.Fatalf("err %v packets %d", res.Err, res.Report.Packets)
		}
		src := res.Report.Sources[0]
		if !src.Truncated || src.Error == nil || !strings.Contains(*src.Error, "went down") {
			t.Errorf("source %+v does not say the capture broke", src)
		}
	})
	t.Run("closed", func(t *testing.T) {
		s, r, _ := newTestSession(nil, &silence{})
		r.end = io.EOF
		if res := s.Run(context.Background()); res.Err != nil || res.Stopped != "capture closed" {
			t.Errorf("stopped %q err %v", res.Stopped, res.Err)
		}
	})
	t.Run("write fails", func(t *testing.T) {
		s, _, _ := newTestSession([]step{{at: t0, data: frame()}, {at: t0, data: frame()}, {at: t0, data: frame()}}, &silence{})
		s.Count = 3
		writes := 0
		s.Write = func(*source.Packet) error {
			if writes++; writes == 2 {
				return errors.New("no space left on device")
			}
			return nil
		}
		var warned []string
		s.Warn = func(m string) { warned = append(warned, m) }
		res := s.Run(context.Background())
		if writes != 2 || res.Report.Packets != 3 || len(warned) != 1 {
			t.Errorf("writes %d packets %d warnings %q: writing must stop, analysis go on", writes, res.Report.Packets, warned)
		}
		if !containsText(res.Report.Warnings, "saving the raw capture failed after 1 packets (no space left on device)") {
			t.Errorf("report warnings %q", res.Report.Warnings)
		}
	})
}

// TestSessionAllocations: the per-packet path allocates nothing (the
// detectors' own paths aside), so days of capture add no garbage.
func TestSessionAllocations(t *testing.T) {
	dets, infos, err := detectors.Build(detectors.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := &Session{Analyzer: engine.NewAnalyzer(dets, infos), Write: func(*source.Packet) error { return nil }}
	p := source.Packet{Data: frame(), Time: t0, WireLen: len(frame()), LinkType: decode.LinkEthernet}
	if n := testing.AllocsPerRun(1000, func() { s.packet(&p) }); n != 0 {
		t.Errorf("%v allocations per packet", n)
	}
}

func BenchmarkSessionPacket(b *testing.B) {
	dets, infos, err := detectors.Build(detectors.Config{})
	if err != nil {
		b.Fatal(err)
	}
	s := &Session{Analyzer: engine.NewAnalyzer(dets, infos)}
	p := source.Packet{Data: frame(), Time: t0, WireLen: len(frame()), LinkType: decode.LinkEthernet}
	b.ReportAllocs()
	for b.Loop() {
		s.packet(&p)
	}
}

func containsText(list []string, s string) bool {
	for _, l := range list {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

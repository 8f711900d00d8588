package detectors

import (
	"testing"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
)

// uninteresting is a frame no detector cares about: a full-size tenant
// TCP segment on one VLAN, what most of a hypervisor uplink carries.
func uninteresting() *decode.Frame {
	data := ipFrame(instMAC, []craft.Tag{{VID: 100}}, 1500, true)
	f := &decode.Frame{WireLen: len(data), Number: 1}
	decode.Decode(f, decode.LinkEthernet, data)
	return f
}

// BenchmarkObserveUninteresting measures each detector's own cost on a
// frame it does not care about; the performance target is under 20 ns.
func BenchmarkObserveUninteresting(b *testing.B) {
	f := uninteresting()
	for _, in := range Registry() {
		b.Run(in.Name, func(b *testing.B) {
			d := in.New(Config{})
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				d.Observe(f)
			}
		})
	}
}

// TestObserveUninterestingIsCheap guards the 20 ns budget loosely (a busy
// CI machine is slow): 200 ns per frame would mean a detector does real
// work on frames it should skip.
func TestObserveUninterestingIsCheap(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	f := uninteresting()
	for _, in := range Registry() {
		d := in.New(Config{})
		const n = 200000
		best := time.Hour
		for try := 0; try < 3; try++ {
			start := time.Now()
			for i := 0; i < n; i++ {
				d.Observe(f)
			}
			best = min(best, time.Since(start))
		}
		if ns := best.Nanoseconds() / n; ns > 200 {
			t.Errorf("%s: %d ns per uninteresting frame", in.Name, ns)
		}
	}
}

package engine_test

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/detectors"
	"github.com/wiretale/wiretale/engine"
	"github.com/wiretale/wiretale/internal/capwrite"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/source"
)

// uplink builds an in-memory capture of ordinary tenant traffic: what the
// hot path sees nearly all the time.
func uplink(tb testing.TB, frames int) []byte {
	a, b := netip.MustParseAddr("10.1.0.5"), netip.MustParseAddr("10.1.0.1")
	var templates [][]byte
	for i, size := range []int{1460, 0, 512, 96} {
		seg := craft.TCP(a, b, 40000, 443, 1, 1, craft.ACK, make([]byte, size))
		templates = append(templates, craft.Ethernet(craft.MustMAC("52:54:00:aa:00:01"), craft.MustMAC("fa:16:3e:10:00:01"),
			[]craft.Tag{{VID: uint16(100 + i)}}, decode.EtherTypeIPv4, craft.IP(a, b, decode.ProtoTCP, seg)))
	}
	pkts := make([]capwrite.Packet, frames)
	t0 := time.Date(2026, 2, 15, 1, 0, 0, 0, time.UTC)
	for i := range pkts {
		pkts[i] = capwrite.Packet{Time: t0.Add(time.Duration(i) * time.Millisecond), Data: templates[i%len(templates)]}
	}
	var buf bytes.Buffer
	if err := capwrite.WritePcap(&buf, capwrite.PcapOptions{LinkType: 1}, pkts); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestHotPathAllocatesNothing: reading, decoding and running every
// detector over ordinary frames allocates nothing per frame; what is
// allocated is per source (buffers) and per report.
func TestHotPathAllocatesNothing(t *testing.T) {
	data := uplink(t, 20000)
	dets, infos, err := detectors.Build(detectors.Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := engine.NewAnalyzer(dets, infos)
	s, err := source.FromReader("uplink", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var p source.Packet
	// Warm up: the first packets size the reader's buffers.
	for i := 0; i < 100; i++ {
		if err := s.Next(&p); err != nil {
			t.Fatal(err)
		}
		a.Packet(0, &p)
	}
	allocs := testing.AllocsPerRun(10000, func() {
		if err := s.Next(&p); err != nil {
			t.Fatal(err)
		}
		a.Packet(0, &p)
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per frame on the hot path", allocs)
	}
}

// BenchmarkPipeline measures a whole analysis (read, decode, every
// detector, report) per frame, from memory.
func BenchmarkPipeline(b *testing.B) {
	data := uplink(b, 100000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s, err := source.FromReader("uplink", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		dets, infos, _ := detectors.Build(detectors.Config{})
		engine.Run([]*source.Source{s}, dets, infos, "bench")
		s.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100000, "ns/frame")
}

package source_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/capwrite"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/source"
)

var t0 = time.Date(2026, 2, 15, 1, 40, 18, 123456789, time.UTC)

func testPackets() []capwrite.Packet {
	var pkts []capwrite.Packet
	for i := 0; i < 5; i++ {
		data := craft.Ethernet(craft.MustMAC("52:54:00:00:00:01"), craft.MustMAC("fa:16:3e:00:00:01"),
			[]craft.Tag{{VID: 20}, {VID: 100}}, decode.EtherTypeIPv4, craft.Bytes(100*i+20, byte(i)))
		pkts = append(pkts, capwrite.Packet{Time: t0.Add(time.Duration(i) * 1500 * time.Millisecond), Data: data})
	}
	// A snap-length-truncated record: 64 bytes captured of 1522.
	pkts[2].WireLen = len(pkts[2].Data) + 1000
	return pkts
}

func encode(t *testing.T, write func(io.Writer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAll(t *testing.T, s *source.Source) []source.Packet {
	t.Helper()
	var out []source.Packet
	for {
		var p source.Packet
		err := s.Next(&p)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		p.Data = append([]byte(nil), p.Data...)
		out = append(out, p)
	}
}

// TestEveryInputKind writes the same packets in every container wiretale
// reads and checks that each reads back identically: timestamps to the
// resolution the container keeps, original and captured lengths, link type.
func TestEveryInputKind(t *testing.T) {
	pkts := testPackets()
	eth := uint32(decode.LinkEthernet)
	pcap := func(o capwrite.PcapOptions) func(io.Writer) error {
		return func(w io.Writer) error { return capwrite.WritePcap(w, o, pkts) }
	}
	ng := func(big bool, resol uint8) func(io.Writer) error {
		return func(w io.Writer) error {
			nw, err := capwrite.NewNgWriter(w, big, capwrite.Interface{LinkType: uint16(eth), TSResol: resol})
			if err != nil {
				return err
			}
			for _, p := range pkts {
				if err := nw.Write(p); err != nil {
					return err
				}
			}
			return nil
		}
	}
	kinds := []struct {
		name       string
		data       []byte
		format     string
		resolution time.Duration
	}{
		{"pcap-le-usec", encode(t, pcap(capwrite.PcapOptions{LinkType: eth})), "pcap", time.Microsecond},
		{"pcap-be-usec", encode(t, pcap(capwrite.PcapOptions{LinkType: eth, BigEndian: true})), "pcap", time.Microsecond},
		{"pcap-le-nsec", encode(t, pcap(capwrite.PcapOptions{LinkType: eth, Nanosecond: true})), "pcap (nanosecond)", time.Nanosecond},
		{"pcap-be-nsec", encode(t, pcap(capwrite.PcapOptions{LinkType: eth, BigEndian: true, Nanosecond: true})), "pcap (nanosecond)", time.Nanosecond},
		{"pcapng-le-usec", encode(t, ng(false, 0)), "pcapng", time.Microsecond},
		{"pcapng-be-nsec", encode(t, ng(true, 9)), "pcapng", time.Nanosecond},
		{"pcapng-le-2^-20", encode(t, ng(false, 0x80|20)), "pcapng", time.Microsecond},
	}
	for _, k := range kinds {
		for _, compressed := range []bool{false, true} {
			name, data, format := k.name, k.data, k.format
			if compressed {
				name, data, format = name+".gz", gz(t, data), format+", gzip"
			}
			t.Run(name, func(t *testing.T) {
				s, err := source.FromReader(name, bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if s.Format != format {
					t.Errorf("format %q, want %q", s.Format, format)
				}
				got := readAll(t, s)
				if len(got) != len(pkts) {
					t.Fatalf("%d packets, want %d", len(got), len(pkts))
				}
				for i, p := range got {
					want := pkts[i].Time.Truncate(k.resolution)
					if d := p.Time.Sub(want); d < -k.resolution || d > k.resolution {
						t.Errorf("packet %d time %s, want %s", i, p.Time.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
					}
					if p.LinkType != decode.LinkEthernet || p.Number != int64(i+1) {
						t.Errorf("packet %d: link %s number %d", i, p.LinkType, p.Number)
					}
					if !bytes.Equal(p.Data, pkts[i].Data) {
						t.Errorf("packet %d data differs", i)
					}
					wire := pkts[i].WireLen
					if wire == 0 {
						wire = len(pkts[i].Data)
					}
					if p.WireLen != wire {
						t.Errorf("packet %d wire length %d, want %d (the record's original length)", i, p.WireLen, wire)
					}
				}
				if s.Err != nil || s.Packets != 5 || !s.First.Equal(got[0].Time) || !s.Last.Equal(got[4].Time) {
					t.Errorf("counters: err %v packets %d first %s last %s", s.Err, s.Packets, s.First, s.Last)
				}
			})
		}
	}
}

// TestPcapngMixedInterfaces: several interfaces with different link types
// and timestamp resolutions in one file.
func TestPcapngMixedInterfaces(t *testing.T) {
	ip := craft.IP(craft.MustAddr("10.0.0.1"), craft.MustAddr("10.0.0.2"), 17, craft.UDP(craft.MustAddr("10.0.0.1"), craft.MustAddr("10.0.0.2"), 1, 2, nil))
	data := encode(t, func(w io.Writer) error {
		nw, err := capwrite.NewNgWriter(w, false,
			capwrite.Interface{LinkType: uint16(decode.LinkEthernet), Name: "bond0", TSResol: 9},
			capwrite.Interface{LinkType: uint16(decode.LinkLinuxSLL2), Name: "any"},
			capwrite.Interface{LinkType: uint16(decode.LinkRaw), Name: "tun0", TSResol: 3})
		if err != nil {
			return err
		}
		pk := []capwrite.Packet{
			{Time: t0, Interface: 0, Data: craft.Ethernet(craft.MustMAC("52:54:00:00:00:01"), craft.MustMAC("52:54:00:00:00:02"), nil, 0x0800, ip)},
			{Time: t0.Add(time.Second), Interface: 1, Data: craft.SLL2(1, 0, craft.MustMAC("52:54:00:00:00:02"), 0x0800, ip)},
			{Time: t0.Add(2 * time.Second), Interface: 2, Data: ip},
		}
		for _, p := range pk {
			if err := nw.Write(p); err != nil {
				return err
			}
		}
		return nil
	})
	s, err := source.FromReader("mixed", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, s)
	want := []decode.LinkType{decode.LinkEthernet, decode.LinkLinuxSLL2, decode.LinkRaw}
	if len(got) != 3 {
		t.Fatalf("%d packets", len(got))
	}
	for i, p := range got {
		if p.LinkType != want[i] {
			t.Errorf("packet %d link type %s, want %s", i, p.LinkType, want[i])
		}
	}
	if !got[0].Time.Equal(t0) {
		t.Errorf("nanosecond interface: %s", got[0].Time.Format(time.RFC3339Nano))
	}
	if !got[2].Time.Equal(t0.Add(2 * time.Second).Truncate(time.Millisecond)) {
		t.Errorf("millisecond interface: %s", got[2].Time.Format(time.RFC3339Nano))
	}
	if len(s.LinkTypes) != 3 {
		t.Errorf("LinkTypes %v", s.LinkTypes)
	}
}

func TestRefusedInputs(t *testing.T) {
	pcap := encode(t, func(w io.Writer) error {
		return capwrite.WritePcap(w, capwrite.PcapOptions{LinkType: 1}, testPackets())
	})
	cases := []struct {
		name string
		data []byte
		is   error
		msg  string
	}{
		{"empty", nil, source.ErrEmpty, "empty file"},
		{"text", []byte("hello, this is not a capture\n"), source.ErrNotCapture, "unrecognised magic"},
		{"tiny", []byte{0xd4, 0xc3}, source.ErrNotCapture, "only 2 bytes"},
		{"half header", pcap[:12], source.ErrNotCapture, "pcap header"},
		{"empty gzip", gz(t, nil), source.ErrEmpty, "after decompression"},
		{"gzip text", gz(t, []byte("not a capture at all")), source.ErrNotCapture, "unrecognised magic"},
		{"modified pcap", []byte{0x34, 0xcd, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0}, source.ErrNotCapture, "Kuznetzov"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := source.FromReader(c.name, bytes.NewReader(c.data))
			if err == nil || !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, c.is, c.msg)
			}
		})
	}
	if _, err := source.Open(filepath.Join(t.TempDir(), "missing.pcap"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := source.Open(t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
}

// TestCutShort: a capture cut in the middle of a record (tcpdump killed
// while writing) yields every whole packet, then an error that says so.
func TestCutShort(t *testing.T) {
	pcap := encode(t, func(w io.Writer) error {
		return capwrite.WritePcap(w, capwrite.PcapOptions{LinkType: 1}, testPackets())
	})
	ng := encode(t, func(w io.Writer) error {
		nw, _ := capwrite.NewNgWriter(w, false, capwrite.Interface{LinkType: 1})
		for _, p := range testPackets() {
			nw.Write(p)
		}
		return nil
	})
	for name, data := range map[string][]byte{"pcap": pcap, "pcapng": ng, "pcap.gz": gz(t, pcap)[:len(gz(t, pcap))-30]} {
		cut := data
		if name != "pcap.gz" {
			cut = data[:len(data)-10]
		}
		t.Run(name, func(t *testing.T) {
			s, err := source.FromReader(name, bytes.NewReader(cut))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				var p source.Packet
				err := s.Next(&p)
				if err == io.EOF {
					t.Fatal("clean EOF on a cut capture")
				}
				if err != nil {
					if s.Err == nil || !strings.Contains(err.Error(), "cut short") && !strings.Contains(err.Error(), "corrupt") {
						t.Errorf("error %q does not say the capture is cut short", err)
					}
					break
				}
				n++
			}
			if n != 4 && name != "pcap.gz" {
				t.Errorf("%d whole packets read before the cut, want 4", n)
			}
			if s.Packets != int64(n) {
				t.Errorf("Packets %d, read %d", s.Packets, n)
			}
		})
	}
}

// TestCorruptRecord: a record whose captured length exceeds its original
// length is corrupt; reading stops there with an error.
func TestCorruptRecord(t *testing.T) {
	data := encode(t, func(w io.Writer) error {
		return capwrite.WritePcap(w, capwrite.PcapOptions{LinkType: 1}, testPackets()[:2])
	})
	// Second record's original length field: header 24 + rec 16 + data + 12.
	off := 24 + 16 + len(testPackets()[0].Data) + 12
	copy(data[off:], []byte{1, 0, 0, 0})
	s, err := source.FromReader("corrupt", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var p source.Packet
	if err := s.Next(&p); err != nil {
		t.Fatalf("first record: %v", err)
	}
	if err := s.Next(&p); err == nil || !strings.Contains(err.Error(), "corrupt record") {
		t.Fatalf("second record: %v", err)
	}
	if err := s.Next(&p); err == nil || err == io.EOF {
		t.Fatalf("after the fault Next must keep failing, got %v", err)
	}
}

// TestMergeByTime: several sources come out in timestamp order, ties in
// source order, each packet tagged with its source and per-source number.
func TestMergeByTime(t *testing.T) {
	mk := func(offsets ...int) *source.Source {
		var pk []capwrite.Packet
		for _, o := range offsets {
			pk = append(pk, capwrite.Packet{Time: t0.Add(time.Duration(o) * time.Millisecond), Data: make([]byte, 60)})
		}
		data := encode(t, func(w io.Writer) error { return capwrite.WritePcap(w, capwrite.PcapOptions{LinkType: 1}, pk) })
		s, err := source.FromReader("x", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	srcs := []*source.Source{mk(0, 10, 20, 30), mk(5, 10, 40), mk(), mk(1)}
	m := source.NewMerger(srcs)
	type got struct {
		src int
		num int64
		ms  int64
	}
	var seq []got
	for {
		p, idx, err := m.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seq = append(seq, got{idx, p.Number, p.Time.Sub(t0).Round(time.Millisecond).Milliseconds()})
	}
	want := []got{{0, 1, 0}, {3, 1, 1}, {1, 1, 5}, {0, 2, 10}, {1, 2, 10}, {0, 3, 20}, {0, 4, 30}, {1, 3, 40}}
	if len(seq) != len(want) {
		t.Fatalf("got %v, want %v", seq, want)
	}
	for i := range want {
		if seq[i] != want[i] {
			t.Fatalf("position %d: got %+v, want %+v (all: %v)", i, seq[i], want[i], seq)
		}
	}
}

func TestOutOfOrderCounted(t *testing.T) {
	pk := []capwrite.Packet{
		{Time: t0, Data: make([]byte, 60)},
		{Time: t0.Add(-time.Second), Data: make([]byte, 60)},
		{Time: t0.Add(time.Second), Data: make([]byte, 60)},
	}
	data := encode(t, func(w io.Writer) error { return capwrite.WritePcap(w, capwrite.PcapOptions{LinkType: 1}, pk) })
	s, _ := source.FromReader("x", bytes.NewReader(data))
	readAll(t, s)
	if s.OutOfOrder != 1 || !s.Last.Equal(t0.Add(time.Second).Truncate(time.Microsecond)) {
		t.Errorf("OutOfOrder %d Last %s", s.OutOfOrder, s.Last)
	}
}

func TestUnknownLinkTypeCounted(t *testing.T) {
	data := encode(t, func(w io.Writer) error {
		return capwrite.WritePcap(w, capwrite.PcapOptions{LinkType: 160}, []capwrite.Packet{{Time: t0, Data: []byte{1, 2, 3}}})
	})
	s, err := source.FromReader("x", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, s)
	if s.Undecoded != 1 || s.LinkTypes[0].Known() || s.LinkTypes[0].String() != "linktype-160" {
		t.Errorf("Undecoded %d LinkTypes %v", s.Undecoded, s.LinkTypes)
	}
}

func BenchmarkReadPcap(b *testing.B) {
	var pk []capwrite.Packet
	for i := 0; i < 10000; i++ {
		pk = append(pk, capwrite.Packet{Time: t0.Add(time.Duration(i) * time.Microsecond), Data: make([]byte, 60+i%1400)})
	}
	var buf bytes.Buffer
	capwrite.WritePcap(&buf, capwrite.PcapOptions{LinkType: 1}, pk)
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := source.FromReader("bench", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		var p source.Packet
		for s.Next(&p) == nil {
		}
	}
}

type packet = source.Packet

func sourceFromBytes(b []byte) (*source.Source, error) {
	return source.FromReader("fuzz", bytes.NewReader(b))
}

package decode_test

import (
	"net/netip"
	"testing"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
)

var (
	srcMAC = craft.MustMAC("fa:16:3e:24:e7:22")
	dstMAC = craft.MustMAC("52:54:00:00:00:01")
	ip4a   = netip.MustParseAddr("10.0.0.1")
	ip4b   = netip.MustParseAddr("10.0.0.2")
	ip6a   = netip.MustParseAddr("2001:db8::1")
	ip6b   = netip.MustParseAddr("2001:db8::2")
)

func udp4(payload int) []byte {
	return craft.IP(ip4a, ip4b, decode.ProtoUDP, craft.UDP(ip4a, ip4b, 68, 67, make([]byte, payload)))
}

func decodeFrame(lt decode.LinkType, data []byte) decode.Frame {
	var f decode.Frame
	f.WireLen = len(data)
	decode.Decode(&f, lt, data)
	return f
}

func TestEthernetVLANStack(t *testing.T) {
	cases := []struct {
		name string
		tags []craft.Tag
	}{
		{"untagged", nil},
		{"one C-tag", []craft.Tag{{VID: 100, PCP: 3}}},
		{"QinQ 802.1ad", []craft.Tag{{TPID: 0x88a8, VID: 20}, {VID: 100}}},
		{"C-tag in C-tag", []craft.Tag{{VID: 20}, {VID: 100}}},
		{"0x9100 outer", []craft.Tag{{TPID: 0x9100, VID: 7}, {VID: 8}}},
		{"three tags", []craft.Tag{{TPID: 0x88a8, VID: 1}, {VID: 2}, {VID: 3}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := craft.Ethernet(dstMAC, srcMAC, c.tags, decode.EtherTypeIPv4, udp4(300))
			f := decodeFrame(decode.LinkEthernet, data)
			if !f.HasEthernet || f.Src != srcMAC || f.Dst != dstMAC {
				t.Fatalf("ethernet header: %+v", f)
			}
			if f.NumTags != len(c.tags) {
				t.Fatalf("NumTags = %d, want %d", f.NumTags, len(c.tags))
			}
			for i, tag := range c.tags {
				tpid := tag.TPID
				if tpid == 0 {
					tpid = 0x8100
				}
				got := f.Tags[i]
				if got.TPID != tpid || got.VID != tag.VID || got.PCP != tag.PCP {
					t.Errorf("tag %d = %+v, want TPID %#x VID %d PCP %d", i, got, tpid, tag.VID, tag.PCP)
				}
			}
			if f.EtherType != decode.EtherTypeIPv4 || f.L3Off != 14+4*len(c.tags) {
				t.Errorf("EtherType %#x L3Off %d", f.EtherType, f.L3Off)
			}
			if f.IPVersion != 4 || f.SrcIP != ip4a || f.DstIP != ip4b || f.Proto != decode.ProtoUDP {
				t.Errorf("IP: v%d %s→%s proto %d", f.IPVersion, f.SrcIP, f.DstIP, f.Proto)
			}
			if !f.HasPorts || f.SrcPort != 68 || f.DstPort != 67 || len(f.L4Payload()) != 300 {
				t.Errorf("UDP: %v %d→%d payload %d", f.HasPorts, f.SrcPort, f.DstPort, len(f.L4Payload()))
			}
			if f.L3Len() != 328 {
				t.Errorf("L3Len = %d, want 328", f.L3Len())
			}
			if f.Truncated {
				t.Error("Truncated set on a whole frame")
			}
		})
	}
}

// TestDeepVLANStack: hundreds of tags are walked and counted, the first
// MaxTags kept, and nothing breaks.
func TestDeepVLANStack(t *testing.T) {
	tags := make([]craft.Tag, 300)
	for i := range tags {
		tags[i] = craft.Tag{VID: uint16(i + 1)}
	}
	f := decodeFrame(decode.LinkEthernet, craft.Ethernet(dstMAC, srcMAC, tags, decode.EtherTypeIPv4, udp4(10)))
	if f.NumTags != 300 || f.Tags[decode.MaxTags-1].VID != decode.MaxTags || f.IPVersion != 4 {
		t.Fatalf("NumTags %d, last kept VID %d, IP v%d", f.NumTags, f.Tags[decode.MaxTags-1].VID, f.IPVersion)
	}
}

func TestDot3LLC(t *testing.T) {
	llc := append([]byte{0x42, 0x42, 0x03}, make([]byte, 35)...)
	for _, tags := range [][]craft.Tag{nil, {{VID: 10}}} {
		data := craft.Dot3(craft.MustMAC("01:80:c2:00:00:00"), srcMAC, tags, llc)
		f := decodeFrame(decode.LinkEthernet, data)
		if !f.LLC || f.EtherType != 0 || f.IPVersion != 0 {
			t.Fatalf("LLC %v EtherType %#x", f.LLC, f.EtherType)
		}
		if p := f.LLCPayload(); len(p) != len(llc) || p[0] != 0x42 {
			t.Fatalf("LLC payload %d bytes (padding must be cut): % x", len(p), p)
		}
	}
}

func TestCookedAndRaw(t *testing.T) {
	ip := udp4(100)
	cases := []struct {
		name    string
		lt      decode.LinkType
		data    []byte
		wantMAC bool
		l3Off   int
	}{
		{"sll", decode.LinkLinuxSLL, craft.SLL(4, srcMAC, decode.EtherTypeIPv4, ip), true, 16},
		{"sll2", decode.LinkLinuxSLL2, craft.SLL2(2, 0, srcMAC, decode.EtherTypeIPv4, ip), true, 20},
		{"raw 101", decode.LinkRaw, ip, false, 0},
		{"raw 12", decode.LinkRawOpenBSD, ip, false, 0},
		{"ipv4 228", decode.LinkIPv4, ip, false, 0},
		{"null LE", decode.LinkNull, append([]byte{2, 0, 0, 0}, ip...), false, 4},
		{"loop", decode.LinkLoop, append([]byte{0, 0, 0, 2}, ip...), false, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := decodeFrame(c.lt, c.data)
			if f.HasEthernet || f.NumTags != 0 {
				t.Error("no Ethernet header expected")
			}
			if f.HasSrcMAC != c.wantMAC || (c.wantMAC && f.Src != srcMAC) {
				t.Errorf("src MAC %v %s", f.HasSrcMAC, f.Src)
			}
			if f.IPVersion != 4 || f.L3Off != c.l3Off || f.DstPort != 67 || len(f.L4Payload()) != 100 {
				t.Errorf("IP v%d L3Off %d port %d payload %d", f.IPVersion, f.L3Off, f.DstPort, len(f.L4Payload()))
			}
		})
	}
	v6 := craft.IPv6(ip6a, ip6b, decode.ProtoUDP, 255, craft.UDP(ip6a, ip6b, 546, 547, make([]byte, 20)))
	for _, lt := range []decode.LinkType{decode.LinkRaw, decode.LinkIPv6} {
		f := decodeFrame(lt, v6)
		if f.IPVersion != 6 || f.SrcIP != ip6a || f.TTL != 255 || f.DstPort != 547 {
			t.Errorf("%s: IPv6 v%d %s hop %d port %d", lt, f.IPVersion, f.SrcIP, f.TTL, f.DstPort)
		}
	}
	f := decodeFrame(decode.LinkNull, append([]byte{30, 0, 0, 0}, v6...))
	if f.IPVersion != 6 {
		t.Errorf("null/AF_INET6(30): IP v%d", f.IPVersion)
	}
	sllLLC := craft.SLL(0, srcMAC, 0x0004, []byte{0x42, 0x42, 0x03, 0, 0})
	if f := decodeFrame(decode.LinkLinuxSLL, sllLLC); !f.LLC || len(f.LLCPayload()) != 5 {
		t.Errorf("SLL 802.2: LLC %v payload %d", f.LLC, len(f.LLCPayload()))
	}
}

func TestIPv6ExtensionHeaders(t *testing.T) {
	udp := craft.UDP(ip6a, ip6b, 1, 2, make([]byte, 8))
	hbh := append([]byte{decode.ProtoUDP, 0, 1, 4, 0, 0, 0, 0}, udp...) // hop-by-hop → UDP
	frag := append([]byte{0, 0, 0, 0, 0, 0, 0, 1}, hbh...)              // fragment (offset 0) → hop-by-hop
	pkt := craft.IPv6(ip6a, ip6b, 44, 64, frag)
	f := decodeFrame(decode.LinkRaw, pkt)
	if f.Proto != decode.ProtoUDP || f.Fragment || f.DstPort != 2 {
		t.Fatalf("proto %d fragment %v port %d", f.Proto, f.Fragment, f.DstPort)
	}
	later := append([]byte{decode.ProtoUDP, 0, 0x05, 0x00, 0, 0, 0, 1}, udp...) // offset 160: not the first fragment
	f = decodeFrame(decode.LinkRaw, craft.IPv6(ip6a, ip6b, 44, 64, later))
	if !f.Fragment || f.HasPorts {
		t.Fatalf("later fragment decoded ports: %+v", f)
	}
}

func TestIPv4LengthFields(t *testing.T) {
	seg := craft.TCP(ip4a, ip4b, 1, 2, 0, 0, craft.ACK, make([]byte, 3000))
	tso := craft.IPv4(ip4a, ip4b, decode.ProtoTCP, craft.IPv4Options{LenField: -1}, seg)
	f := decodeFrame(decode.LinkRaw, tso)
	if f.IPLenField != 0 || f.End != len(tso) || !f.HasPorts {
		t.Fatalf("TSO length 0: field %d End %d ports %v", f.IPLenField, f.End, f.HasPorts)
	}
	// A length field larger than the frame (hostile) is cut to the bytes.
	big := craft.IPv4(ip4a, ip4b, decode.ProtoUDP, craft.IPv4Options{LenField: 60000}, craft.UDP(ip4a, ip4b, 1, 2, make([]byte, 10)))
	f = decodeFrame(decode.LinkRaw, big)
	if f.End != len(big) || len(f.L4Payload()) != 10 {
		t.Fatalf("oversized length field: End %d payload %d", f.End, len(f.L4Payload()))
	}
	// Ethernet padding after a short IP packet is not payload.
	eth := craft.Ethernet(dstMAC, srcMAC, nil, decode.EtherTypeIPv4, craft.IP(ip4a, ip4b, decode.ProtoUDP, craft.UDP(ip4a, ip4b, 1, 2, []byte{1, 2})))
	f = decodeFrame(decode.LinkEthernet, eth)
	if len(eth) != 60 || len(f.L4Payload()) != 2 {
		t.Fatalf("padding: frame %d payload %d", len(eth), len(f.L4Payload()))
	}
}

// TestTruncatedNeverPanics cuts frames at every length: Decode must fill
// what it can and never read past the captured bytes.
func TestTruncatedNeverPanics(t *testing.T) {
	frames := map[decode.LinkType][]byte{
		decode.LinkEthernet:  craft.Ethernet(dstMAC, srcMAC, []craft.Tag{{TPID: 0x88a8, VID: 1}, {VID: 2}}, decode.EtherTypeIPv6, craft.IPv6(ip6a, ip6b, decode.ProtoTCP, 0, craft.TCP(ip6a, ip6b, 1, 2, 0, 0, 0, nil))),
		decode.LinkLinuxSLL:  craft.SLL(0, srcMAC, decode.EtherTypeIPv4, udp4(4)),
		decode.LinkLinuxSLL2: craft.SLL2(1, 0, srcMAC, decode.EtherTypeIPv4, udp4(4)),
		decode.LinkRaw:       udp4(4),
		decode.LinkNull:      append([]byte{2, 0, 0, 0}, udp4(4)...),
	}
	for lt, data := range frames {
		headers := len(data)
		if lt != decode.LinkEthernet {
			headers -= 4 // the UDP payload; a cut there is not inside a header
		}
		for n := 0; n < headers; n++ {
			f := decodeFrame(lt, data[:n])
			if !f.Truncated {
				t.Errorf("%s cut at %d of %d bytes: Truncated not set", lt, n, len(data))
			}
			_ = f.L4Payload()
			_ = f.L3Payload()
			_ = f.LLCPayload()
		}
		if f := decodeFrame(lt, data); f.Truncated {
			t.Errorf("%s whole frame marked truncated", lt)
		}
	}
	f := decodeFrame(decode.LinkEthernet, frames[decode.LinkEthernet][:20])
	if !f.Truncated || f.NumTags != 1 {
		t.Errorf("cut inside the tag stack: Truncated %v NumTags %d", f.Truncated, f.NumTags)
	}
}

func TestFrameReuseClearsState(t *testing.T) {
	var f decode.Frame
	decode.Decode(&f, decode.LinkEthernet, craft.Ethernet(dstMAC, srcMAC, []craft.Tag{{VID: 1}, {VID: 2}}, decode.EtherTypeIPv4, udp4(10)))
	decode.Decode(&f, decode.LinkEthernet, craft.Ethernet(dstMAC, srcMAC, nil, decode.EtherTypeARP, make([]byte, 28)))
	if f.NumTags != 0 || f.IPVersion != 0 || f.HasPorts || f.SrcIP.IsValid() {
		t.Fatalf("state from the previous frame leaked: %+v", f)
	}
}

func TestDecodeAllocatesNothing(t *testing.T) {
	frames := [][]byte{
		craft.Ethernet(dstMAC, srcMAC, []craft.Tag{{VID: 20}, {VID: 100}}, decode.EtherTypeIPv4, udp4(1400)),
		craft.Ethernet(dstMAC, srcMAC, nil, decode.EtherTypeIPv6, craft.IPv6(ip6a, ip6b, decode.ProtoTCP, 0, craft.TCP(ip6a, ip6b, 1, 2, 0, 0, 0, make([]byte, 100)))),
	}
	var f decode.Frame
	for _, data := range frames {
		if n := testing.AllocsPerRun(1000, func() { decode.Decode(&f, decode.LinkEthernet, data) }); n != 0 {
			t.Errorf("Decode allocates %.1f times per frame", n)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	cases := map[string][]byte{
		"tcp-1tag": craft.Ethernet(dstMAC, srcMAC, []craft.Tag{{VID: 100}}, decode.EtherTypeIPv4, craft.IP(ip4a, ip4b, decode.ProtoTCP, craft.TCP(ip4a, ip4b, 1, 2, 0, 0, craft.ACK, make([]byte, 1460)))),
		"udp-qinq": craft.Ethernet(dstMAC, srcMAC, []craft.Tag{{TPID: 0x88a8, VID: 20}, {VID: 100}}, decode.EtherTypeIPv4, udp4(200)),
		"tcp6":     craft.Ethernet(dstMAC, srcMAC, nil, decode.EtherTypeIPv6, craft.IPv6(ip6a, ip6b, decode.ProtoTCP, 0, craft.TCP(ip6a, ip6b, 1, 2, 0, 0, 0, make([]byte, 100)))),
		"arp":      craft.Ethernet(dstMAC, srcMAC, nil, decode.EtherTypeARP, make([]byte, 28)),
	}
	for name, data := range cases {
		b.Run(name, func(b *testing.B) {
			var f decode.Frame
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				decode.Decode(&f, decode.LinkEthernet, data)
			}
		})
	}
}

// Package decode turns captured bytes into a Frame: the link header, the
// VLAN stack, IPv4/IPv6 and the UDP/TCP ports, without allocating.
//
// One Frame is reused for every packet of a capture. Its Data slice points
// into the reader's buffer and is only valid until the next packet, so
// anything kept beyond Observe must be copied out (MAC arrays, netip.Addr
// values and integers are copies already).
package decode

import (
	"net/netip"
	"time"
)

// MaxTags is how many VLAN tags a Frame records. Deeper stacks are still
// walked and counted in NumTags; only their first MaxTags tags are kept.
const MaxTags = 8

// VLANTag is one 802.1Q/802.1ad tag (IEEE 802.1Q-2018 §9.6).
type VLANTag struct {
	TPID uint16 // 0x8100 C-tag, 0x88a8 S-tag, 0x9100 pre-standard QinQ
	VID  uint16
	PCP  uint8
	DEI  bool
}

// Frame is one decoded packet. Fields past the capture metadata are valid
// only when the corresponding Has* flag or version is set.
type Frame struct {
	// Capture metadata.
	Source   int       // index of the input this frame came from
	Number   int64     // 1-based frame number within its source, as in Wireshark
	Time     time.Time // capture timestamp (UTC)
	WireLen  int       // original length on the wire, from the record header
	CapLen   int       // bytes captured (≤ WireLen when the snap length cut it)
	LinkType LinkType
	Data     []byte // the captured bytes; only valid until the next frame

	// Layer 2.
	HasEthernet bool // an Ethernet header (with its VLAN stack) is visible
	HasSrcMAC   bool // Src is known (Ethernet, or a cooked header with a 6-byte address)
	Dst, Src    MAC
	Tags        [MaxTags]VLANTag
	NumTags     int    // tags in the stack, including any beyond MaxTags
	EtherType   uint16 // the type after the VLAN stack; 0 for 802.3 length frames
	LLC         bool   // 802.3 length field followed by an 802.2 LLC header at L3Off
	L3Off       int    // offset of the layer-3 header (or of the LLC header)

	// Layer 3.
	IPVersion  uint8 // 0 when the frame carries no IP header, else 4 or 6
	SrcIP      netip.Addr
	DstIP      netip.Addr
	Proto      uint8 // IPv4 protocol or the IPv6 upper-layer next header
	TTL        uint8 // IPv4 TTL or IPv6 hop limit
	IPLenField int   // total length as the header claims it (IPv6: 40 + payload length)
	End        int   // end of the packet's bytes within Data: the IP (or UDP, or 802.3) length, cut to what was captured
	Fragment   bool  // not the first fragment: no layer-4 header follows
	L4Off      int

	// Layer 4.
	HasPorts         bool
	SrcPort, DstPort uint16
	TCPFlags         uint8
	PayloadOff       int // start of the UDP/TCP payload

	// Truncated is set when the captured bytes ended inside a header the
	// decoder was reading; what came before it is still filled in.
	Truncated bool
}

// L3Len is the length of everything after the link header and VLAN stack,
// computed from the wire length so that snap-length truncation and IP
// length fields (zero under TSO, fuzzed in hostile captures) don't matter.
func (f *Frame) L3Len() int {
	n := f.WireLen - f.L3Off
	if n < 0 {
		return 0
	}
	return n
}

// L4Payload returns the UDP or TCP payload that was captured, without
// Ethernet padding. It is nil when the frame has no ports.
func (f *Frame) L4Payload() []byte {
	if !f.HasPorts || f.PayloadOff > f.End {
		return nil
	}
	return f.Data[f.PayloadOff:f.End]
}

// L3Payload returns the bytes after the IP header chain (the layer-4
// header and payload) that were captured, without Ethernet padding.
func (f *Frame) L3Payload() []byte {
	if f.IPVersion == 0 || f.Fragment || f.L4Off > f.End {
		return nil
	}
	return f.Data[f.L4Off:f.End]
}

// LLCPayload returns the bytes after the Ethernet header (and VLAN stack)
// of an 802.3 frame: the LLC header and what follows it, cut to the
// length the 802.3 length field gives.
func (f *Frame) LLCPayload() []byte {
	if !f.LLC || f.L3Off > len(f.Data) {
		return nil
	}
	return f.Data[f.L3Off:f.End]
}

// OuterVLAN returns the VID of the outermost tag and whether there is one.
func (f *Frame) OuterVLAN() (uint16, bool) {
	if f.NumTags == 0 {
		return 0, false
	}
	return f.Tags[0].VID, true
}

// reset clears everything Decode fills in, keeping capture metadata.
func (f *Frame) reset() {
	f.HasEthernet, f.HasSrcMAC = false, false
	f.Dst, f.Src = MAC{}, MAC{}
	f.NumTags = 0
	f.EtherType = 0
	f.LLC = false
	f.L3Off = 0
	f.IPVersion = 0
	f.SrcIP, f.DstIP = netip.Addr{}, netip.Addr{}
	f.Proto, f.TTL = 0, 0
	f.IPLenField, f.End = 0, 0
	f.Fragment = false
	f.L4Off = 0
	f.HasPorts = false
	f.SrcPort, f.DstPort = 0, 0
	f.TCPFlags = 0
	f.PayloadOff = 0
	f.Truncated = false
}

// Decode fills f from data captured on a link of type lt. It never fails:
// it decodes as far as the captured bytes and the headers allow, and sets
// f.Truncated when the capture ended inside a header.
func Decode(f *Frame, lt LinkType, data []byte) {
	f.reset()
	f.LinkType = lt
	f.Data = data
	f.CapLen = len(data)
	switch lt {
	case LinkEthernet:
		decodeEthernet(f, data)
	case LinkLinuxSLL:
		decodeSLL(f, data)
	case LinkLinuxSLL2:
		decodeSLL2(f, data)
	case LinkRaw, LinkRawAlt, LinkRawOpenBSD:
		decodeRawIP(f, data, 0)
	case LinkIPv4:
		decodeIPv4(f, data, 0)
	case LinkIPv6:
		decodeIPv6(f, data, 0)
	case LinkNull, LinkLoop:
		decodeNull(f, data, lt == LinkLoop)
	}
}

// decodeEtherType continues after a link header whose protocol field is et
// and whose payload starts at off, walking any VLAN tags first.
func decodeEtherType(f *Frame, data []byte, et uint16, off int) {
	off, et = decodeVLANStack(f, data, et, off)
	f.EtherType = et
	f.L3Off = off
	switch et {
	case EtherTypeIPv4:
		decodeIPv4(f, data, off)
	case EtherTypeIPv6:
		decodeIPv6(f, data, off)
	}
}

func be16(b []byte, off int) uint16 { return uint16(b[off])<<8 | uint16(b[off+1]) }

// Package craft builds frames byte by byte for the sample captures, the
// tests and the benchmark corpus: Ethernet with any VLAN stack, 802.3/LLC,
// Linux cooked headers, IPv4/IPv6, UDP and TCP with correct checksums.
package craft

import (
	"encoding/binary"
	"net/netip"

	"github.com/wiretale/wiretale/decode"
)

// Tag is one VLAN tag to put on a frame, outermost first.
type Tag struct {
	TPID uint16 // 0 means 0x8100
	VID  uint16
	PCP  uint8
}

// MustMAC parses a colon-form MAC address and panics on a typo: the inputs
// are constants in generators and tests.
func MustMAC(s string) decode.MAC {
	var m decode.MAC
	if len(s) != 17 {
		panic("craft: bad MAC " + s)
	}
	for i := 0; i < 6; i++ {
		m[i] = hexByte(s[i*3], s[i*3+1])
	}
	return m
}

func hexByte(a, b byte) byte { return hexNibble(a)<<4 | hexNibble(b) }

func hexNibble(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	panic("craft: bad hex digit")
}

// Ethernet builds an Ethernet II frame with the given tags around payload.
func Ethernet(dst, src decode.MAC, tags []Tag, etherType uint16, payload []byte) []byte {
	b := make([]byte, 0, 14+4*len(tags)+len(payload))
	b = append(b, dst[:]...)
	b = append(b, src[:]...)
	for _, t := range tags {
		tpid := t.TPID
		if tpid == 0 {
			tpid = decode.EtherTypeDot1Q
		}
		b = binary.BigEndian.AppendUint16(b, tpid)
		b = binary.BigEndian.AppendUint16(b, uint16(t.PCP)<<13|t.VID&0x0fff)
	}
	b = binary.BigEndian.AppendUint16(b, etherType)
	b = append(b, payload...)
	return padEthernet(b)
}

// Dot3 builds an IEEE 802.3 frame whose length field counts llc (the LLC
// header and what follows), with the given tags before it.
func Dot3(dst, src decode.MAC, tags []Tag, llc []byte) []byte {
	return Ethernet(dst, src, tags, uint16(len(llc)), llc)
}

// padEthernet pads a frame to the 60-byte minimum (64 with FCS).
func padEthernet(b []byte) []byte {
	for len(b) < 60 {
		b = append(b, 0)
	}
	return b
}

// SLL builds a Linux cooked v1 frame (LINKTYPE_LINUX_SLL).
func SLL(pktType uint16, src decode.MAC, proto uint16, payload []byte) []byte {
	b := make([]byte, 16, 16+len(payload))
	binary.BigEndian.PutUint16(b[0:], pktType)
	binary.BigEndian.PutUint16(b[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(b[4:], 6)
	copy(b[6:], src[:])
	binary.BigEndian.PutUint16(b[14:], proto)
	return append(b, payload...)
}

// SLL2 builds a Linux cooked v2 frame (LINKTYPE_LINUX_SLL2).
func SLL2(ifindex uint32, pktType uint8, src decode.MAC, proto uint16, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(b[0:], proto)
	binary.BigEndian.PutUint32(b[4:], ifindex)
	binary.BigEndian.PutUint16(b[8:], 1) // ARPHRD_ETHER
	b[10] = pktType
	b[11] = 6
	copy(b[12:], src[:])
	return append(b, payload...)
}

// IPv4Options tunes an IPv4 header; the zero value gives TTL 64, DF set.
type IPv4Options struct {
	TTL        uint8
	ID         uint16
	NoDF       bool
	LenField   int // overrides the total length field when non-zero; -1 writes 0 (as TSO does)
	TOS        uint8
	FragOffset uint16 // in 8-byte units
	MoreFrags  bool
}

// IPv4 builds an IPv4 packet with a correct header checksum.
func IPv4(src, dst netip.Addr, proto uint8, opt IPv4Options, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	b[0] = 0x45
	b[1] = opt.TOS
	total := 20 + len(payload)
	switch {
	case opt.LenField > 0:
		total = opt.LenField
	case opt.LenField < 0:
		total = 0
	}
	binary.BigEndian.PutUint16(b[2:], uint16(total))
	binary.BigEndian.PutUint16(b[4:], opt.ID)
	frag := opt.FragOffset & 0x1fff
	if !opt.NoDF {
		frag |= 0x4000
	}
	if opt.MoreFrags {
		frag |= 0x2000
	}
	binary.BigEndian.PutUint16(b[6:], frag)
	b[8] = opt.TTL
	if b[8] == 0 {
		b[8] = 64
	}
	b[9] = proto
	s4, d4 := src.As4(), dst.As4()
	copy(b[12:], s4[:])
	copy(b[16:], d4[:])
	binary.BigEndian.PutUint16(b[10:], Checksum(b, 0))
	return append(b, payload...)
}

// IPv6 builds an IPv6 packet; hop limit 0 means 64.
func IPv6(src, dst netip.Addr, next uint8, hopLimit uint8, payload []byte) []byte {
	b := make([]byte, 40, 40+len(payload))
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], uint16(len(payload)))
	b[6] = next
	if hopLimit == 0 {
		hopLimit = 64
	}
	b[7] = hopLimit
	s, d := src.As16(), dst.As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	return append(b, payload...)
}

// IP builds an IPv4 or IPv6 packet depending on the addresses, with
// default options.
func IP(src, dst netip.Addr, proto uint8, payload []byte) []byte {
	if src.Is4() {
		return IPv4(src, dst, proto, IPv4Options{}, payload)
	}
	return IPv6(src, dst, proto, 0, payload)
}

// EtherTypeFor returns the EtherType of an IP version's packets.
func EtherTypeFor(a netip.Addr) uint16 {
	if a.Is4() {
		return decode.EtherTypeIPv4
	}
	return decode.EtherTypeIPv6
}

// UDP builds a UDP datagram with its checksum over the pseudo-header.
func UDP(src, dst netip.Addr, sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	b = append(b, payload...)
	sum := Checksum(b, pseudoHeaderSum(src, dst, decode.ProtoUDP, len(b)))
	if sum == 0 {
		sum = 0xffff
	}
	binary.BigEndian.PutUint16(b[6:], sum)
	return b
}

// TCP flag bits.
const (
	FIN = 0x01
	SYN = 0x02
	RST = 0x04
	PSH = 0x08
	ACK = 0x10
)

// TCP builds a TCP segment (20-byte header) with its checksum.
func TCP(src, dst netip.Addr, sport, dport uint16, seq, ack uint32, flags uint8, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint32(b[4:], seq)
	binary.BigEndian.PutUint32(b[8:], ack)
	b[12] = 5 << 4
	b[13] = flags
	binary.BigEndian.PutUint16(b[14:], 64240)
	b = append(b, payload...)
	binary.BigEndian.PutUint16(b[16:], Checksum(b, pseudoHeaderSum(src, dst, decode.ProtoTCP, len(b))))
	return b
}

// Checksum is the Internet checksum (RFC 1071) of b, starting from a
// partial sum.
func Checksum(b []byte, initial uint32) uint16 {
	sum := initial
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// PseudoHeaderSum is the partial checksum of the IPv4 or IPv6 pseudo-header
// that UDP, TCP, ICMPv6 and VRRPv3 include (RFC 768, RFC 8200 §8.1).
func PseudoHeaderSum(src, dst netip.Addr, proto uint8, length int) uint32 {
	return pseudoHeaderSum(src, dst, proto, length)
}

func pseudoHeaderSum(src, dst netip.Addr, proto uint8, length int) uint32 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
	}
	if src.Is4() {
		s, d := src.As4(), dst.As4()
		add(s[:])
		add(d[:])
	} else {
		s, d := src.As16(), dst.As16()
		add(s[:])
		add(d[:])
	}
	sum += uint32(proto)
	sum += uint32(length)
	return sum
}

// Bytes returns n bytes of a repeating printable pattern, so payloads are
// deterministic and readable in a hex dump.
func Bytes(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + (seed+byte(i))%26
	}
	return b
}

// MustAddr parses an IP address constant.
func MustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

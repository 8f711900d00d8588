package decode

import "encoding/binary"

// Linux cooked-capture protocol values that are not EtherTypes
// (libpcap pcap/sll.h, LINKTYPE_LINUX_SLL and LINKTYPE_LINUX_SLL2).
const (
	sllProto8022 = 0x0004 // 802.2 LLC frame: the LLC header follows (BPDUs arrive this way)
	arphrdEther  = 1
)

// decodeSLL decodes a 16-byte Linux cooked v1 header: packet type,
// ARPHRD type, address length, 8 address bytes, protocol.
func decodeSLL(f *Frame, data []byte) {
	if len(data) < 16 {
		f.Truncated = true
		return
	}
	hatype := be16(data, 2)
	halen := be16(data, 4)
	if hatype == arphrdEther && halen == 6 {
		copy(f.Src[:], data[6:12])
		f.HasSrcMAC = true
	}
	decodeCooked(f, data, be16(data, 14), 16)
}

// decodeSLL2 decodes a 20-byte Linux cooked v2 header: protocol, reserved,
// interface index, ARPHRD type, packet type, address length, 8 address
// bytes.
func decodeSLL2(f *Frame, data []byte) {
	if len(data) < 20 {
		f.Truncated = true
		return
	}
	hatype := be16(data, 8)
	halen := data[11]
	if hatype == arphrdEther && halen == 6 {
		copy(f.Src[:], data[12:18])
		f.HasSrcMAC = true
	}
	decodeCooked(f, data, be16(data, 0), 20)
}

func decodeCooked(f *Frame, data []byte, proto uint16, off int) {
	if proto == sllProto8022 {
		f.LLC = true
		f.L3Off = off
		f.End = len(data)
		return
	}
	decodeEtherType(f, data, proto, off)
}

// decodeRawIP decodes a packet that starts with an IPv4 or IPv6 header,
// telling them apart by the version nibble.
func decodeRawIP(f *Frame, data []byte, off int) {
	if len(data) <= off {
		f.Truncated = true
		return
	}
	f.L3Off = off
	switch data[off] >> 4 {
	case 4:
		decodeIPv4(f, data, off)
	case 6:
		decodeIPv6(f, data, off)
	}
}

// BSD address families that mean IPv6 in a loopback header: NetBSD and
// OpenBSD use 24, FreeBSD 28, Darwin 30. AF_INET is 2 everywhere.
func nullFamilyIsIPv6(af uint32) bool { return af == 24 || af == 28 || af == 30 }

// decodeNull decodes the 4-byte address-family header of BSD loopback
// captures: host byte order for LINKTYPE_NULL (so either order is
// accepted), network order for LINKTYPE_LOOP.
func decodeNull(f *Frame, data []byte, networkOrder bool) {
	if len(data) < 4 {
		f.Truncated = true
		return
	}
	af := binary.BigEndian.Uint32(data)
	if !networkOrder && af > 0xffff {
		af = binary.LittleEndian.Uint32(data)
	}
	f.L3Off = 4
	switch {
	case af == 2:
		decodeIPv4(f, data, 4)
	case nullFamilyIsIPv6(af):
		decodeIPv6(f, data, 4)
	}
}

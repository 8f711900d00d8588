package craft

import (
	"encoding/binary"
	"net/netip"

	"github.com/wiretale/wiretale/decode"
)

// VRRP group addresses (RFC 3768 §5.2.2, RFC 5798 §5.1.1.2 and §5.1.2.2)
// and the Ethernet multicast addresses they map to.
var (
	VRRPGroup4    = netip.MustParseAddr("224.0.0.18")
	VRRPGroup6    = netip.MustParseAddr("ff02::12")
	vrrpGroupMAC4 = decode.MAC{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}
	vrrpGroupMAC6 = decode.MAC{0x33, 0x33, 0x00, 0x00, 0x00, 0x12}
)

// VRRPAdvert describes one VRRP advertisement to build.
type VRRPAdvert struct {
	Version  uint8 // 2 or 3; 0 means 3
	Type     uint8 // 0 means 1 (advertisement)
	VRID     uint8
	Priority uint8
	// AdverInt is the interval field as sent: seconds for version 2,
	// centiseconds for version 3.
	AdverInt uint16
	AuthType uint8   // version 2
	AuthData [8]byte // version 2
	Addrs    []netip.Addr
	// BadChecksum corrupts the checksum (adds 1), as a bit flip would.
	BadChecksum bool
	// NoPseudo computes a version 3 IPv4 checksum without the pseudo-header,
	// as some implementations do.
	NoPseudo bool
}

// VRRP builds the VRRP message sent from src to dst, with its checksum
// (version 2 over the message, version 3 with the pseudo-header).
func VRRP(src, dst netip.Addr, a VRRPAdvert) []byte {
	ver, typ := a.Version, a.Type
	if ver == 0 {
		ver = 3
	}
	if typ == 0 {
		typ = decode.VRRPTypeAdvertisement
	}
	b := []byte{ver<<4 | typ&0x0f, a.VRID, a.Priority, byte(len(a.Addrs)), 0, 0, 0, 0}
	if ver == 2 {
		b[4] = a.AuthType
		b[5] = byte(a.AdverInt)
	} else {
		binary.BigEndian.PutUint16(b[4:], a.AdverInt&0x0fff)
	}
	for _, ad := range a.Addrs {
		if ad.Is4() {
			v := ad.As4()
			b = append(b, v[:]...)
		} else {
			v := ad.As16()
			b = append(b, v[:]...)
		}
	}
	if ver == 2 {
		b = append(b, a.AuthData[:]...)
	}
	var sum uint16
	if ver == 2 || a.NoPseudo {
		sum = Checksum(b, 0)
	} else {
		sum = Checksum(b, pseudoHeaderSum(src, dst, decode.ProtoVRRP, len(b)))
	}
	if a.BadChecksum {
		sum++
	}
	binary.BigEndian.PutUint16(b[6:], sum)
	return b
}

// VRRPFrame builds an advertisement from (srcMAC, src) to the VRRP group
// of src's family in an Ethernet frame with the given tags. ttl is the IPv4
// TTL or IPv6 hop limit; 0 means 255, the only value receivers accept.
func VRRPFrame(srcMAC decode.MAC, tags []Tag, src netip.Addr, ttl uint8, a VRRPAdvert) []byte {
	dst, dmac := VRRPGroup4, vrrpGroupMAC4
	if !src.Is4() {
		dst, dmac = VRRPGroup6, vrrpGroupMAC6
	}
	return Ethernet(dmac, srcMAC, tags, EtherTypeFor(src), VRRPPacket(src, dst, ttl, a))
}

// VRRPPacket builds the IP packet (no link header) carrying an
// advertisement from src to dst; ttl 0 means 255.
func VRRPPacket(src, dst netip.Addr, ttl uint8, a VRRPAdvert) []byte {
	if ttl == 0 {
		ttl = decode.VRRPTTL
	}
	msg := VRRP(src, dst, a)
	if src.Is4() {
		return IPv4(src, dst, decode.ProtoVRRP, IPv4Options{TTL: ttl, NoDF: true}, msg)
	}
	return IPv6(src, dst, decode.ProtoVRRP, ttl, msg)
}

// CARP builds an OpenBSD CARP announcement (struct carp_header: version 2,
// type 1, vhid, advskew, authlen 7, demote, advbase, checksum, 64-bit
// counter, 20-byte SHA-1 HMAC) with its checksum.
func CARP(vhid, advskew, advbase, demote uint8, counter uint64, hmac [20]byte) []byte {
	b := []byte{0x21, vhid, advskew, 7, demote, advbase, 0, 0}
	b = binary.BigEndian.AppendUint64(b, counter)
	b = append(b, hmac[:]...)
	binary.BigEndian.PutUint16(b[6:], Checksum(b, 0))
	return b
}

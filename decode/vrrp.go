package decode

// VRRP advertisements, IP protocol 112: version 2 (RFC 3768 §5.1, IPv4
// only, interval in seconds, authentication) and version 3 (RFC 5798 §5.1,
// IPv4 and IPv6, 12-bit Max Adver Int in centiseconds, checksum over a
// pseudo-header). OpenBSD's CARP uses the same protocol number, address
// (224.0.0.18, ff02::12) and version 2 / type 1 but another layout; it is
// recognised and decoded as CARP so that it is never taken for a malformed
// VRRP advertisement.
//
// gopacket's VRRPv2 layer is not used: it knows only version 2 and misreads
// version 3 (the interval is cut to its low 8 bits and IPv6 addresses are
// read as 4 bytes each), so the few fields are decoded here from the bytes.

import (
	"errors"
	"net/netip"
	"time"
)

// VRRP message constants (RFC 3768 §5.3, RFC 5798 §5.2).
const (
	VRRPTypeAdvertisement = 1
	// VRRPTTL is the only TTL or hop limit a receiver accepts (RFC 3768
	// §7.1, RFC 5798 §5.1.1.3 and §5.1.2.3).
	VRRPTTL = 255
	// MaxVRRPAddrs is how many virtual addresses a decoded advertisement
	// keeps; more are counted in CountIPAddrs and folded into AddrSum.
	MaxVRRPAddrs = 16

	vrrpHeaderLen = 8
	vrrpAuthLen   = 8  // VRRPv2 Authentication Data
	carpLen       = 36 // OpenBSD struct carp_header: 8-byte header, counter, 20-byte HMAC
	carpAuthLen   = 7  // ch_authlen: counter and HMAC in 32-bit words
)

// VRRPv2 authentication types (RFC 2338 §5.3.6; RFC 3768 keeps only 0).
const (
	VRRPAuthNone   = 0
	VRRPAuthSimple = 1 // plain-text password in the Authentication Data
	VRRPAuthAH     = 2 // IP Authentication Header (RFC 2338 only)
)

// Errors returned by DecodeVRRP. Only ErrVRRPShort and ErrVRRPTruncated
// leave the fixed header usable.
var (
	ErrVRRPShort     = errors.New("vrrp: message shorter than the 8-byte header")
	ErrVRRPVersion   = errors.New("vrrp: unknown version")
	ErrVRRPType      = errors.New("vrrp: not an advertisement")
	ErrVRRPLength    = errors.New("vrrp: message shorter than its address count needs")
	ErrVRRPInvalid   = errors.New("vrrp: invalid field (VRID or interval 0)")
	ErrVRRPFamily    = errors.New("vrrp: version 2 over IPv6")
	ErrVRRPTruncated = errors.New("vrrp: capture ended inside the message")
)

// VRRP is one decoded advertisement (or CARP announcement when CARP is
// set). It holds no slice of the packet: addresses and authentication
// data are copied.
type VRRP struct {
	Version      uint8
	Type         uint8
	VRID         uint8 // CARP: vhid
	Priority     uint8 // CARP: advskew (lower is preferred)
	CountIPAddrs uint8 // CARP: authlen
	AuthType     uint8 // version 2 only; CARP: demote
	// AdverInt is the advertisement interval as sent: seconds (8 bits) in
	// version 2, centiseconds (12 bits) in version 3; CARP: advbase.
	AdverInt uint16
	Checksum uint16

	// Addrs holds the first NumAddrs virtual addresses (at most
	// MaxVRRPAddrs and at most what was captured).
	Addrs    [MaxVRRPAddrs]netip.Addr
	NumAddrs int
	// AddrSum is an order-independent fingerprint of every address in the
	// message, to compare address sets without storing them.
	AddrSum uint64
	// AuthData is the version 2 Authentication Data (HasAuthData when it
	// was captured); a plain-text password with AuthType 1.
	AuthData    [vrrpAuthLen]byte
	HasAuthData bool

	// Length is the message length the IP header gives.
	Length int
	// Truncated: the capture ended inside the message, so some addresses
	// or the authentication data are missing and the checksum could not be
	// verified. The fixed header is valid.
	Truncated bool
	// ChecksumChecked is set when the whole message was captured;
	// ChecksumOK then says whether it verified. ChecksumNoPseudo marks a
	// version 3 IPv4 checksum computed without the pseudo-header, as some
	// implementations do (Wireshark's "v3 checksum as in v2" preference);
	// it is accepted.
	ChecksumChecked  bool
	ChecksumOK       bool
	ChecksumNoPseudo bool

	// CARP is set for an OpenBSD CARP announcement; CARPCounter is its
	// replay counter. The VRRP-only fields keep the raw bytes at the same
	// offsets, as Wireshark shows them.
	CARP        bool
	CARPCounter uint64
}

// Interval returns the advertisement interval as a duration.
func (v *VRRP) Interval() time.Duration {
	switch {
	case v.CARP, v.Version == 2:
		return time.Duration(v.AdverInt) * time.Second
	}
	return time.Duration(v.AdverInt) * 10 * time.Millisecond
}

// DecodeVRRPFrame decodes the VRRP message of a decoded frame (f.Proto must
// be 112). The message length comes from the IP header, so a capture cut by
// the snap length is told from a message that is too short.
func DecodeVRRPFrame(v *VRRP, f *Frame) error {
	b := f.L3Payload()
	msgLen := len(b)
	if f.IPLenField > f.L4Off-f.L3Off { // 0 under TSO: the captured bytes are all there is
		msgLen = f.IPLenField - (f.L4Off - f.L3Off)
	}
	return DecodeVRRP(v, b, msgLen, f.SrcIP, f.DstIP)
}

// DecodeVRRP decodes a VRRP message from b, the captured bytes of a message
// that is msgLen bytes long (msgLen > len(b) when the capture cut it), sent
// from src to dst. It never panics; on error v holds what could be read.
func DecodeVRRP(v *VRRP, b []byte, msgLen int, src, dst netip.Addr) error {
	*v = VRRP{}
	if msgLen < len(b) {
		msgLen = len(b)
	}
	v.Length = msgLen
	if len(b) < vrrpHeaderLen {
		if len(b) > 0 {
			v.Version, v.Type = b[0]>>4, b[0]&0x0f
		}
		if msgLen > len(b) {
			v.Truncated = true
		}
		return ErrVRRPShort
	}
	v.Version, v.Type = b[0]>>4, b[0]&0x0f
	v.VRID, v.Priority, v.CountIPAddrs = b[1], b[2], b[3]
	v.Checksum = be16(b, 6)
	ipv6 := src.Is6() && !src.Is4In6()
	switch v.Version {
	case 2:
		v.AuthType = b[4]
		v.AdverInt = uint16(b[5])
		if isCARP(v, msgLen, ipv6) {
			return decodeCARP(v, b, msgLen)
		}
		if ipv6 {
			return ErrVRRPFamily
		}
	case 3:
		v.AdverInt = be16(b, 4) & 0x0fff // the top 4 bits are reserved
	default:
		return ErrVRRPVersion
	}
	if v.Type != VRRPTypeAdvertisement {
		return ErrVRRPType
	}
	alen := 4
	if ipv6 {
		alen = 16
	}
	// The VRRPv2 Authentication Data is not required: some senders omit
	// it (PcapPlusPlus's VRRP-V2.pcap), and tshark and tcpdump accept that.
	need := vrrpHeaderLen + alen*int(v.CountIPAddrs)
	if msgLen < need {
		return ErrVRRPLength
	}
	off := vrrpHeaderLen
	for i := 0; i < int(v.CountIPAddrs); i++ {
		if off+alen > len(b) {
			v.Truncated = true
			break
		}
		var a netip.Addr
		if alen == 4 {
			a = netip.AddrFrom4([4]byte(b[off : off+4]))
		} else {
			a = netip.AddrFrom16([16]byte(b[off : off+16]))
		}
		v.AddrSum += addrHash(b[off : off+alen])
		if v.NumAddrs < MaxVRRPAddrs {
			v.Addrs[v.NumAddrs] = a
			v.NumAddrs++
		}
		off += alen
	}
	if v.Version == 2 && !v.Truncated && msgLen >= off+vrrpAuthLen {
		if off+vrrpAuthLen <= len(b) {
			copy(v.AuthData[:], b[off:off+vrrpAuthLen])
			v.HasAuthData = true
		} else {
			v.Truncated = true
		}
	}
	if len(b) < msgLen {
		v.Truncated = true
	}
	if v.VRID == 0 || v.AdverInt == 0 {
		return ErrVRRPInvalid
	}
	if v.Truncated {
		return ErrVRRPTruncated
	}
	v.ChecksumChecked = true
	switch {
	case v.Version == 2:
		v.ChecksumOK = onesSum(b[:msgLen], 0) == 0xffff
	default:
		v.ChecksumOK = onesSum(b[:msgLen], pseudoSum(src, dst, msgLen)) == 0xffff
		if !v.ChecksumOK && !ipv6 && onesSum(b[:msgLen], 0) == 0xffff {
			v.ChecksumOK, v.ChecksumNoPseudo = true, true
		}
	}
	return nil
}

// isCARP tells an OpenBSD CARP announcement (version 2, type 1, always 36
// bytes with authlen 7) from a VRRPv2 advertisement, whose length is
// 16 + 4 × its address count (8 + 4 × count when the authentication data is
// left out): a 36-byte message whose count is not 5 is taken for CARP,
// and VRRPv2 is never sent over IPv6. The one ambiguity, a VRRPv2
// advertisement with 7 addresses and no authentication data, is rare.
func isCARP(v *VRRP, msgLen int, ipv6 bool) bool {
	if v.Type != VRRPTypeAdvertisement || msgLen != carpLen {
		return false
	}
	return ipv6 || v.CountIPAddrs != (carpLen-vrrpHeaderLen-vrrpAuthLen)/4
}

// decodeCARP reads the fields of struct carp_header (OpenBSD netinet/ip_carp.h)
// that follow the shared first 8 bytes.
func decodeCARP(v *VRRP, b []byte, msgLen int) error {
	v.CARP = true
	if len(b) < 16 {
		v.Truncated = true
		return ErrVRRPTruncated
	}
	v.CARPCounter = uint64(be16(b, 8))<<48 | uint64(be16(b, 10))<<32 | uint64(be16(b, 12))<<16 | uint64(be16(b, 14))
	if len(b) < msgLen {
		v.Truncated = true
		return ErrVRRPTruncated
	}
	v.ChecksumChecked = true
	v.ChecksumOK = onesSum(b[:msgLen], 0) == 0xffff
	return nil
}

// onesSum is the folded one's complement sum (RFC 1071) of b added to a
// partial sum; a message whose checksum field is right sums to 0xffff.
func onesSum(b []byte, sum uint32) uint16 {
	n := len(b) &^ 1
	for i := 0; i < n; i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)&1 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return uint16(sum)
}

// pseudoSum is the partial sum of the IPv4 or IPv6 pseudo-header (RFC 8200
// §8.1; RFC 5798 §5.2.8 asks for it with next header 112).
func pseudoSum(src, dst netip.Addr, length int) uint32 {
	var sum uint32
	if src.Is4() && dst.Is4() {
		s, d := src.As4(), dst.As4()
		sum += uint32(s[0])<<8 | uint32(s[1])
		sum += uint32(s[2])<<8 | uint32(s[3])
		sum += uint32(d[0])<<8 | uint32(d[1])
		sum += uint32(d[2])<<8 | uint32(d[3])
	} else {
		s, d := src.As16(), dst.As16()
		for i := 0; i < 16; i += 2 {
			sum += uint32(s[i])<<8 | uint32(s[i+1])
			sum += uint32(d[i])<<8 | uint32(d[i+1])
		}
	}
	return sum + uint32(ProtoVRRP) + uint32(length)
}

// addrHash mixes one address's bytes (FNV-1a, 64-bit) for AddrSum.
func addrHash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

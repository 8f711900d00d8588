package decode

import "net/netip"

// decodeIPv4 decodes an IPv4 header (RFC 791 §3.1) at off.
func decodeIPv4(f *Frame, data []byte, off int) {
	f.L3Off = off
	if off+20 > len(data) {
		f.Truncated = true
		return
	}
	vihl := data[off]
	if vihl>>4 != 4 {
		return
	}
	ihl := int(vihl&0x0f) * 4
	if ihl < 20 {
		return
	}
	if off+ihl > len(data) {
		f.Truncated = true
		return
	}
	f.IPVersion = 4
	f.IPLenField = int(be16(data, off+2))
	f.TTL = data[off+8]
	f.Proto = data[off+9]
	f.SrcIP = netip.AddrFrom4([4]byte(data[off+12 : off+16]))
	f.DstIP = netip.AddrFrom4([4]byte(data[off+16 : off+20]))
	f.End = ipEnd(off, f.IPLenField, ihl, len(data))
	flagsFrag := be16(data, off+6)
	f.Fragment = flagsFrag&0x1fff != 0
	f.L4Off = off + ihl
	if !f.Fragment {
		decodeL4(f, data)
	}
}

// ipEnd returns where the IP packet ends in the captured bytes. A length
// field shorter than the header (0 under TSO and BIG TCP) says nothing,
// so the captured bytes are used; a longer one is cut to them.
func ipEnd(off, lenField, hdrLen, captured int) int {
	if lenField < hdrLen {
		return captured
	}
	if end := off + lenField; end < captured {
		return end
	}
	return captured
}

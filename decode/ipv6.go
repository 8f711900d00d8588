package decode

import "net/netip"

// IPv6 extension headers that decodeIPv6 steps over (RFC 8200 §4).
const (
	ipv6HopByHop    = 0
	ipv6Routing     = 43
	ipv6Fragment    = 44
	ipv6DestOptions = 60
	// maxExtHeaders bounds the walk so a chain of hostile headers costs little.
	maxExtHeaders = 8
)

// decodeIPv6 decodes an IPv6 header (RFC 8200 §3) at off and steps over
// the extension headers to the upper-layer protocol.
func decodeIPv6(f *Frame, data []byte, off int) {
	f.L3Off = off
	if off+40 > len(data) {
		f.Truncated = true
		return
	}
	if data[off]>>4 != 6 {
		return
	}
	f.IPVersion = 6
	payloadLen := int(be16(data, off+4))
	f.IPLenField = 40 + payloadLen
	f.TTL = data[off+7]
	f.SrcIP = netip.AddrFrom16([16]byte(data[off+8 : off+24]))
	f.DstIP = netip.AddrFrom16([16]byte(data[off+24 : off+40]))
	if payloadLen == 0 {
		// A jumbogram (RFC 2675) or BIG TCP packet: the real length is in a
		// hop-by-hop option; the captured bytes are the best bound.
		f.End = len(data)
	} else {
		f.End = ipEnd(off, f.IPLenField, 40, len(data))
	}
	next := data[off+6]
	p := off + 40
walk:
	for i := 0; i < maxExtHeaders; i++ {
		switch next {
		case ipv6HopByHop, ipv6Routing, ipv6DestOptions:
			if p+8 > f.End {
				f.Truncated = p+8 > len(data)
				f.Proto = next
				return
			}
			next = data[p]
			p += 8 + int(data[p+1])*8
			continue
		case ipv6Fragment:
			if p+8 > f.End {
				f.Truncated = p+8 > len(data)
				f.Proto = next
				return
			}
			if be16(data, p+2)&0xfff8 != 0 {
				f.Fragment = true
			}
			next = data[p]
			p += 8
			continue
		}
		break walk
	}
	f.Proto = next
	f.L4Off = p
	if p > f.End {
		f.Fragment = true // the header chain claims more than the packet holds
		return
	}
	if !f.Fragment {
		decodeL4(f, data)
	}
}

package decode

// IP protocol numbers wiretale looks at (IANA protocol-numbers).
const (
	ProtoICMP   uint8 = 1
	ProtoTCP    uint8 = 6
	ProtoUDP    uint8 = 17
	ProtoICMPv6 uint8 = 58
	ProtoVRRP   uint8 = 112
)

// decodeL4 reads the ports of a UDP (RFC 768) or TCP (RFC 9293 §3.1)
// header at f.L4Off, and where the payload starts.
func decodeL4(f *Frame, data []byte) {
	off := f.L4Off
	switch f.Proto {
	case ProtoUDP:
		if off+8 > f.End {
			f.Truncated = off+8 > len(data)
			return
		}
		f.HasPorts = true
		f.SrcPort = be16(data, off)
		f.DstPort = be16(data, off+2)
		f.PayloadOff = off + 8
		// The UDP length bounds the payload more tightly than IP does when
		// both are sane; a hostile one larger than the packet is ignored.
		if ul := int(be16(data, off+4)); ul >= 8 && off+ul < f.End {
			f.End = off + ul
		}
	case ProtoTCP:
		if off+20 > f.End {
			f.Truncated = off+20 > len(data)
			return
		}
		f.HasPorts = true
		f.SrcPort = be16(data, off)
		f.DstPort = be16(data, off+2)
		f.TCPFlags = data[off+13]
		hl := int(data[off+12]>>4) * 4
		if hl < 20 {
			hl = 20
		}
		f.PayloadOff = off + hl
		if f.PayloadOff > f.End {
			f.PayloadOff = f.End
		}
	}
}

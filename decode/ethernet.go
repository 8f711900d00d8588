package decode

import "encoding/hex"

// EtherTypes wiretale looks at (IEEE 802.3 §3.2.6, IANA ieee-802-numbers).
const (
	EtherTypeIPv4   uint16 = 0x0800
	EtherTypeARP    uint16 = 0x0806
	EtherTypeIPv6   uint16 = 0x86dd
	EtherTypeDot1Q  uint16 = 0x8100 // C-tag
	EtherTypeDot1AD uint16 = 0x88a8 // S-tag
	EtherTypeQinQ   uint16 = 0x9100 // pre-802.1ad vendor S-tag
)

// maxLengthField is the largest value of the Ethernet type/length field
// that is a length (IEEE 802.3 §3.2.6): smaller values mean an 802.3 frame
// with an LLC header, not an EtherType.
const maxLengthField = 1500

// MAC is an IEEE 802 MAC-48 address, kept by value.
type MAC [6]byte

// String returns the address in lower-case colon form, e.g. fa:16:3e:24:e7:22.
func (m MAC) String() string {
	var buf [17]byte
	for i, b := range m {
		if i > 0 {
			buf[i*3-1] = ':'
		}
		hex.Encode(buf[i*3:i*3+2], []byte{b})
	}
	return string(buf[:])
}

// IsZero reports whether m is 00:00:00:00:00:00.
func (m MAC) IsZero() bool { return m == MAC{} }

// IsMulticast reports whether the group bit is set (broadcast included).
func (m MAC) IsMulticast() bool { return m[0]&1 != 0 }

// decodeEthernet decodes an Ethernet II or 802.3 header (IEEE 802.3 §3.1.1).
func decodeEthernet(f *Frame, data []byte) {
	if len(data) < 14 {
		f.Truncated = true
		return
	}
	f.HasEthernet = true
	f.HasSrcMAC = true
	copy(f.Dst[:], data[0:6])
	copy(f.Src[:], data[6:12])
	decodeEtherType(f, data, be16(data, 12), 14)
	if f.EtherType <= maxLengthField && f.IPVersion == 0 {
		// An 802.3 length field: the LLC header and its payload follow,
		// and the length tells where padding starts.
		f.LLC = true
		f.EtherType = 0
		end := f.L3Off + int(be16(data, f.L3Off-2))
		if end > len(data) {
			end = len(data)
		}
		f.End = end
	}
}

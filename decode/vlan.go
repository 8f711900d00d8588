package decode

// IsVLANTPID reports whether et is a tag protocol identifier that starts a
// VLAN tag: 0x8100 (802.1Q C-tag), 0x88a8 (802.1ad S-tag) or 0x9100 (the
// pre-standard QinQ S-tag still used by some switches).
func IsVLANTPID(et uint16) bool {
	return et == EtherTypeDot1Q || et == EtherTypeDot1AD || et == EtherTypeQinQ
}

// decodeVLANStack walks the tags that start at off when et is a TPID
// (IEEE 802.1Q-2018 §9.6), recording every tag, the outermost first. It
// returns the offset and EtherType after the stack.
//
// gopacket's DecodingLayerParser keeps one Dot1Q layer per type and so
// overwrites the outer tag of a QinQ frame with the inner one; this walk
// keeps each tag, which is what the double-VLAN detector needs.
func decodeVLANStack(f *Frame, data []byte, et uint16, off int) (int, uint16) {
	for IsVLANTPID(et) {
		if off+4 > len(data) {
			f.Truncated = true
			return off, et
		}
		tci := be16(data, off)
		if f.NumTags < MaxTags {
			f.Tags[f.NumTags] = VLANTag{
				TPID: et,
				VID:  tci & 0x0fff,
				PCP:  uint8(tci >> 13),
				DEI:  tci&0x1000 != 0,
			}
		}
		f.NumTags++
		et = be16(data, off+2)
		off += 4
	}
	return off, et
}

package decode_test

import (
	"testing"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
)

// FuzzDecode feeds arbitrary bytes to the frame decoder under every link
// type it knows: it must never panic, and every offset it reports must lie
// within the captured bytes.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(1), craft.Ethernet(dstMAC, srcMAC, []craft.Tag{{TPID: 0x88a8, VID: 20}, {VID: 100}}, decode.EtherTypeIPv4, udp4(40)))
	f.Add(uint8(1), craft.Dot3(dstMAC, srcMAC, nil, []byte{0x42, 0x42, 3, 0, 0, 0, 0}))
	f.Add(uint8(1), craft.Ethernet(dstMAC, srcMAC, nil, decode.EtherTypeIPv6, craft.IPv6(ip6a, ip6b, 0, 1, []byte{17, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 9, 0, 0, 0, 0})))
	f.Add(uint8(113), craft.SLL(0, srcMAC, 0x0004, []byte{0x42, 0x42, 3}))
	f.Add(uint8(20), craft.SLL2(1, 0, srcMAC, 0x8100, []byte{0, 5, 8, 0}))
	f.Add(uint8(101), udp4(8))
	f.Add(uint8(0), append([]byte{30, 0, 0, 0}, craft.IPv6(ip6a, ip6b, 44, 1, make([]byte, 8))...))
	lts := []decode.LinkType{decode.LinkNull, decode.LinkEthernet, decode.LinkRawOpenBSD, decode.LinkRawAlt,
		decode.LinkRaw, decode.LinkLoop, decode.LinkLinuxSLL, decode.LinkIPv4, decode.LinkIPv6, decode.LinkLinuxSLL2}
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		var fr decode.Frame
		fr.WireLen = len(data)
		decode.Decode(&fr, lts[int(sel)%len(lts)], data)
		n := len(data)
		for name, off := range map[string]int{"L3Off": fr.L3Off, "End": fr.End, "L4Off": fr.L4Off, "PayloadOff": fr.PayloadOff} {
			if off < 0 || off > n && !(name == "L4Off" && fr.Fragment) && !(name == "L3Off" && fr.Truncated) {
				t.Fatalf("%s = %d outside %d captured bytes", name, off, n)
			}
		}
		_ = fr.L4Payload()
		_ = fr.L3Payload()
		_ = fr.LLCPayload()
		_ = fr.L3Len()
	})
}

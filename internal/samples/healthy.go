package samples

import (
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
)

// healthySample is ordinary traffic on a hypervisor trunk that every
// detector must stay quiet about.
func healthySample() Sample {
	return Sample{
		Name:  "healthy.pcap",
		Story: "none: the control case",
		Description: "Ordinary traffic on a hypervisor trunk: tenant VLANs 100–103 with one tag each, frames up to " +
			"exactly 1518 bytes (1500-byte IP packets), untagged management traffic up to 1514 bytes, ARP, DNS, " +
			"ICMP and IPv6, a priority-tagged frame (VLAN 0) and an 802.1ad S-tagged frame with no inner tag.",
		Expect: "no findings.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			gw := host{mac("52:54:00:aa:00:01"), addr("10.50.0.1")}
			for v := 0; v < 4; v++ {
				tags := []craft.Tag{{VID: uint16(100 + v)}}
				vm := host{mac("fa:16:3e:00:10:0" + string(rune('0'+v))), addr("10.50.0." + string(rune('2'+v)))}
				flow := &tcpFlow{a: vm, b: gw, aTags: tags, bTags: tags, aPort: uint16(50000 + v), bPort: 443, aSeq: 1, bSeq: 1}
				c.add(at(ms(10*v)), arp(vm, gw.ip, tags))
				c.add(at(ms(10*v+1)), arpReply(gw, vm, tags))
				for i := 0; i < 20; i++ {
					t := at(ms(100 + 250*i + 7*v))
					c.add(t, flow.bToA(1460, craft.ACK))
					c.add(t.Add(time.Millisecond), flow.aToB(0, craft.ACK))
					if i%5 == 0 {
						c.add(t.Add(2*time.Millisecond), udpFrame(vm, gw, tags, uint16(33000+i), 53, craft.Bytes(40, byte(i))))
						c.add(t.Add(3*time.Millisecond), icmpEcho(vm, gw, tags, false, 7, uint16(i), 56))
					}
				}
			}
			mgmtA := host{mac("52:54:00:bb:00:01"), addr("192.168.10.5")}
			mgmtB := host{mac("52:54:00:bb:00:02"), addr("192.168.10.6")}
			mflow := &tcpFlow{a: mgmtA, b: mgmtB, aPort: 22, bPort: 60000, aSeq: 1, bSeq: 1}
			for i := 0; i < 10; i++ {
				t := at(ms(130 + 500*i))
				c.add(t, mflow.aToB(1460, craft.ACK|craft.PSH))
				c.add(t.Add(time.Millisecond), mflow.bToA(0, craft.ACK))
			}
			v6a := host{mac("fa:16:3e:00:20:01"), addr("2001:db8:50::5")}
			v6b := host{mac("52:54:00:aa:00:01"), addr("2001:db8:50::1")}
			v6 := &tcpFlow{a: v6a, b: v6b, aTags: []craft.Tag{{VID: 100}}, bTags: []craft.Tag{{VID: 100}}, aPort: 41000, bPort: 80, aSeq: 1, bSeq: 1}
			for i := 0; i < 5; i++ {
				c.add(at(ms(333+300*i)), v6.bToA(1440, craft.ACK)) // 40 + 20 + 1440 = 1500
				c.add(at(ms(334+300*i)), v6.aToB(0, craft.ACK))
			}
			// A priority tag (VID 0) and a lone S-tag are one tag each.
			c.add(at(ms(4000)), udpFrame(mgmtA, mgmtB, []craft.Tag{{VID: 0, PCP: 5}}, 5060, 5060, craft.Bytes(300, 1)))
			c.add(at(ms(4100)), udpFrame(mgmtA, mgmtB, []craft.Tag{{TPID: decode.EtherTypeDot1AD, VID: 500}}, 4000, 4001, craft.Bytes(1472, 2)))
			return c
		},
	}
}

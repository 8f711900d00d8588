package samples

import (
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/capwrite"
	"github.com/wiretale/wiretale/internal/craft"
)

// oversizeSample: a capture taken on a storage node's eth0 (host-side,
// pcapng with nanosecond timestamps). One neighbour was left with MTU 9000
// on a 1500 network; the node's own TCP shows offload-sized segments.
func oversizeSample() Sample {
	return Sample{
		Name:  "oversize.pcapng",
		Story: `"Double VLAN" (tales-from-the-cloud.txt): the MTU side of it`,
		Description: "pcapng, nanosecond timestamps, captured on a storage node's eth0. Host 10.30.0.11 " +
			"(52:54:00:30:00:11) still has MTU 9000 on this 1500-byte network: its 8972-byte pings and " +
			"8000-byte UDP datagrams go unanswered. The node's own iSCSI session (10.30.0.10 → 10.30.0.20) " +
			"shows TCP segments of 2920 to 64000 bytes and one with an IP length field of 0: segmentation " +
			"offload (GRO/TSO), which a host-side capture sees before the NIC splits them. The rest is healthy: " +
			"full-size 1514-byte frames and 1518-byte frames on VLAN 30.",
		Expect: "oversize.jumbo warning for 52:54:00:30:00:11, oversize.offload info for 52:54:00:30:00:10; " +
			"nothing for the full-size healthy frames.",
		Build: func() *Capture {
			c := &Capture{
				Pcapng:     true,
				Interfaces: []capwrite.Interface{{LinkType: uint16(decode.LinkEthernet), Name: "eth0", TSResol: 9}},
			}
			storage := host{mac("52:54:00:30:00:10"), addr("10.30.0.10")}
			target := host{mac("52:54:00:30:00:20"), addr("10.30.0.20")}
			jumbo := host{mac("52:54:00:30:00:11"), addr("10.30.0.11")}
			tagged := host{mac("52:54:00:30:00:12"), addr("10.31.0.12")}
			taggedPeer := host{mac("52:54:00:30:00:13"), addr("10.31.0.13")}
			vlan30 := []craft.Tag{{VID: 30}}

			// The offloaded iSCSI session.
			iscsi := &tcpFlow{a: storage, b: target, aPort: 43260, bPort: 3260, aSeq: 1, bSeq: 1}
			for i, n := range []int{2920, 5840, 14600, 64000, 1460, 64000} {
				t := at(ms(100 + 50*i)).Add(123456 * time.Nanosecond)
				c.add(t, iscsi.aToB(n, craft.ACK))
				c.add(t.Add(80*time.Microsecond), iscsi.bToA(0, craft.ACK))
			}
			// A TSO frame whose IP total length field is 0.
			seg := craft.TCP(storage.ip, target.ip, 43260, 3260, iscsi.aSeq, iscsi.bSeq, craft.ACK|craft.PSH, craft.Bytes(1960, 7))
			c.add(at(ms(450)), craft.Ethernet(target.mac, storage.mac, nil, decode.EtherTypeIPv4,
				craft.IPv4(storage.ip, target.ip, decode.ProtoTCP, craft.IPv4Options{LenField: -1}, seg)))

			// The MTU-9000 neighbour.
			for i := 0; i < 3; i++ {
				t := at(ms(1000 + 1000*i)).Add(7 * time.Nanosecond)
				c.add(t, icmpEcho(jumbo, storage, nil, false, 0x0900, uint16(i+1), 8972))
				c.add(t.Add(300*time.Millisecond), udpFrame(jumbo, storage, nil, 4789, 4789, craft.Bytes(8000, byte(i))))
			}
			// A 1600-byte packet: slightly over, not offload (not TCP).
			c.add(at(ms(3900)), udpFrame(jumbo, storage, nil, 5000, 5001, craft.Bytes(1572, 3)))

			// Healthy full-size traffic, untagged and tagged.
			bulk := &tcpFlow{a: target, b: storage, aPort: 3260, bPort: 43261, aSeq: 9, bSeq: 9}
			vbulk := &tcpFlow{a: tagged, b: taggedPeer, aTags: vlan30, bTags: vlan30, aPort: 873, bPort: 51000, aSeq: 1, bSeq: 1}
			for i := 0; i < 10; i++ {
				t := at(ms(200 + 400*i))
				c.add(t, bulk.aToB(1460, craft.ACK))
				c.add(t.Add(time.Millisecond), bulk.bToA(0, craft.ACK))
				c.add(t.Add(2*time.Millisecond), vbulk.aToB(1460, craft.ACK))
				c.add(t.Add(3*time.Millisecond), vbulk.bToA(0, craft.ACK))
			}
			return c
		},
	}
}

package samples

import (
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/capwrite"
	"github.com/wiretale/wiretale/internal/craft"
)

// The "Double VLAN" story: nova's vlan_interface pointed at vlan20 (the
// data centre's Internet VLAN) instead of bond0, so the compute node sent
// tenant VLAN 100 stacked inside VLAN 20. Captured on the compute node's
// bond0.
var (
	dvController = host{mac("52:54:00:c0:00:01"), addr("10.20.100.1")}
	dvInstance   = host{mac("fa:16:3e:5c:7e:01"), addr("10.20.100.5")}
	dvInstance2  = host{mac("fa:16:3e:5c:7e:02"), addr("10.20.101.7")}
	dvResolver   = host{mac("52:54:00:c0:00:01"), addr("10.20.101.1")}
	dvComputeMgt = host{mac("52:54:00:35:00:01"), addr("192.168.0.35")}
	dvControlMgt = host{mac("52:54:00:c0:00:02"), addr("192.168.0.1")}
	dvComputePub = host{mac("52:54:00:35:00:02"), addr("203.0.113.35")}
	dvGateway    = host{mac("52:54:00:ff:00:01"), addr("203.0.113.1")}

	tenantFromController = []craft.Tag{{VID: 100}}
	tenantStacked        = []craft.Tag{{VID: 20}, {VID: 100}}
	tenant2FromResolver  = []craft.Tag{{VID: 101}}
	tenant2Stacked       = []craft.Tag{{VID: 20}, {VID: 101}}
	internetVLAN         = []craft.Tag{{VID: 20}}
)

func doubleVLANFrames() []capwrite.Packet {
	c := &Capture{}
	// The instance resolves its gateway: small frames pass even stacked.
	c.add(at(ms(0)), arp(dvInstance, dvController.ip, tenantStacked))
	c.add(at(ms(1)), arpReply(dvController, dvInstance, tenantFromController))

	// The operator's SSH session, through the controller.
	ssh := &tcpFlow{a: dvController, b: dvInstance, aTags: tenantFromController, bTags: tenantStacked,
		aPort: 51022, bPort: 22, aSeq: 1000, bSeq: 5000}
	c.add(at(ms(100)), ssh.aToB(0, craft.SYN))
	c.add(at(ms(101)), ssh.bToA(0, craft.SYN|craft.ACK))
	c.add(at(ms(102)), ssh.aToB(0, craft.ACK))
	// `ls`: one small reply, delivered.
	c.add(at(ms(2000)), ssh.aToB(36, craft.PSH|craft.ACK))
	c.add(at(ms(2003)), ssh.bToA(212, craft.PSH|craft.ACK))
	c.add(at(ms(2010)), ssh.aToB(0, craft.ACK))
	// `ps aux`: full-size segments. Stacked, each is a 1522-byte frame that
	// the next MTU-1500 port drops; the instance retransmits with backoff.
	c.add(at(ms(5000)), ssh.aToB(36, craft.PSH|craft.ACK))
	seq := ssh.bSeq
	for i, d := range []int{5002, 5003, 5210, 5620, 6440, 8080, 11360} {
		ssh.bSeq = seq
		if i == 1 {
			ssh.bSeq = seq + 1460 // the second segment of the burst
		}
		c.add(at(ms(d)), ssh.bToA(1460, craft.ACK))
	}

	// ping -s 1472 from the controller: the request (one tag, 1518 bytes)
	// arrives; the reply leaves stacked at 1522 bytes.
	for i := 0; i < 3; i++ {
		t := at(ms(7000 + 1000*i))
		c.add(t, icmpEcho(dvController, dvInstance, tenantFromController, false, 0x4242, uint16(i+1), 1472))
		c.add(t.Add(400*time.Microsecond), icmpEcho(dvInstance, dvController, tenantStacked, true, 0x4242, uint16(i+1), 1472))
	}
	// ping -s 1400 still works both ways.
	c.add(at(ms(10500)), icmpEcho(dvController, dvInstance, tenantFromController, false, 0x4243, 1, 1400))
	c.add(at(ms(10501)), icmpEcho(dvInstance, dvController, tenantStacked, true, 0x4243, 1, 1400))

	// A second tenant's instance only sends small DNS queries: stacked too,
	// but nothing big enough to be dropped yet.
	for i := 0; i < 4; i++ {
		t := at(ms(1500 + 2500*i))
		q := craft.Bytes(33, byte(i))
		c.add(t, udpFrame(dvInstance2, dvResolver, tenant2Stacked, uint16(40000+i), 53, q))
		c.add(t.Add(2*time.Millisecond), udpFrame(dvResolver, dvInstance2, tenant2FromResolver, 53, uint16(40000+i), craft.Bytes(80, byte(i))))
	}

	// Healthy traffic around it: management (untagged, full 1514-byte
	// frames) and the node's own Internet traffic on VLAN 20 (one tag,
	// full 1518-byte frames). Neither is a finding.
	mgmt := &tcpFlow{a: dvComputeMgt, b: dvControlMgt, aPort: 44812, bPort: 5672, aSeq: 77, bSeq: 99}
	pub := &tcpFlow{a: dvComputePub, b: dvGateway, aTags: internetVLAN, bTags: internetVLAN, aPort: 39000, bPort: 443, aSeq: 10, bSeq: 20}
	for i := 0; i < 12; i++ {
		t := at(ms(300 + 1000*i))
		c.add(t, mgmt.aToB(1460, craft.ACK))
		c.add(t.Add(time.Millisecond), mgmt.bToA(0, craft.ACK))
		c.add(t.Add(500*time.Millisecond), pub.bToA(1460, craft.ACK))
		c.add(t.Add(501*time.Millisecond), pub.aToB(0, craft.ACK))
	}
	return c.Packets
}

func doubleVLANSample() Sample {
	return Sample{
		Name:  "double-vlan.pcap",
		Story: `"Double VLAN" (tales-from-the-cloud.txt)`,
		Description: "Captured on a compute node's bond0. nova's vlan_interface points at vlan20 instead of bond0, so " +
			"tenant VLAN 100 leaves the node stacked inside VLAN 20. An SSH session to instance fa:16:3e:5c:7e:01 " +
			"works for `ls` (212 bytes) and freezes on `ps aux`: its 1500-byte packets become 1522-byte frames and " +
			"are retransmitted again and again; `ping -s 1472` gets no reply. A second tenant (VLAN 101) is " +
			"stacked too but only sends small DNS queries. Untagged management traffic and VLAN 20 Internet traffic at " +
			"full size (1514 and 1518 bytes) are healthy.",
		Expect: "double-vlan.stacked critical for fa:16:3e:5c:7e:01 (VLAN 100 inside 20, frames over 1518), " +
			"double-vlan.stacked warning for fa:16:3e:5c:7e:02 (VLAN 101 inside 20, small frames only), " +
			"oversize.vlan critical for fa:16:3e:5c:7e:01; nothing about the management or VLAN 20 traffic.",
		Build: func() *Capture {
			return &Capture{LinkType: decode.LinkEthernet, Packets: doubleVLANFrames()}
		},
	}
}

// doubleVLANAnySample is the same traffic captured with `tcpdump -i any`:
// the cooked header hides the tags, so the report must say double-vlan is
// blind rather than report a clean bill of health.
func doubleVLANAnySample() Sample {
	return Sample{
		Name:  "double-vlan-any.pcap",
		Story: `"Double VLAN" (tales-from-the-cloud.txt), captured the wrong way`,
		Description: "The same traffic as double-vlan.pcap as `tcpdump -i any` records it (Linux cooked v2, SLL2): " +
			"the kernel strips the VLAN tags, so nothing in this capture can show the stacked VLAN.",
		Expect: "no findings, and the source marked blind for double-vlan (and for oversize.vlan) with advice to " +
			"capture on the physical, bond or bridge interface.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkLinuxSLL2}
			for _, p := range doubleVLANFrames() {
				c.Packets = append(c.Packets, capwrite.Packet{Time: p.Time, Data: toSLL2(p.Data)})
			}
			return c
		},
	}
}

// toSLL2 rewrites an Ethernet frame the way a cooked capture records it:
// the Ethernet header and every VLAN tag are replaced by a 20-byte SLL2
// header carrying the sender's MAC and the inner EtherType.
func toSLL2(eth []byte) []byte {
	var f decode.Frame
	decode.Decode(&f, decode.LinkEthernet, eth)
	et := f.EtherType
	payload := eth[f.L3Off:]
	if f.End > f.L3Off && f.End < len(eth) {
		payload = eth[f.L3Off:f.End] // no Ethernet padding in a cooked capture
	}
	pktType := uint8(4) // outgoing, as seen on the compute node
	if f.Src == dvController.mac || f.Src == dvControlMgt.mac || f.Src == dvGateway.mac {
		pktType = 0
	}
	return craft.SLL2(3, pktType, f.Src, et, payload)
}

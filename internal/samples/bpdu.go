package samples

import (
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
)

// The "Valentine's Day Compute Node Massacre" story: a CentOS instance
// (fa:16:3e:24:e7:22) started sending spanning-tree BPDUs; BPDU guard on
// both switches of the compute node's MLAG bond err-disabled the bond and
// every instance on the node dropped off the network.

// Bridges and their port MACs.
var (
	// An Arista MLAG pair running MST: both peers announce the MLAG
	// domain's bridge identifier from their own port MACs.
	aristaBridge = craft.BridgeID{Priority: 4096, MAC: mac("28:99:3a:4d:00:01")}
	sw1Port      = mac("28:99:3a:4d:12:23")
	sw2Port      = mac("28:99:3a:4d:56:23")
	// A Cisco switch running Rapid-PVST+: VLAN n's bridge priority is
	// 32768 + n (the system ID extension).
	ciscoBridgeMAC = mac("00:1f:6d:96:ec:00")
	ciscoPort      = mac("00:1f:6d:96:ec:04")
	// An old 802.1D switch.
	oldSwitch     = craft.BridgeID{Priority: 32768, MAC: mac("00:19:06:ea:b8:80")}
	oldSwitchPort = mac("00:19:06:ea:b8:85")
	// The CentOS instance with a bridge that has STP on: a Linux bridge
	// takes the lowest port MAC as its address and priority 0x8000.
	centos       = host{mac("fa:16:3e:24:e7:22"), addr("10.0.100.23")}
	centosBridge = craft.BridgeID{Priority: 32768, MAC: centos.mac}
)

// mstBPDU is the Arista pair's MST BPDU: the CIST root is the MLAG domain
// itself, with one MSTI.
func aristaMST(flags uint8) []byte {
	return craft.MSTBPDU(
		craft.BPDU{Flags: flags, Root: aristaBridge, Bridge: aristaBridge, Port: 0x8023},
		craft.MST{ConfigName: "dc1-region", Revision: 1, CISTBridge: aristaBridge, RemainingHops: 20,
			MSTIs: []craft.MSTI{{Flags: flags, RegionalRoot: craft.BridgeID{Priority: 4096 + 1, MAC: aristaBridge.MAC},
				BridgePriority: 0x10, PortPriority: 0x80, RemainingHops: 20}}})
}

// ciscoRSTP is the Cisco switch's RST BPDU for a VLAN.
func ciscoRSTP(vlan uint16, flags uint8) []byte {
	id := craft.BridgeID{Priority: 32768 + vlan, MAC: ciscoBridgeMAC}
	return craft.RSTBPDU(craft.BPDU{Flags: flags, Root: id, Bridge: id, Port: 0x8004})
}

// ciscoPVSTFrames are what a Cisco Rapid-PVST+ trunk port sends every
// hello: the IEEE BPDU and the PVST+ BPDU for the native VLAN untagged,
// and a tagged PVST+ BPDU for every other VLAN.
func ciscoPVSTFrames(native uint16, vlans []uint16, flags uint8) [][]byte {
	out := [][]byte{
		craft.Dot3(craft.BridgeGroupMAC, ciscoPort, nil, craft.STPLLC(ciscoRSTP(native, flags))),
		craft.Dot3(craft.PVSTMAC, ciscoPort, nil, craft.PVSTLLC(ciscoRSTP(native, flags), native)),
	}
	for _, v := range vlans {
		out = append(out, craft.Dot3(craft.PVSTMAC, ciscoPort, []craft.Tag{{VID: v, PCP: 7}}, craft.PVSTLLC(ciscoRSTP(v, flags), v)))
	}
	return out
}

const (
	// Port roles and states in the flags of a healthy designated port.
	designatedForwarding = craft.RoleDesignated | craft.BPDULearning | craft.BPDUForwarding
)

// lldp builds an LLDP frame (IEEE 802.1AB-2016 §8): chassis ID, port ID,
// TTL and end TLVs. It is Ethernet II (0x88cc), not LLC: BPDU detection
// must ignore it cheaply.
func lldp(src decode.MAC, port string) []byte {
	tlv := func(typ byte, v []byte) []byte {
		return append([]byte{typ<<1 | byte(len(v)>>8), byte(len(v))}, v...)
	}
	p := tlv(1, append([]byte{4}, src[:]...))
	p = append(p, tlv(2, append([]byte{5}, port...))...)
	p = append(p, tlv(3, []byte{0, 120})...)
	p = append(p, 0, 0)
	return craft.Ethernet(mac("01:80:c2:00:00:0e"), src, nil, 0x88cc, p)
}

func instanceBPDUSample() Sample {
	return Sample{
		Name:  "instance-bpdu.pcap",
		Story: `"The Valentine's Day Compute Node Massacre" (tales-from-the-cloud.txt)`,
		Description: "Captured on a new compute node's bond0, an LACP bond to an Arista MLAG pair (SW-1 and SW-2) " +
			"with BPDU guard on Port-Channel35. Both switches send MST BPDUs every 2 s (untagged, MLAG bridge " +
			"4096/28:99:3a:4d:00:01) and LLDP; nova-compute talks to RabbitMQ over the untagged management network. " +
			"A user's CentOS instance (fa:16:3e:24:e7:22, tenant VLAN 100) boots, resolves its gateway and fetches " +
			"its metadata, then a bridge with STP on comes up inside it: at 01:40:18.214 it sends an 802.1D " +
			"configuration BPDU claiming to be root (32768/fa:16:3e:24:e7:22). The bond hashes it to SW-1, which " +
			"err-disables its member: SW-1's BPDUs stop and traffic carries on through SW-2 alone, until the next " +
			"BPDU 2 s later takes SW-2's member down too and the capture goes silent.",
		Expect: "instance-bpdu.sent critical for fa:16:3e:24:e7:22 (VLAN 100, stp, claims_root true, 2 BPDUs); " +
			"nothing about the switches' BPDUs, the neutron router (also a fa:16:3e MAC) or the management traffic.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			tenant := []craft.Tag{{VID: 100}}
			router := host{mac("fa:16:3e:a0:00:01"), addr("10.0.100.1")}
			compute := host{mac("52:54:00:35:00:01"), addr("192.168.0.35")}
			rabbit := host{mac("52:54:00:c0:00:02"), addr("192.168.0.10")}

			const sw1Down = 18214 // ms: the instance's first BPDU
			const sw2Down = 20214 // ms: its second, through SW-2

			// The switches' hellos; SW-1's stop when its member is disabled.
			for t := 0; t+401 < sw2Down; t += 2000 {
				if t+400 < sw1Down {
					c.add(at(ms(t+400)), craft.Dot3(craft.BridgeGroupMAC, sw1Port, nil, craft.STPLLC(aristaMST(designatedForwarding))))
				}
				c.add(at(ms(t+401)), craft.Dot3(craft.BridgeGroupMAC, sw2Port, nil, craft.STPLLC(aristaMST(designatedForwarding))))
			}
			c.add(at(ms(5000)), lldp(sw1Port, "Ethernet35"))
			c.add(at(ms(5001)), lldp(sw2Port, "Ethernet35"))

			// nova-compute's AMQP heartbeats until the bond is gone.
			amqp := &tcpFlow{a: compute, b: rabbit, aPort: 41822, bPort: 5672, aSeq: 1000, bSeq: 9000}
			for t := 700; t < sw2Down; t += 1500 {
				c.add(at(ms(t)), amqp.aToB(8, craft.PSH|craft.ACK))
				c.add(at(ms(t+1)), amqp.bToA(8, craft.PSH|craft.ACK))
			}

			// The CentOS instance boots: ARP for its gateway (the neutron
			// router's port, also fa:16:3e), then cloud-init's metadata
			// request.
			c.add(at(ms(9000)), arp(centos, router.ip, tenant))
			c.add(at(ms(9001)), arpReply(router, centos, tenant))
			md := &tcpFlow{a: centos, b: host{router.mac, addr("169.254.169.254")}, aTags: tenant, bTags: tenant,
				aPort: 53312, bPort: 80, aSeq: 1, bSeq: 1}
			c.add(at(ms(9100)), md.aToB(0, craft.SYN))
			c.add(at(ms(9102)), md.bToA(0, craft.SYN|craft.ACK))
			c.add(at(ms(9103)), md.aToB(0, craft.ACK))
			c.add(at(ms(9104)), md.aToB(120, craft.PSH|craft.ACK))
			c.add(at(ms(9130)), md.bToA(900, craft.PSH|craft.ACK))
			c.add(at(ms(9131)), md.aToB(0, craft.ACK))
			for i := 0; i < 4; i++ {
				t := at(ms(11000 + 1500*i))
				c.add(t, icmpEcho(centos, router, tenant, false, 0x0c05, uint16(i+1), 56))
				c.add(t.Add(400*time.Microsecond), icmpEcho(router, centos, tenant, true, 0x0c05, uint16(i+1), 56))
			}

			// The guest's bridge: an 802.1D configuration BPDU every 2 s,
			// claiming root, tagged with the tenant VLAN on the way out.
			for _, t := range []int{sw1Down, sw2Down} {
				bpdu := craft.ConfigBPDU(craft.BPDU{Root: centosBridge, Bridge: centosBridge, Port: 0x8001})
				c.add(at(ms(t)), craft.Dot3(craft.BridgeGroupMAC, centos.mac, tenant, craft.STPLLC(bpdu)))
			}
			return c
		},
	}
}

// Instances in bpdu-forms.pcap, one per BPDU form.
var (
	formConfig = host{mac("fa:16:3e:0f:00:01"), addr("203.0.113.11")}
	formTCN    = host{mac("fa:16:3e:0f:00:02"), addr("10.0.101.12")}
	formRSTP   = host{mac("fa:16:3e:0f:00:03"), addr("10.0.102.13")}
	formMSTP   = host{mac("fa:16:3e:0f:00:04"), addr("10.0.103.14")}
	formRPVST  = host{mac("fa:16:3e:0f:00:05"), addr("10.0.104.15")}
	formPVST   = host{mac("fa:16:3e:0f:00:06"), addr("203.0.113.16")}
)

func bpduFormsSample() Sample {
	return Sample{
		Name:  "bpdu-forms.pcap",
		Story: `"The Valentine's Day Compute Node Massacre" (tales-from-the-cloud.txt): every kind of BPDU an instance can send`,
		Description: "A hypervisor trunk where six instances each send one form of BPDU: fa:16:3e:0f:00:01 a Linux " +
			"bridge's 802.1D configuration BPDUs on the untagged flat network, with the TC flag once its port " +
			"starts forwarding (forward delay 4 s); fa:16:3e:0f:00:02 only TCNs on VLAN 101; fa:16:3e:0f:00:03 " +
			"Open vSwitch RSTP on VLAN 102 (proposals, learning, then forwarding with the TC flag); fa:16:3e:0f:00:04 mstpd's MSTP " +
			"with two MSTIs on VLAN 103; fa:16:3e:0f:00:05 a virtual Cisco switch's Rapid-PVST+ on VLAN 104 (IEEE " +
			"RSTP and PVST+ for its native VLAN 1, both tagged 104 by the hypervisor); fa:16:3e:0f:00:06 classic " +
			"PVST+ (802.1D inside SNAP) on the flat network. The physical Cisco switch's Rapid-PVST+ BPDUs and " +
			"ordinary traffic from the same instances are around them.",
		Expect: "six instance-bpdu.sent critical findings, one per instance, whose bpdu_types are [stp], [tcn], " +
			"[rstp], [mstp], [pvst+, rstp] and [pvst+, stp]; vlan null for the flat network; nothing about the " +
			"physical switch.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			gw := host{mac("fa:16:3e:a0:00:02"), addr("10.0.101.1")}
			fast := craft.BPDUTimers{ForwardDelay: 4 * time.Second}

			for t := 0; t < 20000; t += 2000 {
				for i, fr := range ciscoPVSTFrames(1, []uint16{101, 102, 103, 104}, designatedForwarding) {
					c.add(at(ms(t+100+i)), fr)
				}
			}
			// A Linux bridge, root of its own tree; its port forwards after
			// 2 × 4 s and it flags the topology change while it is root.
			br1 := craft.BridgeID{Priority: 32768, MAC: formConfig.mac}
			for t := 1000; t < 20000; t += 2000 {
				var flags uint8
				if t >= 9000 {
					flags = craft.BPDUTC
				}
				bpdu := craft.ConfigBPDU(craft.BPDU{Flags: flags, Root: br1, Bridge: br1, Port: 0x8001, Timers: fast})
				c.add(at(ms(t)), craft.Dot3(craft.BridgeGroupMAC, formConfig.mac, nil, craft.STPLLC(bpdu)))
			}
			// A bridge with a root port elsewhere repeats its TCN every
			// hello until it is acknowledged, which never happens here.
			for t := 1200; t < 8000; t += 2000 {
				c.add(at(ms(t)), craft.Dot3(craft.BridgeGroupMAC, formTCN.mac, []craft.Tag{{VID: 101}}, craft.STPLLC(craft.TCNBPDU())))
			}
			c.add(at(ms(1300)), arp(formTCN, gw.ip, []craft.Tag{{VID: 101}}))
			// Open vSwitch with rstp_enable: a proposal as designated
			// discarding, then learning and forwarding with TC.
			ovs := craft.BridgeID{Priority: 32768, MAC: formRSTP.mac}
			for i, fl := range []uint8{
				craft.RoleDesignated | craft.BPDUProposal,
				craft.RoleDesignated | craft.BPDUProposal,
				craft.RoleDesignated | craft.BPDULearning,
				designatedForwarding | craft.BPDUTC,
				designatedForwarding | craft.BPDUTC,
				designatedForwarding,
			} {
				bpdu := craft.RSTBPDU(craft.BPDU{Flags: fl, Root: ovs, Bridge: ovs, Port: 0x8002})
				c.add(at(ms(1400+2000*i)), craft.Dot3(craft.BridgeGroupMAC, formRSTP.mac, []craft.Tag{{VID: 102}}, craft.STPLLC(bpdu)))
			}
			// mstpd: CIST root and regional root itself, MSTIs 10 and 20.
			mb := craft.BridgeID{Priority: 32768, MAC: formMSTP.mac}
			for t := 1600; t < 12000; t += 2000 {
				bpdu := craft.MSTBPDU(craft.BPDU{Flags: designatedForwarding, Root: mb, Bridge: mb, Port: 0x8001},
					craft.MST{ConfigName: "guest", CISTBridge: mb, RemainingHops: 20, MSTIs: []craft.MSTI{
						{Flags: designatedForwarding, RegionalRoot: craft.BridgeID{Priority: 32768 + 10, MAC: formMSTP.mac}, BridgePriority: 0x80, PortPriority: 0x80, RemainingHops: 20},
						{Flags: designatedForwarding, RegionalRoot: craft.BridgeID{Priority: 32768 + 20, MAC: formMSTP.mac}, BridgePriority: 0x80, PortPriority: 0x80, RemainingHops: 20},
					}})
				c.add(at(ms(t)), craft.Dot3(craft.BridgeGroupMAC, formMSTP.mac, []craft.Tag{{VID: 103}}, craft.STPLLC(bpdu)))
			}
			// A virtual Cisco switch: its native VLAN 1 BPDUs, IEEE and
			// PVST+, leave the hypervisor tagged with the tenant VLAN 104.
			vios := craft.BridgeID{Priority: 32769, MAC: mac("fa:16:3e:0f:00:50")}
			for t := 1800; t < 10000; t += 2000 {
				bpdu := craft.RSTBPDU(craft.BPDU{Flags: designatedForwarding, Root: vios, Bridge: vios, Port: 0x8001})
				c.add(at(ms(t)), craft.Dot3(craft.BridgeGroupMAC, formRPVST.mac, []craft.Tag{{VID: 104}}, craft.STPLLC(bpdu)))
				c.add(at(ms(t+1)), craft.Dot3(craft.PVSTMAC, formRPVST.mac, []craft.Tag{{VID: 104}}, craft.PVSTLLC(bpdu, 1)))
			}
			// An older image: classic PVST+ for VLAN 1 on the flat network.
			old := craft.BridgeID{Priority: 32769, MAC: mac("fa:16:3e:0f:00:60")}
			for t := 1900; t < 8000; t += 2000 {
				bpdu := craft.ConfigBPDU(craft.BPDU{Root: old, Bridge: old, Port: 0x8001})
				c.add(at(ms(t)), craft.Dot3(craft.PVSTMAC, formPVST.mac, nil, craft.PVSTLLC(bpdu, 1)))
			}
			// Ordinary traffic from the same instances.
			for i, h := range []host{formRSTP, formMSTP, formRPVST} {
				tags := []craft.Tag{{VID: uint16(102 + i)}}
				peer := host{mac("fa:16:3e:a0:00:0" + string(rune('3'+i))), h.ip.Prev()}
				c.add(at(ms(500+10*i)), udpFrame(h, peer, tags, 40000, 33434, craft.Bytes(40, byte(i))))
			}
			return c
		},
	}
}

func stpHealthySample() Sample {
	return Sample{
		Name:  "stp-healthy.pcap",
		Story: "none: the control case for instance-bpdu",
		Description: "A minute of healthy spanning tree on a hypervisor trunk: an Arista MLAG pair's MST BPDUs, " +
			"half of them priority-tagged (VLAN 0); a Cisco switch's Rapid-PVST+ (IEEE RSTP and PVST+ for native " +
			"VLAN 1 untagged, PVST+ tagged for VLANs 100 to 103) with one ordinary topology change (two BPDUs with " +
			"TC set, on every VLAN at once); an old 802.1D switch; LLDP; an instance registering its VLANs with " +
			"GVRP (GARP shares the BPDUs' LLC SAP 0x42 and the 01:80:c2 range but is not a BPDU); tenant traffic.",
		Expect: "no findings.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			prio := []craft.Tag{{VID: 0, PCP: 7}}
			for t := 0; t < 60000; t += 2000 {
				var tags []craft.Tag
				if t%4000 == 0 {
					tags = prio
				}
				c.add(at(ms(t+10)), craft.Dot3(craft.BridgeGroupMAC, sw1Port, tags, craft.STPLLC(aristaMST(designatedForwarding))))
				c.add(at(ms(t+11)), craft.Dot3(craft.BridgeGroupMAC, sw2Port, tags, craft.STPLLC(aristaMST(designatedForwarding))))
				var flags uint8 = designatedForwarding
				if t == 30000 || t == 32000 {
					flags |= craft.BPDUTC
				}
				for i, fr := range ciscoPVSTFrames(1, []uint16{100, 101, 102, 103}, flags) {
					c.add(at(ms(t+500+i)), fr)
				}
				bpdu := craft.ConfigBPDU(craft.BPDU{Root: oldSwitch, Bridge: oldSwitch, Port: 0x8005})
				c.add(at(ms(t+900)), craft.Dot3(craft.BridgeGroupMAC, oldSwitchPort, nil, craft.STPLLC(bpdu)))
			}
			for t := 0; t < 60000; t += 30000 {
				c.add(at(ms(t+50)), lldp(sw1Port, "Ethernet35"))
				c.add(at(ms(t+51)), lldp(sw2Port, "Ethernet35"))
			}
			vm := host{mac("fa:16:3e:00:30:01"), addr("10.0.100.31")}
			gw := host{mac("fa:16:3e:a0:00:01"), addr("10.0.100.1")}
			tags := []craft.Tag{{VID: 100}}
			for t := 0; t < 60000; t += 10000 {
				c.add(at(ms(t+1200)), craft.Dot3(craft.GARPGVRPMAC, vm.mac, nil, craft.GVRPLLC(100)))
			}
			flow := &tcpFlow{a: vm, b: gw, aTags: tags, bTags: tags, aPort: 50100, bPort: 443, aSeq: 1, bSeq: 1}
			for t := 300; t < 60000; t += 1000 {
				c.add(at(ms(t)), flow.bToA(1460, craft.ACK))
				c.add(at(ms(t+1)), flow.aToB(0, craft.ACK))
			}
			return c
		},
	}
}

func stpTopologyChangeSample() Sample {
	return Sample{
		Name:  "stp-topology-change.pcap",
		Story: "short outages on a hypervisor trunk: a flapping port upstream",
		Description: "Two minutes on a hypervisor trunk. The Cisco switch's Rapid-PVST+ BPDUs (VLANs 1 native, " +
			"100 and 101) carry the TC flag three times, at 10 s, 46 s and 80 s, for two hellos each (tcWhile) " +
			"and on every VLAN at once: a host port without portfast flapping elsewhere. An old 802.1D switch " +
			"sends a TCN twice (one change, repeated until acknowledged) and the Arista pair's MST BPDUs carry TC " +
			"once: single changes, below the burst threshold.",
		Expect: "one stp.topology-change info finding for 00:1f:6d:96:ec:04 with 3 topology changes within 5 minutes; " +
			"nothing for the 802.1D switch or the Arista pair.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			tcAt := map[int]bool{10000: true, 12000: true, 46000: true, 48000: true, 80000: true, 82000: true}
			for t := 0; t < 120000; t += 2000 {
				var flags uint8 = designatedForwarding
				if tcAt[t] {
					flags |= craft.BPDUTC
				}
				for i, fr := range ciscoPVSTFrames(1, []uint16{100, 101}, flags) {
					c.add(at(ms(t+500+i)), fr)
				}
				mflags := uint8(designatedForwarding)
				if t == 60000 || t == 62000 {
					mflags |= craft.BPDUTC
				}
				c.add(at(ms(t+10)), craft.Dot3(craft.BridgeGroupMAC, sw1Port, nil, craft.STPLLC(aristaMST(mflags))))
			}
			// The 802.1D switch's root port faces this link: it sends a TCN
			// every hello until the designated bridge acknowledges it.
			for _, t := range []int{20300, 22300} {
				c.add(at(ms(t)), craft.Dot3(craft.BridgeGroupMAC, oldSwitchPort, nil, craft.STPLLC(craft.TCNBPDU())))
			}
			vm := host{mac("fa:16:3e:00:40:01"), addr("10.0.100.41")}
			gw := host{mac("fa:16:3e:a0:00:01"), addr("10.0.100.1")}
			tags := []craft.Tag{{VID: 100}}
			for t := 700; t < 120000; t += 5000 {
				c.add(at(ms(t)), icmpEcho(vm, gw, tags, false, 0x0042, uint16(t/5000), 56))
				c.add(at(ms(t+1)), icmpEcho(gw, vm, tags, true, 0x0042, uint16(t/5000), 56))
			}
			return c
		},
	}
}

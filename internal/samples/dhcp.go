package samples

import (
	"math"
	"net/netip"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/capwrite"
	"github.com/wiretale/wiretale/internal/craft"
)

// DHCP samples: "The Issue" (an instance that stopped receiving, seen
// through its lease renewal), and the other ways a DHCP conversation
// fails in a cloud: dnsmasq with no address for a MAC, a NAK, a rogue
// server on a tenant VLAN, a DHCP server down long enough for leases to
// run out; and a healthy network node captured with tcpdump -i any.

var (
	broadcastMAC = mac("ff:ff:ff:ff:ff:ff")
	broadcastIP  = addr("255.255.255.255")
	zeroIP       = addr("0.0.0.0")
)

// dhcpClientHost is a DHCP client: its MAC, the address it holds or gets,
// and the host name it sends.
type dhcpClientHost struct {
	host
	name string
}

// dhcpSegment builds DHCP frames between clients and one server on one
// segment. dnsmasq's defaults for OpenStack: T1 half the lease, T2 7/8.
type dhcpSegment struct {
	c        *Capture
	srv      host
	tags     []craft.Tag
	lease    uint32
	noRenewT bool // leave out T1/T2 (some servers do)
}

func (s *dhcpSegment) client(t time.Time, cl dhcpClientHost, srcIP, dstIP netip.Addr, dstMAC decode.MAC, m craft.DHCPMessage) {
	m.CHAddr = cl.mac
	if m.Hostname == "" {
		m.Hostname = cl.name
	}
	m.ClientID = append([]byte{1}, cl.mac[:]...)
	s.c.add(t, craft.DHCPv4Frame(dstMAC, cl.mac, s.tags, srcIP, dstIP, decode.DHCPClientPort, decode.DHCPServerPort, craft.DHCP(m)))
}

func (s *dhcpSegment) server(t time.Time, cl dhcpClientHost, dstIP netip.Addr, dstMAC decode.MAC, m craft.DHCPMessage) {
	s.serverAs(t, s.srv, cl, dstIP, dstMAC, m)
}

func (s *dhcpSegment) serverAs(t time.Time, srv host, cl dhcpClientHost, dstIP netip.Addr, dstMAC decode.MAC, m craft.DHCPMessage) {
	m.CHAddr = cl.mac
	m.ServerID = srv.ip
	m.SIAddr = srv.ip
	// No lease time in a NAK, nor in the ACK to an INFORM (RFC 2131
	// §4.3.5), which has no yiaddr.
	if m.Type != decode.DHCPNak && m.Lease == 0 && (m.Type != decode.DHCPAck || m.YIAddr.IsValid()) {
		m.Lease = s.lease
		if !s.noRenewT {
			m.T1, m.T2 = s.lease/2, s.lease*7/8
		}
	}
	s.c.add(t, craft.DHCPv4Frame(dstMAC, srv.mac, s.tags, srv.ip, dstIP, decode.DHCPServerPort, decode.DHCPClientPort, craft.DHCP(m)))
}

func (s *dhcpSegment) discover(t time.Time, cl dhcpClientHost, xid uint32) {
	s.client(t, cl, zeroIP, broadcastIP, broadcastMAC, craft.DHCPMessage{Type: decode.DHCPDiscover, XID: xid})
}

func (s *dhcpSegment) offer(t time.Time, cl dhcpClientHost, xid uint32) {
	s.server(t, cl, cl.ip, cl.mac, craft.DHCPMessage{Type: decode.DHCPOffer, XID: xid, YIAddr: cl.ip})
}

// selecting is the REQUEST after an OFFER, broadcast, naming the server.
func (s *dhcpSegment) selecting(t time.Time, cl dhcpClientHost, xid uint32, srv netip.Addr) {
	s.client(t, cl, zeroIP, broadcastIP, broadcastMAC, craft.DHCPMessage{Type: decode.DHCPRequest, XID: xid, RequestedIP: cl.ip, ServerID: srv})
}

// renew is a RENEWING REQUEST: ciaddr set, unicast to the server.
func (s *dhcpSegment) renew(t time.Time, cl dhcpClientHost, xid uint32) {
	s.client(t, cl, cl.ip, s.srv.ip, s.srv.mac, craft.DHCPMessage{Type: decode.DHCPRequest, XID: xid, CIAddr: cl.ip})
}

// rebind is a REBINDING REQUEST: ciaddr set, broadcast.
func (s *dhcpSegment) rebind(t time.Time, cl dhcpClientHost, xid uint32) {
	s.client(t, cl, cl.ip, broadcastIP, broadcastMAC, craft.DHCPMessage{Type: decode.DHCPRequest, XID: xid, CIAddr: cl.ip})
}

// ack answers a client; renewals (ciaddr set) get it unicast to ciaddr.
func (s *dhcpSegment) ack(t time.Time, cl dhcpClientHost, xid uint32, renewing bool) {
	m := craft.DHCPMessage{Type: decode.DHCPAck, XID: xid, YIAddr: cl.ip}
	if renewing {
		m.CIAddr = cl.ip
	}
	s.server(t, cl, cl.ip, cl.mac, m)
}

func (s *dhcpSegment) dora(t time.Time, cl dhcpClientHost, xid uint32) {
	s.discover(t, cl, xid)
	s.offer(t.Add(ms(2)), cl, xid)
	s.selecting(t.Add(ms(4)), cl, xid, s.srv.ip)
	s.ack(t.Add(ms(6)), cl, xid, false)
}

func (s *dhcpSegment) renewal(t time.Time, cl dhcpClientHost, xid uint32) {
	s.renew(t, cl, xid)
	s.ack(t.Add(1500*time.Microsecond), cl, xid, true)
}

// ping adds an echo request from a to b and its reply.
func (s *dhcpSegment) ping(t time.Time, a, b host, seq uint16) {
	s.c.add(t, icmpEcho(a, b, s.tags, false, 0x0707, seq, 56))
	s.c.add(t.Add(300*time.Microsecond), icmpEcho(b, a, s.tags, true, 0x0707, seq, 56))
}

// sec turns seconds into a duration, rounded to the microsecond that
// pcap timestamps hold.
func sec(n float64) time.Duration { return time.Duration(math.Round(n*1e6)) * time.Microsecond }

// The story: the cloud controller (nova-network's dnsmasq on br100,
// 10.0.0.1) hands out 120-second leases. Captured on the compute node's
// br100, which carries the instance's tap.
var (
	issueController = host{mac("52:54:00:c0:00:01"), addr("10.0.0.1")}
	issueBackup     = dhcpClientHost{host{mac("fa:16:3e:4a:7c:01"), addr("10.0.0.5")}, "backup-01"}
	issueWeb        = dhcpClientHost{host{mac("fa:16:3e:4a:7c:02"), addr("10.0.0.6")}, "web-01"}
	issueStorage    = host{mac("fa:16:3e:4a:7c:20"), addr("10.0.0.20")}
)

func dhcpIssueSample() Sample {
	return Sample{
		Name:  "dhcp-the-issue.pcap",
		Story: `"The Issue" (dhcp-the-issue.txt)`,
		Description: "Captured on the compute node's br100 (nova-network, dnsmasq on the cloud controller 10.0.0.1, " +
			"120-second leases: T1 60 s, T2 105 s). Instance backup-01 (fa:16:3e:4a:7c:01, 10.0.0.5) streams its " +
			"nightly backup to 10.0.0.20 and renews by unicast every 60 s, answered at once. At 01:42:52 its " +
			"traffic stops: the storage server's segments go unanswered. 10.0 s later it renews; the controller " +
			"ACKs; 7.0 s later it asks again; the controller ACKs again; at T2 it falls back to broadcast " +
			"255.255.255.255; a third ACK; then nothing, and its lease runs out at 01:44:02. Instance web-01 " +
			"(10.0.0.6) on the same bridge renews every 60 s and pings the controller: healthy.",
		Expect: "dhcp.answer-ignored critical for fa:16:3e:4a:7c:01 (the renewal of 01:43:02), its timeline starting " +
			"with \"client sent nothing for 10.0 s before renewing\", the seven steps of the story and the lease " +
			"lost; nothing about web-01 or the earlier renewals.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			s := &dhcpSegment{c: c, srv: issueController, lease: 120}
			b := issueBackup
			// Healthy renewals every 60 s (T1), each with its own xid.
			for i, t := range []float64{2, 62, 122} {
				s.renewal(at(sec(t)), b, 0x5e1a0000+uint32(i))
			}
			// The backup stream: backup-01 sends, the storage server ACKs,
			// until 172 s; after that only the storage server's
			// retransmissions, with backoff, go unanswered.
			flow := &tcpFlow{a: b.host, b: issueStorage, aPort: 873, bPort: 50412, aSeq: 1, bSeq: 1}
			for t := 0.5; t <= 172; t += 0.5 {
				c.add(at(sec(t)), flow.aToB(1200, craft.ACK|craft.PSH))
				if t < 171.9 {
					c.add(at(sec(t+0.0004)), flow.bToA(0, craft.ACK))
				}
			}
			seq := flow.bSeq
			for _, t := range []float64{172.6, 173.4, 175, 178.2, 184.6, 197.4, 223, 274.2} {
				flow.bSeq = seq
				c.add(at(sec(t)), flow.bToA(120, craft.ACK|craft.PSH))
			}
			// The renewal at T1 of the ACK at 122 s: the story's seven steps.
			const xid = 0x5e1a0003
			s.renew(at(sec(182)), b, xid)
			s.ack(at(sec(182.0015)), b, xid, true)
			s.renew(at(sec(189)), b, xid)
			s.ack(at(sec(189.0015)), b, xid, true)
			s.rebind(at(sec(227)), b, xid)
			s.ack(at(sec(227.0015)), b, xid, true)

			// web-01: renewals every 60 s and a ping every 5 s, healthy.
			w := issueWeb
			for i, t := range []float64{30, 90, 150, 210, 270} {
				s.renewal(at(sec(t)), w, 0x0eb00000+uint32(i))
			}
			for i := 0; i < 55; i++ {
				s.ping(at(sec(1+5*float64(i))), w.host, issueController, uint16(i))
			}
			return c
		},
	}
}

// dnsmasq answering nothing to a MAC it has no host entry for ("no
// address available"), captured on a network node's tap to the qdhcp
// namespace.
func dhcpNoOfferSample() Sample {
	return Sample{
		Name:  "dhcp-no-offer.pcap",
		Story: `"The Issue" (dhcp-the-issue.txt), related report: instances losing their address "due to No DHCPOFFER"`,
		Description: "Captured on the network node's tap of the qdhcp namespace (dnsmasq 10.0.0.2, 86400-second " +
			"leases). Instance fa:16:3e:6b:00:11 boots after its port was recreated: dnsmasq's host file does not " +
			"list its MAC and it logs \"no address available\", so its DISCOVERs (retransmitted after 4, 8, 16 and " +
			"32 s) get no OFFER. Healthy around it: fa:16:3e:6b:00:12 retransmits its DISCOVER once before its " +
			"OFFER arrives, fa:16:3e:6b:00:13 does a normal DORA, and fa:16:3e:6b:00:14 sends a DISCOVER 1.5 s " +
			"before the capture ends.",
		Expect: "dhcp.no-offer critical for fa:16:3e:6b:00:11 only; nothing for the retransmitted DISCOVER, the DORA, " +
			"or the DISCOVER at the very end (too recent to judge).",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			srv := host{mac("fa:16:3e:00:00:02"), addr("10.0.0.2")}
			s := &dhcpSegment{c: c, srv: srv, lease: 86400}
			lost := dhcpClientHost{host{mac("fa:16:3e:6b:00:11"), addr("10.0.0.31")}, "worker-7"}
			for _, t := range []float64{0.5, 4.5, 12.5, 28.5, 60.5} {
				s.discover(at(sec(t)), lost, 0x00bad001)
			}
			slow := dhcpClientHost{host{mac("fa:16:3e:6b:00:12"), addr("10.0.0.32")}, "worker-8"}
			s.discover(at(sec(1)), slow, 0x00a00001)
			s.discover(at(sec(5)), slow, 0x00a00001)
			s.offer(at(sec(5.002)), slow, 0x00a00001)
			s.selecting(at(sec(5.004)), slow, 0x00a00001, srv.ip)
			s.ack(at(sec(5.006)), slow, 0x00a00001, false)
			s.dora(at(sec(20)), dhcpClientHost{host{mac("fa:16:3e:6b:00:13"), addr("10.0.0.33")}, "worker-9"}, 0x00a00002)
			s.discover(at(sec(68)), dhcpClientHost{host{mac("fa:16:3e:6b:00:14"), addr("10.0.0.34")}, "worker-10"}, 0x00a00003)
			// The server's own traffic keeps the capture going.
			peer := host{mac("fa:16:3e:6b:00:33"), addr("10.0.0.33")}
			for i := 0; i < 14; i++ {
				s.ping(at(sec(21+3.5*float64(i))), peer, srv, uint16(i))
			}
			c.add(at(sec(69.5)), arp(peer, srv.ip, nil))
			return c
		},
	}
}

// A renewal NAKed: dnsmasq restarted without its lease file and with a
// new host entry for the instance.
func dhcpNakSample() Sample {
	return Sample{
		Name:  "dhcp-nak.pcap",
		Story: `"The Issue" (dhcp-the-issue.txt): the server side of a failed renewal`,
		Description: "Captured on a compute node's bridge (dnsmasq 10.0.0.2, 600-second leases). dnsmasq was " +
			"restarted with a new host entry for instance app-3 (fa:16:3e:7a:00:03): when app-3 renews 10.0.0.40 " +
			"by unicast, dnsmasq answers DHCPNAK \"address not available\"; app-3 drops its address and starts " +
			"over with a DORA that gives it 10.0.0.41. Instance app-4 renews on the same bridge and is ACKed.",
		Expect: "dhcp.nak warning for fa:16:3e:7a:00:03 (the renewal); nothing for its new DORA or for app-4.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			srv := host{mac("fa:16:3e:00:00:02"), addr("10.0.0.2")}
			s := &dhcpSegment{c: c, srv: srv, lease: 600}
			app := dhcpClientHost{host{mac("fa:16:3e:7a:00:03"), addr("10.0.0.40")}, "app-3"}
			app4 := dhcpClientHost{host{mac("fa:16:3e:7a:00:04"), addr("10.0.0.42")}, "app-4"}
			s.renewal(at(sec(1)), app4, 0x7a040001)
			s.renew(at(sec(3)), app, 0x7a030001)
			s.server(at(sec(3.002)), app, broadcastIP, broadcastMAC, craft.DHCPMessage{
				Type: decode.DHCPNak, XID: 0x7a030001, Message: "address not available"})
			moved := app
			moved.ip = addr("10.0.0.41")
			s.dora(at(sec(3.5)), moved, 0x7a030002)
			for i := 0; i < 5; i++ {
				s.ping(at(sec(4+float64(i))), moved.host, srv, uint16(i))
			}
			return c
		},
	}
}

// A rogue DHCP server on a tenant VLAN: a test instance runs libvirt's
// default network, whose dnsmasq answers every DISCOVER on VLAN 100.
func dhcpRogueSample() Sample {
	return Sample{
		Name:  "dhcp-rogue.pcap",
		Story: `"The Issue" (dhcp-the-issue.txt): another reason a DHCP answer is wrong`,
		Description: "Captured on a compute node's trunk (802.1Q). On VLAN 100 the tenant's dnsmasq 10.0.0.2 " +
			"(fa:16:3e:00:00:02) is joined by a rogue one: instance test-vm (fa:16:3e:99:00:01) runs libvirt's " +
			"default network and answers every DISCOVER from 192.168.122.1. Instance new-1 takes the rogue's " +
			"faster OFFER and gets 192.168.122.57; new-2 gets both OFFERs and takes the right one. VLAN 101 has a " +
			"single server (10.1.0.2) and a normal DORA.",
		Expect: "dhcp.multiple-servers warning for vlan 100 naming 10.0.0.2 and 192.168.122.1; nothing for VLAN 101 " +
			"or for the clients' conversations.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			v100 := []craft.Tag{{VID: 100}}
			legit := host{mac("fa:16:3e:00:00:02"), addr("10.0.0.2")}
			rogue := host{mac("fa:16:3e:99:00:01"), addr("192.168.122.1")}
			s := &dhcpSegment{c: c, srv: legit, tags: v100, lease: 86400}
			rs := &dhcpSegment{c: c, srv: rogue, tags: v100, lease: 3600, noRenewT: true}

			n1 := dhcpClientHost{host{mac("fa:16:3e:10:00:01"), addr("10.0.0.51")}, "new-1"}
			n1rogue := n1
			n1rogue.ip = addr("192.168.122.57")
			s.discover(at(sec(1)), n1, 0x10000001)
			rs.offer(at(sec(1.0008)), n1rogue, 0x10000001)
			s.offer(at(sec(1.003)), n1, 0x10000001)
			s.selecting(at(sec(1.005)), n1rogue, 0x10000001, rogue.ip)
			rs.ack(at(sec(1.006)), n1rogue, 0x10000001, false)

			n2 := dhcpClientHost{host{mac("fa:16:3e:10:00:02"), addr("10.0.0.52")}, "new-2"}
			n2rogue := n2
			n2rogue.ip = addr("192.168.122.58")
			s.discover(at(sec(6)), n2, 0x10000002)
			s.offer(at(sec(6.002)), n2, 0x10000002)
			rs.offer(at(sec(6.0025)), n2rogue, 0x10000002)
			s.selecting(at(sec(6.004)), n2, 0x10000002, legit.ip)
			s.ack(at(sec(6.006)), n2, 0x10000002, false)

			// VLAN 101: one server, a normal DORA.
			v101 := &dhcpSegment{c: c, srv: host{mac("fa:16:3e:00:01:02"), addr("10.1.0.2")}, tags: []craft.Tag{{VID: 101}}, lease: 86400}
			v101.dora(at(sec(3)), dhcpClientHost{host{mac("fa:16:3e:11:00:01"), addr("10.1.0.61")}, "db-1"}, 0x11000001)
			for i := 0; i < 4; i++ {
				s.ping(at(sec(7+float64(i))), n2.host, legit, uint16(i))
			}
			return c
		},
	}
}

// dnsmasq down for 100 s: one instance's renewal goes unanswered and its
// lease runs out; another's renewal is answered late, by broadcast.
func dhcpServerDownSample() Sample {
	return Sample{
		Name:  "dhcp-server-down.pcap",
		Story: `"The Issue" (dhcp-the-issue.txt), related report: instances losing their address while running`,
		Description: "Captured on a compute node's bridge. The network's dnsmasq (10.0.0.2, 120-second leases: T1 " +
			"60 s, T2 105 s) hangs from 01:40:30 to 01:42:10 during an agent restart. Instance db-01 " +
			"(fa:16:3e:5d:00:0a) renews at T1 by unicast (no answer, twice more), falls back to broadcast at T2 " +
			"(no answer), loses its lease at 01:42:05 and DISCOVERs until dnsmasq answers at 01:42:17; its " +
			"traffic stops while it has no address. Instance cache-01 (fa:16:3e:5d:00:0b) renews at 01:41:20, gets " +
			"no answer for 52 s, and is ACKed by broadcast at 01:42:12 before its lease expires. web-02 renews after the " +
			"outage, answered at once.",
		Expect: "dhcp.lease-lost critical for fa:16:3e:5d:00:0a; dhcp.no-answer warning for fa:16:3e:5d:00:0b; " +
			"nothing for web-02.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			srv := host{mac("fa:16:3e:00:00:02"), addr("10.0.0.2")}
			s := &dhcpSegment{c: c, srv: srv, lease: 120}
			db := dhcpClientHost{host{mac("fa:16:3e:5d:00:0a"), addr("10.0.0.10")}, "db-01"}
			cache := dhcpClientHost{host{mac("fa:16:3e:5d:00:0b"), addr("10.0.0.11")}, "cache-01"}
			web := dhcpClientHost{host{mac("fa:16:3e:5d:00:0c"), addr("10.0.0.12")}, "web-02"}
			app := host{mac("fa:16:3e:5d:00:99"), addr("10.0.0.99")}

			s.renewal(at(sec(5)), db, 0xdb000001)
			s.renewal(at(sec(20)), cache, 0xcac00001)
			// db-01: T1 at 65 s, T2 at 110 s, expiry at 125 s.
			for _, t := range []float64{65, 75, 90} {
				s.renew(at(sec(t)), db, 0xdb000002)
			}
			for _, t := range []float64{110, 114, 120} {
				s.rebind(at(sec(t)), db, 0xdb000002)
			}
			for i, t := range []float64{125.2, 129.2} {
				s.discover(at(sec(t)), db, 0xdb000003+uint32(i))
			}
			s.dora(at(sec(137.2)), db, 0xdb000005)
			// cache-01: T1 at 80 s; dnsmasq answers again from 130 s.
			for _, t := range []float64{80, 95, 115} {
				s.renew(at(sec(t)), cache, 0xcac00002)
			}
			s.rebind(at(sec(125)), cache, 0xcac00002)
			s.rebind(at(sec(132)), cache, 0xcac00002)
			s.ack(at(sec(132.002)), cache, 0xcac00002, true)
			s.renewal(at(sec(140)), web, 0x0eb00002)

			// db-01 talks to an app server while it has an address.
			for t := 1.0; t < 200; t += 4 {
				if t > 125 && t < 138 {
					continue
				}
				s.ping(at(sec(t)), app, db.host, uint16(t))
			}
			for t := 3.0; t < 200; t += 6 {
				s.ping(at(sec(t)), cache.host, app, uint16(t))
			}
			return c
		},
	}
}

// A healthy network node, captured with tcpdump -i any (Linux cooked).
func dhcpHealthySample() Sample {
	return Sample{
		Name:  "dhcp-healthy-any.pcap",
		Story: "none: the control case for dhcp",
		Description: "tcpdump -i any on a network node running dnsmasq 10.0.0.2 (Linux cooked capture, SLL): normal " +
			"DORAs, a DISCOVER retransmitted once before its OFFER, renewals answered on the first try, an " +
			"INIT-REBOOT after a reboot, a DHCPINFORM answered, a RELEASE, a relayed DORA from another subnet " +
			"(giaddr 10.9.0.1, relay agent information), and a DISCOVER 2 s before the capture ends.",
		Expect: "no findings.",
		Build: func() *Capture {
			eth := &Capture{LinkType: decode.LinkEthernet}
			srv := host{mac("fa:16:3e:00:00:02"), addr("10.0.0.2")}
			s := &dhcpSegment{c: eth, srv: srv, lease: 86400}
			cl := func(i byte, name string) dhcpClientHost {
				return dhcpClientHost{host{decode.MAC{0xfa, 0x16, 0x3e, 0x0c, 0x00, i}, netip.AddrFrom4([4]byte{10, 0, 0, 100 + i})}, name}
			}
			s.dora(at(sec(1)), cl(1, "api-1"), 0xc0000001)
			a2 := cl(2, "api-2")
			s.discover(at(sec(2)), a2, 0xc0000002)
			s.discover(at(sec(6)), a2, 0xc0000002)
			s.offer(at(sec(6.003)), a2, 0xc0000002)
			s.selecting(at(sec(6.005)), a2, 0xc0000002, srv.ip)
			s.ack(at(sec(6.007)), a2, 0xc0000002, false)
			for i := byte(3); i < 6; i++ {
				s.renewal(at(sec(float64(i)*2)), cl(i, "worker-"+string('0'+i)), 0xc0000100+uint32(i))
			}
			rb := cl(6, "rebooted")
			s.client(at(sec(12)), rb, zeroIP, broadcastIP, broadcastMAC, craft.DHCPMessage{Type: decode.DHCPRequest, XID: 0xc0000006, RequestedIP: rb.ip})
			s.ack(at(sec(12.002)), rb, 0xc0000006, false)
			inf := cl(7, "")
			s.client(at(sec(14)), inf, inf.ip, srv.ip, srv.mac, craft.DHCPMessage{Type: decode.DHCPInform, XID: 0xc0000007, CIAddr: inf.ip})
			s.server(at(sec(14.001)), inf, inf.ip, inf.mac, craft.DHCPMessage{Type: decode.DHCPAck, XID: 0xc0000007, CIAddr: inf.ip})
			rel := cl(8, "leaving")
			s.renewal(at(sec(15)), rel, 0xc0000008)
			s.client(at(sec(16)), rel, rel.ip, srv.ip, srv.mac, craft.DHCPMessage{Type: decode.DHCPRelease, XID: 0xc0000009, CIAddr: rel.ip})
			// A relayed DORA: the relay 10.9.0.1 forwards with giaddr and
			// option 82; dnsmasq answers the relay.
			relay := host{mac("fa:16:3e:00:09:01"), addr("10.9.0.1")}
			far := dhcpClientHost{host{mac("fa:16:3e:09:00:05"), addr("10.9.0.5")}, "far-5"}
			rmsg := func(t float64, typ decode.DHCPMsgType, fromServer bool) {
				m := craft.DHCPMessage{Type: typ, XID: 0xc0000010, CHAddr: far.mac, GIAddr: relay.ip, Hostname: far.name,
					CircuitID: []byte("eth1/0/5"), RemoteID: []byte("tor-9")}
				switch typ {
				case decode.DHCPOffer, decode.DHCPAck:
					m.YIAddr, m.ServerID, m.Lease, m.T1, m.T2, m.Hostname = far.ip, srv.ip, 86400, 43200, 75600, ""
				case decode.DHCPRequest:
					m.RequestedIP, m.ServerID = far.ip, srv.ip
				}
				p := craft.DHCP(m)
				if fromServer {
					eth.add(at(sec(t)), craft.DHCPv4Frame(relay.mac, srv.mac, nil, srv.ip, relay.ip, 67, 67, p))
				} else {
					eth.add(at(sec(t)), craft.DHCPv4Frame(srv.mac, relay.mac, nil, relay.ip, srv.ip, 67, 67, p))
				}
			}
			rmsg(17, decode.DHCPDiscover, false)
			rmsg(17.004, decode.DHCPOffer, true)
			rmsg(17.010, decode.DHCPRequest, false)
			rmsg(17.014, decode.DHCPAck, true)
			s.discover(at(sec(23)), cl(9, "late"), 0xc0000011)
			for i := 0; i < 12; i++ {
				s.ping(at(sec(0.5+2*float64(i))), cl(1, "").host, srv, uint16(i))
			}

			// As tcpdump -i any records it: Linux cooked v1 headers.
			c := &Capture{LinkType: decode.LinkLinuxSLL}
			for _, p := range eth.Packets {
				c.Packets = append(c.Packets, capwrite.Packet{Time: p.Time, Data: toSLL(p.Data, srv.mac)})
			}
			return c
		},
	}
}

// toSLL rewrites an Ethernet frame as a Linux cooked v1 capture on the
// host owning local records it: packet type 4 (outgoing) for its own
// frames, 1 (broadcast) or 0 (to us) for the others.
func toSLL(eth []byte, local decode.MAC) []byte {
	var f decode.Frame
	decode.Decode(&f, decode.LinkEthernet, eth)
	payload := eth[f.L3Off:]
	if f.End > f.L3Off && f.End < len(eth) {
		payload = eth[f.L3Off:f.End]
	}
	var pktType uint16
	switch {
	case f.Src == local:
		pktType = 4
	case f.Dst.IsMulticast():
		pktType = 1
	}
	return craft.SLL(pktType, f.Src, f.EtherType, payload)
}

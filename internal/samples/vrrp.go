package samples

import (
	"net/netip"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/capwrite"
	"github.com/wiretale/wiretale/internal/craft"
)

// The VRRP story (vrrp-crime-story.txt): two keepalived load balancers in
// VMs share a virtual IP on a tenant VLAN. loadbalancer01 runs on a
// hypervisor where vhost_net is off, so its packets wait in qemu's user
// space for up to five seconds; the backup declares it dead, takes the
// VIP, and loadbalancer01 preempts it back when its delayed advertisements
// arrive. Captured on the hypervisor bridge, where the tags are visible.
var (
	lb01     = host{mac("fa:16:3e:30:00:11"), addr("10.0.30.11")}
	lb02     = host{mac("fa:16:3e:30:00:12"), addr("10.0.30.12")}
	lbVIP    = addr("10.0.30.10")
	lbClient = host{mac("fa:16:3e:30:00:50"), addr("10.0.30.50")}
	lbVLAN   = []craft.Tag{{VID: 130}}
)

// keepalivedAuth is auth_pass 1111 as keepalived puts it on the wire.
var keepalivedAuth = [8]byte{'1', '1', '1', '1'}

// jitter returns a deterministic scheduling jitter of at most ±limit ms
// for advertisement i.
func jitter(i, limit int) time.Duration {
	return ms((i*37+11)%(2*limit+1) - limit)
}

// vrrpAdvert appends an advertisement from h at time t.
func vrrpAdvert(c *Capture, t time.Time, h host, tags []craft.Tag, ttl uint8, a craft.VRRPAdvert) {
	c.add(t, craft.VRRPFrame(h.mac, tags, h.ip, ttl, a))
}

// garp is the gratuitous ARP a new keepalived master sends for its VIP.
func garp(h host, vip netip.Addr, tags []craft.Tag) []byte {
	return arp(host{h.mac, vip}, vip, tags)
}

func vrrpFlapSample() Sample {
	return Sample{
		Name:  "vrrp-flap.pcap",
		Story: `"OpenStack Crime Story, episode 3" (vrrp-crime-story.txt)`,
		Description: "Captured on the hypervisor bridge, tenant VLAN 130. keepalived on loadbalancer01 (10.0.30.11, " +
			"priority 150, master) and loadbalancer02 (10.0.30.12, priority 100, backup) share the virtual IP " +
			"10.0.30.10 as VRID 51 (VRRPv2, advert_int 1, auth_pass 1111). loadbalancer01's hypervisor has vhost_net " +
			"off, so its advertisements are delayed: once by 2.4 s (no takeover), then three times by 4.1 to 5.02 s. " +
			"Each time loadbalancer02 waits the master-down interval (3 × 1 s + (256 − 100)/256 s = 3.61 s), takes over " +
			"and sends a gratuitous ARP, and loadbalancer01 preempts it back when its queued advertisements arrive " +
			"(two at once: the second is a copy and is not timed). A client keeps talking to the VIP throughout.",
		Expect: "vrrp.advert-gap critical for 10.0.30.11 (4 gaps, the longest 5.02 s, 3 past the master-down interval, " +
			"each naming 10.0.30.12 and when it took over), vrrp.master-change critical for VRID 51 on VLAN 130 " +
			"(6 changes: 3 takeovers, 3 preemptions; flapping); nothing about loadbalancer02's own silences as " +
			"backup, the ordinary jitter, or the client traffic.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			adv := func(prio uint8) craft.VRRPAdvert {
				return craft.VRRPAdvert{Version: 2, VRID: 51, Priority: prio, AdverInt: 1,
					AuthType: 1, AuthData: keepalivedAuth, Addrs: []netip.Addr{lbVIP}}
			}
			// Delay episodes: loadbalancer01's last advertisement before
			// the silence, how long it stays silent, and whether the queue
			// releases two advertisements at once.
			type episode struct {
				at, silent time.Duration
				burst      bool
			}
			episodes := []episode{
				{at: 20 * time.Second, silent: ms(2400)},
				{at: 40 * time.Second, silent: ms(5020), burst: true},
				{at: 75 * time.Second, silent: ms(4630)},
				{at: 110 * time.Second, silent: ms(4100), burst: true},
			}
			const end = 150 * time.Second
			masterDown := ms(3609) // 3 × 1 s + 156/256 s
			t, i, next := time.Duration(0), 0, 0
			for t < end {
				var ep *episode
				if next < len(episodes) && t >= episodes[next].at {
					ep = &episodes[next]
					next++
				}
				when := t
				if ep == nil {
					when += jitter(i, 30)
				}
				vrrpAdvert(c, at(when), lb01, lbVLAN, 0, adv(150))
				i++
				if ep == nil {
					t += time.Second
					continue
				}
				// lb01 is silent for ep.silent; lb02 takes over if that
				// passes the master-down interval.
				back := t + ep.silent
				if ep.silent > masterDown {
					take := t + masterDown + ms(11)
					c.add(at(take+ms(1)), garp(lb02, lbVIP, lbVLAN))
					for bt := take; bt < back; bt += time.Second {
						vrrpAdvert(c, at(bt), lb02, lbVLAN, 0, adv(100))
					}
				}
				vrrpAdvert(c, at(back), lb01, lbVLAN, 0, adv(150))
				if ep.burst {
					vrrpAdvert(c, at(back+ms(2)), lb01, lbVLAN, 0, adv(150))
				}
				if ep.silent > masterDown {
					c.add(at(back+ms(3)), garp(lb01, lbVIP, lbVLAN))
				}
				t = back + time.Second
			}
			// The client's requests to the VIP, every 5 s.
			web := &tcpFlow{a: lbClient, b: host{lb01.mac, lbVIP}, aTags: lbVLAN, bTags: lbVLAN, aPort: 51200, bPort: 443, aSeq: 1, bSeq: 1}
			for k := 0; k < 30; k++ {
				t := at(time.Duration(k)*5*time.Second + ms(500))
				c.add(t, web.aToB(120, craft.PSH|craft.ACK))
				c.add(t.Add(2*time.Millisecond), web.bToA(900, craft.PSH|craft.ACK))
			}
			return c
		},
	}
}

func vrrpHealthySample() Sample {
	return Sample{
		Name:  "vrrp-healthy.pcap",
		Story: `"OpenStack Crime Story, episode 3" (vrrp-crime-story.txt): what healthy looks like`,
		Description: "Captured on a hypervisor trunk after the fix. VRID 10 (VRRPv2, untagged, 192.168.10.2 priority 200, " +
			"advert_int 1) with scheduling jitter of up to ±120 ms; VRID 20 (VRRPv3 over IPv6 on VLAN 200, " +
			"fe80::20:2 priority 120, 100 cs, virtual addresses fe80::1 and 2001:db8:200::1) with ±50 ms; VRID 30 " +
			"(VRRPv3 over IPv4 on VLAN 300) where the master 10.30.0.2 is stopped for maintenance: it resigns with " +
			"priority 0 and the backup 10.30.0.3 (priority 100) takes over 0.61 s later, as RFC 5798 says (skew time " +
			"(256 − 100) × 100 / 256 cs). An OpenBSD firewall pair's CARP announcements (also IP protocol 112, vhid 1) " +
			"share the trunk on VLAN 400.",
		Expect: "only vrrp.priority-zero (info) for 10.30.0.2, naming 10.30.0.3 and when it took over; no gap, no " +
			"master change, nothing about CARP.",
		Build: func() *Capture {
			c := &Capture{LinkType: decode.LinkEthernet}
			const end = 40 * time.Second
			r10 := host{mac("52:54:00:10:00:02"), addr("192.168.10.2")}
			for i, t := 0, time.Duration(0); t < end; i, t = i+1, t+time.Second {
				vrrpAdvert(c, at(t+ms(5)+jitter(i, 120)), r10, nil, 0,
					craft.VRRPAdvert{Version: 2, VRID: 10, Priority: 200, AdverInt: 1, Addrs: []netip.Addr{addr("192.168.10.1")}})
			}
			r20 := host{mac("52:54:00:20:00:02"), addr("fe80::20:2")}
			vlan200 := []craft.Tag{{VID: 200}}
			for i, t := 0, time.Duration(0); t < end; i, t = i+1, t+time.Second {
				vrrpAdvert(c, at(t+ms(300)+jitter(i+5, 50)), r20, vlan200, 0,
					craft.VRRPAdvert{Version: 3, VRID: 20, Priority: 120, AdverInt: 100, Addrs: []netip.Addr{addr("fe80::1"), addr("2001:db8:200::1")}})
			}
			r30a := host{mac("52:54:00:30:00:02"), addr("10.30.0.2")}
			r30b := host{mac("52:54:00:30:00:03"), addr("10.30.0.3")}
			vlan300 := []craft.Tag{{VID: 300}}
			v30 := func(prio uint8) craft.VRRPAdvert {
				return craft.VRRPAdvert{Version: 3, VRID: 30, Priority: prio, AdverInt: 100, Addrs: []netip.Addr{addr("10.30.0.1")}}
			}
			for i, t := 0, time.Duration(0); t < 20*time.Second; i, t = i+1, t+time.Second {
				vrrpAdvert(c, at(t+ms(600)+jitter(i+9, 40)), r30a, vlan300, 0, v30(150))
			}
			resign := 20*time.Second + ms(600)
			vrrpAdvert(c, at(resign), r30a, vlan300, 0, v30(0))
			take := resign + ms(610)
			c.add(at(take+ms(1)), garp(r30b, addr("10.30.0.1"), vlan300))
			vrrpAdvert(c, at(take), r30b, vlan300, 0, v30(100))
			for i, t := 1, take+time.Second; t < end; i, t = i+1, t+time.Second {
				vrrpAdvert(c, at(t+jitter(i, 40)), r30b, vlan300, 0, v30(100))
			}
			// CARP: same protocol number, different protocol; never VRRP.
			fw := host{mac("00:00:5e:00:01:01"), addr("10.40.0.2")}
			for i := 0; i < 40; i++ {
				var hmac [20]byte
				for k := range hmac {
					hmac[k] = byte(i*7 + k)
				}
				msg := craft.CARP(1, 0, 1, 0, uint64(1000+i), hmac)
				pkt := craft.IPv4(fw.ip, craft.VRRPGroup4, decode.ProtoVRRP, craft.IPv4Options{TTL: 255}, msg)
				c.add(at(time.Duration(i)*time.Second+ms(800)), craft.Ethernet(mac("01:00:5e:00:00:12"), fw.mac, []craft.Tag{{VID: 400}}, decode.EtherTypeIPv4, pkt))
			}
			return c
		},
	}
}

func vrrpFaultsSample() Sample {
	return Sample{
		Name:  "vrrp-faults.pcapng",
		Story: `"OpenStack Crime Story, episode 3" (vrrp-crime-story.txt): the other ways a virtual IP goes wrong`,
		Description: "pcapng from a network node's trunk, five VRIDs, 30 s. VRID 40 (VRRPv3 over IPv6, VLAN 40): a " +
			"security group on fe80::40:b's port drops VRRP, so it never hears fe80::40:a and becomes master too " +
			"3.57 s after starting: both advertise to the end. VRID 50 (VRRPv2, untagged): 192.168.50.2's " +
			"advertisements cross an L3 gateway and arrive with TTL 254; 192.168.50.3 discards them and advertises " +
			"as master itself. VRID 60 (VRRPv3 over IPv4, VLAN 60): 10.60.0.2 (advert_int 1 s, VIP 10.60.0.1) is " +
			"restarted for an upgrade (priority 0), 10.60.0.3 takes over with a stale configuration (2 s, VIPs " +
			"10.60.0.1 and 10.60.0.254) and 10.60.0.2 preempts it back 10 s later. VRID 70 (VRRPv2, VLAN 70): one of " +
			"10.70.0.2's advertisements is corrupted on the way (bad checksum). VRID 80 (VRRPv3 over IPv4, untagged): " +
			"the VM of master 10.80.0.2 crashes at 8 s without resigning; 10.80.0.3 takes over 3.61 s later and the " +
			"capture goes on for 18 s.",
		Expect: "vrrp.split-brain critical for VRID 40; vrrp.bad-ttl warning for 192.168.50.2 (none of its " +
			"advertisements had TTL 255); vrrp.config-mismatch warning for VRID 60 (interval, virtual addresses), " +
			"vrrp.priority-zero info for 10.60.0.2 and vrrp.master-change info for VRID 60 (a handover and a " +
			"preemption); vrrp.bad-checksum warning and a vrrp.advert-gap warning (2 s) for 10.70.0.2; " +
			"vrrp.advert-gap critical for 10.80.0.2, still silent at the end, and vrrp.master-change warning for " +
			"VRID 80.",
		Build: func() *Capture {
			c := &Capture{
				Pcapng:     true,
				Interfaces: []capwrite.Interface{{LinkType: uint16(decode.LinkEthernet), Name: "bond0", TSResol: 9}},
			}
			const end = 30 * time.Second
			every := func(from, to time.Duration, offset time.Duration, lim int, f func(i int, t time.Duration)) {
				for i, t := 0, from; t < to; i, t = i+1, t+time.Second {
					f(i, t+offset+jitter(i, lim))
				}
			}

			// VRID 40: split brain.
			a40 := host{mac("fa:16:3e:40:00:0a"), addr("fe80::40:a")}
			b40 := host{mac("fa:16:3e:40:00:0b"), addr("fe80::40:b")}
			vlan40 := []craft.Tag{{VID: 40}}
			v40 := func(prio uint8) craft.VRRPAdvert {
				return craft.VRRPAdvert{Version: 3, VRID: 40, Priority: prio, AdverInt: 100, Addrs: []netip.Addr{addr("fe80::40:1")}}
			}
			every(0, end, ms(100), 20, func(_ int, t time.Duration) { vrrpAdvert(c, at(t), a40, vlan40, 0, v40(120)) })
			every(ms(3570), end, ms(100), 20, func(_ int, t time.Duration) { vrrpAdvert(c, at(t), b40, vlan40, 0, v40(110)) })

			// VRID 50: TTL 254 from a master whose advertisements are routed.
			a50 := host{mac("52:54:00:50:00:02"), addr("192.168.50.2")}
			b50 := host{mac("52:54:00:50:00:03"), addr("192.168.50.3")}
			v50 := func(prio uint8) craft.VRRPAdvert {
				return craft.VRRPAdvert{Version: 2, VRID: 50, Priority: prio, AdverInt: 1, Addrs: []netip.Addr{addr("192.168.50.1")}}
			}
			every(0, end, ms(200), 10, func(_ int, t time.Duration) { vrrpAdvert(c, at(t), a50, nil, 254, v50(200)) })
			every(0, end, ms(700), 10, func(_ int, t time.Duration) { vrrpAdvert(c, at(t), b50, nil, 0, v50(100)) })

			// VRID 60: resignation, a backup with another configuration,
			// preemption back.
			a60 := host{mac("52:54:00:60:00:02"), addr("10.60.0.2")}
			b60 := host{mac("52:54:00:60:00:03"), addr("10.60.0.3")}
			vlan60 := []craft.Tag{{VID: 60}}
			v60a := func(prio uint8) craft.VRRPAdvert {
				return craft.VRRPAdvert{Version: 3, VRID: 60, Priority: prio, AdverInt: 100, Addrs: []netip.Addr{addr("10.60.0.1")}}
			}
			v60b := craft.VRRPAdvert{Version: 3, VRID: 60, Priority: 100, AdverInt: 200, Addrs: []netip.Addr{addr("10.60.0.1"), addr("10.60.0.254")}}
			every(0, 5*time.Second, ms(300), 20, func(_ int, t time.Duration) { vrrpAdvert(c, at(t), a60, vlan60, 0, v60a(150)) })
			vrrpAdvert(c, at(5*time.Second+ms(300)), a60, vlan60, 0, v60a(0))
			for t := 5*time.Second + ms(910); t < 15*time.Second; t += 2 * time.Second {
				vrrpAdvert(c, at(t), b60, vlan60, 0, v60b)
			}
			every(15*time.Second, end, ms(300), 20, func(_ int, t time.Duration) { vrrpAdvert(c, at(t), a60, vlan60, 0, v60a(150)) })

			// VRID 70: one corrupted advertisement.
			a70 := host{mac("52:54:00:70:00:02"), addr("10.70.0.2")}
			vlan70 := []craft.Tag{{VID: 70}}
			every(0, end, ms(400), 15, func(i int, t time.Duration) {
				vrrpAdvert(c, at(t), a70, vlan70, 0, craft.VRRPAdvert{Version: 2, VRID: 70, Priority: 100, AdverInt: 1,
					Addrs: []netip.Addr{addr("10.70.0.1")}, BadChecksum: i == 12})
			})

			// VRID 80: the master's VM crashes.
			a80 := host{mac("52:54:00:80:00:02"), addr("10.80.0.2")}
			b80 := host{mac("52:54:00:80:00:03"), addr("10.80.0.3")}
			v80 := func(prio uint8) craft.VRRPAdvert {
				return craft.VRRPAdvert{Version: 3, VRID: 80, Priority: prio, AdverInt: 100, Addrs: []netip.Addr{addr("10.80.0.1")}}
			}
			every(0, 9*time.Second, ms(500), 20, func(_ int, t time.Duration) { vrrpAdvert(c, at(t), a80, nil, 0, v80(150)) })
			last80 := 8*time.Second + ms(500) + jitter(8, 20)
			take80 := last80 + ms(3600) + ms(8)
			c.add(at(take80+ms(1)), garp(b80, addr("10.80.0.1"), nil))
			for t := take80; t < end; t += time.Second {
				vrrpAdvert(c, at(t), b80, nil, 0, v80(100))
			}
			return c
		},
	}
}

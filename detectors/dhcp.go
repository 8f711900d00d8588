package detectors

// Detector dhcp follows DHCPv4 clients through their conversations with
// servers (RFC 2131 §3.1 allocation, §3.2 reuse, §4.3–4.4 client states,
// timers and retransmission) and flags the conversations that fail:
// DISCOVERs nobody offers an address to, REQUESTs nobody answers, answers
// the client acts as if it never got (it asks again), NAKs, leases that
// run out without a renewal the client accepted, and more than one server
// answering on one segment.
//
// Each failing conversation is told as numbered steps, and when the
// client's own traffic stopped before the conversation began, that comes
// first: in "The Issue" the instance stopped receiving before it renewed,
// and DHCP was only the first thing to notice.
//
// Clients are keyed by client identifier (option 61) when they send one,
// else by chaddr, per capture source. A client's other traffic is tracked
// by its MAC, and only for MACs already seen doing DHCP: for every other
// frame the cost is a port check and, once some client is tracked, one
// map lookup.

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/report"
)

// DHCPConfig configures dhcp. The zero value gives the defaults.
type DHCPConfig struct {
	// Timeout is how long a DISCOVER or REQUEST may wait for its answer
	// before it counts as unanswered; requests younger than this when the
	// capture ends are not judged. 0 means DefaultDHCPTimeout.
	Timeout time.Duration
	// Quiet is the shortest silence of a client before a conversation
	// that the timeline names first. 0 means DefaultDHCPQuiet.
	Quiet time.Duration
	// Servers are the known DHCP servers (server identifiers): a segment
	// where only these answer is not reported as multiple-servers.
	Servers []netip.Addr
}

// Defaults of DHCPConfig.
const (
	// DefaultDHCPTimeout covers a first retransmission (RFC 2131 §4.1:
	// 4 s, then 8 s, ±1 s) with room to spare: a DISCOVER retransmitted
	// once before its OFFER stays quiet.
	DefaultDHCPTimeout = 10 * time.Second
	DefaultDHCPQuiet   = 5 * time.Second
)

// EffectiveTimeout returns the timeout with the default applied.
func (c DHCPConfig) EffectiveTimeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultDHCPTimeout
	}
	return c.Timeout
}

// EffectiveQuiet returns the quiet threshold with the default applied.
func (c DHCPConfig) EffectiveQuiet() time.Duration {
	if c.Quiet <= 0 {
		return DefaultDHCPQuiet
	}
	return c.Quiet
}

// Bounds and fixed windows of the dhcp detector.
const (
	// dhcpRace: a client retransmission this soon after the server's
	// answer crossed it on the wire; it is not an ignored answer.
	dhcpRace = time.Second
	// dhcpCopy: the same client message (or answer) again this soon, with
	// nothing in between, is a copy (a relay forwarding it, or the capture
	// seeing it twice), not a retransmission.
	dhcpCopy = 100 * time.Millisecond
	// dhcpMaxGap: a client message this long after the conversation's
	// last one starts a new conversation.
	dhcpMaxGap = 5 * time.Minute
	// dhcpAckWindow: without a lease time, how long after an ACK the same
	// xid still belongs to the conversation. With one, 90% of T1: the next
	// legitimate renewal comes at T1.
	dhcpAckWindow = time.Minute
	// dhcpClientIdle: a client with nothing pending is forgotten after
	// this long without DHCP or other traffic; one with a lease is kept
	// until it expires, at most dhcpClientMaxKeep after it was last seen.
	dhcpClientIdle    = 10 * time.Minute
	dhcpClientMaxKeep = 24 * time.Hour
	// Caps on state; beyond them subjects are dropped and counted in
	// Evicted.
	dhcpMaxClients  = maxGroups
	dhcpMaxFindings = 1024
	dhcpMaxSegments = 1024
	dhcpMaxServers  = 16
	// Per conversation: steps kept for details, xids remembered for
	// matching answers, servers remembered for multiple-servers evidence.
	dhcpHeadSteps  = 56
	dhcpTailSteps  = 8
	dhcpMaxXIDs    = 16
	dhcpMaxConvSrv = 4
	// dhcpSweepEvery: how often (capture time) DHCP frames trigger the
	// age-out sweep, so long files stay bounded without Advance.
	dhcpSweepEvery = 10 * time.Second
)

// Finding codes of dhcp.
const (
	dhcpNoOffer         = "dhcp.no-offer"
	dhcpNoAnswer        = "dhcp.no-answer"
	dhcpAnswerIgnored   = "dhcp.answer-ignored"
	dhcpNak             = "dhcp.nak"
	dhcpLeaseLost       = "dhcp.lease-lost"
	dhcpMultipleServers = "dhcp.multiple-servers"
)

func dhcpInfo() Info {
	return Info{
		Name:    "dhcp",
		Summary: "DHCPv4 conversations per client told as numbered steps: no OFFER, no answer, answers ignored, NAKs, lost leases, several servers",
		Codes: []Code{
			{
				Code: dhcpNoOffer, Severity: report.Critical, Title: "DISCOVERs without an OFFER",
				Meaning: "The client looked for a DHCP server and no server offered it an address within the timeout " +
					"(10 s by default): it has no address, so an instance booting like this is unreachable. With dnsmasq " +
					"(OpenStack's DHCP agent) this is what 'DHCPDISCOVER ... no address available' in its log looks like " +
					"on the wire: the server does not know the MAC, or its range is full.",
				Check: "Search the DHCP server's log for the client's MAC (dnsmasq: 'no address available', 'ignored'). In " +
					"OpenStack check that a port with this MAC exists ('openstack port list --mac-address MAC'), that the " +
					"network's DHCP agent is alive ('openstack network agent list') and that the dnsmasq host file lists " +
					"the MAC. If no client gets an OFFER, check the server runs and the segment (VLAN) reaches it.",
			},
			{
				Code: dhcpNoAnswer, Severity: report.Warning, Title: "REQUESTs without an ACK or NAK",
				Meaning: "The client asked to obtain, keep or renew an address and no server answered within the timeout. " +
					"A renewing client keeps its address until its lease runs out, so this is a warning until it becomes " +
					"dhcp.lease-lost. Unicast renewals that go unanswered while broadcast ones are answered usually mean " +
					"the unicast path to the server is blocked.",
				Check: "Check that the server the client asked (server_ip) receives the request (capture on the server " +
					"side), that unicast UDP to its port 67 is allowed (security groups, host firewall), and the " +
					"server's log for the client's MAC.",
			},
			{
				Code: dhcpAnswerIgnored, Severity: report.Warning, Title: "server answered, client asked again",
				Meaning: "The server's answer (OFFER or ACK) is in the capture, yet the client sent its request again more " +
					"than 1 s later, as if it never got the answer: it was lost between the capture point and the client, " +
					"or the client refused it. Critical when the client then lost its lease. When the client's own " +
					"traffic stopped before the conversation began (the first timeline entry), DHCP is the symptom: the " +
					"instance or its virtual NIC stopped receiving, and DHCP was only the first thing to notice.",
				Check: "Look at the client's traffic before the conversation (last_client_traffic, silence_s): if it stopped " +
					"first, look at the instance and its host (virtio/vhost-net, qemu, kernel log, heavy network I/O) " +
					"rather than at the DHCP server. Capture inside the instance and on its tap to see where the answer " +
					"disappears; check that the answer is addressed so the client accepts it (broadcast flag, destination " +
					"MAC, UDP checksum offload on the server's interface).",
			},
			{
				Code: dhcpNak, Severity: report.Warning, Title: "server refused the client (NAK)",
				Meaning: "The server refused the client's REQUEST with a DHCPNAK: the address it asked for is wrong for this " +
					"network or the server holds no lease for it. The client must stop using the address and start over " +
					"with a DISCOVER. Once after a move to another network this is normal; on a renewal, or repeated, the " +
					"server and the client disagree about the address.",
				Check: "Read the NAK's reason (nak_message) and the server's log for the client's MAC. In OpenStack compare " +
					"the port's fixed IP with the address the client asks for, and check that no second DHCP server " +
					"(dhcp.multiple-servers) contradicts the first.",
			},
			{
				Code: dhcpLeaseLost, Severity: report.Critical, Title: "lease ran out without a renewal",
				Meaning: "The client did not renew its lease in time: it fell back to rebinding (broadcasting after T2 " +
					"because its server did not answer) or passed its lease expiry without a renewal it accepted. It " +
					"drops its address and vanishes from the network until it gets a new one. Warning when the client " +
					"never tried to renew at all: it left the network, or its DHCP client is not running.",
				Check: "Check whether the client's DHCP client is still running (dhclient, systemd-networkd, NetworkManager) " +
					"and what it logged; whether the server answered its renewals (the steps); and whether the client's " +
					"other traffic stopped first (last_client_traffic).",
			},
			{
				Code: dhcpMultipleServers, Severity: report.Warning, Title: "more than one DHCP server",
				Meaning: "More than one DHCP server answered on this segment, and at least one client got answers from two " +
					"of them. Clients take the first OFFER, so a rogue or forgotten server hands out wrong addresses, " +
					"gateways or DNS servers.",
				Check: "Identify each server by its MAC and address (servers). A server that is not yours is usually a DHCP " +
					"service on an instance or a forgotten router: stop it, or enable port security or DHCP snooping so " +
					"instances cannot answer DHCP. If both are yours (a failover pair), list them with --dhcp-server.",
			},
		},
		Knobs: []Knob{
			{Flag: "--dhcp-timeout DURATION", Default: "10s", Help: "how long a DISCOVER or REQUEST may go unanswered; younger ones at the end of a capture are not judged"},
			{Flag: "--dhcp-quiet DURATION", Default: "5s", Help: "a client silence at least this long before a conversation is named first in its timeline"},
			{Flag: "--dhcp-server IP", Default: "none", Help: "a known DHCP server (server identifier); repeatable; segments where only known servers answer are not reported"},
		},
		New: func(cfg Config) Detector { return newDHCP(cfg.DHCP) },
	}
}

// dhcpHWKey identifies a client by chaddr within one capture source.
type dhcpHWKey struct {
	src  int
	hlen uint8
	hw   [16]byte
}

// dhcpIDKey identifies a client by its client identifier (option 61).
type dhcpIDKey struct {
	src int
	id  string
}

// dhcpTraffic is a client's last non-DHCP frame, copied out of the
// frame. It holds no pointers and its time is in Unix nanoseconds, so
// that noting a tracked client's frame is a cheap copy.
type dhcpTraffic struct {
	ns               int64
	frame            int64 // 0: none
	src              int32
	etherType        uint16
	ipVersion, proto uint8
	hasPorts         bool
	srcPort, dstPort uint16
	srcIP, dstIP     [16]byte
}

func (t dhcpTraffic) valid() bool { return t.frame != 0 }

func (t dhcpTraffic) at() time.Time { return time.Unix(0, t.ns).UTC() }

// describe names the frame for the timeline: "TCP 10.0.0.5:873 → 10.0.0.20:50000".
func (t dhcpTraffic) describe() string {
	if t.ipVersion == 0 {
		switch t.etherType {
		case decode.EtherTypeARP:
			return "ARP"
		case 0:
			return "a non-IP frame"
		}
		return fmt.Sprintf("EtherType 0x%04x", t.etherType)
	}
	name := ipProtoName(t.proto)
	src, dst := netip.AddrFrom16(t.srcIP), netip.AddrFrom16(t.dstIP)
	if t.ipVersion == 4 {
		src, dst = src.Unmap(), dst.Unmap()
	}
	if t.hasPorts {
		return fmt.Sprintf("%s %s → %s", name, netip.AddrPortFrom(src, t.srcPort), netip.AddrPortFrom(dst, t.dstPort))
	}
	return fmt.Sprintf("%s %s → %s", name, src, dst)
}

func ipProtoName(p uint8) string {
	switch p {
	case decode.ProtoTCP:
		return "TCP"
	case decode.ProtoUDP:
		return "UDP"
	case decode.ProtoICMP:
		return "ICMP"
	case decode.ProtoICMPv6:
		return "ICMPv6"
	}
	return fmt.Sprintf("IP protocol %d", p)
}

// dhcpLease is a lease granted by an ACK.
type dhcpLease struct {
	valid    bool
	ack      time.Time
	frame    int64
	xid      uint32
	ip       netip.Addr
	server   netip.Addr
	lease    time.Duration
	t1, t2   time.Duration
	infinite bool
	hasLease bool // the ACK carried option 51 (an INFORM's ACK does not)
	forState decode.DHCPClientState
}

func (l dhcpLease) expiry() time.Time { return l.ack.Add(l.lease) }

// finite reports whether the lease has a known, finite expiry.
func (l dhcpLease) finite() bool { return l.valid && l.hasLease && !l.infinite }

// dhcpClient is one client's state.
type dhcpClient struct {
	src      int
	hw       dhcpHWKey
	mac      decode.MAC // chaddr as a MAC (hlen 6)
	hasMAC   bool
	id       string // client identifier bytes, "" if none
	hostname string // cleaned
	vendor   string // cleaned
	ip       netip.Addr

	trackedMAC decode.MAC // the MAC whose traffic is tracked
	tracked    bool
	since      time.Time // first DHCP message seen
	traffic    dhcpTraffic
	gapAvg     time.Duration // moving average of the gaps between its frames

	clientMsgs int64
	lastClient time.Time // last client DHCP message
	lastDHCP   time.Time // last DHCP message either way
	lease      dhcpLease // last lease the client accepted
	released   bool      // RELEASE or DECLINE since the lease
	conv       *dhcpConv
	convs      int // conversations so far
}

func (c *dhcpClient) macString() string {
	switch {
	case c.hasMAC:
		return c.mac.String()
	case c.hw.hlen == 0:
		return "no-chaddr"
	}
	return fmt.Sprintf("%x", c.hw.hw[:c.hw.hlen])
}

func (c *dhcpClient) lastSeen() time.Time {
	if c.traffic.at().After(c.lastDHCP) {
		return c.traffic.at()
	}
	return c.lastDHCP
}

// dhcpSegKey is a broadcast domain as the capture shows it: the source,
// the outer VLAN (-1 untagged) and the relay agent the answer went to.
type dhcpSegKey struct {
	src   int
	vlan  int32
	relay netip.Addr
}

func (k dhcpSegKey) String() string {
	s := "untagged"
	if k.vlan >= 0 {
		s = fmt.Sprintf("vlan %d", k.vlan)
	}
	if k.relay.IsValid() {
		s += ", relay " + k.relay.String()
	}
	return s
}

type dhcpServer struct {
	id                 netip.Addr
	ip                 netip.Addr
	mac                decode.MAC
	hasMAC             bool
	offers, acks, naks int64
	first, last        time.Time
	firstFrame         int64
	firstClient        string
	firstMsg           decode.DHCPMsgType
}

type dhcpSegment struct {
	key         dhcpSegKey
	servers     []*dhcpServer
	answers     int64
	first, last time.Time
	frames      frameSample
	// shared is the evidence that two servers share the segment: one
	// client got answers from both.
	shared       bool
	sharedAt     time.Time
	sharedFrame  int64
	sharedClient string
	sharedPair   [2]netip.Addr
}

type dhcp struct {
	timeout, quiet time.Duration
	allowed        map[netip.Addr]bool

	msg     decode.DHCP // reused decode buffer
	byHW    map[dhcpHWKey]*dhcpClient
	byID    map[dhcpIDKey]*dhcpClient
	byMAC   map[uint64]*dhcpClient // traffic tracking, by macKey
	clients []*dhcpClient          // in order of first appearance
	segs    map[dhcpSegKey]*dhcpSegment
	segList []*dhcpSegment

	frozen    []report.Finding // findings of closed conversations and forgotten clients
	now       time.Time
	lastSweep time.Time
	ended     map[int]time.Time // sources that ended, and their last packet
	evicted   int64
}

func newDHCP(cfg DHCPConfig) *dhcp {
	d := &dhcp{
		timeout: cfg.EffectiveTimeout(),
		quiet:   cfg.EffectiveQuiet(),
		allowed: map[netip.Addr]bool{},
		byHW:    map[dhcpHWKey]*dhcpClient{},
		byID:    map[dhcpIDKey]*dhcpClient{},
		byMAC:   map[uint64]*dhcpClient{},
		segs:    map[dhcpSegKey]*dhcpSegment{},
	}
	for _, a := range cfg.Servers {
		d.allowed[a.Unmap()] = true
	}
	return d
}

// Observe is the hot path: DHCP frames go to observeDHCP; any other frame
// costs a port check and, once clients are tracked, one map lookup.
func (d *dhcp) Observe(f *decode.Frame) {
	if f.HasPorts && (f.SrcPort-decode.DHCPServerPort < 2 || f.DstPort-decode.DHCPServerPort < 2) &&
		f.Proto == decode.ProtoUDP && f.IPVersion == 4 {
		d.observeDHCP(f)
		return
	}
	if len(d.byMAC) == 0 || !f.HasSrcMAC {
		return
	}
	if c := d.byMAC[macKey(f.Src)]; c != nil {
		ns := f.Time.UnixNano()
		if c.traffic.valid() {
			// The client's usual gap between frames, a moving average.
			c.gapAvg += (time.Duration(ns-c.traffic.ns) - c.gapAvg) / 8
		}
		c.traffic = dhcpTraffic{
			ns: ns, frame: f.Number, src: int32(f.Source), etherType: f.EtherType,
			ipVersion: f.IPVersion, proto: f.Proto, srcIP: f.SrcIP.As16(), dstIP: f.DstIP.As16(),
			hasPorts: f.HasPorts, srcPort: f.SrcPort, dstPort: f.DstPort,
		}
	}
}

// macKey packs a MAC into the key of byMAC: an integer key keeps the
// lookup on the map's fast path.
func macKey(m decode.MAC) uint64 {
	return uint64(m[0])<<40 | uint64(m[1])<<32 | uint64(m[2])<<24 | uint64(m[3])<<16 | uint64(m[4])<<8 | uint64(m[5])
}

func (d *dhcp) observeDHCP(f *decode.Frame) {
	m := &d.msg
	if decode.DecodeDHCP(m, f.L4Payload()) != nil || !m.Cookie {
		return // BOOTP or too short: no DHCP conversation to follow
	}
	if f.Time.After(d.now) {
		d.now = f.Time
	}
	switch {
	case m.Op == decode.BootRequest && m.Type.FromClient():
		d.clientMessage(f, m)
	case m.Op == decode.BootReply && m.Type.FromServer():
		d.serverMessage(f, m)
	default:
		return // lease queries, FORCERENEW, unknown types
	}
	if d.now.Sub(d.lastSweep) >= dhcpSweepEvery {
		d.sweep()
	}
}

// client finds (or, when there is room, adds) the client a message is
// about: by client identifier when the message has one, else by chaddr.
func (d *dhcp) client(f *decode.Frame, m *decode.DHCP) *dhcpClient {
	hk := dhcpHWKey{src: f.Source, hlen: m.HLen}
	copy(hk.hw[:], m.ClientHW())
	fromClient := m.Op == decode.BootRequest
	var c *dhcpClient
	if len(m.ClientID) > 0 {
		c = d.byID[dhcpIDKey{f.Source, string(m.ClientID)}]
	}
	if c == nil {
		c = d.byHW[hk]
		// Two clients behind one chaddr with different identifiers are
		// different clients.
		if c != nil && fromClient && c.id != "" && len(m.ClientID) > 0 && c.id != string(m.ClientID) {
			c = nil
		}
	}
	if c == nil {
		if len(d.clients) >= dhcpMaxClients {
			d.evicted++
			return nil
		}
		c = &dhcpClient{src: f.Source, hw: hk, since: f.Time}
		c.mac, c.hasMAC = m.ClientMAC()
		d.clients = append(d.clients, c)
	}
	if fromClient {
		if c.id == "" && len(m.ClientID) > 0 {
			c.id = string(m.ClientID)
			d.byID[dhcpIDKey{f.Source, c.id}] = c
		}
		d.byHW[hk] = c
	} else if d.byHW[hk] == nil {
		d.byHW[hk] = c
	}
	return c
}

func (d *dhcp) clientMessage(f *decode.Frame, m *decode.DHCP) {
	c := d.client(f, m)
	if c == nil {
		return
	}
	if len(m.Hostname) > 0 {
		c.hostname = report.Clean(string(m.Hostname))
	}
	if len(m.VendorClass) > 0 {
		c.vendor = report.Clean(string(m.VendorClass))
	}
	// Track the client's other traffic by the MAC it sends from, when that
	// is its own (a relay's frames carry the relay's MAC).
	if f.HasSrcMAC && !m.Relayed() && (!c.hasMAC || f.Src == c.mac) && !c.tracked {
		c.trackedMAC, c.tracked = f.Src, true
		d.byMAC[macKey(f.Src)] = c
	}
	state := m.ClientState(f.DstIP)
	if cv := c.conv; cv != nil && !d.continues(cv, f.Time, m) {
		d.closeConv(c, f.Time, state)
	}
	if c.conv == nil {
		c.conv = d.openConv(c, f, m)
	}
	c.conv.addClient(c, f, m, state)
	c.clientMsgs++
	c.lastClient, c.lastDHCP = f.Time, f.Time
	switch m.Type {
	case decode.DHCPRelease, decode.DHCPDecline:
		c.released = true
	}
}

// continues decides whether a client message belongs to the open
// conversation: the same xid does (until the next legitimate renewal
// would be due after an ACK); a new xid does only while no answer came
// since the client's previous message and the message repeats a DISCOVER
// or REQUEST (clients that pick a new xid per retransmission).
func (d *dhcp) continues(cv *dhcpConv, t time.Time, m *decode.DHCP) bool {
	if t.Sub(cv.last) > dhcpMaxGap {
		return false
	}
	if m.XID == cv.lastXID {
		if cv.acks == 0 {
			return true
		}
		return t.Sub(cv.lastAck.ack) < ackWindow(cv.lastAck)
	}
	return !cv.replySinceClient && retransmission(cv.lastClientType, m.Type)
}

// retransmission reports whether a client message of type next, with a
// new xid, can repeat one of type prev: DISCOVERs and REQUESTs (a client
// whose renewals fail ends up DISCOVERing); a RELEASE, DECLINE or INFORM
// starts a conversation of its own.
func retransmission(prev, next decode.DHCPMsgType) bool {
	rq := func(t decode.DHCPMsgType) bool { return t == decode.DHCPDiscover || t == decode.DHCPRequest }
	return rq(prev) && rq(next)
}

// ackWindow is how long after an ACK a request with the same xid is a
// retransmission rather than the next renewal: 90% of T1.
func ackWindow(l dhcpLease) time.Duration {
	if !l.hasLease {
		return dhcpAckWindow
	}
	t1 := l.t1
	if t1 <= 0 {
		t1 = l.lease / 2
	}
	if l.infinite || t1 <= 0 {
		return dhcpMaxGap
	}
	return t1 * 9 / 10
}

func (d *dhcp) serverMessage(f *decode.Frame, m *decode.DHCP) {
	d.noteServer(f, m)
	c := d.client(f, m)
	if c == nil {
		return
	}
	c.lastDHCP = f.Time
	if m.Type == decode.DHCPNak {
		c.released = true // the client must stop using its lease (RFC 2131 §4.4.5)
	}
	cv := c.conv
	if cv != nil && !cv.hasXID(m.XID) {
		if f.Time.Sub(cv.last) <= dhcpMaxGap && cv.clientMsgs > 0 {
			cv.addStray(f, m)
			return
		}
		d.closeConv(c, f.Time, decode.DHCPStateUnknown)
		cv = nil
	}
	if cv == nil {
		// An answer to a request the capture did not show.
		cv = d.openConv(c, f, m)
		c.conv = cv
	}
	if other, second := cv.addServer(c, f, m); second {
		d.noteSharedServers(f, m, c, other)
	}
}

// serverID names the server that sent an answer: its server identifier,
// or its IP address when the option is missing.
func serverID(f *decode.Frame, m *decode.DHCP) netip.Addr {
	if m.ServerID.IsValid() {
		return m.ServerID
	}
	return f.SrcIP
}

func segKeyOf(f *decode.Frame, m *decode.DHCP) dhcpSegKey {
	k := dhcpSegKey{src: f.Source, vlan: -1}
	if vid, ok := f.OuterVLAN(); ok {
		k.vlan = int32(vid)
	}
	if m.Relayed() {
		k.relay = m.GIAddr
	}
	return k
}

// noteServer counts an answer on its segment.
func (d *dhcp) noteServer(f *decode.Frame, m *decode.DHCP) {
	k := segKeyOf(f, m)
	s := d.segs[k]
	if s == nil {
		if len(d.segs) >= dhcpMaxSegments {
			d.evicted++
			return
		}
		s = &dhcpSegment{key: k, first: f.Time}
		d.segs[k] = s
		d.segList = append(d.segList, s)
	}
	id := serverID(f, m)
	var srv *dhcpServer
	for _, x := range s.servers {
		if x.id == id {
			srv = x
			break
		}
	}
	if srv == nil {
		if len(s.servers) >= dhcpMaxServers {
			d.evicted++
			return
		}
		srv = &dhcpServer{id: id, ip: f.SrcIP, first: f.Time, firstFrame: f.Number, firstMsg: m.Type}
		if mac, ok := m.ClientMAC(); ok {
			srv.firstClient = mac.String()
		} else {
			srv.firstClient = fmt.Sprintf("%x", m.ClientHW())
		}
		if f.HasSrcMAC {
			srv.mac, srv.hasMAC = f.Src, true
		}
		s.servers = append(s.servers, srv)
	}
	switch m.Type {
	case decode.DHCPOffer:
		srv.offers++
	case decode.DHCPAck:
		srv.acks++
	case decode.DHCPNak:
		srv.naks++
	}
	srv.last = f.Time
	s.answers++
	s.last = f.Time
	s.frames.add(f.Number)
}

// noteSharedServers records that one client got answers from two servers:
// the evidence that they share its segment.
func (d *dhcp) noteSharedServers(f *decode.Frame, m *decode.DHCP, c *dhcpClient, other netip.Addr) {
	s := d.segs[segKeyOf(f, m)]
	if s == nil || s.shared {
		return
	}
	s.shared = true
	s.sharedAt, s.sharedFrame = f.Time, f.Number
	s.sharedClient = c.macString()
	s.sharedPair = [2]netip.Addr{other, serverID(f, m)}
}

// Advance moves the clock: conversations idle for longer than dhcpMaxGap
// are closed and judged, clients with nothing pending are forgotten.
// Findings are judged against the clock, so a request younger than the
// timeout when the capture ends is not called unanswered.
func (d *dhcp) Advance(now time.Time) {
	if now.After(d.now) {
		d.now = now
	}
	if d.now.Sub(d.lastSweep) >= time.Second {
		d.sweep()
	}
}

// EndSource implements SourceEnder: clients of a capture that ended are
// judged as of its last packet, so a request just before the end of a
// shorter capture is not taken for one nobody answered.
func (d *dhcp) EndSource(src int, last time.Time) {
	if d.ended == nil {
		d.ended = map[int]time.Time{}
	}
	d.ended[src] = last
}

// nowFor is the time a source's clients are judged at.
func (d *dhcp) nowFor(src int) time.Time {
	if e, ok := d.ended[src]; ok && e.Before(d.now) {
		return e
	}
	return d.now
}

func (d *dhcp) sweep() {
	d.lastSweep = d.now
	kept := d.clients[:0]
	for _, c := range d.clients {
		now := d.nowFor(c.src)
		if cv := c.conv; cv != nil && now.Sub(cv.last) > dhcpMaxGap {
			d.closeConv(c, now, decode.DHCPStateUnknown)
		}
		if c.conv == nil && d.forgettable(c) {
			d.forget(c)
			continue
		}
		kept = append(kept, c)
	}
	clear(d.clients[len(kept):])
	d.clients = kept
}

// forgettable reports whether nothing about c is pending: it has been
// idle for dhcpClientIdle and its lease (if any) has expired and been
// judged, or it has not been seen for dhcpClientMaxKeep.
func (d *dhcp) forgettable(c *dhcpClient) bool {
	now := d.nowFor(c.src)
	idle := now.Sub(c.lastSeen())
	if idle >= dhcpClientMaxKeep {
		return true
	}
	if idle < dhcpClientIdle {
		return false
	}
	if l := c.lease; l.finite() && !c.released && !now.After(l.expiry().Add(d.timeout)) {
		return false
	}
	return true
}

// forget drops a client, freezing its silent-expiry finding if it has one.
func (d *dhcp) forget(c *dhcpClient) {
	if f, ok := d.silentExpiry(c, d.nowFor(c.src)); ok {
		d.freeze(f)
	}
	if d.byHW[c.hw] == c {
		delete(d.byHW, c.hw)
	}
	if c.id != "" && d.byID[dhcpIDKey{c.src, c.id}] == c {
		delete(d.byID, dhcpIDKey{c.src, c.id})
	}
	if k := macKey(c.trackedMAC); c.tracked && d.byMAC[k] == c {
		delete(d.byMAC, k)
	}
}

func (d *dhcp) freeze(f report.Finding) {
	if len(d.frozen) >= dhcpMaxFindings {
		d.evicted++
		return
	}
	d.frozen = append(d.frozen, f)
}

// Evicted counts clients, servers, segments and findings dropped to keep
// memory bounded.
func (d *dhcp) Evicted() int64 { return d.evicted }

// Findings returns the findings of closed conversations and forgotten
// clients, and judges the open ones against the clock without changing
// them.
func (d *dhcp) Findings() []report.Finding {
	out := make([]report.Finding, 0, len(d.frozen)+4)
	for _, f := range d.frozen {
		out = append(out, copyFinding(f))
	}
	for _, c := range d.clients {
		now := d.nowFor(c.src)
		if cv := c.conv; cv != nil {
			if v := d.judge(c, cv, now); v.code != "" {
				out = append(out, d.convFinding(c, cv, v))
			}
		}
		if f, ok := d.silentExpiry(c, now); ok {
			out = append(out, f)
		}
	}
	for _, s := range d.segList {
		if f, ok := d.serversFinding(s); ok {
			out = append(out, f)
		}
	}
	sortFindings(out)
	return out
}

// copyFinding copies the slices the report sorts in place, so a frozen
// finding stays as it was.
func copyFinding(f report.Finding) report.Finding {
	f.Frames = slices.Clone(f.Frames)
	f.Events = slices.Clone(f.Events)
	return f
}

// serversFinding reports a segment where two or more servers answered and
// one client heard from two of them, unless every server is known.
func (d *dhcp) serversFinding(s *dhcpSegment) (report.Finding, bool) {
	if len(s.servers) < 2 || !s.shared {
		return report.Finding{}, false
	}
	var unknown []string
	for _, srv := range s.servers {
		if !d.allowed[srv.id] {
			unknown = append(unknown, srv.id.String())
		}
	}
	if len(d.allowed) > 0 && len(unknown) == 0 {
		return report.Finding{}, false
	}
	var log eventLog
	var names []string
	servers := make([]map[string]any, 0, len(s.servers))
	for i, srv := range s.servers {
		who := srv.id.String()
		if srv.hasMAC {
			who += " (" + srv.mac.String() + ")"
		}
		if i < 3 {
			names = append(names, fmt.Sprintf("%s (%s)", srv.id, strings.Join(append(srvMAC(srv), dhcpAnswerCounts(srv)), ", ")))
		} else if i == 3 {
			names = append(names, fmt.Sprintf("%d more", len(s.servers)-3))
		}
		text := fmt.Sprintf("%d. server %s answers for the first time: %s to %s", i+1, who, srv.firstMsg, srv.firstClient)
		if len(d.allowed) > 0 && !d.allowed[srv.id] {
			text += "; it is not a known server"
		}
		log.add(srv.first, report.Warning, srv.firstFrame, "%s", text)
		e := map[string]any{
			"server_id": srv.id.String(), "ip": srv.ip.String(), "mac": nil,
			"offers": srv.offers, "acks": srv.acks, "naks": srv.naks,
			"first": report.Time{Time: srv.first}, "last": report.Time{Time: srv.last},
			"known": d.allowed[srv.id],
		}
		if srv.hasMAC {
			e["mac"] = srv.mac.String()
		}
		servers = append(servers, e)
	}
	log.add(s.sharedAt, report.Warning, s.sharedFrame, "client %s gets answers from both %s and %s: they serve the same segment",
		s.sharedClient, s.sharedPair[0], s.sharedPair[1])
	var notKnown string
	if len(d.allowed) > 0 {
		notKnown = "Not a known server: " + strings.Join(unknown, ", ")
	}
	summary := fitSummary(fmt.Sprintf("%d DHCP servers answer on %s: %s", len(s.servers), s.key, strings.Join(names, ", ")),
		notKnown, fmt.Sprintf("Client %s heard from two of them", s.sharedClient),
		"Clients take the first OFFER, so some get the wrong address, gateway and DNS")
	details := map[string]any{
		"segment": s.key.String(), "vlan": nil, "relay": nil,
		"servers": servers, "answers": s.answers,
		"shared_client": s.sharedClient, "unknown_servers": unknown,
	}
	if s.key.vlan >= 0 {
		details["vlan"] = s.key.vlan
	}
	if s.key.relay.IsValid() {
		details["relay"] = s.key.relay.String()
	}
	return report.Finding{
		Detector:      "dhcp",
		Code:          dhcpMultipleServers,
		Severity:      report.Warning,
		Summary:       summary,
		Subject:       s.key.String(),
		SourceIndex:   s.key.src,
		First:         report.Time{Time: s.first},
		Last:          report.Time{Time: s.last},
		Count:         s.answers,
		Frames:        s.frames.list(),
		Details:       details,
		Events:        log.events(),
		EventsOmitted: log.omitted,
	}, true
}

func srvMAC(s *dhcpServer) []string {
	if s.hasMAC {
		return []string{s.mac.String()}
	}
	return nil
}

func dhcpAnswerCounts(s *dhcpServer) string {
	var parts []string
	for _, x := range []struct {
		n    int64
		name string
	}{{s.offers, "OFFER"}, {s.acks, "ACK"}, {s.naks, "NAK"}} {
		if x.n > 0 {
			parts = append(parts, plural(x.n, x.name, x.name+"s"))
		}
	}
	return strings.Join(parts, ", ")
}

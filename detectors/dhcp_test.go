package detectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/report"
)

// dhcpRig collects crafted frames and feeds them to a dhcp detector in
// time order (frames at the same instant in the order they were added).
type dhcpRig struct {
	t       *testing.T
	d       *dhcp
	f       decode.Frame
	n       int64
	t0      time.Time
	srv     dhcpTestHost
	tags    []craft.Tag
	lease   uint32
	pending []pendingFrame
}

type pendingFrame struct {
	t    time.Time
	data []byte
}

type dhcpTestHost struct {
	mac  decode.MAC
	ip   netip.Addr
	name string
}

var (
	tBcastMAC = craft.MustMAC("ff:ff:ff:ff:ff:ff")
	tBcastIP  = netip.MustParseAddr("255.255.255.255")
	tZeroIP   = netip.MustParseAddr("0.0.0.0")
	tServer   = dhcpTestHost{craft.MustMAC("52:54:00:c0:00:01"), netip.MustParseAddr("10.0.0.1"), ""}
	tClient   = dhcpTestHost{craft.MustMAC("fa:16:3e:00:00:05"), netip.MustParseAddr("10.0.0.5"), "vm-5"}
	tClient2  = dhcpTestHost{craft.MustMAC("fa:16:3e:00:00:06"), netip.MustParseAddr("10.0.0.6"), "vm-6"}
	tPeer     = dhcpTestHost{craft.MustMAC("fa:16:3e:00:00:20"), netip.MustParseAddr("10.0.0.20"), ""}
)

func newDHCPRig(t *testing.T, cfg DHCPConfig) *dhcpRig {
	return &dhcpRig{t: t, d: newDHCP(cfg), t0: time.Date(2026, 2, 15, 1, 40, 0, 0, time.UTC), srv: tServer, lease: 120}
}

func (r *dhcpRig) at(s float64) time.Time { return r.t0.Add(time.Duration(s * float64(time.Second))) }

func (r *dhcpRig) frame(s float64, data []byte) {
	r.pending = append(r.pending, pendingFrame{r.at(s), data})
}

// flush feeds the pending frames.
func (r *dhcpRig) flush() {
	sort.SliceStable(r.pending, func(i, j int) bool { return r.pending[i].t.Before(r.pending[j].t) })
	for _, p := range r.pending {
		r.n++
		r.f.Number, r.f.Time, r.f.WireLen = r.n, p.t, len(p.data)
		decode.Decode(&r.f, decode.LinkEthernet, p.data)
		r.d.Observe(&r.f)
	}
	r.pending = r.pending[:0]
}

func (r *dhcpRig) client(s float64, c dhcpTestHost, src, dst netip.Addr, dstMAC decode.MAC, m craft.DHCPMessage) {
	m.CHAddr = c.mac
	if m.Hostname == "" {
		m.Hostname = c.name
	}
	r.frame(s, craft.DHCPv4Frame(dstMAC, c.mac, r.tags, src, dst, 68, 67, craft.DHCP(m)))
}

func (r *dhcpRig) server(s float64, srv, c dhcpTestHost, dst netip.Addr, m craft.DHCPMessage) {
	m.CHAddr = c.mac
	m.ServerID = srv.ip
	if m.Type != decode.DHCPNak && m.Lease == 0 && m.YIAddr.IsValid() {
		m.Lease, m.T1, m.T2 = r.lease, r.lease/2, r.lease*7/8
	}
	dmac := c.mac
	if dst == tBcastIP {
		dmac = tBcastMAC
	}
	r.frame(s, craft.DHCPv4Frame(dmac, srv.mac, r.tags, srv.ip, dst, 67, 68, craft.DHCP(m)))
}

func (r *dhcpRig) discover(s float64, c dhcpTestHost, xid uint32) {
	r.client(s, c, tZeroIP, tBcastIP, tBcastMAC, craft.DHCPMessage{Type: decode.DHCPDiscover, XID: xid})
}

func (r *dhcpRig) offer(s float64, c dhcpTestHost, xid uint32) {
	r.server(s, r.srv, c, c.ip, craft.DHCPMessage{Type: decode.DHCPOffer, XID: xid, YIAddr: c.ip})
}

func (r *dhcpRig) selecting(s float64, c dhcpTestHost, xid uint32) {
	r.client(s, c, tZeroIP, tBcastIP, tBcastMAC, craft.DHCPMessage{Type: decode.DHCPRequest, XID: xid, RequestedIP: c.ip, ServerID: r.srv.ip})
}

func (r *dhcpRig) renew(s float64, c dhcpTestHost, xid uint32) {
	r.client(s, c, c.ip, r.srv.ip, r.srv.mac, craft.DHCPMessage{Type: decode.DHCPRequest, XID: xid, CIAddr: c.ip})
}

func (r *dhcpRig) rebind(s float64, c dhcpTestHost, xid uint32) {
	r.client(s, c, c.ip, tBcastIP, tBcastMAC, craft.DHCPMessage{Type: decode.DHCPRequest, XID: xid, CIAddr: c.ip})
}

func (r *dhcpRig) ack(s float64, c dhcpTestHost, xid uint32) {
	r.server(s, r.srv, c, c.ip, craft.DHCPMessage{Type: decode.DHCPAck, XID: xid, YIAddr: c.ip})
}

func (r *dhcpRig) nak(s float64, c dhcpTestHost, xid uint32, msg string) {
	r.server(s, r.srv, c, tBcastIP, craft.DHCPMessage{Type: decode.DHCPNak, XID: xid, Message: msg})
}

func (r *dhcpRig) dora(s float64, c dhcpTestHost, xid uint32) {
	r.discover(s, c, xid)
	r.offer(s+0.002, c, xid)
	r.selecting(s+0.004, c, xid)
	r.ack(s+0.006, c, xid)
}

// traffic sends one TCP segment from h.
func (r *dhcpRig) traffic(s float64, h, to dhcpTestHost) {
	seg := craft.TCP(h.ip, to.ip, 873, 50000, 1, 1, craft.ACK, craft.Bytes(100, 1))
	r.frame(s, craft.Ethernet(to.mac, h.mac, r.tags, decode.EtherTypeIPv4, craft.IP(h.ip, to.ip, decode.ProtoTCP, seg)))
}

// findings advances to s and returns the findings, checking that calling
// Findings twice gives the same answer (it must not change state).
func (r *dhcpRig) findings(s float64) []report.Finding {
	r.t.Helper()
	r.flush()
	r.d.Advance(r.at(s))
	a, b := r.d.Findings(), r.d.Findings()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		r.t.Fatalf("Findings changed between two calls")
	}
	return a
}

func dhcpCodes(fs []report.Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Code+" "+f.Severity.String()+" "+f.Subject)
	}
	return strings.Join(s, "; ")
}

func eventTexts(f report.Finding) []string {
	var s []string
	for _, e := range f.Events {
		s = append(s, e.Text)
	}
	return s
}

// The story: renewals answered, traffic stops, the renewal's ACKs are
// ignored, the client falls back to broadcast and gives up.
func TestDHCPStory(t *testing.T) {
	r := newDHCPRig(t, DHCPConfig{})
	c := tClient
	for i, s := range []float64{2, 62, 122} {
		r.renew(s, c, 0x100+uint32(i))
		r.ack(s+0.0015, c, 0x100+uint32(i))
	}
	for s := 0.5; s <= 172; s += 0.5 {
		r.traffic(s+0.01, c, tPeer)
	}
	r.renew(182, c, 0x200)
	r.ack(182.0015, c, 0x200)
	r.renew(189, c, 0x200)
	r.ack(189.0015, c, 0x200)
	r.rebind(227, c, 0x200)
	r.ack(227.0015, c, 0x200)
	// Before the lease from 122 s expires, the answer-ignored finding is
	// there but the lease is not lost yet.
	fs := r.findings(230)
	if got := dhcpCodes(fs); got != "dhcp.answer-ignored warning fa:16:3e:00:00:05 xid 0x00000200" {
		t.Fatalf("at 230 s: %s", got)
	}
	fs = r.findings(275)
	if got := dhcpCodes(fs); got != "dhcp.answer-ignored critical fa:16:3e:00:00:05 xid 0x00000200" {
		t.Fatalf("at 275 s: %s", got)
	}
	f := fs[0]
	for k, want := range map[string]any{
		"client_mac": "fa:16:3e:00:00:05", "client_ip": "10.0.0.5", "hostname": "vm-5", "xid": "0x00000200",
		"server_ip": "10.0.0.1", "discovers": int64(0), "offers": int64(0), "requests": int64(3), "responses": int64(3),
		"broadcast_requests": int64(1), "lease_s": int64(120), "lease_lost": true, "answers_ignored": int64(2),
		"silence_s": 9.99,
	} {
		if fmt.Sprint(f.Details[k]) != fmt.Sprint(want) {
			t.Errorf("details[%s] = %v, want %v", k, f.Details[k], want)
		}
	}
	if lt, ok := f.Details["last_client_traffic"].(report.Time); !ok || !lt.Equal(r.at(172.01)) {
		t.Errorf("last_client_traffic = %v", f.Details["last_client_traffic"])
	}
	steps, _ := f.Details["conversation"].([]dhcpStep)
	if len(steps) != 6 || steps[0].State != "RENEWING" || steps[4].State != "REBINDING" || steps[4].To != "255.255.255.255" {
		t.Errorf("conversation = %+v", steps)
	}
	want := []string{
		"client sent nothing for 10.0 s before renewing: this was its last frame (TCP 10.0.0.5:873 → 10.0.0.20:50000)",
		"1. client renews 10.0.0.5 by unicast to 10.0.0.1",
		"2. server 10.0.0.1 ACKs 10.0.0.5 (lease 120 s)",
		"3. client asks again 7.0 s later, although the server ACKed 7.0 s before",
		"4. server ACKs again (lease 120 s)",
		"5. client falls back to broadcast 255.255.255.255 (REBINDING): it gives up on its server, although the server ACKed 38.0 s before",
		"6. server ACKs again (lease 120 s)",
		"7. client sends nothing more; its lease on 10.0.0.5 (ACKed at 01:42:02.001, 120 s) expired at 01:44:02.001: the client has dropped its address",
	}
	if got := eventTexts(f); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(f.Summary, "Its traffic stopped 10.0 s before it renewed: DHCP is the symptom") {
		t.Errorf("summary: %s", f.Summary)
	}
	if !f.First.Equal(r.at(172.01)) {
		t.Errorf("first = %v, want the last traffic", f.First)
	}
}

// When the client's traffic shows again after the last ACK, it got it:
// the ignored answers are reported, the lease is not lost.
func TestDHCPIgnoredThenAlive(t *testing.T) {
	r := newDHCPRig(t, DHCPConfig{})
	c := tClient
	r.renew(2, c, 1)
	r.ack(2.001, c, 1)
	r.renew(62, c, 2)
	r.ack(62.001, c, 2)
	r.renew(70, c, 2)
	r.ack(70.001, c, 2)
	r.traffic(75, c, tPeer)
	fs := r.findings(150)
	if got := dhcpCodes(fs); got != "dhcp.answer-ignored warning fa:16:3e:00:00:05 xid 0x00000002" {
		t.Fatalf("%s", got)
	}
	ev := eventTexts(fs[0])
	if last := ev[len(ev)-1]; !strings.Contains(last, "client's traffic shows again") {
		t.Errorf("last event %q", last)
	}
}

// Healthy traffic stays quiet.
func TestDHCPHealthyQuiet(t *testing.T) {
	r := newDHCPRig(t, DHCPConfig{})
	c, c2 := tClient, tClient2
	// Normal DORA, then renewals at T1 answered first try, with a client
	// that reuses its xid for every renewal.
	r.dora(1, c, 0x10)
	for i := 0; i < 2; i++ {
		s := 61 + 60*float64(i)
		r.renew(s, c, 0x11)
		r.ack(s+0.002, c, 0x11)
		r.traffic(s+1, c, tPeer)
	}
	// A DISCOVER retransmitted once before its OFFER, then a REQUEST with
	// a new xid (as some clients do).
	r.discover(2, c2, 0x20)
	r.discover(6, c2, 0x20)
	r.offer(6.003, c2, 0x20)
	r.selecting(6.005, c2, 0x21)
	r.ack(6.007, c2, 0x21)
	r.renew(66, c2, 0x22)
	r.ack(66.001, c2, 0x22)
	// INFORM answered, and a RELEASE.
	c3 := dhcpTestHost{craft.MustMAC("fa:16:3e:00:00:07"), netip.MustParseAddr("10.0.0.7"), ""}
	r.client(10, c3, c3.ip, r.srv.ip, r.srv.mac, craft.DHCPMessage{Type: decode.DHCPInform, XID: 0x30, CIAddr: c3.ip})
	r.server(10.001, r.srv, c3, c3.ip, craft.DHCPMessage{Type: decode.DHCPAck, XID: 0x30, CIAddr: c3.ip})
	r.client(12, c3, c3.ip, r.srv.ip, r.srv.mac, craft.DHCPMessage{Type: decode.DHCPRelease, XID: 0x31, CIAddr: c3.ip})
	// The same DISCOVER seen twice (a relay's copy) and its OFFER twice.
	c4 := dhcpTestHost{craft.MustMAC("fa:16:3e:00:00:08"), netip.MustParseAddr("10.0.0.8"), "vm-8"}
	r.discover(20, c4, 0x40)
	r.discover(20.00004, c4, 0x40)
	r.offer(20.01, c4, 0x40)
	r.offer(20.01001, c4, 0x40)
	r.selecting(20.02, c4, 0x40)
	r.ack(20.03, c4, 0x40)
	// A renewal whose retransmission crossed the ACK on the wire.
	r.renew(25, c4, 0x41)
	r.ack(25.3, c4, 0x41)
	r.renew(25.4, c4, 0x41)
	r.ack(25.402, c4, 0x41)
	// A renewal retransmitted just as its ACK crossed it, with no second
	// ACK: the client got the first one and keeps its lease past the old
	// expiry.
	c5 := dhcpTestHost{craft.MustMAC("fa:16:3e:00:00:0a"), netip.MustParseAddr("10.0.0.10"), "vm-10"}
	r.dora(1, c5, 0x60)
	r.renew(61, c5, 0x61)
	r.ack(61.2, c5, 0x61)
	r.renew(61.5, c5, 0x61)
	// A client that declines its address (ARP conflict) and starts over
	// with the same xid: it took the ACK, it did not ignore it.
	c6 := dhcpTestHost{craft.MustMAC("fa:16:3e:00:00:0b"), netip.MustParseAddr("10.0.0.11"), "vm-11"}
	r.dora(3, c6, 0x70)
	r.client(3.5, c6, tZeroIP, tBcastIP, tBcastMAC, craft.DHCPMessage{Type: decode.DHCPDecline, XID: 0x70, RequestedIP: c6.ip, ServerID: r.srv.ip})
	c6.ip = netip.MustParseAddr("10.0.0.12")
	r.dora(5, c6, 0x70)
	r.renew(65, c6, 0x71)
	r.ack(65.001, c6, 0x71)
	// A DISCOVER 2 s before the capture ends.
	r.discover(138, dhcpTestHost{craft.MustMAC("fa:16:3e:00:00:09"), netip.IPv4Unspecified(), ""}, 0x50)
	if fs := r.findings(140); len(fs) != 0 {
		t.Errorf("healthy traffic gave %s", dhcpCodes(fs))
	}
}

// A request is judged only once the timeout has passed: a capture that
// ends right after a DISCOVER is not a no-offer; the live clock makes it
// one later.
func TestDHCPEndOfCapture(t *testing.T) {
	r := newDHCPRig(t, DHCPConfig{})
	r.discover(1, tClient, 0x1)
	r.renew(2, tClient2, 0x2)
	if fs := r.findings(1.5); len(fs) != 0 {
		t.Fatalf("judged too early: %s", dhcpCodes(fs))
	}
	if fs := r.findings(10.5); len(fs) != 0 {
		t.Fatalf("judged before the timeout: %s", dhcpCodes(fs))
	}
	fs := r.findings(11.5)
	if got := dhcpCodes(fs); got != "dhcp.no-offer critical fa:16:3e:00:00:05 xid 0x00000001" {
		t.Fatalf("at 11.5 s: %s", got)
	}
	fs = r.findings(12.5)
	if got := dhcpCodes(fs); got != "dhcp.no-offer critical fa:16:3e:00:00:05 xid 0x00000001; dhcp.no-answer warning fa:16:3e:00:00:06 xid 0x00000002" {
		t.Fatalf("at 12.5 s: %s", got)
	}
	// A shorter timeout judges sooner.
	r = newDHCPRig(t, DHCPConfig{Timeout: 2 * time.Second})
	r.discover(1, tClient, 0x1)
	if fs := r.findings(3.5); len(fs) != 1 {
		t.Fatalf("--dhcp-timeout 2s: %s", dhcpCodes(fs))
	}
}

// A client that picks a new xid for every retransmission, unanswered,
// is one conversation; a late OFFER still counts as a slow one.
func TestDHCPNewXIDPerRetransmission(t *testing.T) {
	r := newDHCPRig(t, DHCPConfig{})
	for i, s := range []float64{0, 4, 12, 28} {
		r.discover(s, tClient, 0x900+uint32(i))
	}
	r.offer(28.002, tClient, 0x903)
	r.selecting(28.004, tClient, 0x903)
	r.ack(28.006, tClient, 0x903)
	fs := r.findings(60)
	if got := dhcpCodes(fs); got != "dhcp.no-offer warning fa:16:3e:00:00:05 xid 0x00000900" {
		t.Fatalf("%s", got)
	}
	if d := fs[0].Details; d["discovers"] != int64(4) || d["offers"] != int64(1) || len(d["xids"].([]string)) != 4 {
		t.Errorf("details %v", d)
	}
	if !strings.Contains(fs[0].Summary, "the first OFFER came only after 28.0 s") {
		t.Errorf("summary %s", fs[0].Summary)
	}
}

func TestDHCPNak(t *testing.T) {
	r := newDHCPRig(t, DHCPConfig{})
	r.renew(1, tClient, 0x5)
	r.nak(1.002, tClient, 0x5, "lease not found\x1b[31m|x")
	moved := tClient
	moved.ip = netip.MustParseAddr("10.0.0.9")
	r.dora(1.5, moved, 0x6)
	fs := r.findings(60)
	if got := dhcpCodes(fs); got != "dhcp.nak warning fa:16:3e:00:00:05 xid 0x00000005" {
		t.Fatalf("%s", got)
	}
	f := fs[0]
	if f.Details["nak_message"] != "lease not found[31m|x" || f.Details["responses"] != int64(1) {
		t.Errorf("details %v", f.Details)
	}
	if !strings.Contains(f.Summary, `("lease not found[31m¦x") when it tried to renew 10.0.0.5`) {
		t.Errorf("summary %s", f.Summary)
	}
}

func TestDHCPLeaseLost(t *testing.T) {
	// Renewals and rebinding unanswered past the lease expiry.
	r := newDHCPRig(t, DHCPConfig{})
	r.renew(5, tClient, 1)
	r.ack(5.001, tClient, 1)
	for _, s := range []float64{65, 75, 90} {
		r.renew(s, tClient, 2)
	}
	for _, s := range []float64{110, 114, 120} {
		r.rebind(s, tClient, 2)
	}
	// Still asking, lease not expired: no answer so far.
	fs := r.findings(122)
	if got := dhcpCodes(fs); got != "dhcp.no-answer warning fa:16:3e:00:00:05 xid 0x00000002" {
		t.Fatalf("before expiry: %s", got)
	}
	fs = r.findings(130)
	if got := dhcpCodes(fs); got != "dhcp.lease-lost critical fa:16:3e:00:00:05 xid 0x00000002" {
		t.Fatalf("after expiry: %s", got)
	}
	if d := fs[0].Details; d["requests"] != int64(6) || d["broadcast_requests"] != int64(3) || d["lease_lost"] != true {
		t.Errorf("details %v", d)
	}

	// A client that falls back to rebinding and falls silent, the capture
	// ending before its lease expires: lost all the same.
	r = newDHCPRig(t, DHCPConfig{})
	r.renew(5, tClient, 1)
	r.ack(5.001, tClient, 1)
	r.renew(65, tClient, 2)
	r.rebind(110, tClient, 2)
	if got := dhcpCodes(r.findings(121)); got != "dhcp.lease-lost critical fa:16:3e:00:00:05 xid 0x00000002" {
		t.Fatalf("rebinding, then silence: %s", got)
	}

	// Renewals unanswered but answered by broadcast in time: no-answer.
	r = newDHCPRig(t, DHCPConfig{})
	r.renew(20, tClient2, 1)
	r.ack(20.001, tClient2, 1)
	for _, s := range []float64{80, 95, 115} {
		r.renew(s, tClient2, 2)
	}
	r.rebind(125, tClient2, 2)
	r.ack(125.002, tClient2, 2)
	if got := dhcpCodes(r.findings(200)); got != "dhcp.no-answer warning fa:16:3e:00:00:06 xid 0x00000002" {
		t.Fatalf("answered by broadcast: %s", got)
	}

	// A client that never renews: its lease expires silently (warning),
	// and its traffic after the expiry says its DHCP client is gone.
	r = newDHCPRig(t, DHCPConfig{})
	r.dora(1, tClient, 7)
	for s := 10.0; s < 200; s += 10 {
		r.traffic(s, tClient, tPeer)
	}
	if fs := r.findings(120); len(fs) != 0 {
		t.Fatalf("before expiry: %s", dhcpCodes(fs))
	}
	fs = r.findings(200)
	if got := dhcpCodes(fs); got != "dhcp.lease-lost warning fa:16:3e:00:00:05 xid 0x00000007" {
		t.Fatalf("silent expiry: %s", got)
	}
	if !strings.Contains(fs[0].Summary, "its DHCP client is probably not running") {
		t.Errorf("summary %s", fs[0].Summary)
	}
	// Forgetting the client freezes the same finding.
	fs = r.findings(5000)
	if got := dhcpCodes(fs); got != "dhcp.lease-lost warning fa:16:3e:00:00:05 xid 0x00000007" || len(r.d.clients) != 0 {
		t.Fatalf("after age-out: %s (%d clients)", got, len(r.d.clients))
	}

	// A client that lets its lease lapse and starts over later.
	r = newDHCPRig(t, DHCPConfig{})
	r.dora(1, tClient, 7)
	r.dora(200, tClient, 8)
	if got := dhcpCodes(r.findings(210)); got != "dhcp.lease-lost warning fa:16:3e:00:00:05 xid 0x00000008" {
		t.Fatalf("lapsed: %s", got)
	}
}

func TestDHCPMultipleServers(t *testing.T) {
	rogue := dhcpTestHost{craft.MustMAC("fa:16:3e:99:00:01"), netip.MustParseAddr("192.168.122.1"), ""}
	run := func(cfg DHCPConfig, shared bool) []report.Finding {
		r := newDHCPRig(t, cfg)
		r.tags = []craft.Tag{{VID: 100}}
		r.discover(1, tClient, 1)
		r.offer(1.002, tClient, 1)
		if shared {
			r.server(1.003, rogue, tClient, tClient.ip, craft.DHCPMessage{Type: decode.DHCPOffer, XID: 1, YIAddr: netip.MustParseAddr("192.168.122.5")})
		}
		r.selecting(1.004, tClient, 1)
		r.ack(1.006, tClient, 1)
		r.discover(2, tClient2, 2)
		r.server(2.001, rogue, tClient2, tClient2.ip, craft.DHCPMessage{Type: decode.DHCPOffer, XID: 2, YIAddr: netip.MustParseAddr("192.168.122.6")})
		return r.findings(30)
	}
	fs := run(DHCPConfig{}, true)
	if got := dhcpCodes(fs); got != "dhcp.multiple-servers warning vlan 100" {
		t.Fatalf("%s", got)
	}
	if fs[0].Count != 4 || !strings.Contains(fs[0].Summary, "192.168.122.1 (fa:16:3e:99:00:01, 2 OFFERs)") {
		t.Errorf("count %d summary %s", fs[0].Count, fs[0].Summary)
	}
	// Two servers that never answered the same client may be on
	// different networks (a tcpdump -i any capture): no evidence.
	if fs := run(DHCPConfig{}, false); len(fs) != 0 {
		t.Errorf("without a shared client: %s", dhcpCodes(fs))
	}
	// Both listed as known: quiet. Only one listed: reported.
	if fs := run(DHCPConfig{Servers: []netip.Addr{tServer.ip, rogue.ip}}, true); len(fs) != 0 {
		t.Errorf("known servers: %s", dhcpCodes(fs))
	}
	fs = run(DHCPConfig{Servers: []netip.Addr{tServer.ip}}, true)
	if len(fs) != 1 || !strings.Contains(fs[0].Summary, "Not a known server: 192.168.122.1") {
		t.Errorf("one known server: %s", dhcpCodes(fs))
	}
}

// Untrusted host names and NAK messages must not break the JSON or table
// reports: no control bytes, no table column separators, no link syntax.
func TestDHCPHostileStrings(t *testing.T) {
	hostile := []string{
		"<script>alert(1)</script>",
		"evil\x1b[2J\x1b[31mRED\x07",
		"a|b|c||d",
		"x](javascript:alert(1))",
		"line1\nline2\r\x00\x7f\u0085",
		"\u202egnp.exe",
		strings.Repeat("long|", 50),
	}
	r := newDHCPRig(t, DHCPConfig{})
	for i, name := range hostile {
		c := dhcpTestHost{decode.MAC{0xfa, 0x16, 0x3e, 0xee, 0, byte(i)}, netip.AddrFrom4([4]byte{10, 0, 0, byte(50 + i)}), name}
		r.discover(float64(i), c, uint32(0xe00+i))
		r.discover(float64(i)+4, c, uint32(0xe00+i))
		if i%2 == 0 {
			c.mac[3] = 0xef
			r.renew(float64(i)+10, c, uint32(0xf00+i))
			r.nak(float64(i)+10.001, c, uint32(0xf00+i), name)
		}
	}
	fs := r.findings(60)
	if len(fs) != len(hostile)+(len(hostile)+1)/2 {
		t.Fatalf("got %d findings: %s", len(fs), dhcpCodes(fs))
	}
	rep := &report.Report{Sources: []report.Source{{Name: "hostile.pcap"}}, Findings: fs,
		Detectors: []report.DetectorRun{{Name: "dhcp"}}}
	rep.Finalize()
	var js, tb bytes.Buffer
	if err := report.WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteTable(&tb, rep); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("JSON does not parse: %v", err)
	}
	for name, out := range map[string]string{"json": js.String(), "table": tb.String()} {
		for _, r := range out {
			if (unicode.IsControl(r) && r != '\n') || (r >= 0x202a && r <= 0x202e) {
				t.Errorf("%s output holds control character %U", name, r)
			}
		}
	}
	// Host names are kept (cleaned) in details; summaries and timeline
	// text, which the table shows, quote them defused.
	for _, f := range rep.Findings {
		for _, s := range append([]string{f.Summary}, f.Subject) {
			if strings.Contains(s, "|") || strings.Contains(s, "](") {
				t.Errorf("%s: %q keeps a table separator or link syntax", f.Code, s)
			}
		}
	}
	for _, e := range rep.Timeline {
		if strings.Contains(e.Text, "|") || strings.Contains(e.Text, "](") {
			t.Errorf("timeline %q keeps a table separator or link syntax", e.Text)
		}
	}
	// Every row of the table's two grids has the grid's column count.
	for _, line := range strings.Split(tb.String(), "\n") {
		if strings.HasPrefix(line, "|") {
			if n := strings.Count(line, "|"); n != 7 && n != 5 {
				t.Errorf("table row with %d separators: %q", n, line)
			}
		}
	}
	if !strings.Contains(js.String(), `"hostname": "<script>alert(1)</script>"`) {
		t.Errorf("JSON lost the cleaned host name")
	}
}

// State is bounded: past the client cap, new clients are counted as
// evicted; idle clients are forgotten.
func TestDHCPBounded(t *testing.T) {
	r := newDHCPRig(t, DHCPConfig{})
	for i := 0; i < dhcpMaxClients+100; i++ {
		c := dhcpTestHost{decode.MAC{0x02, 0, 0, byte(i >> 16), byte(i >> 8), byte(i)}, netip.IPv4Unspecified(), ""}
		r.discover(1+float64(i)/1e6, c, uint32(i))
	}
	r.flush()
	if len(r.d.clients) != dhcpMaxClients || r.d.Evicted() != 100 {
		t.Errorf("%d clients, %d evicted", len(r.d.clients), r.d.Evicted())
	}
	if fs := r.findings(30); len(fs) != dhcpMaxClients {
		t.Errorf("%d open no-offer findings, want %d", len(fs), dhcpMaxClients)
	}
	// Past dhcpMaxGap the conversations close: frozen findings are capped
	// and the rest counted; idle clients are forgotten.
	fs := r.findings(4000)
	if len(r.d.clients) != 0 || len(fs) != dhcpMaxFindings || r.d.Evicted() != 100+dhcpMaxClients-dhcpMaxFindings {
		t.Errorf("after age-out: %d clients, %d findings, %d evicted", len(r.d.clients), len(fs), r.d.Evicted())
	}
	if len(r.d.byHW) != 0 || len(r.d.byMAC) != 0 || len(r.d.byID) != 0 {
		t.Errorf("maps not emptied: %d %d %d", len(r.d.byHW), len(r.d.byMAC), len(r.d.byID))
	}
}

// Observe on a frame the detector does not care about allocates nothing,
// with or without tracked clients, and for a tracked client's traffic.
func TestDHCPObserveAllocs(t *testing.T) {
	r := newDHCPRig(t, DHCPConfig{})
	other := craft.Ethernet(tPeer.mac, tServer.mac, nil, decode.EtherTypeIPv4,
		craft.IP(tServer.ip, tPeer.ip, decode.ProtoTCP, craft.TCP(tServer.ip, tPeer.ip, 443, 50000, 1, 1, craft.ACK, nil)))
	var f decode.Frame
	f.Time = r.at(1)
	decode.Decode(&f, decode.LinkEthernet, other)
	if n := testing.AllocsPerRun(1000, func() { r.d.Observe(&f) }); n != 0 {
		t.Errorf("no clients: %.1f allocs per frame", n)
	}
	r.dora(1, tClient, 1)
	r.flush()
	if n := testing.AllocsPerRun(1000, func() { r.d.Observe(&f) }); n != 0 {
		t.Errorf("untracked MAC: %.1f allocs per frame", n)
	}
	mine := craft.Ethernet(tPeer.mac, tClient.mac, nil, decode.EtherTypeIPv4,
		craft.IP(tClient.ip, tPeer.ip, decode.ProtoTCP, craft.TCP(tClient.ip, tPeer.ip, 22, 50000, 1, 1, craft.ACK, nil)))
	decode.Decode(&f, decode.LinkEthernet, mine)
	if n := testing.AllocsPerRun(1000, func() { r.d.Observe(&f) }); n != 0 {
		t.Errorf("tracked MAC: %.1f allocs per frame", n)
	}
}

// benchFrame decodes a frame once for the benchmarks.
func benchFrame(data []byte) *decode.Frame {
	var f decode.Frame
	f.Time = time.Date(2026, 2, 15, 1, 40, 0, 0, time.UTC)
	decode.Decode(&f, decode.LinkEthernet, data)
	return &f
}

// benchDHCP returns a detector tracking n clients.
func benchDHCP(n int) *dhcp {
	d := newDHCP(DHCPConfig{})
	for i := 0; i < n; i++ {
		m := decode.MAC{0xfa, 0x16, 0x3e, 0, byte(i >> 8), byte(i)}
		f := benchFrame(craft.DHCPv4Frame(craft.MustMAC("ff:ff:ff:ff:ff:ff"), m, nil, tZeroIP, tBcastIP, 68, 67,
			craft.DHCP(craft.DHCPMessage{Type: decode.DHCPDiscover, XID: uint32(i), CHAddr: m})))
		d.Observe(f)
	}
	return d
}

func BenchmarkDHCPObserveOther(b *testing.B) {
	for _, n := range []int{0, 100} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			d := benchDHCP(n)
			f := benchFrame(craft.Ethernet(tPeer.mac, tServer.mac, nil, decode.EtherTypeIPv4,
				craft.IP(tServer.ip, tPeer.ip, decode.ProtoTCP, craft.TCP(tServer.ip, tPeer.ip, 443, 50000, 1, 1, craft.ACK, nil))))
			b.ReportAllocs()
			for b.Loop() {
				d.Observe(f)
			}
		})
	}
}

func BenchmarkDHCPObserveTrackedTraffic(b *testing.B) {
	d := benchDHCP(100)
	m := decode.MAC{0xfa, 0x16, 0x3e, 0, 0, 7}
	f := benchFrame(craft.Ethernet(tPeer.mac, m, nil, decode.EtherTypeIPv4,
		craft.IP(tClient.ip, tPeer.ip, decode.ProtoTCP, craft.TCP(tClient.ip, tPeer.ip, 22, 50000, 1, 1, craft.ACK, nil))))
	b.ReportAllocs()
	for b.Loop() {
		f.Time = f.Time.Add(time.Millisecond)
		d.Observe(f)
	}
}

// BenchmarkDHCPObserveDHCP is the matching path: a renewal and its ACK,
// each with a new xid, so every pair is a new conversation.
func BenchmarkDHCPObserveDHCP(b *testing.B) {
	d := newDHCP(DHCPConfig{})
	req := craft.DHCP(craft.DHCPMessage{Type: decode.DHCPRequest, XID: 1, CHAddr: tClient.mac, CIAddr: tClient.ip, Hostname: "vm-5"})
	ack := craft.DHCP(craft.DHCPMessage{Type: decode.DHCPAck, XID: 1, CHAddr: tClient.mac, YIAddr: tClient.ip, CIAddr: tClient.ip,
		ServerID: tServer.ip, Lease: 120, T1: 60, T2: 105})
	fr := benchFrame(craft.DHCPv4Frame(tServer.mac, tClient.mac, nil, tClient.ip, tServer.ip, 68, 67, req))
	fa := benchFrame(craft.DHCPv4Frame(tClient.mac, tServer.mac, nil, tServer.ip, tClient.ip, 67, 68, ack))
	reqXID := fr.L4Payload()[4:8]
	ackXID := fa.L4Payload()[4:8]
	b.ReportAllocs()
	var i uint32
	for b.Loop() {
		i++
		for _, p := range [][]byte{reqXID, ackXID} {
			p[0], p[1], p[2], p[3] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
		}
		fr.Time = fr.Time.Add(60 * time.Second)
		fa.Time = fr.Time.Add(time.Millisecond)
		d.Observe(fr)
		d.Observe(fa)
	}
}

// A NAK voids the client's lease: a DISCOVER after the old lease's
// expiry is not a lease the client "let lapse".
func TestDHCPNakVoidsLease(t *testing.T) {
	r := newDHCPRig(t, DHCPConfig{})
	r.dora(1, tClient, 1)
	r.renew(61, tClient, 2)
	r.nak(61.001, tClient, 2, "")
	r.dora(130, tClient, 3)
	if got := dhcpCodes(r.findings(140)); got != "dhcp.nak warning fa:16:3e:00:00:05 xid 0x00000002" {
		t.Errorf("%s", got)
	}
}

// FuzzDHCPDetector feeds sequences of hostile DHCP messages, both ways,
// with the clients' other traffic in between: the detector must not
// panic, and its findings must render.
func FuzzDHCPDetector(f *testing.F) {
	enc := func(msgs ...[]byte) []byte {
		var b []byte
		for i, m := range msgs {
			b = append(b, byte(len(m)>>8), byte(len(m)), byte(i*7))
			b = append(b, m...)
		}
		return b
	}
	c := tClient
	f.Add(enc(
		craft.DHCP(craft.DHCPMessage{Type: decode.DHCPRequest, XID: 1, CHAddr: c.mac, CIAddr: c.ip, Hostname: "x"}),
		craft.DHCP(craft.DHCPMessage{Type: decode.DHCPAck, XID: 1, CHAddr: c.mac, YIAddr: c.ip, ServerID: tServer.ip, Lease: 10}),
		craft.DHCP(craft.DHCPMessage{Type: decode.DHCPRequest, XID: 1, CHAddr: c.mac, CIAddr: c.ip}),
	))
	f.Add(enc(
		craft.DHCP(craft.DHCPMessage{Type: decode.DHCPDiscover, XID: 2, CHAddr: c.mac, ClientID: []byte{1, 2}}),
		craft.DHCP(craft.DHCPMessage{Type: decode.DHCPOffer, XID: 2, CHAddr: c.mac, YIAddr: c.ip, ServerID: tServer.ip, GIAddr: tPeer.ip}),
		craft.DHCP(craft.DHCPMessage{Type: decode.DHCPNak, XID: 2, CHAddr: c.mac, Message: "\x1b|](", HLen: 0xff}),
	))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := newDHCP(DHCPConfig{Timeout: time.Second})
		now := time.Date(2026, 2, 15, 1, 40, 0, 0, time.UTC)
		var fr decode.Frame
		var n int64
		snapshots := 0
		if len(data) > 1<<14 {
			data = data[:1<<14]
		}
		feed := func(b []byte) {
			n++
			fr.Number, fr.Time, fr.WireLen = n, now, len(b)
			decode.Decode(&fr, decode.LinkEthernet, b)
			d.Observe(&fr)
		}
		for len(data) >= 3 {
			size := int(data[0])<<8 | int(data[1])
			flags := data[2]
			data = data[3:]
			size = min(size, len(data))
			payload := data[:size]
			data = data[size:]
			now = now.Add(time.Duration(flags&0x1f) * 700 * time.Millisecond)
			if flags&0x20 != 0 {
				feed(craft.DHCPv4Frame(c.mac, tServer.mac, []craft.Tag{{VID: 5}}, tServer.ip, tBcastIP, 67, 68, payload))
			} else {
				feed(craft.DHCPv4Frame(tBcastMAC, c.mac, nil, c.ip, tBcastIP, 68, 67, payload))
			}
			if flags&0x40 != 0 {
				feed(craft.Ethernet(tPeer.mac, c.mac, nil, decode.EtherTypeARP, make([]byte, 28)))
			}
			if flags&0x80 != 0 && snapshots < 8 {
				// A live capture's snapshot; a few suffice, each
				// builds every finding.
				snapshots++
				d.Advance(now)
				_ = d.Findings()
			}
		}
		d.Advance(now.Add(time.Hour))
		rep := &report.Report{Sources: []report.Source{{Name: "fuzz"}}, Findings: d.Findings()}
		rep.Finalize()
		var b bytes.Buffer
		if err := report.WriteTable(&b, rep); err != nil {
			t.Fatal(err)
		}
		if err := report.WriteJSON(&b, rep); err != nil {
			t.Fatal(err)
		}
	})
}

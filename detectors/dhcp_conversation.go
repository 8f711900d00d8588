package detectors

// A dhcp conversation: one client's run of messages with one xid (or a
// new xid per retransmission while nothing answered) and the servers'
// answers matched by xid and chaddr; how it is told as numbered steps and
// how it is judged.

import (
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/report"
)

// dhcpStep is one message of a conversation, as details.conversation
// lists it.
type dhcpStep struct {
	N       int         `json:"step"`
	Time    report.Time `json:"time"`
	Frame   int64       `json:"frame"`
	From    string      `json:"from"`
	To      string      `json:"to"`
	Message string      `json:"message"`
	State   string      `json:"state"`
	XID     string      `json:"xid"`

	text string          // the timeline's words
	sev  report.Severity // how the timeline marks it
}

type dhcpConv struct {
	src      int
	firstXID uint32
	lastXID  uint32 // the client's latest xid
	xids     []uint32
	start    time.Time
	last     time.Time
	vlan     int32
	relay    netip.Addr
	circuit  string
	remote   string

	// The steps: the first dhcpHeadSteps, then a ring of the latest
	// dhcpTailSteps; nsteps counts them all.
	head   []dhcpStep
	tail   [dhcpTailSteps]dhcpStep
	tailN  int
	nsteps int
	frames frameSample
	msgs   int64 // messages, copies excluded
	copies int64
	stray  int64

	clientMsgs                  int64
	discovers, requests, bcast  int64
	offers, acks, naks          int64
	lastClientT                 time.Time
	lastClientType              decode.DHCPMsgType
	lastClientXID               uint32
	lastClientState             decode.DHCPClientState
	firstState                  decode.DHCPClientState
	replySinceClient            bool
	firstDiscover, firstOffer   time.Time
	firstRequest, firstResponse time.Time
	renewing, rebinding         bool
	discoverAfterRenewal        bool
	releasedAfterAck            bool
	firstRebind                 time.Time
	lastAnswerT                 time.Time
	lastAnswerType              decode.DHCPMsgType
	lastAnswerXID               uint32
	lastAnswerServer            netip.Addr
	answerIgnored               bool // the latest answer was followed by a retransmission
	ignored                     int64
	ignoredType                 decode.DHCPMsgType
	renewReqs, renewBcast       int64 // REQUESTs sent RENEWING or REBINDING
	renewAcks                   int64 // ACKs to them
	gapBefore                   time.Duration
	firstIgnored                time.Time
	firstNak                    time.Time
	nakMsg                      string
	nakServer                   netip.Addr
	nakState                    decode.DHCPClientState
	nakIP                       netip.Addr
	lastAck                     dhcpLease
	ackRetransmitted            bool
	servers                     []netip.Addr
	serverIP                    netip.Addr // the server the client dealt with
	clientIP                    netip.Addr // the address at stake
	prevLease                   dhcpLease  // the lease the client held when the conversation began
	trafficBefore               dhcpTraffic
	trackedBefore               bool      // the client's MAC was tracked before the conversation began
	trackedSince                time.Time // since when
	closedByRenewal             bool
	clientTrafficAtClose        dhcpTraffic
	closed                      bool
}

func (d *dhcp) openConv(c *dhcpClient, f *decode.Frame, m *decode.DHCP) *dhcpConv {
	cv := &dhcpConv{src: f.Source, firstXID: m.XID, lastXID: m.XID, start: f.Time, last: f.Time, vlan: -1}
	if vid, ok := f.OuterVLAN(); ok {
		cv.vlan = int32(vid)
	}
	if !c.released {
		cv.prevLease = c.lease
	}
	if c.traffic.valid() && !c.traffic.at().After(f.Time) {
		cv.trafficBefore = c.traffic
	}
	cv.trackedBefore = c.tracked && c.since.Before(f.Time)
	cv.gapBefore = c.gapAvg
	cv.trackedSince = c.since
	c.convs++
	return cv
}

func (d *dhcp) closeConv(c *dhcpClient, at time.Time, next decode.DHCPClientState) {
	cv := c.conv
	c.conv = nil
	cv.closed = true
	cv.closedByRenewal = next == decode.DHCPStateRenewing || next == decode.DHCPStateRebinding
	cv.clientTrafficAtClose = c.traffic
	if l, ok := d.acceptedLease(c, cv); ok {
		c.lease = l
		c.released = false
	}
	if v := d.judge(c, cv, at); v.code != "" {
		d.freeze(d.convFinding(c, cv, v))
	}
}

func (cv *dhcpConv) hasXID(x uint32) bool {
	for _, y := range cv.xids {
		if y == x {
			return true
		}
	}
	return x == cv.firstXID
}

// note records what every message of the conversation contributes.
func (cv *dhcpConv) note(f *decode.Frame, m *decode.DHCP, st dhcpStep) {
	if f.Time.After(cv.last) {
		cv.last = f.Time
	}
	cv.msgs++
	cv.frames.add(f.Number)
	if !cv.hasXID(m.XID) {
		if len(cv.xids) < dhcpMaxXIDs {
			cv.xids = append(cv.xids, m.XID)
		} else {
			cv.xids[dhcpMaxXIDs-1] = m.XID
		}
	}
	if m.Relayed() && !cv.relay.IsValid() {
		cv.relay = m.GIAddr
	}
	if len(m.CircuitID) > 0 && cv.circuit == "" {
		cv.circuit = fmt.Sprintf("%x", m.CircuitID)
	}
	if len(m.RemoteID) > 0 && cv.remote == "" {
		cv.remote = fmt.Sprintf("%x", m.RemoteID)
	}
	st.Time = report.Time{Time: f.Time}
	st.Frame = f.Number
	st.From, st.To = f.SrcIP.String(), f.DstIP.String()
	st.Message = m.Type.String()
	st.XID = fmt.Sprintf("0x%08x", m.XID)
	cv.addStep(st)
}

func (cv *dhcpConv) addStep(st dhcpStep) {
	cv.nsteps++
	st.N = cv.nsteps
	if len(cv.head) < dhcpHeadSteps {
		cv.head = append(cv.head, st)
		return
	}
	cv.tail[cv.tailN%dhcpTailSteps] = st
	cv.tailN++
}

// stepList returns the steps kept, in order.
func (cv *dhcpConv) stepList() []dhcpStep {
	out := make([]dhcpStep, 0, len(cv.head)+dhcpTailSteps)
	out = append(out, cv.head...)
	for i := max(cv.tailN-dhcpTailSteps, 0); i < cv.tailN; i++ {
		out = append(out, cv.tail[i%dhcpTailSteps])
	}
	return out
}

func nonZero(a netip.Addr) bool { return a.IsValid() && !a.IsUnspecified() }

// addClient adds a client message and words it as a step.
func (cv *dhcpConv) addClient(c *dhcpClient, f *decode.Frame, m *decode.DHCP, state decode.DHCPClientState) {
	t := f.Time
	if cv.clientMsgs > 0 && !cv.replySinceClient && m.XID == cv.lastClientXID && m.Type == cv.lastClientType &&
		absDur(t.Sub(cv.lastClientT)) < dhcpCopy {
		cv.copies++ // a relay's copy, or the capture seeing it twice
		if m.Relayed() && !cv.relay.IsValid() {
			cv.relay = m.GIAddr
		}
		return
	}
	had := cv.clientMsgs > 0
	prevT, prevType, prevState := cv.lastClientT, cv.lastClientType, cv.lastClientState
	if !had {
		cv.firstState = state
	}

	// Did the client ask again after an answer that should have ended
	// this step?
	var ignoredAfter time.Duration
	// Only the client's first message after an answer can ignore it (a
	// DECLINE in between means it took the answer and refused the address).
	if !cv.lastAnswerT.IsZero() && !cv.answerIgnored && !cv.lastClientT.After(cv.lastAnswerT) {
		again := (cv.lastAnswerType == decode.DHCPOffer && m.Type == decode.DHCPDiscover) ||
			(cv.lastAnswerType == decode.DHCPAck && (m.Type == decode.DHCPRequest || m.Type == decode.DHCPDiscover) &&
				cv.lastClientType != decode.DHCPInform)
		// A retransmission that crossed the answer on the wire says
		// nothing about whether the client got it.
		if gap := t.Sub(cv.lastAnswerT); again && gap > dhcpRace {
			cv.ackRetransmitted = cv.lastAnswerType == decode.DHCPAck
			cv.answerIgnored = true
			cv.ignored++
			if cv.firstIgnored.IsZero() {
				cv.firstIgnored = t
				cv.ignoredType = cv.lastAnswerType
			}
			ignoredAfter = gap
		}
	}

	var text string
	sev := report.Info
	again := ""
	if had {
		again = "client asks again " + dhcpSecs(t.Sub(prevT)) + " later"
	}
	sameAsBefore := had && prevType == m.Type && prevState == state
	switch m.Type {
	case decode.DHCPDiscover:
		cv.discovers++
		if cv.firstDiscover.IsZero() {
			cv.firstDiscover = t
		}
		if cv.renewing || cv.rebinding {
			cv.discoverAfterRenewal = true
		}
		switch {
		case sameAsBefore:
			text = again + " (DISCOVER)"
		case nonZero(m.RequestedIP):
			text = fmt.Sprintf("client looks for a server, hoping for %s (DISCOVER)", m.RequestedIP)
		default:
			text = "client looks for a server (DISCOVER)"
		}
		if had && (prevState == decode.DHCPStateRenewing || prevState == decode.DHCPStateRebinding) {
			text = "client gives up its address and starts over: it looks for a server (DISCOVER)"
			sev = report.Warning
		}
		if nonZero(m.RequestedIP) {
			cv.clientIP = m.RequestedIP
		}
	case decode.DHCPRequest:
		cv.requests++
		if cv.firstRequest.IsZero() {
			cv.firstRequest = t
		}
		if decode.DHCPLimitedBroadcast(f.DstIP) {
			cv.bcast++
		}
		switch state {
		case decode.DHCPStateSelecting:
			cv.clientIP = m.RequestedIP
			cv.serverIP = m.ServerID
			text = fmt.Sprintf("client requests %s from server %s (SELECTING)", addrOrUnknown(m.RequestedIP), m.ServerID)
		case decode.DHCPStateInitReboot:
			cv.clientIP = m.RequestedIP
			text = fmt.Sprintf("client asks to keep %s after a restart or a move (INIT-REBOOT, broadcast)", m.RequestedIP)
		case decode.DHCPStateRenewing:
			cv.renewing = true
			cv.renewReqs++
			cv.clientIP = m.CIAddr
			cv.serverIP = f.DstIP
			text = fmt.Sprintf("client renews %s by unicast to %s", m.CIAddr, f.DstIP)
		case decode.DHCPStateRebinding:
			cv.rebinding = true
			cv.renewReqs++
			cv.renewBcast++
			cv.clientIP = m.CIAddr
			if cv.firstRebind.IsZero() {
				cv.firstRebind = t
			}
			if !sameAsBefore {
				text = "client falls back to broadcast 255.255.255.255 (REBINDING)"
				if prevState == decode.DHCPStateRenewing {
					text = "client falls back to broadcast 255.255.255.255 (REBINDING): it gives up on its server"
				}
				sev = report.Warning
			}
		default:
			text = "client sends a REQUEST naming no address and no server"
		}
		if sameAsBefore {
			text = again
			if state == decode.DHCPStateRebinding {
				text += ", by broadcast"
			}
		}
	case decode.DHCPInform:
		text = "client asks for configuration only (INFORM)"
		if nonZero(m.CIAddr) {
			text = fmt.Sprintf("client asks for configuration only (INFORM from %s)", m.CIAddr)
		}
		if sameAsBefore {
			text = again + " (INFORM)"
		}
	case decode.DHCPRelease:
		ip := m.CIAddr
		if !nonZero(ip) {
			ip = c.ip
		}
		text = fmt.Sprintf("client releases %s", addrOrIts(ip))
		if nonZero(ip) {
			cv.clientIP = ip
		}
		if cv.acks > 0 {
			cv.releasedAfterAck = true
		}
	case decode.DHCPDecline:
		ip := m.RequestedIP
		if !nonZero(ip) {
			ip = cv.lastAck.ip
		}
		text = fmt.Sprintf("client declines %s: another host already uses it", addrOrIts(ip))
		sev = report.Warning
		if cv.acks > 0 {
			cv.releasedAfterAck = true
		}
	}
	if ignoredAfter > 0 {
		text += fmt.Sprintf(", although the server %s %s before", answeredVerb(cv.lastAnswerType), dhcpSecs(ignoredAfter))
		sev = report.Warning
	}
	if m.Relayed() {
		text += " (relayed by " + m.GIAddr.String() + ")"
	}
	if nonZero(cv.clientIP) {
		c.ip = cv.clientIP
	}
	cv.note(f, m, dhcpStep{State: state.String(), text: text, sev: sev})
	cv.clientMsgs++
	cv.lastClientT, cv.lastClientType, cv.lastClientXID, cv.lastClientState = t, m.Type, m.XID, state
	cv.lastXID = m.XID
	cv.replySinceClient = false
}

// addServer adds an answer matched to this conversation and returns the
// other server that answered the same conversation, if any.
func (cv *dhcpConv) addServer(c *dhcpClient, f *decode.Frame, m *decode.DHCP) (netip.Addr, bool) {
	t := f.Time
	id := serverID(f, m)
	if !cv.lastAnswerT.IsZero() && !cv.lastClientT.After(cv.lastAnswerT) && m.Type == cv.lastAnswerType &&
		m.XID == cv.lastAnswerXID && id == cv.lastAnswerServer && absDur(t.Sub(cv.lastAnswerT)) < dhcpCopy {
		cv.copies++
		return netip.Addr{}, false
	}
	var other netip.Addr
	known := false
	for _, s := range cv.servers {
		if s == id {
			known = true
		} else if !other.IsValid() {
			other = s
		}
	}
	if !known && len(cv.servers) < dhcpMaxConvSrv {
		cv.servers = append(cv.servers, id)
	}
	newServer := !known && len(cv.servers) > 1
	if !cv.serverIP.IsValid() || cv.serverIP.IsUnspecified() {
		cv.serverIP = id
	}
	leaseWords := ""
	l := dhcpLease{valid: true, ack: t, frame: f.Number, xid: m.XID, server: id, hasLease: m.HasLease, forState: cv.lastClientState}
	if m.HasLease {
		l.infinite = m.LeaseTime == math.MaxUint32
		l.lease = time.Duration(m.LeaseTime) * time.Second
		leaseWords = " (lease " + leaseString(m.LeaseTime) + ")"
		if m.HasT1 && m.T1 != math.MaxUint32 {
			l.t1 = time.Duration(m.T1) * time.Second
		}
		if m.HasT2 && m.T2 != math.MaxUint32 {
			l.t2 = time.Duration(m.T2) * time.Second
		}
	}
	l.ip = m.YIAddr
	if !nonZero(l.ip) {
		l.ip = m.CIAddr
	}
	who := "server " + id.String()
	var text string
	sev := report.Info
	switch m.Type {
	case decode.DHCPOffer:
		cv.offers++
		if cv.discovers > 0 && cv.firstOffer.IsZero() {
			cv.firstOffer = t
		}
		text = fmt.Sprintf("%s offers %s%s", who, m.YIAddr, leaseWords)
		if !nonZero(cv.clientIP) {
			cv.clientIP = m.YIAddr
		}
	case decode.DHCPAck:
		if cv.requests > 0 && cv.firstResponse.IsZero() {
			cv.firstResponse = t
		}
		cv.acks++
		switch {
		case cv.lastClientType == decode.DHCPInform:
			text = who + " answers the INFORM (ACK)"
			l.hasLease = false
		case cv.acks > 1 && id == cv.lastAck.server:
			text = "server ACKs again" + leaseWords
		default:
			text = fmt.Sprintf("%s ACKs %s%s", who, l.ip, leaseWords)
		}
		cv.lastAck = l
		cv.ackRetransmitted = false
		if l.forState == decode.DHCPStateRenewing || l.forState == decode.DHCPStateRebinding {
			cv.renewAcks++
		}
		if nonZero(l.ip) && l.hasLease {
			cv.clientIP = l.ip
			c.ip = l.ip
		}
	case decode.DHCPNak:
		if cv.requests > 0 && cv.firstResponse.IsZero() {
			cv.firstResponse = t
		}
		cv.naks++
		if cv.firstNak.IsZero() {
			cv.firstNak = t
			cv.nakMsg = report.Clean(string(m.Message))
			cv.nakServer = id
			cv.nakState = cv.lastClientState
			cv.nakIP = cv.clientIP
		}
		text = who + " refuses (NAK)"
		if len(m.Message) > 0 {
			text = fmt.Sprintf("%s refuses (NAK: %s)", who, dhcpShow(report.Clean(string(m.Message))))
		}
		sev = report.Warning
	}
	if newServer {
		text += fmt.Sprintf("; a second server answers this client (%s answered too)", other)
		sev = report.Warning
	}
	if m.Relayed() {
		text += " (via relay " + m.GIAddr.String() + ")"
	}
	// The client's state when the answer came is the one it asked from;
	// whether it then moved on (to BOUND, say) only its next message tells.
	state := ""
	if cv.clientMsgs > 0 {
		state = cv.lastClientState.String()
	}
	cv.note(f, m, dhcpStep{State: state, text: text, sev: sev})
	cv.replySinceClient = true
	cv.lastAnswerT, cv.lastAnswerType, cv.lastAnswerXID, cv.lastAnswerServer = t, m.Type, m.XID, id
	cv.answerIgnored = false
	if cv.clientMsgs == 0 {
		cv.lastXID = m.XID
	}
	return other, newServer
}

// addStray records an answer whose xid is not this conversation's: the
// client discards it (RFC 2131 §4.4.1).
func (cv *dhcpConv) addStray(f *decode.Frame, m *decode.DHCP) {
	cv.stray++
	text := fmt.Sprintf("server %s sends an %s for xid 0x%08x, not this conversation's: the client discards it", serverID(f, m), m.Type, m.XID)
	cv.addStep(dhcpStep{
		Time: report.Time{Time: f.Time}, Frame: f.Number, From: f.SrcIP.String(), To: f.DstIP.String(),
		Message: m.Type.String(), XID: fmt.Sprintf("0x%08x", m.XID), text: text, sev: report.Info,
	})
	if f.Time.After(cv.last) {
		cv.last = f.Time
	}
}

// acceptedLease returns the lease of the conversation's last ACK when the
// client took it: it did not ask again, and, when it had ignored earlier
// answers, it showed it was alive afterwards (other traffic, or renewing
// the address later).
func (d *dhcp) acceptedLease(c *dhcpClient, cv *dhcpConv) (dhcpLease, bool) {
	if !d.ackAccepted(c, cv) || !cv.lastAck.hasLease || cv.releasedAfterAck {
		return dhcpLease{}, false
	}
	return cv.lastAck, true
}

func (d *dhcp) ackAccepted(c *dhcpClient, cv *dhcpConv) bool {
	if cv.acks == 0 || cv.ackRetransmitted {
		return false
	}
	if cv.ignored == 0 {
		return true
	}
	return trafficAfter(c, cv).at().After(cv.lastAck.ack) || cv.closedByRenewal
}

// trafficAfter is the client's latest non-DHCP frame as the conversation
// knows it: frozen when it closed.
func trafficAfter(c *dhcpClient, cv *dhcpConv) dhcpTraffic {
	if cv.closed {
		return cv.clientTrafficAtClose
	}
	return c.traffic
}

// dhcpVerdict is how a conversation is judged at a moment.
type dhcpVerdict struct {
	code    string
	sev     report.Severity
	now     time.Time
	lost    string // "", "rebinding", "expired", "restarted", "lapsed"
	late    bool   // the answer came, but only after the timeout
	waitFor time.Duration
}

// judge applies the codes' thresholds at time now. A conversation can
// fail several ways; the most telling one is its code (NAK, then ignored
// answers, then a lost lease, then no answer, then no offer) and the
// others show in its details and steps.
func (d *dhcp) judge(c *dhcpClient, cv *dhcpConv, now time.Time) dhcpVerdict {
	v := dhcpVerdict{now: now}
	to := d.timeout
	renewal := cv.renewing || cv.rebinding
	accepted := d.ackAccepted(c, cv)
	renewed := accepted && (cv.lastAck.forState == decode.DHCPStateRenewing || cv.lastAck.forState == decode.DHCPStateRebinding)
	pl := cv.prevLease
	switch {
	case renewal && !renewed && pl.finite() && now.After(pl.expiry()):
		v.lost = "expired"
	case renewal && !renewed && cv.discoverAfterRenewal:
		v.lost = "restarted"
	case renewal && !renewed && cv.rebinding && now.Sub(cv.last) >= to:
		v.lost = "rebinding"
	case !renewal && cv.clientMsgs > 0 && pl.finite() && cv.start.After(pl.expiry()) &&
		(cv.firstState == decode.DHCPStateInit || cv.firstState == decode.DHCPStateInitReboot || cv.firstState == decode.DHCPStateSelecting):
		v.lost = "lapsed"
	}
	noAnswer, lateAnswer := waited(cv.firstRequest, cv.firstResponse, now, to)
	noOffer, lateOffer := waited(cv.firstDiscover, cv.firstOffer, now, to)
	switch {
	case cv.naks > 0:
		v.code, v.sev = dhcpNak, report.Warning
	case cv.ignored > 0:
		v.code, v.sev = dhcpAnswerIgnored, report.Warning
		if v.lost != "" && v.lost != "lapsed" {
			v.sev = report.Critical
		}
	case v.lost == "lapsed":
		v.code, v.sev = dhcpLeaseLost, report.Warning
	case v.lost != "":
		v.code, v.sev = dhcpLeaseLost, report.Critical
	case noAnswer || lateAnswer:
		v.code, v.sev, v.late = dhcpNoAnswer, report.Warning, lateAnswer
		v.waitFor = waitedFor(cv.firstRequest, cv.firstResponse, now)
	case noOffer:
		v.code, v.sev = dhcpNoOffer, report.Critical
		v.waitFor = waitedFor(cv.firstDiscover, cv.firstOffer, now)
	case lateOffer:
		v.code, v.sev, v.late = dhcpNoOffer, report.Warning, true
		v.waitFor = waitedFor(cv.firstDiscover, cv.firstOffer, now)
	}
	return v
}

// waited tells whether a request sent at asked went unanswered for the
// timeout (none: no answer yet; late: the answer came after it).
func waited(asked, answered, now time.Time, to time.Duration) (none, late bool) {
	if asked.IsZero() {
		return false, false
	}
	if answered.IsZero() {
		return now.Sub(asked) >= to, false
	}
	return false, answered.Sub(asked) >= to
}

func waitedFor(asked, answered, now time.Time) time.Duration {
	if answered.IsZero() {
		return now.Sub(asked)
	}
	return answered.Sub(asked)
}

// stateVerb says what the client was doing, for "sent nothing for 10 s
// before renewing".
func stateVerb(s decode.DHCPClientState) string {
	switch s {
	case decode.DHCPStateInit:
		return "looking for a server"
	case decode.DHCPStateSelecting:
		return "requesting an address"
	case decode.DHCPStateInitReboot:
		return "asking to keep its address"
	case decode.DHCPStateRenewing:
		return "renewing"
	case decode.DHCPStateRebinding:
		return "rebinding"
	}
	return "this conversation"
}

// stateVerbPast is stateVerb for "its traffic stopped 10 s before it
// renewed".
func stateVerbPast(s decode.DHCPClientState) string {
	switch s {
	case decode.DHCPStateInit:
		return "looked for a server"
	case decode.DHCPStateSelecting:
		return "requested an address"
	case decode.DHCPStateInitReboot:
		return "asked to keep its address"
	case decode.DHCPStateRenewing:
		return "renewed"
	case decode.DHCPStateRebinding:
		return "rebound"
	}
	return "spoke DHCP"
}

// remarkable reports whether a silence before a conversation is worth
// naming first: at least the quiet threshold, and at least 4 times the
// client's usual gap between frames (an idle host's pause is not news).
func (d *dhcp) remarkable(cv *dhcpConv, silence time.Duration) bool {
	return silence >= d.quiet && silence >= 4*cv.gapBefore
}

// convFinding builds the finding of a failing conversation.
func (d *dhcp) convFinding(c *dhcpClient, cv *dhcpConv, v dhcpVerdict) report.Finding {
	first, last := cv.start, cv.last
	silence := time.Duration(-1)
	if tb := cv.trafficBefore; tb.valid() {
		silence = cv.start.Sub(tb.at())
	}
	pl := cv.prevLease

	// What came before the conversation.
	var pre []report.Event
	if v.lost == "lapsed" {
		pre = append(pre, report.Event{Time: report.Time{Time: pl.expiry()}, Severity: v.sev,
			Text: fmt.Sprintf("client never renewed: its lease on %s (ACKed at %s, %s) runs out, %s before it speaks DHCP again",
				addrOrIts(pl.ip), clock(pl.ack), leaseDur(pl), dhcpSecs(cv.start.Sub(pl.expiry())))})
		first = pl.expiry()
	}
	if d.remarkable(cv, silence) {
		tb := cv.trafficBefore
		pre = append(pre, report.Event{Time: report.Time{Time: tb.at()}, Duration: silence.Seconds(), Severity: report.Warning, Frame: tb.frame,
			Text: fmt.Sprintf("client sent nothing for %s before %s: this was its last frame (%s)",
				dhcpSecs(silence), stateVerb(cv.firstState), tb.describe())})
		if tb.at().Before(first) {
			first = tb.at()
		}
	} else if silence < 0 && cv.trackedBefore && cv.start.Sub(cv.trackedSince) >= d.quiet {
		pre = append(pre, report.Event{Time: report.Time{Time: cv.start}, Severity: report.Warning,
			Text: fmt.Sprintf("client sent no traffic but DHCP since %s (%s) before %s",
				clock(cv.trackedSince), dhcpSecs(cv.start.Sub(cv.trackedSince)), stateVerb(cv.firstState))})
	}

	// The lease running out in the middle of the conversation.
	var mid *report.Event
	if v.lost == "expired" && !pl.expiry().After(cv.last) {
		mid = &report.Event{Time: report.Time{Time: pl.expiry()}, Severity: v.sev,
			Text: fmt.Sprintf("its lease on %s (ACKed at %s, %s) runs out: the client has no address now",
				addrOrIts(pl.ip), clock(pl.ack), leaseDur(pl))}
	}
	conclusion, at := d.conclusion(c, cv, v)

	// The steps, numbered; the middle of a long run is left out so that
	// the conclusion always shows.
	steps := cv.stepList()
	room := report.MaxEventsPerFinding - len(pre) - 1
	if mid != nil {
		room--
	}
	evs := pre
	omitted := cv.nsteps
	for i, st := range steps {
		if len(steps) > room && i >= room-2 && i < len(steps)-2 {
			continue
		}
		omitted--
		if mid != nil && st.Time.After(mid.Time.Time) {
			evs = append(evs, *mid)
			mid = nil
		}
		evs = append(evs, report.Event{Time: st.Time, Severity: st.sev, Frame: st.Frame, Text: fmt.Sprintf("%d. %s", st.N, st.text)})
	}
	if mid != nil {
		evs = append(evs, *mid)
	}
	if conclusion != "" {
		if at.Before(cv.last) {
			at = cv.last
		}
		if at.After(last) {
			last = at
		}
		evs = append(evs, report.Event{Time: report.Time{Time: at}, Severity: v.sev, Text: fmt.Sprintf("%d. %s", cv.nsteps+1, conclusion)})
	}

	return report.Finding{
		Detector:      "dhcp",
		Code:          v.code,
		Severity:      v.sev,
		Summary:       d.convSummary(c, cv, v, silence),
		Subject:       fmt.Sprintf("%s xid 0x%08x", c.macString(), cv.firstXID),
		SourceIndex:   cv.src,
		First:         report.Time{Time: first},
		Last:          report.Time{Time: last},
		Count:         cv.msgs,
		Frames:        cv.frames.list(),
		Evidence:      convEvidence(cv, steps),
		Details:       d.convDetails(c, cv, v, silence),
		Events:        evs,
		EventsOmitted: omitted,
	}
}

// convEvidence lists the frames that prove a conversation: the client's
// last frame before it (where its traffic stopped) and every step kept.
func convEvidence(cv *dhcpConv, steps []dhcpStep) []int64 {
	var out []int64
	if tb := cv.trafficBefore; tb.valid() && int(tb.src) == cv.src {
		out = append(out, tb.frame)
	}
	for _, st := range steps {
		if st.Frame > 0 {
			out = append(out, st.Frame)
		}
	}
	return out
}

// conclusion words what the conversation came to, and when that was
// known.
func (d *dhcp) conclusion(c *dhcpClient, cv *dhcpConv, v dhcpVerdict) (string, time.Time) {
	pl := cv.prevLease
	quietAfter := !trafficAfter(c, cv).at().After(cv.last) && v.now.Sub(cv.last) >= d.timeout
	gone := ""
	if quietAfter {
		gone = "client sends nothing more; "
	}
	recovered := d.ackAccepted(c, cv) && cv.lastAck.hasLease
	switch v.lost {
	case "expired":
		if pl.expiry().After(cv.last) {
			return gone + fmt.Sprintf("its lease on %s (ACKed at %s, %s) expired at %s: the client has dropped its address",
				addrOrIts(pl.ip), clock(pl.ack), leaseDur(pl), clock(pl.expiry())), pl.expiry()
		}
		if recovered {
			return fmt.Sprintf("client has an address again (%s), %s after its lease ran out",
				addrOrIts(cv.lastAck.ip), dhcpSecs(cv.lastAck.ack.Sub(pl.expiry()))), cv.lastAck.ack
		}
		if quietAfter {
			return "client sends nothing more", cv.last
		}
		return "", time.Time{}
	case "restarted":
		if recovered {
			return fmt.Sprintf("client gave up its lease without a renewal it took, and has an address again (%s)", addrOrIts(cv.lastAck.ip)), cv.last
		}
		return gone + "client gave up its lease without a renewal it took", cv.last
	case "rebinding":
		s := "fell back to rebinding without a renewal it took: it drops its address when its lease expires"
		if pl.finite() {
			s += " at " + clock(pl.expiry())
		}
		if quietAfter {
			return gone + "it " + s, cv.last
		}
		return "client " + s, cv.last
	}
	switch v.code {
	case dhcpNoOffer:
		if v.late {
			return fmt.Sprintf("the first OFFER came %s after the first DISCOVER", dhcpSecs(v.waitFor)), cv.firstOffer
		}
		return fmt.Sprintf("no OFFER %s after the first DISCOVER (%s)", dhcpSecs(v.waitFor), plural(cv.discovers, "DISCOVER", "DISCOVERs")), v.now
	case dhcpNoAnswer:
		if v.late {
			return fmt.Sprintf("the first answer came %s after the first REQUEST", dhcpSecs(v.waitFor)), cv.firstResponse
		}
		return fmt.Sprintf("no answer %s after the first REQUEST (%s)", dhcpSecs(v.waitFor), plural(cv.requests, "REQUEST", "REQUESTs")), v.now
	case dhcpAnswerIgnored:
		if ta := trafficAfter(c, cv); ta.at().After(cv.lastAnswerT) {
			return fmt.Sprintf("client's traffic shows again (frame %d, %s): it is alive", ta.frame, ta.describe()), ta.at()
		}
		if quietAfter {
			return "client sends nothing more after the last " + cv.lastAnswerType.String(), cv.last
		}
	case dhcpNak:
		if cv.lastAnswerType == decode.DHCPNak && cv.lastClientT.Before(cv.lastAnswerT) {
			if cv.nakState == decode.DHCPStateRenewing || cv.nakState == decode.DHCPStateRebinding {
				return fmt.Sprintf("client must stop using %s at once and start over with a DISCOVER", addrOrIts(cv.nakIP)), cv.last
			}
			return "client must start over with a DISCOVER", cv.last
		}
	}
	return "", time.Time{}
}

// dhcpSummaryMax keeps a summary short enough to read as one ticket line
// (report.Clean would only cut it at 1024 characters).
const dhcpSummaryMax = 250

// fitSummary joins the summary's sentences, leaving out later ones that
// would make it too long.
func fitSummary(parts ...string) string {
	s := parts[0]
	for _, p := range parts[1:] {
		if p == "" || utf8.RuneCountInString(s)+2+utf8.RuneCountInString(p) > dhcpSummaryMax {
			continue
		}
		s += ". " + p
	}
	return s
}

func (d *dhcp) convSummary(c *dhcpClient, cv *dhcpConv, v dhcpVerdict, silence time.Duration) string {
	who := dhcpClientName(c, cv.clientIP)
	pl := cv.prevLease
	var main, next string
	switch v.code {
	case dhcpNak:
		main = fmt.Sprintf("server %s refused %s with a NAK", cv.nakServer, who)
		if cv.nakMsg != "" {
			main += " (" + dhcpShowN(cv.nakMsg, 40) + ")"
		}
		main += " when it " + nakAction(cv.nakState, cv.nakIP)
		next = "It must start over with a DISCOVER"
		if cv.nakState == decode.DHCPStateRenewing || cv.nakState == decode.DHCPStateRebinding {
			next = "It must stop using the address at once and start over"
		}
	case dhcpAnswerIgnored:
		total := cv.acks
		if cv.ignoredType == decode.DHCPOffer {
			total = cv.offers
		}
		main = fmt.Sprintf("%s asked again after %d of %s from %s, as if they never reached it",
			who, cv.ignored, plural(total, cv.ignoredType.String(), cv.ignoredType.String()+"s"), addrOrUnknown(cv.serverIP))
	case dhcpLeaseLost:
		if v.lost == "lapsed" {
			main = fmt.Sprintf("%s let its lease expire at %s without trying to renew, and started over %s later",
				who, clock(pl.expiry()), dhcpSecs(cv.start.Sub(pl.expiry())))
			break
		}
		got := "got no answer"
		if cv.renewAcks > 0 {
			got = "got " + plural(cv.renewAcks, "ACK", "ACKs") + " it did not take"
		}
		bc := ""
		if cv.renewBcast > 0 {
			bc = fmt.Sprintf(" (%d by broadcast)", cv.renewBcast)
		}
		main = fmt.Sprintf("%s lost its lease: %s%s %s", who, plural(cv.renewReqs, "renewal REQUEST", "renewal REQUESTs"), bc, got)
	case dhcpNoAnswer:
		main = fmt.Sprintf("%s sent %s and no server answered for %s", who, dhcpRequestWords(cv), dhcpSecs(v.waitFor))
		if v.late {
			main = fmt.Sprintf("%s sent %s; the first answer came only after %s", who, dhcpRequestWords(cv), dhcpSecs(v.waitFor))
			if cv.rebinding && cv.renewing {
				main += ", once it fell back to broadcast"
			}
		}
	case dhcpNoOffer:
		main = fmt.Sprintf("%s sent %s over %s and no server offered it an address", who,
			plural(cv.discovers, "DISCOVER", "DISCOVERs"), dhcpSecs(v.waitFor))
		if v.late {
			main = fmt.Sprintf("%s sent %s; the first OFFER came only after %s", who, plural(cv.discovers, "DISCOVER", "DISCOVERs"), dhcpSecs(v.waitFor))
		}
	}
	var quiet string
	if d.remarkable(cv, silence) {
		quiet = fmt.Sprintf("Its traffic stopped %s before it %s: DHCP is the symptom",
			dhcpSecs(silence), stateVerbPast(cv.firstState))
	}
	var lost string
	switch v.lost {
	case "expired":
		lost = fmt.Sprintf("Its lease expired at %s: it dropped %s", clock(pl.expiry()), addrOrIts(pl.ip))
		if d.ackAccepted(c, cv) && cv.lastAck.hasLease && cv.lastAck.ack.After(pl.expiry()) {
			lost += fmt.Sprintf(" for %s", dhcpSecs(cv.lastAck.ack.Sub(pl.expiry())))
		}
	case "rebinding":
		lost = "It fell back to rebinding without a renewal it took"
	case "restarted":
		lost = "It gave up its address and started over"
	}
	return fitSummary(main, quiet, next, lost)
}

func nakAction(s decode.DHCPClientState, ip netip.Addr) string {
	a := addrOrUnknown(ip)
	switch s {
	case decode.DHCPStateRenewing, decode.DHCPStateRebinding:
		return "tried to renew " + a
	case decode.DHCPStateInitReboot:
		return "asked to keep " + a
	case decode.DHCPStateSelecting:
		return "requested " + a
	}
	return "asked for " + a
}

func dhcpRequestWords(cv *dhcpConv) string {
	var parts []string
	if cv.discovers > 0 {
		parts = append(parts, plural(cv.discovers, "DISCOVER", "DISCOVERs"))
	}
	if cv.requests > 0 {
		r := plural(cv.requests, "REQUEST", "REQUESTs")
		if cv.bcast > 0 && cv.bcast < cv.requests {
			r += fmt.Sprintf(" (%d by broadcast)", cv.bcast)
		} else if cv.bcast > 0 {
			r += " (by broadcast)"
		}
		parts = append(parts, r)
	}
	if len(parts) == 0 {
		return "its messages"
	}
	return strings.Join(parts, " and ")
}

func (d *dhcp) convDetails(c *dhcpClient, cv *dhcpConv, v dhcpVerdict, silence time.Duration) map[string]any {
	det := map[string]any{
		"client_mac":          c.macString(),
		"client_id":           nil,
		"client_ip":           nil,
		"hostname":            nil,
		"vendor_class":        nil,
		"xid":                 fmt.Sprintf("0x%08x", cv.firstXID),
		"server_ip":           nil,
		"discovers":           cv.discovers,
		"offers":              cv.offers,
		"requests":            cv.requests,
		"responses":           cv.acks + cv.naks,
		"acks":                cv.acks,
		"naks":                cv.naks,
		"broadcast_requests":  cv.bcast,
		"answers_ignored":     cv.ignored,
		"copies":              cv.copies,
		"lease_s":             nil,
		"t1_s":                nil,
		"t2_s":                nil,
		"lease_expires":       nil,
		"lease_lost":          v.lost != "",
		"last_client_traffic": nil,
		"last_client_frame":   nil,
		"silence_s":           nil,
		"state":               cv.lastClientState.String(),
		"vlan":                nil,
		"relay":               nil,
		"timeout_s":           d.timeout.Seconds(),
		"conversation":        cv.stepList(),
		"steps_omitted":       cv.nsteps - len(cv.head) - min(cv.tailN, dhcpTailSteps),
	}
	if c.id != "" {
		det["client_id"] = fmt.Sprintf("%x", c.id)
	}
	if nonZero(cv.clientIP) {
		det["client_ip"] = cv.clientIP.String()
	} else if nonZero(c.ip) {
		det["client_ip"] = c.ip.String()
	}
	if c.hostname != "" {
		det["hostname"] = c.hostname
	}
	if c.vendor != "" {
		det["vendor_class"] = c.vendor
	}
	if len(cv.xids) > 0 {
		xs := []string{fmt.Sprintf("0x%08x", cv.firstXID)}
		for _, x := range cv.xids {
			if x != cv.firstXID {
				xs = append(xs, fmt.Sprintf("0x%08x", x))
			}
		}
		if len(xs) > 1 {
			det["xids"] = xs
		}
	}
	if nonZero(cv.serverIP) {
		det["server_ip"] = cv.serverIP.String()
	}
	if len(cv.servers) > 1 {
		ss := make([]string, len(cv.servers))
		for i, s := range cv.servers {
			ss[i] = s.String()
		}
		det["servers"] = ss
	}
	l := cv.lastAck
	if !l.hasLease {
		l = cv.prevLease
	}
	if l.valid && l.hasLease {
		// An infinite lease is 0xffffffff seconds on the wire (RFC 2132 §9.2).
		det["lease_s"] = int64(l.lease / time.Second)
		if l.infinite {
			det["lease_s"] = int64(math.MaxUint32)
		}
		if l.t1 > 0 {
			det["t1_s"] = int64(l.t1 / time.Second)
		}
		if l.t2 > 0 {
			det["t2_s"] = int64(l.t2 / time.Second)
		}
	}
	if cv.prevLease.finite() {
		det["lease_expires"] = report.Time{Time: cv.prevLease.expiry()}
	}
	if tb := cv.trafficBefore; tb.valid() {
		det["last_client_traffic"] = report.Time{Time: tb.at()}
		det["last_client_frame"] = tb.frame
		det["silence_s"] = roundSecs(silence)
	}
	if cv.vlan >= 0 {
		det["vlan"] = cv.vlan
	}
	if cv.relay.IsValid() {
		det["relay"] = cv.relay.String()
	}
	if cv.circuit != "" {
		det["circuit_id"] = cv.circuit
	}
	if cv.remote != "" {
		det["remote_id"] = cv.remote
	}
	if cv.naks > 0 {
		det["nak_message"] = cv.nakMsg
	}
	if cv.stray > 0 {
		det["stray_answers"] = cv.stray
	}
	return det
}

// silentExpiry reports a client whose lease expired while it never tried
// to renew it (warning: it left, or its DHCP client is not running).
func (d *dhcp) silentExpiry(c *dhcpClient, now time.Time) (report.Finding, bool) {
	l := c.lease
	if c.conv != nil {
		if al, ok := d.acceptedLease(c, c.conv); ok {
			l = al
		} else if c.conv.acks > 0 {
			return report.Finding{}, false // the open conversation is judged on its own
		}
	}
	if !l.finite() || c.released || c.clientMsgs == 0 || c.lastClient.After(l.ack.Add(dhcpRace)) || !now.After(l.expiry()) {
		return report.Finding{}, false
	}
	exp := l.expiry()
	t1, t2 := l.t1, l.t2
	if t1 <= 0 {
		t1 = l.lease / 2
	}
	if t2 <= 0 {
		t2 = l.lease * 7 / 8
	}
	var log eventLog
	log.add(l.ack, report.Info, l.frame, "1. server %s ACKs %s (lease %s)", l.server, l.ip, leaseDur(l))
	log.add(l.ack.Add(t1), report.Warning, 0, "2. T1 passes: the client should renew by unicast now, and sends nothing")
	log.add(l.ack.Add(t2), report.Warning, 0, "3. T2 passes: no rebinding by broadcast either")
	tr := c.traffic
	var after, afterShort string
	switch {
	case tr.valid() && tr.at().After(exp):
		after = fmt.Sprintf("; yet it kept sending traffic (last at %s, frame %d, %s): it uses the address without a lease, so its DHCP client is probably not running", clock(tr.at()), tr.frame, tr.describe())
		afterShort = fmt.Sprintf("It kept sending traffic until %s: its DHCP client is probably not running", clock(tr.at()))
	case tr.valid():
		after = fmt.Sprintf("; its last frame was at %s (%s)", clock(tr.at()), tr.describe())
		afterShort = fmt.Sprintf("Its last frame was at %s", clock(tr.at()))
	default:
		after = "; the capture shows no other traffic from it"
		afterShort = "The capture shows no other traffic from it"
	}
	log.add(exp, report.Warning, 0, "4. the lease expires: the client has dropped %s%s", addrOrIts(l.ip), after)
	who := dhcpClientName(c, l.ip)
	details := map[string]any{
		"client_mac": c.macString(), "client_id": nil, "client_ip": nil, "hostname": nil,
		"xid": fmt.Sprintf("0x%08x", l.xid), "server_ip": l.server.String(),
		"discovers": 0, "offers": 0, "requests": 0, "responses": 0, "broadcast_requests": 0,
		"lease_s": int64(l.lease / time.Second), "t1_s": int64(t1 / time.Second), "t2_s": int64(t2 / time.Second),
		"lease_expires": report.Time{Time: exp}, "lease_lost": true,
		"last_client_traffic": nil, "last_client_frame": nil, "silence_s": nil,
		"state": "BOUND", "timeout_s": d.timeout.Seconds(),
		"conversation": []dhcpStep{{N: 1, Time: report.Time{Time: l.ack}, Frame: l.frame, From: l.server.String(), To: addrOrUnknown(l.ip),
			Message: "ACK", State: "BOUND", XID: fmt.Sprintf("0x%08x", l.xid)}},
		"steps_omitted": 0,
	}
	if c.id != "" {
		details["client_id"] = fmt.Sprintf("%x", c.id)
	}
	if nonZero(l.ip) {
		details["client_ip"] = l.ip.String()
	}
	if c.hostname != "" {
		details["hostname"] = c.hostname
	}
	if tr.valid() {
		details["last_client_traffic"] = report.Time{Time: tr.at()}
		details["last_client_frame"] = tr.frame
		details["silence_s"] = roundSecs(now.Sub(tr.at()))
	}
	last := exp
	if tr.at().After(last) {
		last = tr.at()
	}
	return report.Finding{
		Detector: "dhcp", Code: dhcpLeaseLost, Severity: report.Warning,
		Summary: fitSummary(fmt.Sprintf("%s never renewed its lease from server %s: it expired at %s, %s after the ACK, without a single renewal attempt",
			who, l.server, clock(exp), leaseDur(l)), afterShort),
		Subject:     fmt.Sprintf("%s xid 0x%08x", c.macString(), l.xid),
		SourceIndex: c.src,
		First:       report.Time{Time: l.ack},
		Last:        report.Time{Time: last},
		Count:       1,
		Frames:      []int64{l.frame},
		Details:     details,
		Events:      log.events(),
	}, true
}

// dhcpClientName names a client in summaries: MAC, then hostname and
// address when known.
func dhcpClientName(c *dhcpClient, ip netip.Addr) string {
	var extra []string
	if c.hostname != "" {
		extra = append(extra, dhcpShowN(c.hostname, 32))
	}
	if nonZero(ip) {
		extra = append(extra, ip.String())
	} else if nonZero(c.ip) {
		extra = append(extra, c.ip.String())
	}
	if len(extra) == 0 {
		return c.macString()
	}
	return c.macString() + " (" + strings.Join(extra, ", ") + ")"
}

// dhcpShow quotes an untrusted, already cleaned string for summaries and
// timeline text: cut to 64 characters, with the table's column separator
// and markdown link syntax defused. The details keep the cleaned value.
func dhcpShow(s string) string { return dhcpShowN(s, 64) }

// dhcpShowN is dhcpShow with a length of n characters.
func dhcpShowN(s string, n int) string {
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	s = strings.NewReplacer("|", "¦", "](", "] (", "`", "'", "\"", "'").Replace(s)
	return "\"" + s + "\""
}

func answeredVerb(t decode.DHCPMsgType) string {
	switch t {
	case decode.DHCPOffer:
		return "offered"
	case decode.DHCPAck:
		return "ACKed"
	}
	return "answered"
}

func addrOrIts(a netip.Addr) string {
	if nonZero(a) {
		return a.String()
	}
	return "its address"
}

func addrOrUnknown(a netip.Addr) string {
	if nonZero(a) {
		return a.String()
	}
	return "an unknown address"
}

func leaseString(s uint32) string {
	if s == math.MaxUint32 {
		return "infinite"
	}
	return fmt.Sprintf("%d s", s)
}

func leaseDur(l dhcpLease) string {
	if l.infinite {
		return "infinite"
	}
	return fmt.Sprintf("%d s", int64(l.lease/time.Second))
}

// dhcpSecs formats a duration for the DHCP timeline: "7.0 s", or "35m48s"
// from 100 s on.
func dhcpSecs(d time.Duration) string {
	if d >= 100*time.Second || d <= -100*time.Second {
		return d.Round(time.Second).String()
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func roundSecs(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

func clock(t time.Time) string { return t.UTC().Format("15:04:05.000") }

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

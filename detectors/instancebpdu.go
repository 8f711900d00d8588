package detectors

// Detector instance-bpdu flags spanning-tree BPDUs (IEEE 802.1Q-2018
// §14; 802.1D-2004 §9.3; Cisco PVST+) whose source MAC belongs to a cloud
// instance: a port MAC under Neutron's base_mac prefix, fa:16:3e by
// default. An instance that runs a bridge with STP on (a guest Linux
// bridge, Open vSwitch, a virtual switch or router image) sends BPDUs out
// of the compute node's uplink, and a switch port with BPDU guard
// err-disables itself on the first one (Cisco "bpduguard", Arista
// "SPANTREE-4-BLOCK_BPDUGUARD"): the whole compute node, and every
// instance on it, drops off the network.
//
// BPDUs from switches are not findings, except a burst of topology changes
// (stp.topology-change, info): each topology change makes bridges flush
// their learned MAC addresses (802.1D-2004 §17.11, §8.5.3.12), so traffic
// floods and short outages follow.
//
// Topology-change episodes. A bridge repeats the TC flag in every BPDU
// while its tcWhile timer runs (two hello times in RSTP, max age + forward
// delay in 802.1D) and repeats a TCN every hello time until it is
// acknowledged, so BPDUs with TC set are not changes. An episode is a run
// of TC-bearing BPDUs (TC flag, TC in an MSTI's flags, or a TCN) from one
// bridge on one tree (outer VLAN and PVST+ VLAN): it ends at a BPDU on that
// tree without TC, after tcEpisodeGap without a TC-bearing BPDU, or when
// it has lasted longer than the BPDU's max age + forward delay (the
// longest a single change keeps TC set; a longer run means further
// changes). Runs that start on several trees of one bridge within
// tcMergeWindow are one change. A burst is TCBurst episodes (default 3)
// within TCWindow (default 5 minutes) from one bridge.

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/report"
)

// InstanceBPDUConfig configures instance-bpdu.
type InstanceBPDUConfig struct {
	// InstancePrefixes are the MAC prefixes of instance ports; empty
	// means DefaultInstancePrefix (Neutron's default base_mac).
	InstancePrefixes []MACPrefix
	// TCBurst is how many topology-change episodes from one bridge within
	// TCWindow make a stp.topology-change finding; 0 means 3.
	TCBurst int
	// TCWindow is the burst window; 0 means 5 minutes.
	TCWindow time.Duration
}

// Defaults of InstanceBPDUConfig.
const (
	DefaultTCBurst  = 3
	DefaultTCWindow = 5 * time.Minute
	// MaxTCBurst bounds TCBurst: each tracked bridge keeps that many
	// episode times.
	MaxTCBurst = 100
)

// DefaultInstancePrefix is Neutron's default base_mac, fa:16:3e:00:00:00:
// the first three octets are kept for every port MAC it allocates.
var DefaultInstancePrefix = MACPrefix{MAC: decode.MAC{0xfa, 0x16, 0x3e}, Bits: 24}

// MACPrefix is a MAC address prefix: the first Bits bits of MAC.
type MACPrefix struct {
	MAC  decode.MAC
	Bits int
}

// Contains reports whether m starts with the prefix.
func (p MACPrefix) Contains(m decode.MAC) bool {
	full := p.Bits / 8
	for i := 0; i < full; i++ {
		if m[i] != p.MAC[i] {
			return false
		}
	}
	if rem := p.Bits % 8; rem != 0 {
		mask := byte(0xff << (8 - rem))
		return m[full]&mask == p.MAC[full]&mask
	}
	return true
}

// String returns the prefix as "fa:16:3e:00:00:00/24".
func (p MACPrefix) String() string { return p.MAC.String() + "/" + strconv.Itoa(p.Bits) }

// ParseMACPrefix parses a MAC prefix in one of three forms:
//   - "fa:16:3e" (1 to 6 octets): those octets, /8 per octet;
//   - "fa:16:3e:00:00:00/24": an address and a prefix length, 1 to 48;
//   - "fa:16:3e:4f:00:00": a full address without a length is read the way
//     Neutron reads base_mac: its first three octets always, and the
//     octets after them up to the last non-zero one.
//
// Octets are separated by ':' or '-'. Bits beyond the prefix length must
// be zero.
func ParseMACPrefix(s string) (MACPrefix, error) {
	var p MACPrefix
	addr, bits, hasBits := strings.Cut(strings.TrimSpace(s), "/")
	octets := strings.FieldsFunc(addr, func(r rune) bool { return r == ':' || r == '-' })
	if len(octets) == 0 || len(octets) > 6 {
		return p, fmt.Errorf("MAC prefix %q: want 1 to 6 octets, like fa:16:3e or fa:16:3e:00:00:00/24", s)
	}
	for i, o := range octets {
		v, err := strconv.ParseUint(o, 16, 8)
		if err != nil || len(o) > 2 {
			return p, fmt.Errorf("MAC prefix %q: %q is not a hex octet", s, o)
		}
		p.MAC[i] = byte(v)
	}
	switch {
	case hasBits:
		n, err := strconv.Atoi(bits)
		if err != nil || n < 1 || n > 48 {
			return p, fmt.Errorf("MAC prefix %q: prefix length %q is not 1 to 48", s, bits)
		}
		if n > 8*len(octets) {
			return p, fmt.Errorf("MAC prefix %q: /%d is longer than the %d octets given", s, n, len(octets))
		}
		p.Bits = n
	case len(octets) == 6:
		last := 2
		for i := 3; i < 6; i++ {
			if p.MAC[i] != 0 {
				last = i
			}
		}
		p.Bits = 8 * (last + 1)
	default:
		p.Bits = 8 * len(octets)
	}
	masked := p
	for i := range masked.MAC {
		switch {
		case 8*(i+1) <= p.Bits:
		case 8*i >= p.Bits:
			masked.MAC[i] = 0
		default:
			masked.MAC[i] &= byte(0xff << (8 - p.Bits%8))
		}
	}
	if masked.MAC != p.MAC {
		return p, fmt.Errorf("MAC prefix %q: bits are set beyond /%d (did you mean %s?)", s, p.Bits, masked)
	}
	return p, nil
}

// Topology-change episode rules (see the file comment).
const (
	// tcEpisodeGap ends a run of TC-bearing BPDUs: the TC flag and TCNs
	// repeat every hello time, at most 10 s (802.1D-1998 Table 8-3).
	tcEpisodeGap = 10 * time.Second
	// tcMergeWindow joins runs that start on several trees (PVST+ VLANs)
	// of one bridge at the same moment into one change: they are sent in
	// the same hello period.
	tcMergeWindow = 3 * time.Second
	// tcDefaultRun is the longest one change keeps TC set when the BPDU
	// gives no timers (a TCN): max age 20 s + forward delay 15 s.
	tcDefaultRun = 35 * time.Second
	// tcMinRun and tcMaxRun clamp max age + forward delay taken from a
	// BPDU to the ranges 802.1D allows (6–40 s and 4–30 s).
	tcMinRun = 10 * time.Second
	tcMaxRun = 70 * time.Second
	// maxVLANsPerGroup bounds the distinct VLANs a finding lists.
	maxVLANsPerGroup = 16
)

func instanceBPDUInfo() Info {
	return Info{
		Name:    "instance-bpdu",
		Summary: "spanning-tree BPDUs sent by instances (BPDU guard shuts the compute node's uplink), and bursts of topology changes",
		Codes: []Code{
			{
				Code: "instance-bpdu.sent", Severity: report.Critical, Title: "an instance sends spanning-tree BPDUs",
				Meaning: "An instance (its MAC is under the instance prefix, Neutron's base_mac) sends spanning-tree BPDUs: " +
					"it runs a bridge with STP on. A switch port with BPDU guard shuts itself down (err-disabled) on the first " +
					"one, and that port is the compute node's uplink: the node and every instance on it drop off the network, " +
					"on each switch of a bond at once. It looks like a dead NIC; it is not.",
				Check: "Find the instance by its MAC ('openstack port list --mac-address MAC', then the port's device_id) and " +
					"turn STP off inside it ('ip -d link show type bridge', 'bridge link', 'ovs-vsctl get bridge BR stp_enable'), or " +
					"stop the guest bridging its ports. Ask the network team to re-enable the port ('show interfaces status " +
					"err-disabled'). To stop it happening again, drop BPDUs from instances on the compute node (Neutron port " +
					"security, or an ebtables/OVS rule for 01:80:c2:00:00:00). If the operator changed base_mac, pass --instance-oui.",
			},
			{
				Code: "stp.topology-change", Severity: report.Info, Title: "burst of spanning-tree topology changes",
				Meaning: "A bridge announced several spanning-tree topology changes in a short time (TC flag or TCN BPDUs). Each " +
					"one makes the switches flush the MAC addresses they learned, so traffic floods to every port and can pause " +
					"briefly until the addresses are learned again. Repeated changes explain short, unexplained outages.",
				Check: "On the switch, 'show spanning-tree detail' shows the number of topology changes and the port the last " +
					"one came from. The usual cause is a port that flaps, or a host port not configured as an edge port " +
					"(portfast), whose every link-up is a topology change.",
			},
		},
		Knobs: []Knob{
			{Flag: "--instance-oui PREFIX", Default: "fa:16:3e", Help: "MAC prefix of instance ports (fa:16:3e, fa:16:3e:00:00:00/24, or a base_mac); repeatable; replaces the default"},
			{Flag: "--stp-tc-burst N", Default: strconv.Itoa(DefaultTCBurst), Help: "topology changes from one bridge within the window that make a stp.topology-change finding"},
			{Flag: "--stp-tc-window DURATION", Default: DefaultTCWindow.String(), Help: "window for --stp-tc-burst"},
		},
		Blind: func(lt decode.LinkType) string {
			switch lt {
			case decode.LinkEthernet, decode.LinkLinuxSLL, decode.LinkLinuxSLL2:
				return ""
			}
			return "a " + lt.String() + " capture holds only IP packets, and BPDUs are layer-2 frames; capture on the physical, bond or bridge interface instead"
		},
		New: func(cfg Config) Detector { return newInstanceBPDU(cfg.InstanceBPDU) },
	}
}

// Keys and state.

type bpduSenderKey struct {
	src int
	mac decode.MAC
}

// vlanSet keeps the distinct outer VLANs of a group, in order of first
// appearance, bounded.
type vlanSet struct {
	v    [maxVLANsPerGroup]uint16
	n    int
	full bool // some VLAN did not fit
}

func (s *vlanSet) has(v uint16) bool {
	for i := 0; i < s.n; i++ {
		if s.v[i] == v {
			return true
		}
	}
	return false
}

func (s *vlanSet) add(v uint16) {
	switch {
	case s.has(v):
	case s.n < len(s.v):
		s.v[s.n] = v
		s.n++
	default:
		s.full = true
	}
}

func (s *vlanSet) list() []uint16 {
	out := append([]uint16(nil), s.v[:s.n]...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// bpduKinds counts BPDUs per kind, and PVST+ ones apart.
type bpduKinds struct {
	n    [decode.BPDUSPT + 1]int64
	pvst int64
}

func (k *bpduKinds) add(b *decode.BPDU) {
	if int(b.Kind) < len(k.n) {
		k.n[b.Kind]++
	}
	if b.PVST {
		k.pvst++
	}
}

// names returns the kinds seen, sorted, and their counts.
func (k *bpduKinds) names() ([]string, map[string]int64) {
	var names []string
	counts := map[string]int64{}
	for kind, n := range k.n {
		if n > 0 {
			name := decode.BPDUKind(kind).String()
			names = append(names, name)
			counts[name] = n
		}
	}
	if k.pvst > 0 {
		names = append(names, "pvst+")
		counts["pvst+"] = k.pvst
	}
	sort.Strings(names)
	return names, counts
}

func (k *bpduKinds) seen(b *decode.BPDU) bool {
	return int(b.Kind) < len(k.n) && k.n[b.Kind] > 0 && (!b.PVST || k.pvst > 0)
}

// describeBPDU names a BPDU for an event: "RSTP", "MSTP, 2 MSTIs",
// "Rapid-PVST+ for VLAN 5".
func describeBPDU(b *decode.BPDU) string {
	var s string
	switch b.Kind {
	case decode.BPDUConfig:
		s = "802.1D config"
	case decode.BPDUTCN:
		s = "TCN"
	case decode.BPDURST:
		s = "RSTP"
	case decode.BPDUMST:
		s = "MSTP, " + plural(int64(b.NumMSTIs), "MSTI", "MSTIs")
	case decode.BPDUSPT:
		s = "SPB, version 4"
	default:
		s = fmt.Sprintf("unknown type 0x%02x version %d", b.Type, b.Version)
	}
	if b.PVST {
		switch b.Kind {
		case decode.BPDURST:
			s = "Rapid-PVST+"
		default:
			s = "PVST+ " + s
		}
		if b.HasOrigVLAN {
			s += fmt.Sprintf(" for VLAN %d", b.OrigVLAN)
		}
	}
	if b.Truncated {
		s += ", truncated"
	}
	return s
}

func whereVLAN(f *decode.Frame) string {
	if v, ok := f.OuterVLAN(); ok {
		return fmt.Sprintf("on VLAN %d", v)
	}
	if f.LinkType.HasVLANTags() {
		return "untagged"
	}
	return "(VLAN not visible in a " + f.LinkType.String() + " capture)"
}

type instanceGroup struct {
	first, last  time.Time
	count        int64
	kinds        bpduKinds
	tcBPDUs      int64
	claimsRoot   bool
	hasIDs       bool
	root, bridge decode.BridgeID // from the first BPDU that has them
	roots        rootSet
	claimedRoot  decode.BridgeID
	portRole     string // a constant from the decoder
	tagged       bool   // the first BPDU was tagged
	vlan         uint16 // its outer VLAN
	vlans        vlanSet
	untagged     bool // some BPDU was untagged
	dst          decode.MAC
	hasDst       bool
	prefix       MACPrefix
	frames       frameSample
	log          eventLog
}

type tcTreeKey struct {
	src      int
	mac      decode.MAC
	vlan     uint16 // outer VID, or noVLAN
	pvstVLAN uint16 // PVST+ originating VLAN, or noVLAN
}

const noVLAN = 0xffff

type tcTree struct {
	runStart, lastTC time.Time
}

type tcSender struct {
	first, last  time.Time // first and last TC-bearing BPDU
	tcBPDUs      int64
	tcns         int64
	episodes     int64
	lastEpisode  time.Time
	recent       []time.Time // start times of the last ringSize episodes, a ring
	next         int
	maxInWindow  int
	burst        bool
	kinds        bpduKinds
	hasIDs       bool
	root, bridge decode.BridgeID
	vlans        vlanSet
	frames       frameSample
	log          eventLog
}

type instanceBPDU struct {
	prefixes []MACPrefix
	burstN   int
	window   time.Duration

	bpdu decode.BPDU // scratch, so decoding does not allocate

	instances map[bpduSenderKey]*instanceGroup
	iorder    []bpduSenderKey
	trees     map[tcTreeKey]*tcTree
	senders   map[bpduSenderKey]*tcSender
	evicted   int64
}

func newInstanceBPDU(cfg InstanceBPDUConfig) *instanceBPDU {
	d := &instanceBPDU{
		prefixes:  cfg.InstancePrefixes,
		burstN:    cfg.TCBurst,
		window:    cfg.TCWindow,
		instances: map[bpduSenderKey]*instanceGroup{},
		trees:     map[tcTreeKey]*tcTree{},
		senders:   map[bpduSenderKey]*tcSender{},
	}
	if len(d.prefixes) == 0 {
		d.prefixes = []MACPrefix{DefaultInstancePrefix}
	}
	if d.burstN <= 0 {
		d.burstN = DefaultTCBurst
	}
	d.burstN = min(d.burstN, MaxTCBurst)
	if d.window <= 0 {
		d.window = DefaultTCWindow
	}
	return d
}

func (d *instanceBPDU) instancePrefix(m decode.MAC) (MACPrefix, bool) {
	for _, p := range d.prefixes {
		if p.Contains(m) {
			return p, true
		}
	}
	return MACPrefix{}, false
}

func (d *instanceBPDU) Observe(f *decode.Frame) {
	if !f.LLC || !f.HasSrcMAC {
		return
	}
	llc := f.LLCPayload()
	if !decode.IsBPDULLC(llc) {
		return
	}
	b := &d.bpdu
	if err := decode.DecodeBPDU(llc, b); err != nil && !errors.Is(err, decode.ErrBPDUTruncated) && !errors.Is(err, decode.ErrBPDUUnknownType) {
		return // not a BPDU (a GARP PDU shares SAP 0x42)
	}
	if b.Len < 4 {
		return // not even the type: nothing to tell a bridge from
	}
	if p, ok := d.instancePrefix(f.Src); ok {
		d.observeInstance(f, b, p)
		return
	}
	d.observeTC(f, b)
}

func (d *instanceBPDU) observeInstance(f *decode.Frame, b *decode.BPDU, p MACPrefix) {
	k := bpduSenderKey{src: f.Source, mac: f.Src}
	g := d.instances[k]
	vid, tagged := f.OuterVLAN()
	first := g == nil
	if first {
		if len(d.instances) >= maxGroups {
			d.evicted++
			return
		}
		g = &instanceGroup{first: f.Time, prefix: p, tagged: tagged, vlan: vid, dst: f.Dst, hasDst: f.HasEthernet}
		d.instances[k] = g
		d.iorder = append(d.iorder, k)
		claim := ""
		switch {
		case b.ClaimsRoot():
			claim = fmt.Sprintf(", claiming root %s", b.Root)
		case b.HasBody:
			claim = fmt.Sprintf(", root %s", b.Root)
		}
		g.log.add(f.Time, report.Critical, f.Number,
			"instance %s sent its first BPDU (%s, %s%s): a switch port with BPDU guard err-disables on this frame",
			f.Src, describeBPDU(b), whereVLAN(f), claim)
	} else {
		if !g.kinds.seen(b) {
			g.log.add(f.Time, report.Critical, f.Number, "instance %s also sends another kind of BPDU: %s", f.Src, describeBPDU(b))
		}
		if (tagged && !g.vlans.has(vid) && !g.vlans.full) || (!tagged && !g.untagged) {
			g.log.add(f.Time, report.Critical, f.Number, "instance %s also sends BPDUs %s", f.Src, whereVLAN(f))
		}
		if b.HasBody && b.Kind != decode.BPDUUnknown && g.hasIDs && !g.roots.has(b.Root) && g.roots.n < len(g.roots.ids) {
			g.log.add(f.Time, report.Critical, f.Number, "instance %s also announces root bridge %s", f.Src, b.Root)
		}
	}
	if tagged {
		g.vlans.add(vid)
	} else {
		g.untagged = true
	}
	if b.TopologyChange() {
		if g.tcBPDUs == 0 && !first {
			g.log.add(f.Time, report.Critical, f.Number, "instance %s signals a topology change (%s): bridges that accept it flush their MAC tables", f.Src, tcHow(b))
		}
		g.tcBPDUs++
	}
	g.kinds.add(b)
	g.count++
	g.last = f.Time
	g.frames.add(f.Number)
	if b.HasBody && b.Kind != decode.BPDUUnknown {
		if !g.hasIDs {
			g.hasIDs = true
			g.root, g.bridge = b.Root, b.Sender()
		}
		g.roots.add(b.Root)
		if b.ClaimsRoot() && !g.claimsRoot {
			g.claimsRoot = true
			g.claimedRoot = b.Root
		}
		if r := b.PortRole(); r != "" {
			g.portRole = r
		}
	}
}

// maxRootsPerGroup bounds the distinct root bridges an instance finding
// lists (PVST+ announces one per VLAN).
const maxRootsPerGroup = 4

type rootSet struct {
	ids [maxRootsPerGroup]decode.BridgeID
	n   int
}

func (s *rootSet) has(id decode.BridgeID) bool {
	for i := 0; i < s.n; i++ {
		if s.ids[i] == id {
			return true
		}
	}
	return false
}

func (s *rootSet) add(id decode.BridgeID) {
	if s.n < len(s.ids) && !s.has(id) {
		s.ids[s.n] = id
		s.n++
	}
}

func (s *rootSet) list() []string {
	out := make([]string, s.n)
	for i := 0; i < s.n; i++ {
		out[i] = s.ids[i].String()
	}
	return out
}

func tcHow(b *decode.BPDU) string {
	switch {
	case b.Kind == decode.BPDUTCN:
		return "TCN BPDU"
	case b.HasBody && b.Flags&decode.BPDUFlagTC != 0:
		return shortKind(b) + " BPDU with the TC flag"
	}
	return shortKind(b) + " BPDU with an MSTI's TC flag"
}

// shortKind names a BPDU's kind in a few characters.
func shortKind(b *decode.BPDU) string {
	switch {
	case b.PVST && b.Kind == decode.BPDURST:
		return "Rapid-PVST+"
	case b.PVST:
		return "PVST+"
	case b.Kind == decode.BPDUConfig:
		return "802.1D config"
	}
	return strings.ToUpper(b.Kind.String())
}

// observeTC follows topology changes from bridges that are not instances.
func (d *instanceBPDU) observeTC(f *decode.Frame, b *decode.BPDU) {
	tk := tcTreeKey{src: f.Source, mac: f.Src, vlan: noVLAN, pvstVLAN: noVLAN}
	if v, ok := f.OuterVLAN(); ok {
		tk.vlan = v
	}
	if b.HasOrigVLAN {
		tk.pvstVLAN = b.OrigVLAN
	}
	if !b.TopologyChange() {
		// A BPDU without TC ends the run on its tree; healthy BPDUs stop
		// at this map lookup.
		if len(d.trees) > 0 {
			delete(d.trees, tk)
		}
		if s := d.senders[bpduSenderKey{f.Source, f.Src}]; s != nil {
			s.noteIDs(b)
		}
		return
	}
	t := d.trees[tk]
	newRun := t == nil || f.Time.Sub(t.lastTC) > tcEpisodeGap || f.Time.Sub(t.runStart) > runLimit(b)
	if t == nil {
		if len(d.trees) >= maxGroups {
			d.sweep(f.Time)
		}
		if len(d.trees) >= maxGroups {
			d.evicted++
			return
		}
		t = &tcTree{}
		d.trees[tk] = t
	}
	if newRun {
		t.runStart = f.Time
	}
	t.lastTC = f.Time

	sk := bpduSenderKey{src: f.Source, mac: f.Src}
	s := d.senders[sk]
	if s == nil {
		if len(d.senders) >= maxGroups {
			d.sweep(f.Time)
		}
		if len(d.senders) >= maxGroups {
			d.evicted++
			return
		}
		s = &tcSender{first: f.Time, recent: make([]time.Time, 0, d.ringSize())}
		d.senders[sk] = s
	}
	s.last = f.Time
	s.tcBPDUs++
	if b.Kind == decode.BPDUTCN {
		s.tcns++
	}
	s.kinds.add(b)
	s.noteIDs(b)
	if v, ok := f.OuterVLAN(); ok {
		s.vlans.add(v)
	}
	if !newRun || (s.episodes > 0 && f.Time.Sub(s.lastEpisode) <= tcMergeWindow) {
		return
	}
	// A new topology change from this bridge.
	s.episodes++
	s.lastEpisode = f.Time
	s.frames.add(f.Number)
	if len(s.recent) < cap(s.recent) {
		s.recent = append(s.recent, f.Time)
	} else {
		s.recent[s.next] = f.Time
		s.next = (s.next + 1) % len(s.recent)
	}
	inWindow := 0
	for _, t := range s.recent {
		if f.Time.Sub(t) <= d.window {
			inWindow++
		}
	}
	s.maxInWindow = max(s.maxInWindow, inWindow)
	s.log.add(f.Time, report.Info, f.Number, "topology change from %s %s (%s): switches flush learned MAC addresses", s.who(f.Src), whereVLAN(f), tcHow(b))
	if !s.burst && inWindow >= d.burstN {
		s.burst = true
		s.log.add(f.Time, report.Info, f.Number, "%d topology changes from %s within %s: MAC tables are flushed again and again, traffic floods until addresses are relearned",
			inWindow, f.Src, humanDuration(d.window))
	}
}

// who names the bridge by its MAC address (the priority differs per VLAN
// in PVST+) and the port MAC its BPDUs come from.
func (s *tcSender) who(port decode.MAC) string {
	if !s.hasIDs {
		return port.String()
	}
	return fmt.Sprintf("bridge %s (port MAC %s)", s.bridge.MAC, port)
}

// humanDuration writes whole minutes and seconds the way people say them.
func humanDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour", "hours")
	case d%time.Minute == 0:
		return plural(int64(d/time.Minute), "minute", "minutes")
	case d < time.Minute && d%time.Second == 0:
		return plural(int64(d/time.Second), "second", "seconds")
	}
	return d.String()
}

// ringSize is how many episode start times a bridge keeps: enough for the
// burst threshold, and for max_in_window to be exact up to 32.
func (d *instanceBPDU) ringSize() int { return max(d.burstN, 32) }

// runLimit is the longest one topology change keeps TC set: max age +
// forward delay from the BPDU (802.1D-1998 §8.5.3.12, and the upper bound
// of RSTP's tcWhile), clamped to what 802.1D allows.
func runLimit(b *decode.BPDU) time.Duration {
	if !b.HasBody {
		return tcDefaultRun
	}
	d := decode.BPDUTimer(b.MaxAge) + decode.BPDUTimer(b.ForwardDelay)
	return min(max(d, tcMinRun), tcMaxRun)
}

// noteIDs keeps the identifiers of the bridge's first BPDU that has them.
func (s *tcSender) noteIDs(b *decode.BPDU) {
	if b.HasBody && b.Kind != decode.BPDUUnknown && !s.hasIDs {
		s.hasIDs = true
		s.root, s.bridge = b.Root, b.Sender()
	}
}

// Advance ages out state that can no longer become or change a finding.
func (d *instanceBPDU) Advance(now time.Time) { d.sweep(now) }

// sweep drops trees whose run is over (a new TC-bearing BPDU would start a
// new run anyway) and bridges without a burst whose every episode has left
// the window. Findings (instances, bridges with a burst) are kept.
func (d *instanceBPDU) sweep(now time.Time) {
	for k, t := range d.trees {
		if now.Sub(t.lastTC) > tcEpisodeGap {
			delete(d.trees, k)
		}
	}
	for k, s := range d.senders {
		if !s.burst && now.Sub(s.lastEpisode) > d.window && now.Sub(s.last) > tcEpisodeGap {
			delete(d.senders, k)
		}
	}
}

func (d *instanceBPDU) Evicted() int64 { return d.evicted }

func (d *instanceBPDU) Findings() []report.Finding {
	out := make([]report.Finding, 0, len(d.iorder))
	for _, k := range d.iorder {
		out = append(out, d.instanceFinding(k, d.instances[k]))
	}
	var bursts []bpduSenderKey
	for k, s := range d.senders {
		if s.burst {
			bursts = append(bursts, k)
		}
	}
	// Map order is random; sortFindings orders by time and subject only.
	sort.Slice(bursts, func(i, j int) bool {
		if bursts[i].src != bursts[j].src {
			return bursts[i].src < bursts[j].src
		}
		return bytes.Compare(bursts[i].mac[:], bursts[j].mac[:]) < 0
	})
	for _, k := range bursts {
		out = append(out, d.tcFinding(k, d.senders[k]))
	}
	sortFindings(out)
	return out
}

func (d *instanceBPDU) instanceFinding(k bpduSenderKey, g *instanceGroup) report.Finding {
	names, counts := g.kinds.names()
	var where string
	switch {
	case g.vlans.full:
		where = fmt.Sprintf(" on more than %d VLANs", g.vlans.n)
	case g.vlans.n > 3:
		where = fmt.Sprintf(" on %d VLANs", g.vlans.n)
	case g.vlans.n > 1:
		where = " on VLANs " + joinVLANs(g.vlans.list())
	case g.vlans.n == 1:
		where = fmt.Sprintf(" on VLAN %d", g.vlans.v[0])
	}
	if g.untagged && g.vlans.n > 0 {
		where += " and untagged"
	}
	var claim string
	if g.claimsRoot {
		claim = " claiming root " + g.claimedRoot.String()
	}
	// Kept under 250 characters: a summary is read as one ticket line.
	summary := fmt.Sprintf("instance %s sent %s (%s)%s%s: a switch port with BPDU guard err-disables on the first one, "+
		"cutting off the compute node and every instance on it",
		k.mac, plural(g.count, "BPDU", "BPDUs"), strings.Join(names, ", "), where, claim)
	details := map[string]any{
		"src_mac":               k.mac.String(),
		"vlan":                  nil,
		"vlans":                 g.vlans.list(),
		"bpdu_types":            names,
		"bpdus_by_type":         counts,
		"root_id":               nil,
		"bridge_id":             nil,
		"claims_root":           g.claimsRoot,
		"topology_change":       g.tcBPDUs > 0,
		"topology_change_bpdus": g.tcBPDUs,
		"instance_prefix":       g.prefix.String(),
		"example_dst_mac":       nil,
	}
	if g.tagged {
		details["vlan"] = g.vlan
	}
	if g.hasIDs {
		details["root_id"], details["bridge_id"] = g.root.String(), g.bridge.String()
		details["root_ids"] = g.roots.list()
	}
	if g.portRole != "" {
		details["port_role"] = g.portRole
	}
	if g.hasDst {
		details["example_dst_mac"] = g.dst.String()
	}
	return report.Finding{
		Detector:      "instance-bpdu",
		Code:          "instance-bpdu.sent",
		Severity:      report.Critical,
		Summary:       summary,
		Subject:       k.mac.String(),
		SourceIndex:   k.src,
		First:         report.Time{Time: g.first},
		Last:          report.Time{Time: g.last},
		Count:         g.count,
		Frames:        g.frames.list(),
		Details:       details,
		Events:        g.log.events(),
		EventsOmitted: g.log.omitted,
	}
}

func (d *instanceBPDU) tcFinding(k bpduSenderKey, s *tcSender) report.Finding {
	names, _ := s.kinds.names()
	n := plural(s.episodes, "topology change", "topology changes")
	if int64(s.maxInWindow) < s.episodes {
		n += fmt.Sprintf(", up to %d", s.maxInWindow)
	}
	// Kept under 250 characters: a summary is read as one ticket line.
	summary := fmt.Sprintf("%s announced %s within %s: each one flushes learned MAC addresses and traffic floods "+
		"until they are relearned; look for a flapping port or a non-edge host port",
		s.who(k.mac), n, humanDuration(d.window))
	details := map[string]any{
		"src_mac":          k.mac.String(),
		"bridge_id":        nil,
		"root_id":          nil,
		"vlans":            s.vlans.list(),
		"bpdu_types":       names,
		"topology_changes": s.episodes,
		"tc_bpdus":         s.tcBPDUs,
		"tcn_bpdus":        s.tcns,
		"max_in_window":    s.maxInWindow,
		"burst_threshold":  d.burstN,
		"window_seconds":   d.window.Seconds(),
	}
	if s.hasIDs {
		details["bridge_id"], details["root_id"] = s.bridge.String(), s.root.String()
	}
	return report.Finding{
		Detector:      "instance-bpdu",
		Code:          "stp.topology-change",
		Severity:      report.Info,
		Summary:       summary,
		Subject:       k.mac.String(),
		SourceIndex:   k.src,
		First:         report.Time{Time: s.first},
		Last:          report.Time{Time: s.last},
		Count:         s.episodes,
		Frames:        s.frames.list(),
		Details:       details,
		Events:        s.log.events(),
		EventsOmitted: s.log.omitted,
	}
}

func joinVLANs(vs []uint16) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(int(v))
	}
	return strings.Join(parts, ", ")
}

package detectors

// Detector vrrp measures VRRP advertisements (RFC 3768 VRRPv2, RFC 5798
// VRRPv3) and flags what makes a virtual IP move or get lost: a master
// whose advertisements stop for longer than its interval allows (a backup
// declares it dead after the master-down interval, RFC 3768 §6.1 and
// RFC 5798 §6.1), changes of master and flapping, two routers advertising
// as master at once (split brain), routers of one VRID configured
// differently, advertisements receivers must discard (TTL other than 255,
// RFC 3768 §7.1 and RFC 5798 §7.1; bad checksum) and masters resigning
// with priority 0 (RFC 3768 §6.4.3).
//
// A segment is (source, VLAN, address family, VRID); a router is a source
// address in a segment. Only the master advertises, so the advertising
// router is the master: the detector follows the RFC state machine from
// the outside (a silent master is taken over, a higher priority preempts,
// priority 0 hands over) and measures the master's cadence.

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/report"
)

// VRRPConfig configures vrrp.
type VRRPConfig struct {
	// GapFactor: a silence of a master longer than GapFactor × its
	// advertised interval is a gap; 0 means DefaultVRRPGapFactor.
	GapFactor float64
}

// DefaultVRRPGapFactor is the default gap threshold in advertised
// intervals: ordinary jitter stays well under it, a lost advertisement is
// over it.
const DefaultVRRPGapFactor = 1.5

// EffectiveGapFactor returns the gap factor with the default applied.
func (c VRRPConfig) EffectiveGapFactor() float64 {
	if c.GapFactor <= 1 {
		return DefaultVRRPGapFactor
	}
	return c.GapFactor
}

const (
	// vrrpDefaultBackupPriority is the backup priority assumed in the
	// master-down interval when no other router of the segment was seen
	// (keepalived's and the RFCs' default priority).
	vrrpDefaultBackupPriority = 100
	// Flapping: at least vrrpFlapChanges changes of master within
	// vrrpFlapWindow, with mastership going back to a router that had lost
	// it in that window (one takeover and its preemption back is two
	// changes; a second loss makes it flapping).
	vrrpFlapWindow     = 10 * time.Minute
	vrrpFlapWindowText = "10 minutes"
	vrrpFlapChanges    = 3
	vrrpFlapRing       = 8
	// vrrpAgeOut: routers and segments not heard for this long are
	// forgotten unless they have findings. It is longer than the largest
	// master-down interval (3 × 255 s + 1 s for VRRPv2).
	vrrpAgeOut = 30 * time.Minute
	// vrrpSweepEvery bounds how often age-out and the silence checks run
	// from Observe in a file (Advance runs them too).
	vrrpSweepEvery = 10 * time.Second
	// vrrpMaxRouters caps the routers of one segment; a VRID normally has
	// two or three.
	vrrpMaxRouters = 16
	// vrrpDupDivisor: an advertisement within interval/vrrpDupDivisor of
	// the router's previous one is a copy (unicast to several peers, v2 and
	// v3 sent together in compatibility mode, a capture that sees the
	// frame on two ports) and is not timed.
	vrrpDupDivisor = 10
	// vrrpMaxMismatchPairs bounds the (attribute, router pair) mismatches
	// remembered to announce each once.
	vrrpMaxMismatchPairs = 64
)

// Config mismatch attributes.
const (
	vrrpDiffInterval uint8 = 1 << iota
	vrrpDiffAddrs
	vrrpDiffVersion
	vrrpDiffAuth
)

// Kinds of master change.
const (
	vrrpTakeover = iota // the master fell silent and another router took over
	vrrpPreempt         // a router of higher priority took over from a live master
	vrrpHandover        // the master resigned with priority 0 and a backup took over
	vrrpKinds
)

func vrrpInfo() Info {
	return Info{
		Name:    "vrrp",
		Summary: "VRRP/keepalived: advertisement gaps, master changes and flapping, split brain, config mismatches, bad TTL or checksum, resignations",
		Codes: []Code{
			{
				Code: "vrrp.advert-gap", Severity: report.Warning, Title: "master stopped advertising for a while",
				Meaning: "The VRRP master went quiet for longer than its advertisement interval allows (1.5 intervals by " +
					"default). Critical when a silence reached the master-down interval (3 intervals plus a skew): the " +
					"backup then declares the master dead and takes the virtual IP, even though the master is alive. " +
					"Delayed advertisements usually come from a starved VM or a slow virtual network path, not from " +
					"the network itself.",
				Check: "On the master, look for CPU steal, I/O wait and long scheduling delays (vmstat, top, 'virsh " +
					"domstats'); on its hypervisor, check that the VM's network path is fast (vhost_net loaded and used: " +
					"'lsmod | grep vhost', 'vhost=on' in the qemu command line). Compare the gaps with keepalived's " +
					"logs on both routers. Raising advert_int hides the symptom, not the cause.",
			},
			{
				Code: "vrrp.master-change", Severity: report.Info, Title: "the VRRP master changed",
				Meaning: "Another router became master of the virtual router: the virtual IP moved and connections " +
					"through it may have been cut. Info when every change was orderly (a higher priority preempting, " +
					"a master resigning), warning when a backup took over because the master fell silent, critical " +
					"when the master flaps (3 or more changes within 10 minutes, going back and forth).",
				Check: "Read the timeline: each change names the old and new master and why. Takeovers after silence " +
					"go with vrrp.advert-gap on the old master: fix what delays its advertisements. For flapping " +
					"without gaps, check track scripts and interfaces ('journalctl -u keepalived' on both routers).",
			},
			{
				Code: "vrrp.split-brain", Severity: report.Critical, Title: "two routers are master at once",
				Meaning: "Two routers advertised with non-zero priority at the same time for longer than the " +
					"master-down interval: each believes it is master, so both answer ARP/ND for the virtual IP and " +
					"traffic is split between them. They do not hear each other's advertisements.",
				Check: "Check that VRRP (IP protocol 112) to 224.0.0.18 / ff02::12 passes between the routers: " +
					"security groups and port security in OpenStack, firewalls (iptables, nftables) on the routers, " +
					"IGMP snooping on the switch. With keepalived unicast_peer, check both peer lists. Also check " +
					"vrrp.bad-ttl, vrrp.bad-checksum and vrrp.config-mismatch, which make routers discard each other.",
			},
			{
				Code: "vrrp.config-mismatch", Severity: report.Warning, Title: "routers of one VRID configured differently",
				Meaning: "Routers advertising for the same VRID disagree on the interval, the virtual addresses, the " +
					"VRRP version or the authentication. Critical when the difference makes them discard each other's " +
					"advertisements (different versions, different authentication, or different intervals in VRRPv2), " +
					"which ends in split brain.",
				Check: "Compare the vrrp_instance blocks on every router of the VRID: advert_int, virtual_ipaddress, " +
					"version (vrrp_version), authentication. Another team's routers may also be using the same VRID on " +
					"this VLAN by accident: pick a free one.",
			},
			{
				Code: "vrrp.bad-ttl", Severity: report.Warning, Title: "advertisement TTL is not 255",
				Meaning: "VRRP advertisements must be sent with TTL (hop limit) 255 and receivers discard anything else. " +
					"These were routed or rewritten on the way, so the peers never hear them and may take over.",
				Check: "Find what forwards or rewrites the advertisements between the routers (a router or L3 gateway " +
					"instead of a plain L2 segment, a NAT or mangle rule, an overlay gateway). VRRP peers must share " +
					"a link.",
			},
			{
				Code: "vrrp.bad-checksum", Severity: report.Warning, Title: "advertisement checksum is wrong",
				Meaning: "Advertisements whose checksum does not verify are discarded by the peers, as if they had not " +
					"been sent. VRRPv2 sums the message; VRRPv3 adds the IP pseudo-header (a VRRPv3 IPv4 checksum " +
					"without it, which some implementations send, is accepted here).",
				Check: "Look for something corrupting or rewriting packets on the path (a faulty NIC or cable: check " +
					"'ethtool -S' error counters; a device rewriting addresses without fixing the checksum). If only " +
					"one vendor's routers are affected, compare their VRRPv3 checksum settings.",
			},
			{
				Code: "vrrp.priority-zero", Severity: report.Info, Title: "a master resigned",
				Meaning: "The master sent an advertisement with priority 0: it is giving up mastership (keepalived " +
					"stopping or restarting, a manual failover), and a backup should take over within a fraction of a " +
					"second. Warning when no backup took over within the master-down interval: the virtual IP had no " +
					"master.",
				Check: "If the resignation was not planned, check why keepalived stopped on that router " +
					"('journalctl -u keepalived'). If no backup took over, check that the backups are running and " +
					"hear the master.",
			},
		},
		Knobs: []Knob{
			{Flag: "--vrrp-gap-factor N", Default: "1.5", Help: "a master silent for longer than N × its advertised interval has a gap (1 < N ≤ 10)"},
		},
		New: func(cfg Config) Detector { return newVRRP(cfg) },
	}
}

// vrrpSegKey identifies a segment. VLANs are -1 when absent; ifindex is
// the Linux cooked v2 interface when the capture shows no tags, so that
// VLAN interfaces captured with -i any stay apart.
type vrrpSegKey struct {
	src         int
	vlan, inner int32
	ifindex     uint32
	v6          bool
	vrid        uint8
}

// vrrpTally is the part every finding shares.
type vrrpTally struct {
	count       int64
	first, last time.Time
	frames      frameSample
	log         eventLog
}

func (t *vrrpTally) hit(tm time.Time, frame int64) {
	if t.count == 0 || tm.Before(t.first) {
		t.first = tm
	}
	t.count++
	if tm.After(t.last) {
		t.last = tm
	}
	t.frames.add(frame)
}

// vrrpHist counts a router's intervals between advertisements relative to
// its advertised interval: 0.5 % steps up to 3 intervals, then steps of
// ×1.03. Memory stays fixed (3.2 KB) however long the capture.
type vrrpHist struct {
	nominal  time.Duration
	n        int64
	lin      [vrrpHistLinear]uint32
	log      [vrrpHistLog]uint32
	min, max time.Duration
}

const (
	vrrpHistSteps  = 200 // linear buckets per interval
	vrrpHistLinear = 3 * vrrpHistSteps
	vrrpHistLog    = 200 // up to 3 × 1.03^200 ≈ 1100 intervals
	vrrpHistGrowth = 1.03
)

func (h *vrrpHist) add(d time.Duration) {
	if h.nominal <= 0 || d < 0 {
		return
	}
	h.n++
	if h.n == 1 || d < h.min {
		h.min = d
	}
	h.max = max(h.max, d)
	r := float64(d) / float64(h.nominal)
	if i := int(r * vrrpHistSteps); i < vrrpHistLinear {
		h.lin[i]++
		return
	}
	j := int(math.Log(r/3) / math.Log(vrrpHistGrowth))
	h.log[min(max(j, 0), vrrpHistLog-1)]++
}

// quantile returns the q-quantile (nearest rank) as the lower edge of its
// bucket (exact for a steady cadence; otherwise at most 0.5 % of the
// interval low, or 3 % for gaps past 3 intervals), clamped to the smallest
// and largest interval seen.
func (h *vrrpHist) quantile(q float64) time.Duration {
	if h == nil || h.n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(h.n))), 1)
	var (
		c int64
		v time.Duration
	)
	for i, n := range h.lin {
		if c += int64(n); c >= rank {
			v = time.Duration(float64(i) / vrrpHistSteps * float64(h.nominal))
			return min(max(v, h.min), h.max)
		}
	}
	for j, n := range h.log {
		if c += int64(n); c >= rank {
			v = time.Duration(3 * math.Pow(vrrpHistGrowth, float64(j)) * float64(h.nominal))
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}

// vrrpRouter is one source address in a segment.
type vrrpRouter struct {
	addr    netip.Addr
	adverts int64 // every advertisement, valid or not
	valid   int64 // advertisements a receiver accepts

	// The latest accepted advertisement.
	last      time.Time
	lastFrame int64
	prio      uint8
	topPrio   uint8 // highest non-zero priority advertised
	seenPrio  uint8 // priority of the latest advertisement, even a discarded one
	version   uint8
	versions  uint8 // bit 1<<version for each version sent
	interval  time.Duration
	hasAuth   bool // a complete VRRPv2 advertisement was seen
	authType  uint8
	authHash  uint64
	hasAddrs  bool
	addrSum   uint64
	addrCount uint8
	addrs     []netip.Addr // the first decode.MaxVRRPAddrs, copied

	// State.
	eligible   bool // master (or a silent master taken over): its silences are gaps
	running    bool // advertising with non-zero priority without a break of a master-down interval
	runStart   time.Time
	tookOver   netip.Addr // who took over during the current silence
	tookAfter  time.Duration
	openGap    bool          // the current silence was counted by a silence check
	backAfter  time.Duration // the silence this advertisement ended, while it is processed
	hist       *vrrpHist
	lastSeenAt time.Time // last advertisement of any kind, for age-out

	gap        vrrpTally
	maxGap     time.Duration
	reachedMDI int64 // gaps that reached the master-down interval
	ttl        vrrpTally
	ttlLast    uint8
	csum       vrrpTally
	zero       vrrpTally
	zeroEvent  int // index of the pending resignation event in zero.log, or -1
	zeroNoTake bool
	zeroBy     netip.Addr
	zeroAfter  time.Duration
}

func (r *vrrpRouter) hasFindings() bool {
	return r.gap.count > 0 || r.ttl.count > 0 || r.csum.count > 0 || r.zero.count > 0
}

// vrrpChange is one change of master, kept for flap detection.
type vrrpChange struct {
	t        time.Time
	from, to netip.Addr
}

// vrrpEpisode is one split-brain episode between two routers.
type vrrpEpisode struct {
	a, b         netip.Addr
	prioA, prioB uint8
	start        time.Time // when both were advertising
	detected     time.Time // when the overlap passed the master-down interval
	end          time.Time // the latest instant both were seen advertising
	frame        int64
	mdi          time.Duration
}

type vrrpMismatchKey struct {
	attr uint8
	a, b netip.Addr
}

type vrrpSegment struct {
	key      vrrpSegKey
	routers  []*vrrpRouter
	master   *vrrpRouter
	resigned *vrrpRouter // the master that resigned, until someone takes over
	resignAt time.Time
	lastSeen time.Time

	changes  vrrpTally
	kinds    [vrrpKinds]int64
	ring     [vrrpFlapRing]vrrpChange
	nring    int
	flapping bool
	maxFlap  int

	split      vrrpTally
	episodes   []vrrpEpisode // the first report.MaxEventsPerFinding
	lastEp     []vrrpEpisode // the latest episode of each pair, to extend it
	maxOverlap time.Duration

	mismatch    vrrpTally
	attrs       uint8
	discarding  bool // a difference that makes routers discard each other
	mismatchSet []vrrpMismatchKey
}

func (s *vrrpSegment) hasFindings() bool {
	if s.changes.count > 0 || s.split.count > 0 || s.mismatch.count > 0 {
		return true
	}
	for _, r := range s.routers {
		if r.hasFindings() {
			return true
		}
	}
	return false
}

type vrrp struct {
	gapFactor float64
	segs      map[vrrpSegKey]*vrrpSegment
	order     []*vrrpSegment
	routers   int
	evicted   int64
	now       time.Time
	lastSweep time.Time
	ended     map[int]time.Time // sources that ended, and their last packet
	adv       decode.VRRP       // scratch, reused for every advertisement
}

func newVRRP(cfg Config) *vrrp {
	return &vrrp{gapFactor: cfg.VRRP.EffectiveGapFactor(), segs: map[vrrpSegKey]*vrrpSegment{}}
}

func (d *vrrp) Observe(f *decode.Frame) {
	if f.Proto != decode.ProtoVRRP || f.IPVersion == 0 {
		return
	}
	d.observe(f)
}

func (d *vrrp) observe(f *decode.Frame) {
	v := &d.adv
	err := decode.DecodeVRRPFrame(v, f)
	if v.CARP {
		return // OpenBSD CARP: same protocol number, different protocol
	}
	if err != nil && err != decode.ErrVRRPTruncated {
		return // not a VRRP advertisement a receiver would parse
	}
	t := f.Time
	if t.After(d.now) {
		d.now = t
	}
	if d.now.Sub(d.lastSweep) >= vrrpSweepEvery {
		d.sweep(d.now)
	}
	seg := d.segment(f, v, t)
	if seg == nil {
		return
	}
	r := d.router(seg, f.SrcIP)
	if r == nil {
		return
	}
	r.adverts++
	r.seenPrio = v.Priority
	seg.lastSeen, r.lastSeenAt = t, t
	// Receivers discard these (RFC 3768 §7.1, RFC 5798 §7.1): they count
	// only towards their own finding and do not move the state machine.
	discard := false
	if f.TTL != decode.VRRPTTL {
		discard = true
		if r.ttl.count == 0 || f.TTL != r.ttlLast {
			r.ttl.log.add(t, report.Warning, f.Number, "%s sent a VRRPv%d advertisement for VRID %d with TTL %d instead of 255; receivers discard it",
				r.addr, v.Version, v.VRID, f.TTL)
		}
		r.ttl.hit(t, f.Number)
		r.ttlLast = f.TTL
	}
	if v.ChecksumChecked && !v.ChecksumOK {
		discard = true
		if r.csum.count == 0 {
			r.csum.log.add(t, report.Warning, f.Number, "%s sent a VRRPv%d advertisement for VRID %d with a bad checksum (0x%04x); receivers discard it",
				r.addr, v.Version, v.VRID, v.Checksum)
		}
		r.csum.hit(t, f.Number)
	}
	if discard {
		if r.valid == 0 { // describe a router heard only this way
			d.takeConfig(r, v, v.Interval())
		}
		return
	}
	r.valid++
	d.advert(seg, r, f, v, t)
}

// segment finds or creates the frame's segment; nil when the cap is reached.
func (d *vrrp) segment(f *decode.Frame, v *decode.VRRP, t time.Time) *vrrpSegment {
	k := vrrpSegKey{src: f.Source, vlan: -1, inner: -1, v6: f.IPVersion == 6, vrid: v.VRID}
	if f.NumTags > 0 {
		k.vlan = int32(f.Tags[0].VID)
	}
	if f.NumTags > 1 {
		k.inner = int32(f.Tags[1].VID)
	}
	if f.NumTags == 0 && f.LinkType == decode.LinkLinuxSLL2 && len(f.Data) >= 8 {
		k.ifindex = uint32(f.Data[4])<<24 | uint32(f.Data[5])<<16 | uint32(f.Data[6])<<8 | uint32(f.Data[7])
	}
	if s := d.segs[k]; s != nil {
		return s
	}
	if len(d.segs) >= maxGroups {
		d.evicted++
		return nil
	}
	s := &vrrpSegment{key: k, lastSeen: t}
	d.segs[k] = s
	d.order = append(d.order, s)
	return s
}

func (d *vrrp) router(s *vrrpSegment, a netip.Addr) *vrrpRouter {
	for _, r := range s.routers {
		if r.addr == a {
			return r
		}
	}
	if len(s.routers) >= vrrpMaxRouters || d.routers >= maxGroups {
		d.evicted++
		return nil
	}
	r := &vrrpRouter{addr: a, zeroEvent: -1}
	s.routers = append(s.routers, r)
	d.routers++
	return r
}

// advert runs one accepted advertisement through the model.
func (d *vrrp) advert(s *vrrpSegment, r *vrrpRouter, f *decode.Frame, v *decode.VRRP, t time.Time) {
	interval := v.Interval()
	if !r.last.IsZero() {
		since := t.Sub(r.last)
		ref := r.interval
		if ref <= 0 {
			ref = interval
		}
		if since < 0 || (since < ref/vrrpDupDivisor && v.Priority == r.prio) {
			r.versions |= 1 << v.Version
			return // a copy of the previous advertisement, or out of order
		}
	}
	nominal := r.interval // the interval in force during the silence being measured
	d.compareConfig(s, r, v, f, t)
	d.takeConfig(r, v, interval)
	if nominal <= 0 {
		nominal = interval
	}
	if v.Priority == 0 {
		d.resign(s, r, f, t)
		r.last, r.lastFrame, r.prio = t, f.Number, 0
		return
	}
	// The router's own cadence, while it is master.
	if r.eligible && !r.last.IsZero() && r.prio != 0 {
		since := t.Sub(r.last)
		if r.hist == nil || r.hist.nominal != nominal {
			r.hist = &vrrpHist{nominal: nominal} // percentiles cover the current interval setting
		}
		r.hist.add(since)
		if float64(since) > d.gapFactor*float64(nominal) {
			d.closeGap(s, r, f, since, nominal)
		}
	}
	if !r.running || r.last.IsZero() || r.prio == 0 || t.Sub(r.last) > d.masterDown(s, r) {
		r.running, r.runStart = true, t
	}
	r.openGap = false
	r.tookOver, r.tookAfter = netip.Addr{}, 0
	r.last, r.lastFrame, r.prio = t, f.Number, v.Priority
	r.topPrio = max(r.topPrio, v.Priority)
	d.master(s, r, f, t)
	d.splitBrain(s, r, f, t)
	r.backAfter = 0
}

// takeConfig records what the router advertises, after compareConfig has
// compared it with the others.
func (d *vrrp) takeConfig(r *vrrpRouter, v *decode.VRRP, interval time.Duration) {
	r.version = v.Version
	r.versions |= 1 << v.Version
	r.interval = interval
	if v.Version == 2 && v.HasAuthData {
		r.hasAuth, r.authType, r.authHash = true, v.AuthType, vrrpAuthHash(v)
	}
	if !v.Truncated {
		if !r.hasAddrs || r.addrSum != v.AddrSum || r.addrCount != v.CountIPAddrs {
			r.addrs = append(r.addrs[:0], v.Addrs[:v.NumAddrs]...)
		}
		r.hasAddrs, r.addrSum, r.addrCount = true, v.AddrSum, v.CountIPAddrs
	}
}

// vrrpAuthHash fingerprints the authentication so that passwords are
// compared, never stored or printed.
func vrrpAuthHash(v *decode.VRRP) uint64 {
	if v.AuthType != decode.VRRPAuthSimple {
		return 0
	}
	h := uint64(14695981039346656037)
	for _, c := range v.AuthData {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// masterDown is the master-down interval the backups of segment s apply to
// master r: 3 × interval + skew, the skew computed from the highest
// priority of the other routers (RFC 3768 §6.1: (256 − priority)/256 s;
// RFC 5798 §6.1: ((256 − priority) × interval / 256) cs).
func (d *vrrp) masterDown(s *vrrpSegment, r *vrrpRouter) time.Duration {
	p, _ := backupPriority(s, r)
	return vrrpMasterDown(r.version, r.interval, p)
}

// backupPriority returns the highest priority seen from another router of
// the segment, or the default and false when none was seen.
func backupPriority(s *vrrpSegment, r *vrrpRouter) (uint8, bool) {
	var p uint8
	for _, o := range s.routers {
		if o != r && o.topPrio > p {
			p = o.topPrio
		}
	}
	if p == 0 {
		return vrrpDefaultBackupPriority, false
	}
	return p, true
}

// vrrpMasterDown computes the master-down interval of a backup of priority
// prio facing a master that advertises every interval.
func vrrpMasterDown(version uint8, interval time.Duration, prio uint8) time.Duration {
	if version == 3 {
		cs := int64(interval / (10 * time.Millisecond))
		skew := (256 - int64(prio)) * cs / 256
		return time.Duration(3*cs+skew) * 10 * time.Millisecond
	}
	return 3*interval + time.Duration(256-int64(prio))*time.Second/256
}

func (d *vrrp) threshold(r *vrrpRouter) time.Duration {
	return time.Duration(d.gapFactor * float64(r.interval))
}

// closeGap records a silence of master r that its advertisement at f ended.
func (d *vrrp) closeGap(s *vrrpSegment, r *vrrpRouter, f *decode.Frame, gap, nominal time.Duration) {
	mdi := d.masterDown(s, r)
	if !r.openGap { // a silence check counted it already
		r.gap.hit(r.last, r.lastFrame)
		if gap >= mdi {
			r.reachedMDI++
		}
	}
	if f.Time.After(r.gap.last) {
		r.gap.last = f.Time
	}
	r.maxGap = max(r.maxGap, gap)
	r.backAfter = gap
	sev := report.Warning
	if gap >= mdi {
		sev = report.Critical
	}
	var text string
	switch {
	case r.tookOver.IsValid():
		text = fmt.Sprintf("master %s silent %s; %s took over after %s", r.addr, secs(gap), r.tookOver, secs(r.tookAfter))
	case gap >= mdi:
		text = fmt.Sprintf("master %s silent %s, past the %s master-down interval, and no backup took over", r.addr, secs(gap), secs(mdi))
	default:
		text = fmt.Sprintf("master %s silent %s (advertises every %s); no backup took over (master-down interval %s)", r.addr, secs(gap), secs(nominal), secs(mdi))
	}
	r.gap.log.addSpan(r.last, gap, sev, r.lastFrame, "%s", text)
}

// resign handles a priority-0 advertisement from r.
func (d *vrrp) resign(s *vrrpSegment, r *vrrpRouter, f *decode.Frame, t time.Time) {
	again := r.prio == 0 && !r.last.IsZero() // keepalived may send a few in a row
	r.zero.hit(t, f.Number)
	if s.master == r || (s.master == nil && s.resigned == nil) {
		// A resignation opening the capture is taken as the master's.
		s.master, s.resigned, s.resignAt = nil, r, t
		r.zeroEvent = -1
		if !again {
			r.zeroEvent = len(r.zero.log.evs)
			r.zero.log.add(t, report.Info, f.Number, "master %s (priority %d) resigned with priority 0", r.addr, r.topPrio)
		}
	} else if !again && s.resigned != r {
		who := "no master"
		if s.master != nil {
			who = "master is " + s.master.addr.String()
		}
		r.zero.log.add(t, report.Info, f.Number, "%s sent priority 0 while not master (%s)", r.addr, who)
	}
	r.eligible, r.running, r.openGap = false, false, false
}

// master updates who is master after r's advertisement.
func (d *vrrp) master(s *vrrpSegment, r *vrrpRouter, f *decode.Frame, t time.Time) {
	m := s.master
	switch {
	case m == r:
		r.eligible = true
	case m == nil:
		if p := s.resigned; p != nil && p != r {
			after := t.Sub(s.resignAt)
			if mdi := d.masterDown(s, p); after > mdi && !p.zeroNoTake {
				p.zeroNoTake = true
				d.noTakeover(p, mdi)
			}
			d.change(s, p, r, vrrpHandover, after, f, t)
			p.zeroBy, p.zeroAfter = r.addr, after
			if p.zeroEvent >= 0 && p.zeroEvent < len(p.zero.log.evs) {
				ev := &p.zero.log.evs[p.zeroEvent]
				ev.Text += fmt.Sprintf("; %s (priority %d) took over after %s", r.addr, r.prio, secs(after))
			}
			p.zeroEvent = -1
		}
		if s.resigned == r { // back before anyone took over
			r.zeroEvent = -1
		}
		s.master, s.resigned = r, nil
		r.eligible = true
	default:
		silence := t.Sub(m.last)
		switch {
		case silence > d.threshold(m):
			d.change(s, m, r, vrrpTakeover, silence, f, t)
			m.tookOver, m.tookAfter = r.addr, silence // m's gap stays open
			s.master = r
			r.eligible = true
		case vrrpOutranks(r, m):
			d.change(s, m, r, vrrpPreempt, 0, f, t)
			m.eligible, m.running = false, false
			s.master = r
			r.eligible = true
		default:
			// r advertises while a master that outranks it is alive: it is
			// not master (a stray advertisement, or split brain).
			r.eligible = false
		}
	}
}

// vrrpOutranks applies RFC 3768 §6.4.3: higher priority wins, then the
// higher primary address.
func vrrpOutranks(a, b *vrrpRouter) bool {
	if a.prio != b.prio {
		return a.prio > b.prio
	}
	return a.addr.Compare(b.addr) > 0
}

// change records a change of master from p to r.
func (d *vrrp) change(s *vrrpSegment, p, r *vrrpRouter, kind int, after time.Duration, f *decode.Frame, t time.Time) {
	s.changes.hit(t, f.Number)
	s.kinds[kind]++
	sev := report.Info
	var why string
	switch kind {
	case vrrpTakeover:
		sev = report.Warning
		why = fmt.Sprintf("took over after %s without hearing %s", secs(after), p.addr)
	case vrrpPreempt:
		why = "preempted by a higher priority"
		if r.backAfter > 0 {
			why += fmt.Sprintf(", back after %s of silence", secs(r.backAfter))
		}
	case vrrpHandover:
		why = fmt.Sprintf("handover %s after %s resigned with priority 0", secs(after), p.addr)
	}
	s.changes.log.add(t, sev, f.Number, "master %s (priority %d) → %s (priority %d): %s", p.addr, p.topPrio, r.addr, r.prio, why)

	s.ring[s.nring%vrrpFlapRing] = vrrpChange{t: t, from: p.addr, to: r.addr}
	s.nring++
	n, back := 0, false
	for i := 0; i < min(s.nring, vrrpFlapRing); i++ {
		c := s.ring[i]
		if t.Sub(c.t) > vrrpFlapWindow {
			continue
		}
		n++
		if c.from == r.addr {
			back = true
		}
	}
	if back {
		s.maxFlap = max(s.maxFlap, n)
	}
	if back && n >= vrrpFlapChanges && !s.flapping {
		s.flapping = true
		s.changes.log.add(t, report.Critical, f.Number, "flapping: %d changes of master within %s, mastership going back and forth (%s ↔ %s)",
			n, vrrpFlapWindowText, p.addr, r.addr)
	}
}

// splitBrain checks whether r and another router have both been
// advertising for longer than a master-down interval.
func (d *vrrp) splitBrain(s *vrrpSegment, r *vrrpRouter, f *decode.Frame, t time.Time) {
	for _, o := range s.routers {
		if o == r || !o.running || o.prio == 0 || o.last.IsZero() {
			continue
		}
		mdi := max(d.masterDown(s, r), d.masterDown(s, o))
		if t.Sub(o.last) > mdi {
			continue // o stopped
		}
		start := r.runStart
		if o.runStart.After(start) {
			start = o.runStart
		}
		overlap := o.last.Sub(start)
		if overlap <= mdi {
			continue
		}
		a, b := r, o
		if b.addr.Less(a.addr) {
			a, b = b, a
		}
		s.maxOverlap = max(s.maxOverlap, overlap)
		i := slices.IndexFunc(s.lastEp, func(e vrrpEpisode) bool { return e.a == a.addr && e.b == b.addr })
		if i >= 0 && s.lastEp[i].start.Equal(start) { // the same episode goes on
			s.lastEp[i].end = o.last
			for j := range s.episodes {
				if e := &s.episodes[j]; e.a == a.addr && e.b == b.addr && e.start.Equal(start) {
					e.end = o.last
				}
			}
			if t.After(s.split.last) {
				s.split.last = t
			}
			continue
		}
		ep := vrrpEpisode{a: a.addr, b: b.addr, prioA: a.prio, prioB: b.prio, start: start, detected: t, end: o.last, frame: f.Number, mdi: mdi}
		if i >= 0 {
			s.lastEp[i] = ep
		} else {
			s.lastEp = append(s.lastEp, ep)
		}
		s.split.hit(t, f.Number)
		if len(s.episodes) < report.MaxEventsPerFinding {
			s.episodes = append(s.episodes, ep)
		}
	}
}

// compareConfig compares r's advertisement with what the other routers of
// the segment last advertised.
func (d *vrrp) compareConfig(s *vrrpSegment, r *vrrpRouter, v *decode.VRRP, f *decode.Frame, t time.Time) {
	interval := v.Interval()
	versions := r.versions | 1<<v.Version
	var diff uint8
	for _, o := range s.routers {
		if o == r || o.valid == 0 || o.interval == 0 || t.Sub(o.lastSeenAt) > vrrpAgeOut {
			continue
		}
		var od uint8
		if o.interval != interval {
			od |= vrrpDiffInterval
		}
		if o.versions&versions == 0 {
			od |= vrrpDiffVersion
		}
		if v.Version == 2 && v.HasAuthData && o.hasAuth && (o.authType != v.AuthType || o.authHash != vrrpAuthHash(v)) {
			od |= vrrpDiffAuth
		}
		if !v.Truncated && o.hasAddrs && (o.addrSum != v.AddrSum || o.addrCount != v.CountIPAddrs) {
			od |= vrrpDiffAddrs
		}
		if od == 0 {
			continue
		}
		diff |= od
		for bit := vrrpDiffInterval; bit <= vrrpDiffAuth; bit <<= 1 {
			if od&bit != 0 {
				d.announceMismatch(s, bit, r, o, v, f, t)
			}
		}
	}
	if diff == 0 {
		return
	}
	s.mismatch.hit(t, f.Number)
	s.attrs |= diff
	if diff&(vrrpDiffVersion|vrrpDiffAuth) != 0 || (diff&vrrpDiffInterval != 0 && v.Version == 2) {
		s.discarding = true
	}
}

// announceMismatch adds a timeline event the first time a pair of routers
// is seen to differ in an attribute.
func (d *vrrp) announceMismatch(s *vrrpSegment, attr uint8, r, o *vrrpRouter, v *decode.VRRP, f *decode.Frame, t time.Time) {
	a, b := r.addr, o.addr
	if b.Less(a) {
		a, b = b, a
	}
	k := vrrpMismatchKey{attr: attr, a: a, b: b}
	if slices.Contains(s.mismatchSet, k) || len(s.mismatchSet) >= vrrpMaxMismatchPairs {
		return
	}
	s.mismatchSet = append(s.mismatchSet, k)
	var text string
	switch attr {
	case vrrpDiffInterval:
		text = fmt.Sprintf("%s advertises every %s, %s every %s", r.addr, secs(v.Interval()), o.addr, secs(o.interval))
	case vrrpDiffAddrs:
		text = fmt.Sprintf("%s advertises virtual addresses %s, %s advertises %s", r.addr, addrList(v.Addrs[:v.NumAddrs], int(v.CountIPAddrs)), o.addr, addrList(o.addrs, int(o.addrCount)))
	case vrrpDiffVersion:
		text = fmt.Sprintf("%s speaks VRRPv%d, %s only %s: each discards the other's advertisements", r.addr, v.Version, o.addr, versionList(o.versions))
	case vrrpDiffAuth:
		if o.authType != v.AuthType {
			text = fmt.Sprintf("%s uses %s authentication, %s uses %s: each discards the other's advertisements", r.addr, authName(v.AuthType), o.addr, authName(o.authType))
		} else {
			text = fmt.Sprintf("%s and %s use different authentication passwords: each discards the other's advertisements", r.addr, o.addr)
		}
	}
	sev := report.Warning
	if attr&(vrrpDiffVersion|vrrpDiffAuth) != 0 || (attr == vrrpDiffInterval && v.Version == 2) {
		sev = report.Critical
	}
	s.mismatch.log.add(t, sev, f.Number, "VRID %d: %s", v.VRID, text)
}

func addrList(as []netip.Addr, total int) string {
	if total == 0 {
		return "(none)"
	}
	parts := make([]string, 0, len(as))
	for _, a := range as {
		parts = append(parts, a.String())
	}
	s := strings.Join(parts, ", ")
	if total > len(as) {
		s += fmt.Sprintf(" and %d more", total-len(as))
	}
	return s
}

func versionList(mask uint8) string {
	var parts []string
	for v := 2; v <= 3; v++ {
		if mask&(1<<v) != 0 {
			parts = append(parts, fmt.Sprintf("VRRPv%d", v))
		}
	}
	return strings.Join(parts, " and ")
}

func authName(t uint8) string {
	switch t {
	case decode.VRRPAuthNone:
		return "no"
	case decode.VRRPAuthSimple:
		return "simple-password"
	case decode.VRRPAuthAH:
		return "IP AH"
	}
	return fmt.Sprintf("type-%d", t)
}

// Advance runs the time-based checks: silent masters, resignations nobody
// took over, age-out.
// EndSource implements SourceEnder: the source's segments are judged as
// of its last packet from now on.
func (d *vrrp) EndSource(src int, last time.Time) {
	if d.ended == nil {
		d.ended = map[int]time.Time{}
	}
	d.ended[src] = last
}

// nowFor is the time a source's state is judged at: the detector's clock,
// or the source's last packet when it ended earlier.
func (d *vrrp) nowFor(src int, now time.Time) time.Time {
	if e, ok := d.ended[src]; ok && e.Before(now) {
		return e
	}
	return now
}

func (d *vrrp) Advance(now time.Time) {
	if now.After(d.now) {
		d.now = now
	}
	d.sweep(d.now)
}

// sweep counts a master's silence as a gap once it passes the master-down
// interval (shorter silences are counted when they end, since a capture
// that simply stops is not a silent master), flags resignations no backup
// answered, and forgets quiet state older than vrrpAgeOut.
func (d *vrrp) sweep(now time.Time) {
	d.lastSweep = now
	dropSegs := false
	for _, s := range d.order {
		snow := d.nowFor(s.key.src, now)
		for _, r := range s.routers {
			if !r.eligible || r.prio == 0 || r.last.IsZero() || r.openGap {
				continue
			}
			silence := snow.Sub(r.last)
			if mdi := d.masterDown(s, r); silence > mdi && silence > d.threshold(r) {
				r.openGap = true
				r.gap.hit(r.last, r.lastFrame)
				r.reachedMDI++
			}
		}
		if p := s.resigned; p != nil && !p.zeroNoTake && s.master == nil && snow.Sub(s.resignAt) > d.masterDown(s, p) {
			p.zeroNoTake = true
			d.noTakeover(p, d.masterDown(s, p))
		}
		// Age-out.
		kept := s.routers[:0]
		for _, r := range s.routers {
			idle := now.Sub(r.lastSeenAt) > vrrpAgeOut
			switch {
			case !idle:
			case r.hasFindings():
				if r.openGap { // the master never came back: close its gap
					r.maxGap = max(r.maxGap, snow.Sub(r.last))
					r.gap.log.addSpan(r.last, snow.Sub(r.last), report.Critical, r.lastFrame, "master %s stopped advertising and was not heard again for %s%s",
						r.addr, secs(snow.Sub(r.last)), tookOverText(r))
					r.openGap, r.eligible, r.running = false, false, false
				}
			default:
				if s.master == r {
					s.master = nil
				}
				if s.resigned == r {
					s.resigned = nil
				}
				d.routers--
				continue
			}
			kept = append(kept, r)
		}
		clear(s.routers[len(kept):])
		s.routers = kept
		if now.Sub(s.lastSeen) > vrrpAgeOut && !s.hasFindings() {
			dropSegs = true
		}
	}
	if dropSegs {
		kept := d.order[:0]
		for _, s := range d.order {
			if now.Sub(s.lastSeen) > vrrpAgeOut && !s.hasFindings() {
				delete(d.segs, s.key)
				d.routers -= len(s.routers)
				continue
			}
			kept = append(kept, s)
		}
		clear(d.order[len(kept):])
		d.order = kept
	}
}

// noTakeover marks p's pending resignation event: nobody took over within
// the master-down interval. Checked both when the takeover finally comes
// and by the sweep, so the result does not depend on when sweeps run.
func (d *vrrp) noTakeover(p *vrrpRouter, mdi time.Duration) {
	if p.zeroEvent >= 0 && p.zeroEvent < len(p.zero.log.evs) {
		ev := &p.zero.log.evs[p.zeroEvent]
		ev.Severity = report.Warning
		ev.Text += fmt.Sprintf("; no backup took over within the %s master-down interval", secs(mdi))
	}
}

func tookOverText(r *vrrpRouter) string {
	if r.tookOver.IsValid() {
		return fmt.Sprintf("; %s took over after %s", r.tookOver, secs(r.tookAfter))
	}
	return "; no backup took over"
}

// Evicted counts advertisements of segments and routers that could not be
// tracked because the caps were reached.
func (d *vrrp) Evicted() int64 { return d.evicted }

// secs formats a duration in seconds the way the timeline reads: "5.02 s".
func secs(x time.Duration) string {
	s := x.Seconds()
	switch {
	case s >= 100:
		return fmt.Sprintf("%.0f s", s)
	case s == math.Trunc(s):
		return fmt.Sprintf("%.0f s", s)
	}
	return fmt.Sprintf("%.2f s", s)
}

// seconds rounds a duration to milliseconds for details.
func seconds(x time.Duration) float64 {
	return math.Round(x.Seconds()*1000) / 1000
}

func (k vrrpSegKey) family() string {
	if k.v6 {
		return "ipv6"
	}
	return "ipv4"
}

// where names the segment's link: "VLAN 130", "VLAN 20/130", "untagged".
func (k vrrpSegKey) where() string {
	switch {
	case k.inner >= 0:
		return fmt.Sprintf("VLAN %d/%d", k.vlan, k.inner)
	case k.vlan >= 0:
		return fmt.Sprintf("VLAN %d", k.vlan)
	case k.ifindex != 0:
		return fmt.Sprintf("interface %d", k.ifindex)
	}
	return "untagged"
}

func (k vrrpSegKey) subject() string {
	return fmt.Sprintf("vrid %d %s %s", k.vrid, strings.ToLower(k.where()), k.family())
}

// ref is the router segment-wide details describe: the master, or the one
// that resigned, or the router with the highest priority.
func (s *vrrpSegment) ref() *vrrpRouter {
	if s.master != nil {
		return s.master
	}
	if s.resigned != nil {
		return s.resigned
	}
	var best *vrrpRouter
	for _, r := range s.routers {
		if r.valid > 0 && (best == nil || r.topPrio > best.topPrio) {
			best = r
		}
	}
	if best == nil && len(s.routers) > 0 {
		best = s.routers[0]
	}
	return best
}

// details builds the keys every vrrp finding carries; router is nil for
// segment-wide findings, whose interval keys describe the master.
func (d *vrrp) details(s *vrrpSegment, router *vrrpRouter) map[string]any {
	r := router
	if r == nil {
		r = s.ref()
	}
	m := map[string]any{
		"vrid":                   s.key.vrid,
		"vlan":                   nil,
		"family":                 s.key.family(),
		"version":                nil,
		"router":                 nil,
		"master":                 nil,
		"interval_s":             nil,
		"max_gap_s":              nil,
		"master_down_interval_s": nil,
		"p50_interval_s":         nil,
		"p99_interval_s":         nil,
		"virtual_ips":            []string{},
		"gap_factor":             d.gapFactor,
	}
	if s.key.vlan >= 0 {
		m["vlan"] = s.key.vlan
	}
	if s.key.inner >= 0 {
		m["inner_vlan"] = s.key.inner
	}
	if s.key.ifindex != 0 {
		m["ifindex"] = s.key.ifindex
	}
	if router != nil {
		m["router"] = router.addr.String()
		m["priority"] = router.seenPrio
		if router.topPrio > 0 {
			m["priority"] = router.topPrio
		}
	}
	if s.master != nil {
		m["master"] = s.master.addr.String()
	}
	if r == nil {
		return m
	}
	if r.version != 0 {
		m["version"] = r.version
	}
	if r.interval > 0 {
		m["interval_s"] = seconds(r.interval)
		mdi := d.masterDown(s, r)
		m["master_down_interval_s"] = seconds(mdi)
		p, seen := backupPriority(s, r)
		m["backup_priority"] = p
		m["backup_priority_assumed"] = !seen
		m["gap_threshold_s"] = seconds(d.threshold(r))
	}
	gap := r.maxGap
	if r.openGap {
		gap = max(gap, d.nowFor(s.key.src, d.now).Sub(r.last))
	}
	if gap > 0 {
		m["max_gap_s"] = seconds(gap)
	}
	if r.hist != nil && r.hist.n > 0 {
		m["p50_interval_s"] = seconds(r.hist.quantile(0.50))
		m["p99_interval_s"] = seconds(r.hist.quantile(0.99))
		m["intervals_measured"] = r.hist.n
	}
	vips := make([]string, 0, len(r.addrs))
	for _, a := range r.addrs {
		vips = append(vips, a.String())
	}
	m["virtual_ips"] = vips
	if int(r.addrCount) > len(r.addrs) {
		m["virtual_ips_total"] = r.addrCount
	}
	return m
}

// routerList describes every router of a segment for segment-wide findings.
func routerList(s *vrrpSegment) []map[string]any {
	rs := slices.Clone(s.routers)
	sort.Slice(rs, func(i, j int) bool { return rs[i].addr.Less(rs[j].addr) })
	out := make([]map[string]any, 0, len(rs))
	for _, r := range rs {
		e := map[string]any{
			"router":     r.addr.String(),
			"priority":   max(r.topPrio, r.seenPrio),
			"adverts":    r.adverts,
			"version":    nil,
			"interval_s": nil,
		}
		if r.version != 0 {
			e["version"] = r.version
			e["interval_s"] = seconds(r.interval)
		}
		out = append(out, e)
	}
	return out
}

func (d *vrrp) Findings() []report.Finding {
	var out []report.Finding
	for _, s := range d.order {
		k := s.key
		subj := k.subject()
		routers := slices.Clone(s.routers)
		sort.Slice(routers, func(i, j int) bool { return routers[i].addr.Less(routers[j].addr) })
		for _, r := range routers {
			rsubj := r.addr.String() + " " + subj
			if r.gap.count > 0 {
				out = append(out, d.gapFinding(s, r, rsubj))
			}
			if r.ttl.count > 0 {
				det := d.details(s, r)
				det["ttl"] = r.ttlLast
				det["adverts"] = r.adverts
				det["accepted_adverts"] = r.valid
				summary := fmt.Sprintf("%s sent %s for VRID %d (%s) with TTL %d, not 255: they were routed or rewritten, and receivers discard them",
					r.addr, plural(r.ttl.count, "advertisement", "advertisements"), k.vrid, k.where(), r.ttlLast)
				if r.ttl.count == r.adverts {
					summary += "; none had TTL 255, so its peers never hear it and act as master themselves"
				}
				out = append(out, d.finding(s, "vrrp.bad-ttl", report.Warning, summary, rsubj, &r.ttl, det))
			}
			if r.csum.count > 0 {
				det := d.details(s, r)
				det["adverts"] = r.adverts
				det["bad_checksum_adverts"] = r.csum.count
				summary := fmt.Sprintf("%s sent %s for VRID %d (%s) with a bad checksum; receivers discard these as if they had not been sent",
					r.addr, plural(r.csum.count, "advertisement", "advertisements"), k.vrid, k.where())
				out = append(out, d.finding(s, "vrrp.bad-checksum", report.Warning, summary, rsubj, &r.csum, det))
			}
			if r.zero.count > 0 {
				det := d.details(s, r)
				det["took_over"] = nil
				det["takeover_after_s"] = nil
				if r.zeroBy.IsValid() {
					det["took_over"] = r.zeroBy.String()
					det["takeover_after_s"] = seconds(r.zeroAfter)
				}
				sev := report.Info
				summary := fmt.Sprintf("%s sent %s for VRID %d (%s), giving up mastership",
					r.addr, plural(r.zero.count, "priority-0 advertisement", "priority-0 advertisements"), k.vrid, k.where())
				if r.zeroBy.IsValid() {
					summary += fmt.Sprintf("; %s took over after %s", r.zeroBy, secs(r.zeroAfter))
				}
				if r.zeroNoTake {
					sev = report.Warning
					summary += fmt.Sprintf("; no backup took over within the %s master-down interval: the virtual IP had no master", secs(d.masterDown(s, r)))
				}
				out = append(out, d.finding(s, "vrrp.priority-zero", sev, summary, rsubj, &r.zero, det))
			}
		}
		// A segment whose only changes are handovers after a resignation
		// stays quiet here: vrrp.priority-zero tells that story.
		if s.kinds[vrrpTakeover]+s.kinds[vrrpPreempt] > 0 {
			out = append(out, d.changeFinding(s, subj))
		}
		if s.split.count > 0 {
			out = append(out, d.splitFinding(s, subj))
		}
		if s.mismatch.count > 0 {
			out = append(out, d.mismatchFinding(s, subj))
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if !a.First.Equal(b.First.Time) {
			return a.First.Before(b.First.Time)
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		return a.Code < b.Code
	})
	return out
}

func (d *vrrp) finding(s *vrrpSegment, code string, sev report.Severity, summary, subject string, t *vrrpTally, det map[string]any) report.Finding {
	return report.Finding{
		Detector:      "vrrp",
		Code:          code,
		Severity:      sev,
		Summary:       summary,
		Subject:       subject,
		SourceIndex:   s.key.src,
		First:         report.Time{Time: t.first},
		Last:          report.Time{Time: t.last},
		Count:         t.count,
		Frames:        t.frames.list(),
		Details:       det,
		Events:        t.log.events(),
		EventsOmitted: t.log.omitted,
	}
}

func (d *vrrp) gapFinding(s *vrrpSegment, r *vrrpRouter, subject string) report.Finding {
	k := s.key
	det := d.details(s, r)
	det["gaps_reaching_master_down"] = r.reachedMDI
	det["still_silent"] = r.openGap
	sev := report.Warning
	if r.reachedMDI > 0 {
		sev = report.Critical
	}
	mdi := d.masterDown(s, r)
	gap := r.maxGap
	now := d.nowFor(k.src, d.now)
	if r.openGap {
		gap = max(gap, now.Sub(r.last))
	}
	summary := fmt.Sprintf("master %s of VRID %d (%s) had %d silences over %g × its %s interval, the longest %s",
		r.addr, k.vrid, k.where(), r.gap.count, d.gapFactor, secs(r.interval), secs(gap))
	if r.gap.count == 1 {
		summary = fmt.Sprintf("master %s of VRID %d (%s) was silent for %s, over %g × its %s interval",
			r.addr, k.vrid, k.where(), secs(gap), d.gapFactor, secs(r.interval))
	}
	switch {
	case r.reachedMDI > 0 && r.gap.count == 1:
		summary += fmt.Sprintf("; it reached the %s master-down interval, after which a backup takes the virtual IP", secs(mdi))
	case r.reachedMDI > 0:
		summary += fmt.Sprintf("; %d reached the %s master-down interval, after which a backup takes the virtual IP", r.reachedMDI, secs(mdi))
	}
	if r.openGap {
		summary += fmt.Sprintf("; silent since %s", r.last.UTC().Format("15:04:05.000"))
	}
	f := d.finding(s, "vrrp.advert-gap", sev, summary, subject, &r.gap, det)
	if r.openGap {
		f.Events = append(f.Events, report.Event{
			Time:     report.Time{Time: r.last},
			Duration: now.Sub(r.last).Seconds(),
			Severity: report.Critical,
			Frame:    r.lastFrame,
			Text: fmt.Sprintf("master %s silent for %s so far, past the %s master-down interval (no advertisement since; still silent at %s)%s",
				r.addr, secs(now.Sub(r.last)), secs(mdi), now.UTC().Format("15:04:05.000"), tookOverText(r)),
		})
		f.Last = report.Time{Time: now}
	}
	return f
}

func (d *vrrp) changeFinding(s *vrrpSegment, subject string) report.Finding {
	k := s.key
	det := d.details(s, nil)
	det["takeovers"] = s.kinds[vrrpTakeover]
	det["preemptions"] = s.kinds[vrrpPreempt]
	det["handovers"] = s.kinds[vrrpHandover]
	det["flapping"] = s.flapping
	det["max_changes_in_window"] = s.maxFlap
	det["flap_window_s"] = vrrpFlapWindow.Seconds()
	det["routers"] = routerList(s)
	sev := report.Info
	var why []string
	if n := s.kinds[vrrpTakeover]; n > 0 {
		sev = report.Warning
		why = append(why, plural(n, "takeover after silence", "takeovers after silence"))
	}
	if n := s.kinds[vrrpPreempt]; n > 0 {
		why = append(why, plural(n, "preemption", "preemptions"))
	}
	if n := s.kinds[vrrpHandover]; n > 0 {
		why = append(why, plural(n, "handover after a resignation", "handovers after a resignation"))
	}
	times := fmt.Sprintf("%d times", s.changes.count)
	if s.changes.count == 1 {
		times = "once"
	}
	summary := fmt.Sprintf("the master of VRID %d (%s) changed %s: %s", k.vrid, k.where(), times, strings.Join(why, ", "))
	if s.flapping {
		sev = report.Critical
		summary += fmt.Sprintf("; flapping (%d changes within %s, back and forth), so the virtual IP keeps moving",
			s.maxFlap, vrrpFlapWindowText)
	}
	if s.master != nil {
		summary += fmt.Sprintf("; master now %s", s.master.addr)
	}
	return d.finding(s, "vrrp.master-change", sev, summary, subject, &s.changes, det)
}

func (d *vrrp) splitFinding(s *vrrpSegment, subject string) report.Finding {
	k := s.key
	det := d.details(s, nil)
	det["routers"] = routerList(s)
	det["max_overlap_s"] = seconds(s.maxOverlap)
	names := s.lastEp[0].a.String() + " and " + s.lastEp[0].b.String()
	if n := len(s.lastEp); n > 1 {
		names += fmt.Sprintf(" (and %d more pairs)", n-1)
	}
	summary := fmt.Sprintf("%s both advertised as master of VRID %d (%s) for up to %s, past the master-down interval: neither hears the other, and both answer for the virtual IP",
		names, k.vrid, k.where(), secs(s.maxOverlap))
	f := d.finding(s, "vrrp.split-brain", report.Critical, summary, subject, &s.split, det)
	f.Events = f.Events[:0]
	for _, e := range s.episodes {
		f.Events = append(f.Events, report.Event{
			Time: report.Time{Time: e.start}, Severity: report.Critical, Frame: e.frame,
			Text: fmt.Sprintf("split brain: %s (priority %d) and %s (priority %d) both advertising as master from %s to %s (%s, master-down interval %s)",
				e.a, e.prioA, e.b, e.prioB, e.start.UTC().Format("15:04:05.000"), e.end.UTC().Format("15:04:05.000"), secs(e.end.Sub(e.start)), secs(e.mdi)),
		})
	}
	f.EventsOmitted = int(s.split.count) - len(s.episodes)
	return f
}

func (d *vrrp) mismatchFinding(s *vrrpSegment, subject string) report.Finding {
	k := s.key
	det := d.details(s, nil)
	det["routers"] = routerList(s)
	what, words := []string{}, []string{}
	for _, a := range []struct {
		bit         uint8
		key, phrase string
	}{
		{vrrpDiffInterval, "interval", "intervals"},
		{vrrpDiffAddrs, "virtual_ips", "virtual addresses"},
		{vrrpDiffVersion, "version", "versions"},
		{vrrpDiffAuth, "authentication", "authentication"},
	} {
		if s.attrs&a.bit != 0 {
			what = append(what, a.key)
			words = append(words, a.phrase)
		}
	}
	det["differs"] = what
	det["discarded_by_peers"] = s.discarding
	list := strings.Join(words, ", ")
	if n := len(words); n > 1 {
		list = strings.Join(words[:n-1], ", ") + " and " + words[n-1]
	}
	summary := fmt.Sprintf("routers of VRID %d (%s) advertise different %s (%s disagreed with another router's)",
		k.vrid, k.where(), list, plural(s.mismatch.count, "advertisement", "advertisements"))
	sev := report.Warning
	if s.discarding {
		sev = report.Critical
		summary += "; they discard each other's advertisements, which ends in split brain"
	}
	return d.finding(s, "vrrp.config-mismatch", sev, summary, subject, &s.mismatch, det)
}

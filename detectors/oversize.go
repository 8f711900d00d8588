package detectors

// Detector oversize flags frames longer than the link accepts: more than
// 14 bytes of Ethernet header + 4 per allowed VLAN tag + the MTU (IEEE
// 802.3 §3.2.7 client data of 1500 bytes; 802.1Q-2018 §9.6 adds 4 per tag;
// 1518 bytes without FCS by default). The length used is the original
// length from the capture record, so snap-length truncation hides nothing.
//
// The cause becomes the code:
//   - oversize.vlan: the IP packet fits the MTU; the excess is VLAN tags
//     (a VLAN stacked on a VLAN turns 1500 into 1504);
//   - oversize.jumbo: the layer-3 packet itself exceeds the MTU;
//   - oversize.offload: a TCP segment far over the MTU (more than 1.5 × the
//     MTU, or longer than its IP length field can say), which segmentation
//     offload (TSO/GSO, GRO/LRO) builds before a host-side capture sees it.

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/report"
)

const (
	oversizeVLAN uint8 = iota
	oversizeJumbo
	oversizeOffload
)

var oversizeCodes = [...]string{"oversize.vlan", "oversize.jumbo", "oversize.offload"}

func oversizeInfo() Info {
	return Info{
		Name:    "oversize",
		Summary: "frames longer than the link's MTU allows, by cause: VLAN tags, jumbo packets, segmentation offload",
		Codes: []Code{
			{
				Code: "oversize.vlan", Severity: report.Critical, Title: "frame too big because of VLAN tags",
				Meaning: "The IP packet fits the MTU but the frame carries more VLAN tags than the link allows, so it is " +
					"longer than the largest frame a standard port accepts. Such frames are dropped silently: full-size " +
					"packets vanish, small ones pass.",
				Check: "Look for a VLAN stacked on a VLAN (see double-vlan) and for interfaces whose MTU was not reduced " +
					"to make room for the extra tag. If the link really carries QinQ, raise --max-tags.",
			},
			{
				Code: "oversize.jumbo", Severity: report.Warning, Title: "packet larger than the MTU",
				Meaning: "A layer-3 packet larger than the link MTU was sent. Unless every hop is configured for jumbo " +
					"frames it is dropped, or fragmented where fragmentation is allowed.",
				Check: "Compare the MTU of the sender ('ip link'), of the instance's port in Neutron, and of every switch " +
					"port on the path. If this link is meant to carry jumbo frames, pass --mtu.",
			},
			{
				Code: "oversize.offload", Severity: report.Info, Title: "segmentation offload, probably not a fault",
				Meaning: "TCP segments far larger than the MTU appear in captures taken on a host: the kernel or the NIC " +
					"merges segments (GRO/LRO) or splits them after the capture point (TSO/GSO). On the wire they are " +
					"MTU-sized. This is probably not a fault.",
				Check: "Confirm with 'ethtool -k IFACE | grep -E \"segmentation-offload|receive-offload\"'. To see wire " +
					"sizes, capture on a switch mirror port or disable offload temporarily ('ethtool -K IFACE gro off tso off gso off').",
			},
		},
		Knobs: []Knob{
			{Flag: "--mtu BYTES", Default: "1500", Help: "layer-3 MTU of the link the capture was taken on"},
			{Flag: "--max-tags N", Default: "1", Help: "VLAN tags a frame may carry; frame limit = 14 + 4×N + MTU (1518)"},
		},
		Blind: func(lt decode.LinkType) string {
			if lt.HasVLANTags() {
				return ""
			}
			return "oversize.vlan needs VLAN tags, which " + lt.String() + " captures do not show; oversize.jumbo and oversize.offload still work"
		},
		New: func(cfg Config) Detector { return newOversize(cfg) },
	}
}

type oversizeKey struct {
	src  int
	code uint8
	mac  decode.MAC
	ip   netip.Addr // the subject when no MAC is visible (raw-IP captures)
}

type oversizeGroup struct {
	first, last time.Time
	count       int64
	maxLen      int
	maxL3       int
	maxTags     int
	exSrc       netip.Addr
	exDst       netip.Addr
	exProto     uint8
	maxFrame    int64 // the largest frame's number
	frames      frameSample
	log         eventLog
}

type oversize struct {
	mtu, maxTags, limit int
	groups              map[oversizeKey]*oversizeGroup
	order               []oversizeKey
	untracked           int64
}

func newOversize(cfg Config) *oversize {
	return &oversize{
		mtu:     cfg.Link.EffectiveMTU(),
		maxTags: cfg.Link.EffectiveMaxTags(),
		limit:   cfg.Link.FrameLimit(),
		groups:  map[oversizeKey]*oversizeGroup{},
	}
}

func (o *oversize) Observe(f *decode.Frame) {
	var code uint8
	l3 := f.L3Len()
	if f.HasEthernet {
		if f.WireLen <= o.limit {
			return
		}
		if l3 <= o.mtu {
			code = oversizeVLAN
		} else {
			code = o.l3Cause(f, l3)
		}
	} else {
		if l3 <= o.mtu || !f.LinkType.Known() {
			return
		}
		code = o.l3Cause(f, l3)
	}
	k := oversizeKey{src: f.Source, code: code}
	if f.HasSrcMAC {
		k.mac = f.Src
	} else {
		k.ip = f.SrcIP
	}
	g := o.groups[k]
	if g == nil {
		if len(o.groups) >= maxGroups {
			o.untracked++
			return
		}
		g = &oversizeGroup{first: f.Time}
		o.groups[k] = g
		o.order = append(o.order, k)
		g.log.add(f.Time, oversizeSeverity(code), f.Number, "first oversize frame from %s: %s", subjectOf(k), o.describe(f, code, l3))
	}
	g.count++
	g.last = f.Time
	g.frames.add(f.Number)
	g.maxTags = max(g.maxTags, f.NumTags)
	if f.WireLen > g.maxLen {
		g.maxLen, g.maxL3 = f.WireLen, l3
		g.exSrc, g.exDst, g.exProto = f.SrcIP, f.DstIP, f.Proto
		g.maxFrame = f.Number
	}
}

// l3Cause tells a jumbo packet from an offload artefact: only TCP is
// segmented by offload, and the merged segments are far over the MTU or
// longer than the IP length field can say (it is 0 under TSO and BIG TCP).
func (o *oversize) l3Cause(f *decode.Frame, l3 int) uint8 {
	if f.IPVersion != 0 && f.Proto == decode.ProtoTCP && !f.Fragment &&
		(2*l3 > 3*o.mtu || f.IPLenField < l3) {
		return oversizeOffload
	}
	return oversizeJumbo
}

func (o *oversize) describe(f *decode.Frame, code uint8, l3 int) string {
	s := fmt.Sprintf("%d bytes", f.WireLen)
	switch code {
	case oversizeVLAN:
		s += fmt.Sprintf(" with %d VLAN tags over a %d-byte packet (limit %d)", f.NumTags, l3, o.limit)
	case oversizeJumbo:
		s += fmt.Sprintf(", %d-byte layer-3 packet over the %d MTU", l3, o.mtu)
	case oversizeOffload:
		s += fmt.Sprintf(", a %d-byte TCP segment", l3)
	}
	if f.IPVersion != 0 {
		s += fmt.Sprintf(" (%s → %s)", f.SrcIP, f.DstIP)
	}
	return s
}

func oversizeSeverity(code uint8) report.Severity {
	switch code {
	case oversizeVLAN:
		return report.Critical
	case oversizeJumbo:
		return report.Warning
	}
	return report.Info
}

func subjectOf(k oversizeKey) string {
	if k.ip.IsValid() {
		return k.ip.String()
	}
	return k.mac.String()
}

func (o *oversize) Advance(time.Time) {}

func (o *oversize) Evicted() int64 { return o.untracked }

func (o *oversize) Findings() []report.Finding {
	out := make([]report.Finding, 0, len(o.order))
	for _, k := range o.order {
		g := o.groups[k]
		who := subjectOf(k)
		var summary string
		switch k.code {
		case oversizeVLAN:
			summary = fmt.Sprintf("%s sent %s of up to %d bytes that exceed the %d-byte frame limit only because of their VLAN tags (the IP packet fits the %d MTU): ports with a %d MTU drop them",
				who, plural(g.count, "frame", "frames"), g.maxLen, o.limit, o.mtu, o.mtu)
		case oversizeJumbo:
			summary = fmt.Sprintf("%s sent %s carrying layer-3 packets of up to %d bytes, over the %d-byte MTU: any hop with a %d MTU drops them",
				who, plural(g.count, "frame", "frames"), g.maxL3, o.mtu, o.mtu)
		case oversizeOffload:
			summary = fmt.Sprintf("%s: %s of up to %d bytes, far over the %d-byte MTU; segmentation offload (TSO/GSO/GRO) builds these before a host-side capture sees them, so this is probably not a fault (confirm with 'ethtool -k')",
				who, plural(g.count, "TCP segment", "TCP segments"), g.maxL3, o.mtu)
		}
		details := map[string]any{
			"src_mac":       nil,
			"max_frame_len": g.maxLen,
			"max_l3_len":    g.maxL3,
			"mtu":           o.mtu,
			"tags":          g.maxTags,
			"frame_limit":   o.limit,
		}
		if !k.ip.IsValid() {
			details["src_mac"] = k.mac.String()
		}
		if g.exSrc.IsValid() {
			details["example_src_ip"], details["example_dst_ip"] = g.exSrc.String(), g.exDst.String()
			details["example_ip_proto"] = g.exProto
		}
		out = append(out, report.Finding{
			Detector:      "oversize",
			Code:          oversizeCodes[k.code],
			Severity:      oversizeSeverity(k.code),
			Summary:       summary,
			Subject:       who,
			SourceIndex:   k.src,
			First:         report.Time{Time: g.first},
			Last:          report.Time{Time: g.last},
			Count:         g.count,
			Frames:        g.frames.list(),
			Evidence:      append(g.frames.list(), g.maxFrame),
			Details:       details,
			Events:        g.log.events(),
			EventsOmitted: g.log.omitted,
		})
	}
	sortFindings(out)
	return out
}

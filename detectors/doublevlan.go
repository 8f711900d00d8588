package detectors

// Detector double-vlan flags frames that carry two or more VLAN tags
// (IEEE 802.1Q-2018 §9.6: a C-tag 0x8100 inside another 0x8100, or inside
// an 802.1ad S-tag 0x88a8, or the pre-standard 0x9100).
//
// In a cloud this is usually a tenant VLAN interface whose parent is itself
// a VLAN interface (nova's vlan_interface pointing at vlan20 instead of
// bond0): every frame grows by 4 bytes, so full-size packets become
// 1504-byte payloads that MTU-1500 ports drop. Small packets still pass,
// which is why `ls` works and `ps aux` hangs. Provider bridging (QinQ) is
// legitimate; its outer VIDs can be allowed.

import (
	"fmt"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/report"
)

// DoubleVLANConfig configures double-vlan.
type DoubleVLANConfig struct {
	// AllowedOuterVLANs are provider (S-)tag VIDs that are expected to
	// carry customer tags: their stacks are reported as info only.
	AllowedOuterVLANs []uint16
}

func doubleVLANInfo() Info {
	return Info{
		Name:    "double-vlan",
		Summary: "frames carrying two or more VLAN tags (a VLAN stacked on a VLAN)",
		Codes: []Code{{
			Code:     "double-vlan.stacked",
			Severity: report.Warning,
			Title:    "VLAN stacked on a VLAN",
			Meaning: "Frames from this MAC carry two VLAN tags. Unless the network does QinQ on purpose, a VLAN " +
				"interface was created on top of another VLAN interface, adding 4 bytes to every frame. Full-size " +
				"packets then exceed the MTU of ordinary ports and vanish, while small ones pass (critical when such " +
				"oversize frames were seen).",
			Check: "Find which interface the tenant VLANs are attached to: vlan_interface in nova.conf, or " +
				"'ip -d link' on the host for a VLAN whose parent is itself a VLAN (vlan100@vlan20). Attach tenant " +
				"VLANs to the physical or bond interface. If the outer tag is a provider tag on purpose, pass " +
				"--allow-outer-vlan.",
		}},
		Knobs: []Knob{
			{Flag: "--allow-outer-vlan VID", Default: "none", Help: "outer VLAN expected to carry inner tags (QinQ); repeatable; its stacks are reported as info"},
			{Flag: "--mtu BYTES", Default: "1500", Help: "layer-3 MTU of the link, shared with oversize"},
			{Flag: "--max-tags N", Default: "1", Help: "VLAN tags a frame may carry within the frame limit, shared with oversize"},
		},
		Blind: noVLANTags,
		New:   func(cfg Config) Detector { return newDoubleVLAN(cfg) },
	}
}

type doubleVLANKey struct {
	src          int
	mac          decode.MAC
	outer, inner uint16
}

type doubleVLANGroup struct {
	first, last   time.Time
	count         int64
	oversize      int64
	outerTPID     uint16
	innerTPID     uint16
	etherType     uint16
	maxTags       int
	maxLen        int
	frames        frameSample
	log           eventLog
	dst           decode.MAC
	srcIP, dstIP  string
	oversizeSeen  bool
	oversizeEx    frameSample // first oversize frames, for the evidence file
	firstOversize int64       // frame number
}

type doubleVLAN struct {
	allowed  map[uint16]bool
	limit    int
	mtu      int
	groups   map[doubleVLANKey]*doubleVLANGroup
	order    []doubleVLANKey
	untraced int64
}

func newDoubleVLAN(cfg Config) *doubleVLAN {
	d := &doubleVLAN{
		allowed: map[uint16]bool{},
		limit:   cfg.Link.FrameLimit(),
		mtu:     cfg.Link.EffectiveMTU(),
		groups:  map[doubleVLANKey]*doubleVLANGroup{},
	}
	for _, v := range cfg.DoubleVLAN.AllowedOuterVLANs {
		d.allowed[v] = true
	}
	return d
}

func (d *doubleVLAN) Observe(f *decode.Frame) {
	if f.NumTags < 2 {
		return
	}
	k := doubleVLANKey{src: f.Source, mac: f.Src, outer: f.Tags[0].VID, inner: f.Tags[1].VID}
	g := d.groups[k]
	if g == nil {
		if len(d.groups) >= maxGroups {
			d.untraced++
			return
		}
		g = &doubleVLANGroup{first: f.Time, outerTPID: f.Tags[0].TPID, innerTPID: f.Tags[1].TPID, etherType: f.EtherType, dst: f.Dst}
		d.groups[k] = g
		d.order = append(d.order, k)
		g.log.add(f.Time, d.severity(k, g), f.Number,
			"first frame from %s with %d VLAN tags: %s inside %s, %d bytes%s",
			f.Src, f.NumTags, vlanName(k.inner), vlanName(k.outer), f.WireLen, describeInner(f))
	}
	g.count++
	g.last = f.Time
	g.frames.add(f.Number)
	if g.srcIP == "" && f.IPVersion != 0 {
		// An example IP conversation helps find the instance; formatted
		// once, on the group's first IP frame.
		g.srcIP, g.dstIP, g.dst = f.SrcIP.String(), f.DstIP.String(), f.Dst
		g.etherType = f.EtherType
	}
	g.maxTags = max(g.maxTags, f.NumTags)
	g.maxLen = max(g.maxLen, f.WireLen)
	if f.WireLen > d.limit {
		g.oversize++
		g.oversizeEx.add(f.Number)
		if !g.oversizeSeen {
			g.oversizeSeen, g.firstOversize = true, f.Number
			g.log.add(f.Time, d.severity(k, g), f.Number,
				"first double-tagged frame over the %d-byte limit: %d bytes; MTU-%d ports drop it",
				d.limit, f.WireLen, d.mtu)
		}
	}
}

// vlanName names a tag's VID for a reader: VID 0 is not a VLAN but an
// 802.1p priority tag (IEEE 802.1Q-2018 §9.6), which some hosts stack too.
func vlanName(vid uint16) string {
	if vid == 0 {
		return "a priority tag (VID 0)"
	}
	return fmt.Sprintf("VLAN %d", vid)
}

// describeInner names what the double-tagged frame carries, for the event.
func describeInner(f *decode.Frame) string {
	if f.IPVersion != 0 {
		return fmt.Sprintf(" (%s → %s)", f.SrcIP, f.DstIP)
	}
	return ""
}

func (d *doubleVLAN) severity(k doubleVLANKey, g *doubleVLANGroup) report.Severity {
	switch {
	case d.allowed[k.outer]:
		return report.Info
	case g.oversize > 0:
		return report.Critical
	}
	return report.Warning
}

func (d *doubleVLAN) Advance(time.Time) {}

func (d *doubleVLAN) Evicted() int64 { return d.untraced }

func (d *doubleVLAN) Findings() []report.Finding {
	out := make([]report.Finding, 0, len(d.order))
	for _, k := range d.order {
		g := d.groups[k]
		sev := d.severity(k, g)
		summary := fmt.Sprintf("%s sent %s with %s stacked inside %s",
			k.mac, plural(g.count, "frame", "frames"), vlanName(k.inner), vlanName(k.outer))
		switch {
		case sev == report.Info:
			summary += fmt.Sprintf("; outer VLAN %d is an allowed provider tag (QinQ)", k.outer)
		case g.oversize > 0:
			summary += fmt.Sprintf("; %d of them exceed the %d-byte frame limit (largest %d bytes) and are dropped by MTU-%d ports: full-size packets vanish while small ones pass",
				g.oversize, d.limit, g.maxLen, d.mtu)
		default:
			summary += "; each frame is 4 bytes longer than it should be, so full-size packets will exceed the MTU"
		}
		details := map[string]any{
			"src_mac":         k.mac.String(),
			"outer_vlan":      k.outer,
			"inner_vlan":      k.inner,
			"outer_tpid":      fmt.Sprintf("0x%04x", g.outerTPID),
			"inner_tpid":      fmt.Sprintf("0x%04x", g.innerTPID),
			"max_tags":        g.maxTags,
			"max_frame_len":   g.maxLen,
			"frame_limit":     d.limit,
			"oversize_frames": g.oversize,
			"allowed_outer":   d.allowed[k.outer],
			"example_dst_mac": g.dst.String(),
		}
		if g.oversizeSeen {
			details["first_oversize_frame"] = g.firstOversize
		}
		if g.etherType != 0 {
			details["inner_ethertype"] = fmt.Sprintf("0x%04x", g.etherType)
		}
		if g.srcIP != "" {
			details["example_src_ip"], details["example_dst_ip"] = g.srcIP, g.dstIP
		}
		out = append(out, report.Finding{
			Detector:      "double-vlan",
			Code:          "double-vlan.stacked",
			Severity:      sev,
			Summary:       summary,
			Subject:       fmt.Sprintf("%s vlan %d/%d", k.mac, k.outer, k.inner),
			SourceIndex:   k.src,
			First:         report.Time{Time: g.first},
			Last:          report.Time{Time: g.last},
			Count:         g.count,
			Frames:        g.frames.list(),
			Evidence:      append(g.frames.list(), g.oversizeEx.list()...),
			Details:       details,
			Events:        g.log.events(),
			EventsOmitted: g.log.omitted,
		})
	}
	sortFindings(out)
	return out
}

package detectors

import (
	"strings"
	"testing"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/report"
)

func TestDoubleVLANStory(t *testing.T) {
	stacked := []craft.Tag{{VID: 20}, {VID: 100}}
	got := feed(t, runOnly("double-vlan", Config{}), decode.LinkEthernet,
		ipFrame(instMAC, stacked, 200, true),  // ls: fits
		ipFrame(instMAC, stacked, 1500, true), // ps aux: 1522 bytes
		ipFrame(instMAC, stacked, 1500, true),
		ipFrame(gwMAC, []craft.Tag{{VID: 100}}, 1500, true), // the controller: one tag
	)
	if len(got) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(got), got)
	}
	f := got[0]
	if f.Code != "double-vlan.stacked" || f.Severity != report.Critical || f.Count != 3 {
		t.Errorf("code %s severity %s count %d", f.Code, f.Severity, f.Count)
	}
	d := f.Details
	if d["src_mac"] != "fa:16:3e:24:e7:22" || d["outer_vlan"] != uint16(20) || d["inner_vlan"] != uint16(100) ||
		d["outer_tpid"] != "0x8100" || d["max_frame_len"] != 1522 || d["oversize_frames"] != int64(2) {
		t.Errorf("details %v", d)
	}
	if len(f.Frames) != 3 || f.Frames[0] != 1 || len(f.Events) != 2 {
		t.Errorf("frames %v events %d", f.Frames, len(f.Events))
	}
}

func TestDoubleVLANSeverities(t *testing.T) {
	small := func(src decode.MAC, tags []craft.Tag) []byte { return ipFrame(src, tags, 100, false) }
	cases := []struct {
		name string
		cfg  Config
		tags []craft.Tag
		len  int
		sev  report.Severity
	}{
		{"small frames warn", Config{}, []craft.Tag{{VID: 20}, {VID: 100}}, 100, report.Warning},
		{"QinQ 88a8 oversize", Config{}, []craft.Tag{{TPID: 0x88a8, VID: 20}, {VID: 100}}, 1500, report.Critical},
		{"allowed provider tag", Config{DoubleVLAN: DoubleVLANConfig{AllowedOuterVLANs: []uint16{20}}}, []craft.Tag{{TPID: 0x88a8, VID: 20}, {VID: 100}}, 1500, report.Info},
		{"max-tags 2 makes 1522 fit", Config{Link: LinkConfig{MaxTags: 2}}, []craft.Tag{{VID: 20}, {VID: 100}}, 1500, report.Warning},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := feed(t, runOnly("double-vlan", c.cfg), decode.LinkEthernet, ipFrame(instMAC, c.tags, c.len, false), small(instMAC, c.tags))
			if len(got) != 1 || got[0].Severity != c.sev {
				t.Fatalf("findings %+v, want one %s", got, c.sev)
			}
		})
	}
}

// TestDoubleVLANGroups: one finding per (MAC, outer, inner); three tags
// count as stacked with their first two VIDs.
func TestDoubleVLANGroups(t *testing.T) {
	other := craft.MustMAC("fa:16:3e:00:00:02")
	got := codes(feed(t, runOnly("double-vlan", Config{}), decode.LinkEthernet,
		ipFrame(instMAC, []craft.Tag{{VID: 20}, {VID: 100}}, 100, false),
		ipFrame(instMAC, []craft.Tag{{VID: 20}, {VID: 101}}, 100, false),
		ipFrame(other, []craft.Tag{{VID: 20}, {VID: 100}}, 100, false),
		ipFrame(other, []craft.Tag{{VID: 20}, {VID: 100}, {VID: 7}}, 100, false),
	))
	for _, k := range []string{
		"double-vlan.stacked fa:16:3e:24:e7:22 vlan 20/100",
		"double-vlan.stacked fa:16:3e:24:e7:22 vlan 20/101",
		"double-vlan.stacked fa:16:3e:00:00:02 vlan 20/100",
	} {
		if _, ok := got[k]; !ok {
			t.Errorf("missing %q in %v", k, got)
		}
	}
	if f := got["double-vlan.stacked fa:16:3e:00:00:02 vlan 20/100"]; f.Count != 2 || f.Details["max_tags"] != 3 {
		t.Errorf("three-tag frame: count %d max_tags %v", f.Count, f.Details["max_tags"])
	}
}

// TestDoubleVLANPriorityTags: two stacked priority tags (VID 0) still
// count as a stack, and are named as priority tags, not "VLAN 0".
func TestDoubleVLANPriorityTags(t *testing.T) {
	got := feed(t, runOnly("double-vlan", Config{}), decode.LinkEthernet,
		ipFrame(instMAC, []craft.Tag{{VID: 0, PCP: 5}, {VID: 0, PCP: 5}}, 100, false))
	if len(got) != 1 || !strings.Contains(got[0].Summary, "a priority tag (VID 0) stacked inside a priority tag (VID 0)") {
		t.Fatalf("got %+v", got)
	}
}

func TestDoubleVLANHealthyStaysQuiet(t *testing.T) {
	got := feed(t, runOnly("double-vlan", Config{}), decode.LinkEthernet,
		ipFrame(instMAC, nil, 1500, true),
		ipFrame(instMAC, []craft.Tag{{VID: 100}}, 1500, true),
		ipFrame(instMAC, []craft.Tag{{VID: 0, PCP: 5}}, 300, false),
		ipFrame(instMAC, []craft.Tag{{TPID: 0x88a8, VID: 300}}, 1500, false), // lone S-tag
		craft.Dot3(craft.MustMAC("01:80:c2:00:00:00"), instMAC, []craft.Tag{{VID: 5}}, []byte{0x42, 0x42, 3, 0}),
	)
	if len(got) != 0 {
		t.Fatalf("healthy traffic produced %+v", got)
	}
}

func TestDoubleVLANBlindOnCooked(t *testing.T) {
	in, _ := Lookup("double-vlan")
	if in.Blind(decode.LinkEthernet) != "" {
		t.Error("blind on Ethernet")
	}
	for _, lt := range []decode.LinkType{decode.LinkLinuxSLL, decode.LinkLinuxSLL2, decode.LinkRaw, decode.LinkIPv4} {
		if in.Blind(lt) == "" {
			t.Errorf("not blind on %s", lt)
		}
	}
}

func TestDoubleVLANBoundedGroups(t *testing.T) {
	d := newDoubleVLAN(Config{})
	var f decode.Frame
	for i := 0; i < maxGroups+100; i++ {
		m := decode.MAC{0xfa, 0x16, 0x3e, byte(i >> 16), byte(i >> 8), byte(i)}
		decode.Decode(&f, decode.LinkEthernet, ipFrame(m, []craft.Tag{{VID: 1}, {VID: 2}}, 100, false))
		d.Observe(&f)
	}
	if len(d.groups) != maxGroups || d.Evicted() != 100 {
		t.Errorf("groups %d evicted %d", len(d.groups), d.Evicted())
	}
}

func BenchmarkDoubleVLANObserve(b *testing.B) {
	for name, data := range map[string][]byte{
		"single-tag": ipFrame(instMAC, []craft.Tag{{VID: 100}}, 1500, true),
		"stacked":    ipFrame(instMAC, []craft.Tag{{VID: 20}, {VID: 100}}, 1500, true),
	} {
		b.Run(name, func(b *testing.B) {
			d := newDoubleVLAN(Config{})
			var f decode.Frame
			f.WireLen, f.Number = len(data), 1
			decode.Decode(&f, decode.LinkEthernet, data)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				d.Observe(&f)
			}
		})
	}
}

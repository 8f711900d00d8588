package detectors

import (
	"testing"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/report"
)

func TestOversizeCauses(t *testing.T) {
	tso := craft.Ethernet(gwMAC, instMAC, nil, decode.EtherTypeIPv4,
		craft.IPv4(ipA, ipB, decode.ProtoTCP, craft.IPv4Options{LenField: -1}, craft.TCP(ipA, ipB, 1, 2, 0, 0, craft.ACK, make([]byte, 1960))))
	cases := []struct {
		name  string
		cfg   Config
		frame []byte
		code  string
		sev   report.Severity
	}{
		{"two tags over 1500", Config{}, ipFrame(instMAC, []craft.Tag{{VID: 20}, {VID: 100}}, 1500, true), "oversize.vlan", report.Critical},
		{"one tag on an access port", Config{Link: LinkConfig{MaxTags: -1}}, ipFrame(instMAC, []craft.Tag{{VID: 100}}, 1500, false), "oversize.vlan", report.Critical},
		{"UDP 9000", Config{}, ipFrame(instMAC, nil, 9000, false), "oversize.jumbo", report.Warning},
		{"TCP slightly over", Config{}, ipFrame(instMAC, nil, 1600, true), "oversize.jumbo", report.Warning},
		{"TCP far over (GRO)", Config{}, ipFrame(instMAC, nil, 2960, true), "oversize.offload", report.Info},
		{"TSO with IP length 0", Config{}, tso, "oversize.offload", report.Info},
		{"jumbo with tags", Config{}, ipFrame(instMAC, []craft.Tag{{VID: 20}, {VID: 100}}, 4000, false), "oversize.jumbo", report.Warning},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := feed(t, runOnly("oversize", c.cfg), decode.LinkEthernet, c.frame)
			if len(got) != 1 || got[0].Code != c.code || got[0].Severity != c.sev {
				t.Fatalf("got %+v, want one %s %s", got, c.code, c.sev)
			}
			if got[0].Details["max_frame_len"] != len(c.frame) || got[0].Details["src_mac"] != "fa:16:3e:24:e7:22" {
				t.Errorf("details %v", got[0].Details)
			}
		})
	}
}

func TestOversizeLimits(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		frame []byte
		want  int
	}{
		{"1514 untagged fits", Config{}, ipFrame(instMAC, nil, 1500, true), 0},
		{"1518 one tag fits", Config{}, ipFrame(instMAC, []craft.Tag{{VID: 1}}, 1500, true), 0},
		{"1519 one tag over", Config{}, ipFrame(instMAC, []craft.Tag{{VID: 1}}, 1501, false), 1},
		{"QinQ allowed by max-tags 2", Config{Link: LinkConfig{MaxTags: 2}}, ipFrame(instMAC, []craft.Tag{{VID: 1}, {VID: 2}}, 1500, false), 0},
		{"9000 on a jumbo link", Config{Link: LinkConfig{MTU: 9000}}, ipFrame(instMAC, []craft.Tag{{VID: 1}}, 9000, false), 0},
		{"9001 on a jumbo link", Config{Link: LinkConfig{MTU: 9000}}, ipFrame(instMAC, []craft.Tag{{VID: 1}}, 9001, false), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := feed(t, runOnly("oversize", c.cfg), decode.LinkEthernet, c.frame); len(got) != c.want {
				t.Fatalf("%d findings, want %d: %+v", len(got), c.want, got)
			}
		})
	}
}

// TestOversizeUsesWireLength: a snap-length-truncated record still counts
// by its original length.
func TestOversizeUsesWireLength(t *testing.T) {
	d := runOnly("oversize", Config{})
	full := ipFrame(instMAC, []craft.Tag{{VID: 20}, {VID: 100}}, 1500, true)
	var f decode.Frame
	f.WireLen = len(full)
	decode.Decode(&f, decode.LinkEthernet, full[:96])
	d.Observe(&f)
	got := d.Findings()
	if len(got) != 1 || got[0].Code != "oversize.vlan" || got[0].Details["max_frame_len"] != 1522 {
		t.Fatalf("got %+v", got)
	}
}

// TestOversizeCooked: without an Ethernet header only the layer-3 length
// is judged, and the subject falls back to the source IP on raw IP.
func TestOversizeCooked(t *testing.T) {
	big := craft.IP(ipA, ipB, decode.ProtoUDP, craft.UDP(ipA, ipB, 1, 2, make([]byte, 8972)))
	fits := craft.IP(ipA, ipB, decode.ProtoUDP, craft.UDP(ipA, ipB, 1, 2, make([]byte, 1472)))
	got := feed(t, runOnly("oversize", Config{}), decode.LinkLinuxSLL2,
		craft.SLL2(1, 0, instMAC, decode.EtherTypeIPv4, big), craft.SLL2(1, 0, instMAC, decode.EtherTypeIPv4, fits))
	if len(got) != 1 || got[0].Code != "oversize.jumbo" || got[0].Subject != "fa:16:3e:24:e7:22" || got[0].Details["max_l3_len"] != 9000 {
		t.Fatalf("SLL2: %+v", got)
	}
	got = feed(t, runOnly("oversize", Config{}), decode.LinkRaw, big, fits)
	if len(got) != 1 || got[0].Subject != "10.0.0.5" || got[0].Details["src_mac"] != nil {
		t.Fatalf("raw IP: %+v", got)
	}
}

func BenchmarkOversizeObserve(b *testing.B) {
	for name, data := range map[string][]byte{
		"fits":    ipFrame(instMAC, []craft.Tag{{VID: 100}}, 1500, true),
		"offload": ipFrame(instMAC, nil, 9000, true),
	} {
		b.Run(name, func(b *testing.B) {
			d := newOversize(Config{})
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

func TestObserveFastPathAllocatesNothing(t *testing.T) {
	data := ipFrame(instMAC, []craft.Tag{{VID: 100}}, 1500, true)
	var f decode.Frame
	f.WireLen = len(data)
	decode.Decode(&f, decode.LinkEthernet, data)
	for _, in := range Registry() {
		d := in.New(Config{})
		if n := testing.AllocsPerRun(1000, func() { d.Observe(&f) }); n != 0 {
			t.Errorf("%s allocates %.1f per ordinary frame", in.Name, n)
		}
	}
}

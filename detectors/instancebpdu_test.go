package detectors

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/report"
)

var (
	bpduT0      = time.Date(2026, 2, 15, 1, 40, 0, 0, time.UTC)
	centosMAC   = craft.MustMAC("fa:16:3e:24:e7:22")
	centosID    = craft.BridgeID{Priority: 32768, MAC: centosMAC}
	switchPort  = craft.MustMAC("00:1f:6d:96:ec:04")
	switchID    = craft.BridgeID{Priority: 32769, MAC: craft.MustMAC("00:1f:6d:96:ec:00")}
	switchPort2 = craft.MustMAC("00:19:06:ea:b8:85")
)

// feeder numbers frames and decodes them the way the engine does.
type feeder struct {
	d     Detector
	n     int64
	frame decode.Frame
}

func newFeeder(cfg InstanceBPDUConfig) *feeder {
	return &feeder{d: newInstanceBPDU(cfg)}
}

func (fd *feeder) feed(at time.Duration, lt decode.LinkType, data []byte) {
	fd.n++
	f := &fd.frame
	f.Number, f.Time, f.WireLen, f.Source = fd.n, bpduT0.Add(at), len(data), 0
	decode.Decode(f, lt, data)
	fd.d.Observe(f)
}

func (fd *feeder) eth(at time.Duration, data []byte) { fd.feed(at, decode.LinkEthernet, data) }

// findings advances to the end and returns the findings as the report
// shows them (details normalised through JSON).
func (fd *feeder) findings(end time.Duration) []report.Finding {
	fd.d.Advance(bpduT0.Add(end))
	fs := fd.d.Findings()
	r := &report.Report{Sources: []report.Source{{Name: "test.pcap"}}, Findings: fs}
	r.Finalize()
	return r.Findings
}

func stpFrame(src decode.MAC, tags []craft.Tag, bpdu []byte) []byte {
	return craft.Dot3(craft.BridgeGroupMAC, src, tags, craft.STPLLC(bpdu))
}

func detailJSON(t *testing.T, f report.Finding, key string) string {
	t.Helper()
	b, err := json.Marshal(f.Details[key])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestInstanceBPDUStory(t *testing.T) {
	fd := newFeeder(InstanceBPDUConfig{})
	// The switches' MST BPDUs and the instance's ordinary traffic: quiet.
	for i := 0; i < 10; i++ {
		fd.eth(time.Duration(i)*2*time.Second, stpFrame(switchPort, nil, craft.MSTBPDU(
			craft.BPDU{Flags: craft.RoleDesignated | craft.BPDUForwarding | craft.BPDULearning, Root: switchID, Bridge: switchID},
			craft.MST{CISTBridge: switchID})))
	}
	fd.eth(time.Second, craft.Ethernet(craft.MustMAC("fa:16:3e:a0:00:01"), centosMAC, []craft.Tag{{VID: 100}}, decode.EtherTypeARP, make([]byte, 28)))
	if fs := fd.findings(19 * time.Second); len(fs) != 0 {
		t.Fatalf("findings from healthy traffic: %+v", fs)
	}
	// The CentOS instance's bridge claims root, tagged VLAN 100.
	for _, at := range []time.Duration{18214 * time.Millisecond, 20214 * time.Millisecond} {
		fd.eth(at, stpFrame(centosMAC, []craft.Tag{{VID: 100}}, craft.ConfigBPDU(craft.BPDU{Root: centosID, Bridge: centosID, Port: 0x8001})))
	}
	fs := fd.findings(21 * time.Second)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
	}
	f := fs[0]
	if f.Code != "instance-bpdu.sent" || f.Severity != report.Critical || f.Subject != "fa:16:3e:24:e7:22" || f.Count != 2 {
		t.Errorf("finding %s %s %s count %d", f.Code, f.Severity, f.Subject, f.Count)
	}
	if !reflect.DeepEqual(f.Frames, []int64{12, 13}) || !f.First.Equal(bpduT0.Add(18214*time.Millisecond)) {
		t.Errorf("frames %v first %v", f.Frames, f.First)
	}
	want := map[string]string{
		"src_mac":         `"fa:16:3e:24:e7:22"`,
		"vlan":            `100`,
		"vlans":           `[100]`,
		"bpdu_types":      `["stp"]`,
		"bpdus_by_type":   `{"stp":2}`,
		"root_id":         `"32768/fa:16:3e:24:e7:22"`,
		"bridge_id":       `"32768/fa:16:3e:24:e7:22"`,
		"claims_root":     `true`,
		"topology_change": `false`,
		"example_dst_mac": `"01:80:c2:00:00:00"`,
		"instance_prefix": `"fa:16:3e:00:00:00/24"`,
	}
	for k, v := range want {
		if got := detailJSON(t, f, k); got != v {
			t.Errorf("details[%s] = %s, want %s", k, got, v)
		}
	}
	for _, w := range []string{"fa:16:3e:24:e7:22", "VLAN 100", "claiming root 32768/fa:16:3e:24:e7:22", "BPDU guard", "err-disables", "every instance"} {
		if !strings.Contains(f.Summary, w) {
			t.Errorf("summary lacks %q: %s", w, f.Summary)
		}
	}
}

func TestInstanceBPDUKindsAndVLANs(t *testing.T) {
	fd := newFeeder(InstanceBPDUConfig{})
	vm := craft.MustMAC("fa:16:3e:0f:00:05")
	id := craft.BridgeID{Priority: 32769, MAC: vm}
	rst := craft.RSTBPDU(craft.BPDU{Flags: craft.RoleDesignated | craft.BPDUProposal, Root: id, Bridge: id})
	fd.eth(0, stpFrame(vm, nil, rst))
	fd.eth(time.Millisecond, craft.Dot3(craft.PVSTMAC, vm, []craft.Tag{{VID: 104}}, craft.PVSTLLC(rst, 104)))
	fd.eth(2*time.Second, stpFrame(vm, []craft.Tag{{TPID: decode.EtherTypeDot1AD, VID: 300}, {VID: 104}}, craft.TCNBPDU()))
	// A GARP PDU from the same instance is not a BPDU.
	fd.eth(3*time.Second, craft.Dot3(craft.GARPGVRPMAC, vm, nil, craft.GVRPLLC(104)))
	fs := fd.findings(4 * time.Second)
	if len(fs) != 1 {
		t.Fatalf("%d findings: %+v", len(fs), fs)
	}
	f := fs[0]
	for k, v := range map[string]string{
		"vlan":                  `null`,
		"vlans":                 `[104,300]`,
		"bpdu_types":            `["pvst+","rstp","tcn"]`,
		"bpdus_by_type":         `{"pvst+":1,"rstp":2,"tcn":1}`,
		"claims_root":           `true`,
		"topology_change":       `true`,
		"topology_change_bpdus": `1`,
		"port_role":             `"designated"`,
	} {
		if got := detailJSON(t, f, k); got != v {
			t.Errorf("details[%s] = %s, want %s", k, got, v)
		}
	}
	if f.Count != 3 || !strings.Contains(f.Summary, "on VLANs 104, 300 and untagged") {
		t.Errorf("count %d, summary %s", f.Count, f.Summary)
	}
}

func TestInstanceBPDUCooked(t *testing.T) {
	fd := newFeeder(InstanceBPDUConfig{})
	llc := craft.STPLLC(craft.RSTBPDU(craft.BPDU{Root: centosID, Bridge: centosID}))
	fd.feed(0, decode.LinkLinuxSLL2, craft.SLL2(3, 4, centosMAC, 0x0004, llc))
	fd.feed(time.Second, decode.LinkLinuxSLL, craft.SLL(4, centosMAC, 0x0004, llc))
	raw := fd.d.Findings()
	fs := fd.findings(2 * time.Second)
	if len(fs) != 1 || fs[0].Count != 2 || len(raw) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	if detailJSON(t, fs[0], "vlan") != "null" || detailJSON(t, fs[0], "example_dst_mac") != "null" {
		t.Errorf("details %v", fs[0].Details)
	}
	fs = raw
	if len(fs[0].Events) == 0 || !strings.Contains(fs[0].Events[0].Text, "VLAN not visible in a linux-sll2 capture") {
		t.Errorf("events %+v", fs[0].Events)
	}
}

func TestInstanceBPDUPrefixes(t *testing.T) {
	bpdu := craft.RSTBPDU(craft.BPDU{Root: centosID, Bridge: centosID})
	other := craft.MustMAC("fa:17:3e:00:00:01")
	cases := []struct {
		name     string
		prefixes []string
		want     []string
	}{
		{"default", nil, []string{"fa:16:3e:24:e7:22"}},
		{"replaced", []string{"fa:17:3e"}, []string{"fa:17:3e:00:00:01"}},
		{"both", []string{"fa:16:3e:00:00:00/24", "fa:17:3e:00:00:00"}, []string{"fa:16:3e:24:e7:22", "fa:17:3e:00:00:01"}},
		{"narrow", []string{"fa:16:3e:24:e0:00/36"}, []string{"fa:16:3e:24:e7:22"}},
		{"too narrow", []string{"fa:16:3e:24:f0:00/36"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cfg InstanceBPDUConfig
			for _, s := range c.prefixes {
				p, err := ParseMACPrefix(s)
				if err != nil {
					t.Fatal(err)
				}
				cfg.InstancePrefixes = append(cfg.InstancePrefixes, p)
			}
			fd := newFeeder(cfg)
			fd.eth(0, stpFrame(centosMAC, nil, bpdu))
			fd.eth(time.Second, stpFrame(other, nil, bpdu))
			var got []string
			for _, f := range fd.findings(2 * time.Second) {
				if f.Code == "instance-bpdu.sent" {
					got = append(got, f.Subject)
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("flagged %v, want %v", got, c.want)
			}
		})
	}
}

func TestParseMACPrefix(t *testing.T) {
	for _, c := range []struct {
		in, want string
	}{
		{"fa:16:3e", "fa:16:3e:00:00:00/24"},
		{"FA-16-3E", "fa:16:3e:00:00:00/24"},
		{"fa:16:3e:00:00:00/24", "fa:16:3e:00:00:00/24"},
		{"fa:16:3e:00:00:00", "fa:16:3e:00:00:00/24"}, // Neutron's base_mac
		{"fa:16:3e:4f:00:00", "fa:16:3e:4f:00:00/32"}, // base_mac with a 4th octet
		{"fa:16:3e:24:e7:22", "fa:16:3e:24:e7:22/48"},
		{"02:00:00:00:00:00/7", "02:00:00:00:00:00/7"},
		{"fa:16:3e:80:00:00/25", "fa:16:3e:80:00:00/25"},
		{"fa", "fa:00:00:00:00:00/8"},
		{" fa:16:3e ", "fa:16:3e:00:00:00/24"},
	} {
		p, err := ParseMACPrefix(c.in)
		if err != nil || p.String() != c.want {
			t.Errorf("ParseMACPrefix(%q) = %s, %v; want %s", c.in, p, err, c.want)
		}
	}
	for _, in := range []string{"", "fa:16:3e:00:00:00:00", "fa:16:3g", "fa:16:3e/0", "fa:16:3e/49", "fa:16:3e/32",
		"fa:16:3e:01:00:00/24", "fa:16:3e:c0:00:00/25", "fa:16:3e/x", "fa:1234", ":::"} {
		if p, err := ParseMACPrefix(in); err == nil {
			t.Errorf("ParseMACPrefix(%q) = %s, want an error", in, p)
		}
	}
	p := MACPrefix{MAC: decode.MAC{0x02}, Bits: 7}
	if !p.Contains(decode.MAC{0x03, 1}) || p.Contains(decode.MAC{0x04}) {
		t.Error("a /7 prefix")
	}
}

// rpvst returns the frames a Cisco Rapid-PVST+ port sends in one hello:
// IEEE BPDU untagged and PVST+ for VLANs 1, 100 and 101.
func rpvst(flags uint8) [][]byte {
	var out [][]byte
	for _, v := range []uint16{1, 100, 101} {
		id := craft.BridgeID{Priority: 32768 + v, MAC: switchID.MAC}
		b := craft.RSTBPDU(craft.BPDU{Flags: flags | craft.RoleDesignated | craft.BPDUForwarding | craft.BPDULearning, Root: id, Bridge: id})
		var tags []craft.Tag
		if v != 1 {
			tags = []craft.Tag{{VID: v}}
		} else {
			out = append(out, stpFrame(switchPort, nil, b))
		}
		out = append(out, craft.Dot3(craft.PVSTMAC, switchPort, tags, craft.PVSTLLC(b, v)))
	}
	return out
}

// switchHellos feeds a Rapid-PVST+ switch's BPDUs every 2 s for dur, with
// TC set at the given hellos.
func switchHellos(fd *feeder, dur time.Duration, tc map[time.Duration]bool) {
	for at := time.Duration(0); at < dur; at += 2 * time.Second {
		var flags uint8
		if tc[at] {
			flags = craft.BPDUTC
		}
		for i, fr := range rpvst(flags) {
			fd.eth(at+time.Duration(i)*time.Millisecond, fr)
		}
	}
}

func tcFindings(fs []report.Finding) []report.Finding {
	var out []report.Finding
	for _, f := range fs {
		if f.Code == "stp.topology-change" {
			out = append(out, f)
		}
	}
	return out
}

func TestTopologyChangeBursts(t *testing.T) {
	s := time.Second
	cases := []struct {
		name     string
		tc       []time.Duration // hellos with TC set
		episodes int64           // 0: no finding
	}{
		{"healthy", nil, 0},
		{"one change, tcWhile two hellos", []time.Duration{10 * s, 12 * s}, 0},
		{"two changes", []time.Duration{10 * s, 12 * s, 60 * s, 62 * s}, 0},
		{"three changes", []time.Duration{10 * s, 12 * s, 60 * s, 62 * s, 120 * s, 122 * s}, 3},
		{"changes back to back", []time.Duration{10 * s, 12 * s, 16 * s, 18 * s, 22 * s}, 3},
		// 802.1D keeps TC for max age + forward delay (35 s) after one
		// change: one episode; longer means more changes.
		{"one 802.1D change", durations(10*s, 44*s, 2*s), 0},
		{"TC for 110 s", durations(10*s, 120*s, 2*s), 4},
		{"three changes 6 minutes apart", []time.Duration{10 * s, 370 * s, 730 * s}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fd := newFeeder(InstanceBPDUConfig{})
			tc := map[time.Duration]bool{}
			for _, at := range c.tc {
				tc[at] = true
			}
			switchHellos(fd, 800*s, tc)
			fs := tcFindings(fd.findings(800 * s))
			if c.episodes == 0 {
				if len(fs) != 0 {
					t.Errorf("findings %+v", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Count != c.episodes || fs[0].Severity != report.Info || fs[0].Subject != switchPort.String() {
				t.Fatalf("findings %+v, want one with %d episodes", fs, c.episodes)
			}
			if detailJSON(t, fs[0], "tc_bpdus") != fmt.Sprint(4*len(c.tc)) {
				t.Errorf("tc_bpdus %s", detailJSON(t, fs[0], "tc_bpdus"))
			}
		})
	}
}

func durations(from, to, step time.Duration) []time.Duration {
	var out []time.Duration
	for d := from; d < to; d += step {
		out = append(out, d)
	}
	return out
}

func TestTopologyChangeTCNs(t *testing.T) {
	fd := newFeeder(InstanceBPDUConfig{TCBurst: 2, TCWindow: time.Minute})
	// A TCN repeated every hello until acknowledged is one change.
	for _, at := range []time.Duration{0, 2 * time.Second, 4 * time.Second} {
		fd.eth(at, stpFrame(switchPort2, nil, craft.TCNBPDU()))
	}
	if fs := tcFindings(fd.findings(5 * time.Second)); len(fs) != 0 {
		t.Fatalf("one change made a finding: %+v", fs)
	}
	fd.eth(30*time.Second, stpFrame(switchPort2, nil, craft.TCNBPDU()))
	fs := tcFindings(fd.findings(31 * time.Second))
	if len(fs) != 1 || fs[0].Count != 2 || detailJSON(t, fs[0], "tcn_bpdus") != "4" || detailJSON(t, fs[0], "bridge_id") != "null" {
		t.Fatalf("findings %+v", fs)
	}
	// An instance's TCs belong to its instance-bpdu.sent finding only.
	fd2 := newFeeder(InstanceBPDUConfig{TCBurst: 1})
	fd2.eth(0, stpFrame(centosMAC, nil, craft.TCNBPDU()))
	fs = fd2.findings(time.Second)
	if len(fs) != 1 || fs[0].Code != "instance-bpdu.sent" {
		t.Fatalf("findings %+v", fs)
	}
}

func TestTopologyChangeAgesOut(t *testing.T) {
	fd := newFeeder(InstanceBPDUConfig{})
	d := fd.d.(*instanceBPDU)
	fd.eth(0, stpFrame(switchPort2, nil, craft.TCNBPDU()))
	if len(d.trees) != 1 || len(d.senders) != 1 {
		t.Fatalf("trees %d senders %d", len(d.trees), len(d.senders))
	}
	d.Advance(bpduT0.Add(20 * time.Second))
	if len(d.trees) != 0 || len(d.senders) != 1 {
		t.Errorf("after 20 s: trees %d senders %d", len(d.trees), len(d.senders))
	}
	d.Advance(bpduT0.Add(6 * time.Minute))
	if len(d.senders) != 0 {
		t.Errorf("after 6 minutes: senders %d", len(d.senders))
	}
	if d.Evicted() != 0 {
		t.Errorf("evicted %d", d.Evicted())
	}
}

func TestInstanceBPDUBounded(t *testing.T) {
	fd := newFeeder(InstanceBPDUConfig{})
	d := fd.d.(*instanceBPDU)
	for i := 0; i < maxGroups+10; i++ {
		m := decode.MAC{0xfa, 0x16, 0x3e, byte(i >> 16), byte(i >> 8), byte(i)}
		fd.eth(time.Duration(i)*time.Millisecond, stpFrame(m, nil, craft.TCNBPDU()))
		s := decode.MAC{0x00, 0x1f, 0x6d, byte(i >> 16), byte(i >> 8), byte(i)}
		fd.eth(time.Duration(i)*time.Millisecond, stpFrame(s, nil, craft.TCNBPDU()))
	}
	if len(d.instances) != maxGroups || len(d.senders) > maxGroups || len(d.trees) > maxGroups {
		t.Errorf("instances %d senders %d trees %d", len(d.instances), len(d.senders), len(d.trees))
	}
	if d.Evicted() < 10 {
		t.Errorf("evicted %d", d.Evicted())
	}
	// Later, the bridges' state has aged out and new ones are tracked.
	before := d.Evicted()
	fd.eth(10*time.Minute, stpFrame(switchPort, nil, craft.TCNBPDU()))
	if d.Evicted() != before || d.senders[bpduSenderKey{0, switchPort}] == nil {
		t.Errorf("evicted %d → %d", before, d.Evicted())
	}
}

func TestInstanceBPDUFindingsRepeatable(t *testing.T) {
	fd := newFeeder(InstanceBPDUConfig{})
	switchHellos(fd, 200*time.Second, map[time.Duration]bool{10 * time.Second: true, 50 * time.Second: true, 90 * time.Second: true})
	fd.eth(100*time.Second, stpFrame(centosMAC, nil, craft.ConfigBPDU(craft.BPDU{Root: centosID, Bridge: centosID})))
	a := fd.d.Findings()
	b := fd.d.Findings()
	if len(a) != 2 || !reflect.DeepEqual(a, b) {
		t.Errorf("findings differ between calls or are not 2: %d", len(a))
	}
}

// TestInstanceBPDUTextsFit checks that the longest summaries and events
// stay under report.Clean's cut.
func TestInstanceBPDUTextsFit(t *testing.T) {
	for _, w := range []time.Duration{time.Second, 23*time.Hour + 59*time.Minute + 59*time.Second} {
		t.Run(w.String(), func(t *testing.T) { textsFit(t, w) })
	}
}

func textsFit(t *testing.T, window time.Duration) {
	fd := newFeeder(InstanceBPDUConfig{TCBurst: 1, TCWindow: window})
	vm := craft.MustMAC("fa:16:3e:ff:ff:ff")
	id := craft.BridgeID{Priority: 65535, MAC: vm}
	mst := craft.MSTBPDU(craft.BPDU{Flags: craft.BPDUTC, Root: id, Bridge: id}, craft.MST{CISTBridge: id, MSTIs: make([]craft.MSTI, 64)})
	for i := 0; i < 20; i++ {
		tags := []craft.Tag{{VID: uint16(4000 + i)}}
		at := time.Duration(i) * time.Second
		fd.eth(at, stpFrame(vm, tags, mst))
		fd.eth(at, craft.Dot3(craft.PVSTMAC, vm, tags, craft.PVSTLLC(craft.ConfigBPDU(craft.BPDU{Root: id, Bridge: id}), 4094)))
		fd.eth(at, stpFrame(vm, tags, craft.TCNBPDU()))
		fd.eth(at, stpFrame(vm, tags, append([]byte{0, 0, 9, 7}, make([]byte, 40)...)))
		fd.eth(at, stpFrame(switchPort, tags, mst))
		fd.eth(at, craft.Dot3(craft.PVSTMAC, switchPort, tags, craft.PVSTLLC(craft.ConfigBPDU(craft.BPDU{Flags: craft.BPDUTC, Root: id, Bridge: id}), 4094)[:40]))
	}
	fs := fd.d.Findings()
	if len(fs) != 2 {
		t.Fatalf("%d findings", len(fs))
	}
	for _, f := range fs {
		texts := []string{f.Summary}
		for _, e := range f.Events {
			texts = append(texts, e.Text)
		}
		for _, s := range texts {
			if n := utf8.RuneCountInString(s); n > 250 {
				t.Errorf("%d characters: %s", n, s)
			}
		}
	}
}

func TestInstanceBPDUObserveAllocs(t *testing.T) {
	d := newInstanceBPDU(InstanceBPDUConfig{})
	var f decode.Frame
	tcp := craft.Ethernet(switchPort, centosMAC, []craft.Tag{{VID: 100}}, decode.EtherTypeIPv4,
		craft.IPv4(craft.MustAddr("10.0.0.1"), craft.MustAddr("10.0.0.2"), decode.ProtoTCP, craft.IPv4Options{},
			craft.TCP(craft.MustAddr("10.0.0.1"), craft.MustAddr("10.0.0.2"), 1, 2, 3, 4, craft.ACK, nil)))
	healthy := rpvst(0)[2]
	instance := stpFrame(centosMAC, []craft.Tag{{VID: 100}}, craft.ConfigBPDU(craft.BPDU{Root: centosID, Bridge: centosID}))
	for name, frame := range map[string][]byte{"tcp": tcp, "healthy switch bpdu": healthy, "known instance bpdu": instance} {
		decode.Decode(&f, decode.LinkEthernet, frame)
		f.Time = bpduT0
		d.Observe(&f) // the first BPDU of an instance creates its group
		if n := testing.AllocsPerRun(1000, func() { d.Observe(&f) }); n != 0 {
			t.Errorf("%s: %v allocations per frame", name, n)
		}
	}
}

func BenchmarkInstanceBPDUObserve(b *testing.B) {
	tcp := craft.Ethernet(switchPort, centosMAC, []craft.Tag{{VID: 100}}, decode.EtherTypeIPv4,
		craft.IPv4(craft.MustAddr("10.0.0.1"), craft.MustAddr("10.0.0.2"), decode.ProtoTCP, craft.IPv4Options{},
			craft.TCP(craft.MustAddr("10.0.0.1"), craft.MustAddr("10.0.0.2"), 1, 2, 3, 4, craft.ACK, nil)))
	for _, c := range []struct {
		name  string
		frame []byte
	}{
		{"uninteresting-tcp", tcp},
		{"lldp", craft.Ethernet(craft.MustMAC("01:80:c2:00:00:0e"), switchPort, nil, 0x88cc, make([]byte, 30))},
		{"garp", craft.Dot3(craft.GARPGVRPMAC, centosMAC, nil, craft.GVRPLLC(100))},
		{"switch-rapid-pvst", rpvst(0)[2]},
		{"switch-tc", rpvst(craft.BPDUTC)[2]},
		{"instance-stp", stpFrame(centosMAC, []craft.Tag{{VID: 100}}, craft.ConfigBPDU(craft.BPDU{Root: centosID, Bridge: centosID}))},
	} {
		b.Run(c.name, func(b *testing.B) {
			d := newInstanceBPDU(InstanceBPDUConfig{})
			var f decode.Frame
			decode.Decode(&f, decode.LinkEthernet, c.frame)
			f.Time = bpduT0
			b.ReportAllocs()
			for b.Loop() {
				d.Observe(&f)
			}
		})
	}
}

package detectors

import (
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/internal/samples"
	"github.com/wiretale/wiretale/report"
	"github.com/wiretale/wiretale/source"
)

var vrrpT0 = time.Date(2026, 2, 15, 1, 40, 0, 0, time.UTC)

// vrrpFeed builds frames and feeds them to a detector in order.
type vrrpFeed struct {
	t   *testing.T
	d   *vrrp
	f   decode.Frame
	num int64
}

func newVRRPFeed(t *testing.T, cfg Config) *vrrpFeed {
	return &vrrpFeed{t: t, d: newVRRP(cfg)}
}

// rtr is a VRRP router for the tests.
type rtr struct {
	mac  decode.MAC
	ip   netip.Addr
	tags []craft.Tag
	adv  craft.VRRPAdvert
	ttl  uint8
}

func newRtr(ip string, vrid, prio uint8, version uint8, tags ...craft.Tag) rtr {
	a := netip.MustParseAddr(ip)
	adv := craft.VRRPAdvert{Version: version, VRID: vrid, Priority: prio, AdverInt: 1}
	vip := netip.MustParseAddr("10.0.30.10")
	if version == 3 {
		adv.AdverInt = 100
	}
	if !a.Is4() {
		vip = netip.MustParseAddr("fe80::10")
	}
	adv.Addrs = []netip.Addr{vip}
	b := a.AsSlice()
	return rtr{mac: decode.MAC{0xfa, 0x16, 0x3e, 0, b[len(b)-2], b[len(b)-1]}, ip: a, tags: tags, adv: adv}
}

func (r rtr) with(f func(*craft.VRRPAdvert)) rtr {
	f(&r.adv)
	return r
}

// send feeds one advertisement from r at offset d.
func (v *vrrpFeed) send(r rtr, d time.Duration) {
	v.sendFrame(craft.VRRPFrame(r.mac, r.tags, r.ip, r.ttl, r.adv), d)
}

func (v *vrrpFeed) sendFrame(data []byte, d time.Duration) {
	v.num++
	v.f.Number, v.f.Time, v.f.WireLen = v.num, vrrpT0.Add(d), len(data)
	decode.Decode(&v.f, decode.LinkEthernet, data)
	v.d.Observe(&v.f)
}

// every sends r's advertisements from `from` to `to` every step, plus the
// jitter function's offset.
func (v *vrrpFeed) every(r rtr, from, to, step time.Duration, jit func(i int) time.Duration) {
	for i, t := 0, from; t < to; i, t = i+1, t+step {
		off := time.Duration(0)
		if jit != nil {
			off = jit(i)
		}
		v.send(r, t+off)
	}
}

func (v *vrrpFeed) findings(end time.Duration) []report.Finding {
	v.d.Advance(vrrpT0.Add(end))
	return v.d.Findings()
}

func byCode(fs []report.Finding, code string) []report.Finding {
	var out []report.Finding
	for _, f := range fs {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

func codeList(fs []report.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s/%s/%s", f.Code, f.Severity, f.Subject))
	}
	return strings.Join(out, ", ")
}

func sec(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }

// ms is a millisecond duration.
func msd(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// jitterOf returns a deterministic jitter of at most ±limit ms.
func jitterOf(limit int) func(int) time.Duration {
	return func(i int) time.Duration { return msd((i*37+11)%(2*limit+1) - limit) }
}

// sendRun interleaves several routers' advertisements in time order.
func (v *vrrpFeed) sendAll(items []struct {
	r rtr
	t time.Duration
}) {
	for i := 1; i < len(items); i++ {
		for j := i; j > 0 && items[j].t < items[j-1].t; j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
	for _, it := range items {
		v.send(it.r, it.t)
	}
}

type timed = struct {
	r rtr
	t time.Duration
}

func schedule(r rtr, from, to, step time.Duration, jit func(int) time.Duration) []timed {
	var out []timed
	for i, t := 0, from; t < to; i, t = i+1, t+step {
		off := time.Duration(0)
		if jit != nil {
			off = jit(i)
		}
		out = append(out, timed{r, t + off})
	}
	return out
}

// TestVRRPStory is the crime story: the master's advertisements stop for
// 5.02 s, the backup takes over after the master-down interval, and the
// master preempts it back when it returns.
func TestVRRPStory(t *testing.T) {
	vlan := craft.Tag{VID: 130}
	lb01 := newRtr("10.0.30.11", 51, 150, 2, vlan)
	lb02 := newRtr("10.0.30.12", 51, 100, 2, vlan)
	v := newVRRPFeed(t, Config{})
	var items []timed
	items = append(items, schedule(lb01, 0, sec(10.5), time.Second, nil)...)        // 0..10
	items = append(items, schedule(lb01, sec(15.02), sec(30), time.Second, nil)...) // back after 5.02 s
	items = append(items, schedule(lb02, sec(13.62), sec(15), time.Second, nil)...) // 13.62, 14.62
	v.sendAll(items)
	fs := v.findings(30 * time.Second)

	gaps := byCode(fs, "vrrp.advert-gap")
	if len(gaps) != 1 {
		t.Fatalf("advert-gap findings: %s", codeList(fs))
	}
	g := gaps[0]
	if g.Count != 1 || g.Severity != report.Critical || g.Subject != "10.0.30.11 vrid 51 vlan 130 ipv4" {
		t.Errorf("gap finding %+v", g)
	}
	if len(g.Events) != 1 || g.Events[0].Text != "master 10.0.30.11 silent 5.02 s; 10.0.30.12 took over after 3.62 s" {
		t.Errorf("gap events %+v", g.Events)
	}
	if !g.Events[0].Time.Equal(vrrpT0.Add(10 * time.Second)) {
		t.Errorf("gap event at %v, want the start of the silence", g.Events[0].Time)
	}
	det := g.Details
	if det["vrid"] != uint8(51) || det["vlan"] != int32(130) || det["family"] != "ipv4" || det["version"] != uint8(2) ||
		det["router"] != "10.0.30.11" || det["master"] != "10.0.30.11" || det["interval_s"] != 1.0 ||
		det["max_gap_s"] != 5.02 || det["master_down_interval_s"] != 3.609 || det["p50_interval_s"] != 1.0 {
		t.Errorf("details %v", det)
	}
	if vips := det["virtual_ips"].([]string); len(vips) != 1 || vips[0] != "10.0.30.10" {
		t.Errorf("virtual_ips %v", vips)
	}

	mc := byCode(fs, "vrrp.master-change")
	if len(mc) != 1 || mc[0].Count != 2 || mc[0].Severity != report.Warning || mc[0].Subject != "vrid 51 vlan 130 ipv4" {
		t.Fatalf("master-change: %s %+v", codeList(fs), mc)
	}
	if mc[0].Events[0].Text != "master 10.0.30.11 (priority 150) → 10.0.30.12 (priority 100): took over after 3.62 s without hearing 10.0.30.11" ||
		mc[0].Events[1].Text != "master 10.0.30.12 (priority 100) → 10.0.30.11 (priority 150): preempted by a higher priority, back after 5.02 s of silence" {
		t.Errorf("master-change events %+v", mc[0].Events)
	}
	if len(fs) != 2 {
		t.Errorf("unexpected findings: %s", codeList(fs))
	}
}

// TestVRRPHealthyJitterQuiet: ordinary jitter, v2 and v3, IPv4 and IPv6,
// tagged and untagged, produces nothing.
func TestVRRPHealthyJitterQuiet(t *testing.T) {
	v := newVRRPFeed(t, Config{})
	var items []timed
	items = append(items, schedule(newRtr("192.168.10.2", 10, 200, 2), 0, 120*time.Second, time.Second, jitterOf(200))...)
	items = append(items, schedule(newRtr("fe80::20:2", 20, 120, 3, craft.Tag{VID: 200}), 0, 120*time.Second, time.Second, jitterOf(200))...)
	items = append(items, schedule(newRtr("10.40.0.2", 40, 100, 3, craft.Tag{VID: 40}), 0, 120*time.Second, time.Second, jitterOf(200))...)
	v.sendAll(items)
	if fs := v.findings(121 * time.Second); len(fs) != 0 {
		t.Errorf("healthy routers reported: %s", codeList(fs))
	}
}

// TestVRRPPriorityZeroHandover: a master resigning and a backup taking
// over within the skew time is one info finding, nothing else.
func TestVRRPPriorityZeroHandover(t *testing.T) {
	a := newRtr("10.30.0.2", 30, 150, 3, craft.Tag{VID: 300})
	b := newRtr("10.30.0.3", 30, 100, 3, craft.Tag{VID: 300})
	v := newVRRPFeed(t, Config{})
	v.every(a, 0, 10*time.Second, time.Second, nil)
	v.send(a.with(func(x *craft.VRRPAdvert) { x.Priority = 0 }), sec(10))
	v.every(b, sec(10.61), 30*time.Second, time.Second, nil)
	fs := v.findings(30 * time.Second)
	if len(fs) != 1 || fs[0].Code != "vrrp.priority-zero" || fs[0].Severity != report.Info {
		t.Fatalf("findings: %s", codeList(fs))
	}
	f := fs[0]
	if f.Details["took_over"] != "10.30.0.3" || f.Details["takeover_after_s"] != 0.61 {
		t.Errorf("details %v", f.Details)
	}
	if len(f.Events) != 1 || f.Events[0].Text != "master 10.30.0.2 (priority 150) resigned with priority 0; 10.30.0.3 (priority 100) took over after 0.61 s" {
		t.Errorf("events %+v", f.Events)
	}
}

// TestVRRPPriorityZeroNoTakeover: nobody answers a resignation within the
// master-down interval: warning.
func TestVRRPPriorityZeroNoTakeover(t *testing.T) {
	a := newRtr("10.30.0.2", 30, 150, 3)
	v := newVRRPFeed(t, Config{})
	v.every(a, 0, 10*time.Second, time.Second, nil)
	v.send(a.with(func(x *craft.VRRPAdvert) { x.Priority = 0 }), sec(10))
	if fs := v.findings(sec(12)); len(fs) != 1 || fs[0].Severity != report.Info {
		t.Fatalf("2 s after: %s", codeList(fs))
	}
	fs := v.findings(sec(14))
	if len(fs) != 1 || fs[0].Severity != report.Warning || !strings.Contains(fs[0].Summary, "no backup took over") {
		t.Fatalf("4 s after: %s %+v", codeList(fs), fs)
	}
	// A backup that comes 5 s late: the same result whether or not a
	// silence check ran in between.
	late := newRtr("10.30.0.3", 30, 100, 3)
	v.every(late, sec(15), sec(20), time.Second, nil)
	w := newVRRPFeed(t, Config{})
	w.every(a, 0, 10*time.Second, time.Second, nil)
	w.send(a.with(func(x *craft.VRRPAdvert) { x.Priority = 0 }), sec(10))
	w.every(late, sec(15), sec(20), time.Second, nil)
	for _, x := range []*vrrpFeed{v, w} {
		fs := byCode(x.findings(sec(20)), "vrrp.priority-zero")
		if len(fs) != 1 || fs[0].Severity != report.Warning || fs[0].Details["took_over"] != "10.30.0.3" ||
			fs[0].Events[0].Text != "master 10.30.0.2 (priority 150) resigned with priority 0; no backup took over within the 3.60 s master-down interval; 10.30.0.3 (priority 100) took over after 5 s" {
			t.Errorf("%+v", fs)
		}
	}
}

// TestVRRPSilenceOnAdvance: a master that stops is a gap once the silence
// passes the master-down interval, found by Advance with no frame; when it
// comes back the same gap is closed, not counted again.
func TestVRRPSilenceOnAdvance(t *testing.T) {
	a := newRtr("10.80.0.2", 80, 150, 3)
	v := newVRRPFeed(t, Config{})
	v.every(a, 0, 9*time.Second, time.Second, nil) // last at 8 s
	if fs := v.findings(sec(11)); len(fs) != 0 {
		t.Fatalf("3 s of silence is not yet past the master-down interval: %s", codeList(fs))
	}
	fs := v.findings(sec(12))
	if len(fs) != 1 || fs[0].Code != "vrrp.advert-gap" || fs[0].Severity != report.Critical || fs[0].Count != 1 {
		t.Fatalf("4 s of silence: %s", codeList(fs))
	}
	if fs[0].Details["still_silent"] != true || fs[0].Details["max_gap_s"] != 4.0 ||
		!strings.Contains(fs[0].Events[0].Text, "silent for 4 s so far") || !strings.Contains(fs[0].Events[0].Text, "no backup took over") {
		t.Errorf("open gap %+v", fs[0])
	}
	// Findings does not change state: the same call gives the same answer.
	if again := v.d.Findings(); !reflect.DeepEqual(again, fs) {
		t.Errorf("Findings is not repeatable")
	}
	v.every(a, sec(20), sec(25), time.Second, nil)
	fs = v.findings(sec(25))
	if len(fs) != 1 || fs[0].Count != 1 || fs[0].Details["still_silent"] != false || fs[0].Details["max_gap_s"] != 12.0 {
		t.Fatalf("after return: %+v", fs)
	}
	if len(fs[0].Events) != 1 || fs[0].Events[0].Text != "master 10.80.0.2 silent 12 s, past the 3.60 s master-down interval, and no backup took over" {
		t.Errorf("events %+v", fs[0].Events)
	}
}

// TestVRRPShortSilenceAtEndOfCapture: a capture that ends 2 s after the
// last advertisement is not a gap: the silence is shorter than the
// master-down interval and may just be the capture stopping.
func TestVRRPShortSilenceAtEndOfCapture(t *testing.T) {
	v := newVRRPFeed(t, Config{})
	v.every(newRtr("10.0.0.2", 1, 100, 2), 0, 10*time.Second, time.Second, nil)
	if fs := v.findings(sec(11.9)); len(fs) != 0 {
		t.Errorf("findings: %s", codeList(fs))
	}
}

// TestVRRPGapFactor: a 1.8 s silence is a gap at the default 1.5 and not
// at 2.
func TestVRRPGapFactor(t *testing.T) {
	for _, tc := range []struct {
		factor float64
		gaps   int
	}{{0, 1}, {2, 0}} {
		v := newVRRPFeed(t, Config{VRRP: VRRPConfig{GapFactor: tc.factor}})
		a := newRtr("10.0.0.2", 1, 100, 2)
		v.every(a, 0, 5*time.Second, time.Second, nil)
		v.every(a, sec(5.8), 10*time.Second, time.Second, nil)
		fs := v.findings(10 * time.Second)
		if len(fs) != tc.gaps {
			t.Errorf("factor %g: %s", tc.factor, codeList(fs))
		}
		if tc.gaps == 1 && fs[0].Severity != report.Warning {
			t.Errorf("a gap shorter than the master-down interval is a warning: %s", codeList(fs))
		}
	}
}

// TestVRRPDuplicatesNotTimed: each advertisement seen twice (unicast to
// two peers, or a capture on a bridge and its port) is no gap and does
// not halve the measured interval.
func TestVRRPDuplicatesNotTimed(t *testing.T) {
	v := newVRRPFeed(t, Config{})
	a := newRtr("10.0.0.2", 1, 100, 2)
	for i := 0; i < 30; i++ {
		v.send(a, time.Duration(i)*time.Second)
		v.send(a, time.Duration(i)*time.Second+msd(2))
	}
	v.every(a, sec(31.4), 40*time.Second, time.Second, nil) // one real 2.4 s gap
	fs := v.findings(40 * time.Second)
	if len(fs) != 1 || fs[0].Count != 1 || fs[0].Details["p50_interval_s"] != 1.0 {
		t.Fatalf("%s %+v", codeList(fs), fs)
	}
}

// TestVRRPFlapping: takeover, preemption back, takeover again is flapping;
// a chain of preemptions by ever higher priorities (tcpdump's vrrp.pcap)
// is not.
func TestVRRPFlapping(t *testing.T) {
	a := newRtr("10.0.30.11", 51, 150, 2)
	b := newRtr("10.0.30.12", 51, 100, 2)
	v := newVRRPFeed(t, Config{})
	var items []timed
	items = append(items, schedule(a, 0, sec(10.5), time.Second, nil)...)
	items = append(items, schedule(b, sec(13.62), sec(15), time.Second, nil)...)
	items = append(items, schedule(a, sec(15.02), sec(30.5), time.Second, nil)...)
	items = append(items, schedule(b, sec(33.64), sec(35), time.Second, nil)...)
	items = append(items, schedule(a, sec(35.1), sec(40), time.Second, nil)...)
	v.sendAll(items)
	fs := byCode(v.findings(40*time.Second), "vrrp.master-change")
	if len(fs) != 1 || fs[0].Count != 4 || fs[0].Severity != report.Critical || fs[0].Details["flapping"] != true {
		t.Fatalf("%+v", fs)
	}

	v = newVRRPFeed(t, Config{})
	items = nil
	for k := 0; k < 7; k++ {
		r := newRtr(fmt.Sprintf("10.0.0.%d", 91+k), 42, uint8(191+k), 2).with(func(x *craft.VRRPAdvert) { x.AdverInt = 10 })
		start := time.Duration(k) * 50 * time.Second
		items = append(items, schedule(r, start, start+41*time.Second, 10*time.Second, nil)...)
	}
	v.sendAll(items)
	all := v.findings(341 * time.Second)
	fs = byCode(all, "vrrp.master-change")
	if len(fs) != 1 || fs[0].Count != 6 || fs[0].Severity != report.Info || fs[0].Details["flapping"] != false || len(all) != 1 {
		t.Fatalf("%s %+v", codeList(all), fs)
	}
}

// TestVRRPSplitBrain: two routers advertising together for longer than
// the master-down interval; a preemption with one stray advertisement is
// not split brain.
func TestVRRPSplitBrain(t *testing.T) {
	a := newRtr("fe80::40:a", 40, 120, 3, craft.Tag{VID: 40})
	b := newRtr("fe80::40:b", 40, 110, 3, craft.Tag{VID: 40})
	v := newVRRPFeed(t, Config{})
	var items []timed
	items = append(items, schedule(a, 0, 20*time.Second, time.Second, nil)...)
	items = append(items, schedule(b, sec(3.57), 20*time.Second, time.Second, nil)...)
	v.sendAll(items)
	fs := v.findings(20 * time.Second)
	sb := byCode(fs, "vrrp.split-brain")
	if len(sb) != 1 || sb[0].Count != 1 || sb[0].Severity != report.Critical || sb[0].Details["max_overlap_s"] != 15.43 {
		t.Fatalf("%s %+v", codeList(fs), sb)
	}
	if len(fs) != 1 {
		t.Errorf("split brain also reported as: %s", codeList(fs))
	}
	if len(sb[0].Events) != 1 || !strings.Contains(sb[0].Events[0].Text, "fe80::40:a (priority 120) and fe80::40:b (priority 110) both advertising as master") {
		t.Errorf("events %+v", sb[0].Events)
	}

	// Preemption: the higher priority comes up, the old master sends one
	// more advertisement and stops.
	v = newVRRPFeed(t, Config{})
	items = nil
	items = append(items, schedule(b, 0, sec(10.5), time.Second, nil)...)
	items = append(items, schedule(a, sec(10.3), 20*time.Second, time.Second, nil)...)
	v.sendAll(items)
	fs = v.findings(20 * time.Second)
	if len(byCode(fs, "vrrp.split-brain")) != 0 || len(byCode(fs, "vrrp.advert-gap")) != 0 {
		t.Errorf("preemption: %s", codeList(fs))
	}
}

func TestVRRPConfigMismatch(t *testing.T) {
	for _, tc := range []struct {
		name    string
		a, b    rtr
		differs []string
		sev     report.Severity
	}{
		{"v2 interval", newRtr("10.0.0.2", 1, 150, 2), newRtr("10.0.0.3", 1, 100, 2).with(func(x *craft.VRRPAdvert) { x.AdverInt = 2 }),
			[]string{"interval"}, report.Critical},
		{"v3 interval and addresses", newRtr("10.0.0.2", 1, 150, 3), newRtr("10.0.0.3", 1, 100, 3).with(func(x *craft.VRRPAdvert) {
			x.AdverInt = 200
			x.Addrs = append(x.Addrs, netip.MustParseAddr("10.0.30.254"))
		}), []string{"interval", "virtual_ips"}, report.Warning},
		{"password", newRtr("10.0.0.2", 1, 150, 2).with(func(x *craft.VRRPAdvert) { x.AuthType, x.AuthData = 1, [8]byte{'a'} }),
			newRtr("10.0.0.3", 1, 100, 2).with(func(x *craft.VRRPAdvert) { x.AuthType, x.AuthData = 1, [8]byte{'b'} }),
			[]string{"authentication"}, report.Critical},
		{"versions", newRtr("10.0.0.2", 1, 150, 2), newRtr("10.0.0.3", 1, 100, 3), []string{"version"}, report.Critical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newVRRPFeed(t, Config{})
			var items []timed
			items = append(items, schedule(tc.a, 0, 10*time.Second, time.Second, nil)...)
			items = append(items, schedule(tc.b, sec(10.3), 20*time.Second, tc.b.interval(), nil)...)
			v.sendAll(items)
			fs := byCode(v.findings(20*time.Second), "vrrp.config-mismatch")
			if len(fs) != 1 || fs[0].Severity != tc.sev || !reflect.DeepEqual(fs[0].Details["differs"], tc.differs) {
				t.Fatalf("%+v", fs)
			}
		})
	}
	// A v3 router in v2 compatibility mode (sending both) agrees with a v3 one.
	v := newVRRPFeed(t, Config{})
	a := newRtr("10.0.0.2", 1, 150, 3)
	a2 := a.with(func(x *craft.VRRPAdvert) { x.Version, x.AdverInt = 2, 1 })
	for i := 0; i < 10; i++ {
		v.send(a, time.Duration(i)*time.Second)
		v.send(a2, time.Duration(i)*time.Second+msd(1))
	}
	v.every(newRtr("10.0.0.3", 1, 100, 3), sec(10.3), 20*time.Second, time.Second, nil)
	if fs := byCode(v.findings(20*time.Second), "vrrp.config-mismatch"); len(fs) != 0 {
		t.Errorf("compatibility mode: %+v", fs)
	}
}

func (r rtr) interval() time.Duration {
	if r.adv.Version == 2 {
		return time.Duration(r.adv.AdverInt) * time.Second
	}
	return time.Duration(r.adv.AdverInt) * 10 * time.Millisecond
}

// TestVRRPBadTTL: advertisements with TTL 254 count towards bad-ttl only;
// receivers discard them, so they move nothing else.
func TestVRRPBadTTL(t *testing.T) {
	a := newRtr("192.168.50.2", 50, 200, 2)
	a.ttl = 254
	b := newRtr("192.168.50.3", 50, 100, 2)
	v := newVRRPFeed(t, Config{})
	var items []timed
	items = append(items, schedule(a, 0, 20*time.Second, time.Second, nil)...)
	items = append(items, schedule(b, msd(500), 20*time.Second, time.Second, nil)...)
	v.sendAll(items)
	fs := v.findings(20 * time.Second)
	if len(fs) != 1 || fs[0].Code != "vrrp.bad-ttl" || fs[0].Count != 20 || fs[0].Details["ttl"] != uint8(254) ||
		fs[0].Details["master"] != "192.168.50.3" || !strings.Contains(fs[0].Summary, "none had TTL 255") {
		t.Fatalf("%s %+v", codeList(fs), fs)
	}
}

// TestVRRPBadChecksum: a corrupted advertisement is discarded; the master's
// cadence shows the hole it leaves.
func TestVRRPBadChecksum(t *testing.T) {
	a := newRtr("10.70.0.2", 70, 100, 2)
	bad := a.with(func(x *craft.VRRPAdvert) { x.BadChecksum = true })
	v := newVRRPFeed(t, Config{})
	for i := 0; i < 20; i++ {
		r := a
		if i == 12 {
			r = bad
		}
		v.send(r, time.Duration(i)*time.Second)
	}
	fs := v.findings(20 * time.Second)
	if len(byCode(fs, "vrrp.bad-checksum")) != 1 || len(byCode(fs, "vrrp.advert-gap")) != 1 || len(fs) != 2 {
		t.Fatalf("%s", codeList(fs))
	}
}

// TestVRRPCARPIgnored: OpenBSD CARP shares protocol 112 and is skipped.
func TestVRRPCARPIgnored(t *testing.T) {
	v := newVRRPFeed(t, Config{})
	src := netip.MustParseAddr("10.40.0.2")
	for i := 0; i < 10; i++ {
		msg := craft.CARP(1, 0, 1, 0, uint64(i), [20]byte{byte(i)})
		pkt := craft.IPv4(src, craft.VRRPGroup4, decode.ProtoVRRP, craft.IPv4Options{TTL: 64}, msg)
		v.sendFrame(craft.Ethernet(craft.MustMAC("01:00:5e:00:00:12"), craft.MustMAC("00:00:5e:00:01:01"), nil, decode.EtherTypeIPv4, pkt), time.Duration(i)*5*time.Second)
	}
	if fs := v.findings(60 * time.Second); len(fs) != 0 || len(v.d.segs) != 0 {
		t.Errorf("CARP reported: %s", codeList(fs))
	}
}

// TestVRRPCookedInterfaces: the same VRID on two VLAN interfaces captured
// with -i any (SLL2, no tags) stays two segments.
func TestVRRPCookedInterfaces(t *testing.T) {
	v := newVRRPFeed(t, Config{})
	a := newRtr("10.1.0.2", 51, 150, 2)
	b := newRtr("10.2.0.2", 51, 150, 2)
	for i := 0; i < 20; i++ {
		for k, r := range []rtr{a, b} {
			pkt := craft.VRRPPacket(r.ip, craft.VRRPGroup4, 0, r.adv)
			data := craft.SLL2(uint32(10+k), 4, r.mac, decode.EtherTypeIPv4, pkt)
			v.num++
			v.f.Number, v.f.Time, v.f.WireLen = v.num, vrrpT0.Add(time.Duration(i)*time.Second+msd(10*k)), len(data)
			decode.Decode(&v.f, decode.LinkLinuxSLL2, data)
			v.d.Observe(&v.f)
		}
	}
	if fs := v.findings(20 * time.Second); len(fs) != 0 || len(v.d.segs) != 2 {
		t.Errorf("%d segments, findings %s", len(v.d.segs), codeList(fs))
	}
}

func TestVRRPMasterDownInterval(t *testing.T) {
	for _, tc := range []struct {
		version  uint8
		interval time.Duration
		prio     uint8
		want     time.Duration
	}{
		{2, time.Second, 100, 3609375 * time.Microsecond},                                   // 3 + 156/256 s
		{2, 10 * time.Second, 192, 30*time.Second + 250*time.Millisecond},                   // RFC 3768: the skew is not scaled
		{3, time.Second, 100, 3600 * time.Millisecond},                                      // 300 + 156×100/256 = 300 + 60 cs
		{3, 10 * time.Second, 191, 32530 * time.Millisecond},                                // 3000 + 65×1000/256 = 3000 + 253 cs
		{3, 40950 * time.Millisecond, 1, 3*40950*time.Millisecond + 40790*time.Millisecond}, // 12-bit maximum
	} {
		if got := vrrpMasterDown(tc.version, tc.interval, tc.prio); got != tc.want {
			t.Errorf("v%d %v prio %d: %v, want %v", tc.version, tc.interval, tc.prio, got, tc.want)
		}
	}
}

// TestVRRPHistogram: the percentiles stay within half a bucket however
// many intervals are counted, in fixed memory.
func TestVRRPHistogram(t *testing.T) {
	h := &vrrpHist{nominal: time.Second}
	for i := 0; i < 100000; i++ {
		d := time.Second + msd((i*7919)%201-100) // uniform over 0.9..1.1 s
		if i%100 == 0 {
			d = 5 * time.Second // 1 % long gaps
		}
		h.add(d)
	}
	if p50 := h.quantile(0.5); math.Abs(p50.Seconds()-1.0) > 0.003 {
		t.Errorf("p50 %v", p50)
	}
	if p99 := h.quantile(0.99); math.Abs(p99.Seconds()-1.099) > 0.005 {
		t.Errorf("p99 %v", p99)
	}
	if p999 := h.quantile(0.999); p999 < 4*time.Second || p999 > 5*time.Second {
		t.Errorf("p99.9 %v", p999)
	}
	if size := reflect.TypeOf(vrrpHist{}).Size(); size > 4096 {
		t.Errorf("histogram is %d bytes", size)
	}
}

// TestVRRPBoundedState: segments past the cap are counted as evicted, and
// quiet segments age out.
func TestVRRPBoundedState(t *testing.T) {
	v := newVRRPFeed(t, Config{})
	n := 0
	for vlan := 1; n < maxGroups+10; vlan++ {
		for vrid := 1; vrid <= 200 && n < maxGroups+10; vrid++ {
			v.send(newRtr("10.0.0.2", uint8(vrid), 100, 2, craft.Tag{VID: uint16(vlan)}), time.Millisecond*time.Duration(n))
			n++
		}
	}
	if len(v.d.segs) != maxGroups || v.d.Evicted() != 10 {
		t.Errorf("%d segments, %d evicted", len(v.d.segs), v.d.Evicted())
	}
}

// TestVRRPAgeOut: a router heard once as a stray (not master) and then
// never again is forgotten after vrrpAgeOut; a master that stopped keeps
// its finding, closed.
func TestVRRPAgeOut(t *testing.T) {
	v := newVRRPFeed(t, Config{})
	a := newRtr("10.0.0.2", 1, 200, 2)
	v.send(a, 0)
	v.send(newRtr("10.0.0.3", 1, 100, 2), msd(500))
	v.every(a, time.Second, vrrpAgeOut+time.Minute, time.Second, nil)
	v.d.Advance(vrrpT0.Add(vrrpAgeOut + time.Minute))
	if v.d.routers != 1 || len(v.d.segs[v.d.order[0].key].routers) != 1 {
		t.Fatalf("%d routers after age-out", v.d.routers)
	}
	// The master stops; long after, its open gap is closed as an event.
	v.d.Advance(vrrpT0.Add(2*vrrpAgeOut + 2*time.Minute))
	fs := v.d.Findings()
	if len(fs) != 1 || fs[0].Count != 1 || fs[0].Details["still_silent"] != false ||
		!strings.Contains(fs[0].Events[0].Text, "stopped advertising and was not heard again") {
		t.Fatalf("%s %+v", codeList(fs), fs)
	}
}

// TestVRRPSummariesFit: with the longest addresses and VLAN stacks every
// summary stays under the report's string limit (report.Clean cuts longer
// ones).
func TestVRRPSummariesFit(t *testing.T) {
	tags := []craft.Tag{{VID: 4094}, {VID: 4093}}
	a := newRtr("2001:db8:ffff:ffff:ffff:ffff:ffff:fff1", 255, 254, 3, tags...)
	b := newRtr("2001:db8:ffff:ffff:ffff:ffff:ffff:fff2", 255, 253, 3, tags...)
	c := newRtr("2001:db8:ffff:ffff:ffff:ffff:ffff:fff3", 255, 252, 3, tags...).with(func(x *craft.VRRPAdvert) { x.AdverInt = 4095 })
	v := newVRRPFeed(t, Config{VRRP: VRRPConfig{GapFactor: 1.25}})
	v.every(a, 0, 10*time.Second, time.Second, nil)
	v.send(a.with(func(x *craft.VRRPAdvert) { x.BadChecksum = true }), sec(10))
	ttl := a
	ttl.ttl = 1
	v.send(ttl, sec(10.5))
	var items []timed
	items = append(items, schedule(b, sec(15), 100*time.Second, time.Second, nil)...)
	items = append(items, schedule(c, sec(15.5), 100*time.Second, time.Second, nil)...)
	items = append(items, schedule(a, sec(40), 60*time.Second, time.Second, nil)...)
	v.sendAll(items)
	v.send(b.with(func(x *craft.VRRPAdvert) { x.Priority = 0 }), 100*time.Second)
	fs := v.findings(2000 * time.Second)
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.Code] = true
		if n := utf8.RuneCountInString(f.Summary); n > 256 {
			t.Errorf("%s summary is %d characters: %s", f.Code, n, f.Summary)
		}
	}
	for _, c := range vrrpInfo().Codes {
		if !seen[c.Code] {
			t.Errorf("%s not exercised (have %s)", c.Code, codeList(fs))
		}
	}
}

// TestVRRPInfoCodesComplete: every code the detector emits is described.
func TestVRRPInfoCodesComplete(t *testing.T) {
	in := vrrpInfo()
	for _, c := range in.Codes {
		if c.Meaning == "" || c.Check == "" || c.Title == "" || !strings.HasPrefix(c.Code, "vrrp.") {
			t.Errorf("%+v", c)
		}
	}
	if _, ok := Lookup("vrrp"); !ok {
		t.Error("vrrp not registered")
	}
}

// vrrpCorpus lists what the detector reports on the corpus's VRRP captures
// (all healthy): codes with severities, nothing else.
var vrrpCorpus = []struct {
	file string
	want map[string]int // "code/severity" → findings
}{
	// Seven routers with priorities 191 to 197 take over one after another
	// in five VRIDs (v2, v3 IPv4, v3 IPv6): orderly preemptions only.
	{"tcpdump/vrrp.pcap", map[string]int{"vrrp.master-change/info": 5}},
	{"libpcap/vrrp.pcap", map[string]int{"vrrp.master-change/info": 3}},
	// fe80::2 (priority 100) advertises once, fe80::1 (105) preempts it and
	// advertises every 10 s (interval 1000 cs, gaps up to 9.96 s).
	{"nDPI/vrrp3.pcapng", map[string]int{"vrrp.master-change/info": 1}},
	{"PcapPlusPlus/VRRP-V2.pcap", nil},
	{"PcapPlusPlus/VRRP-V3-IPv4.pcap", nil},
	{"PcapPlusPlus/VRRP-V3-IPv6.pcap", nil},
	{"libpcap/carp.pcap", nil},                   // CARP, skipped
	{"tcpdump/vrrp-vrrp_print-oobr-2.pcap", nil}, // malformed
	{"tcpdump/vrrp-vrrp_print-oobr.pcap", nil},   // Frame Relay, not decoded
	{"zeek/pbb.pcap", nil},                       // VRRP inside 802.1ah PBB, not decoded
}

func TestVRRPCorpusNoFalseAlarms(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("corpus not present (../shared/corpus)")
	}
	for _, tc := range vrrpCorpus {
		t.Run(tc.file, func(t *testing.T) {
			src, err := source.Open(filepath.Join(dir, tc.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			d := newVRRP(Config{})
			var (
				p    source.Packet
				f    decode.Frame
				last time.Time
			)
			for src.Next(&p) == nil {
				if !p.LinkType.Known() {
					continue
				}
				f.Number, f.Time, f.WireLen = p.Number, p.Time, p.WireLen
				decode.Decode(&f, p.LinkType, p.Data)
				d.Observe(&f)
				last = p.Time
			}
			if src.Err != nil && src.Err != io.EOF {
				t.Logf("%v", src.Err)
			}
			d.Advance(last)
			got := map[string]int{}
			for _, f := range d.Findings() {
				got[f.Code+"/"+f.Severity.String()]++
			}
			want := tc.want
			if want == nil {
				want = map[string]int{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("findings %v, want %v", got, want)
			}
		})
	}
}

// uninterestingFrame is a TCP segment, what most frames are.
func uninterestingFrame() *decode.Frame {
	var f decode.Frame
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	data := craft.Ethernet(craft.MustMAC("52:54:00:00:00:01"), craft.MustMAC("52:54:00:00:00:02"), []craft.Tag{{VID: 100}}, decode.EtherTypeIPv4,
		craft.IP(a, b, decode.ProtoTCP, craft.TCP(a, b, 40000, 443, 1, 1, craft.ACK, craft.Bytes(1000, 1))))
	f.WireLen, f.Time = len(data), vrrpT0
	decode.Decode(&f, decode.LinkEthernet, data)
	return &f
}

func TestVRRPObserveUninterestingAllocs(t *testing.T) {
	d := newVRRP(Config{})
	f := uninterestingFrame()
	if n := testing.AllocsPerRun(1000, func() { d.Observe(f) }); n != 0 {
		t.Errorf("%v allocations per uninteresting frame", n)
	}
}

func TestVRRPObserveAdvertAllocs(t *testing.T) {
	d := newVRRP(Config{})
	r := newRtr("10.0.30.11", 51, 150, 2, craft.Tag{VID: 130})
	data := craft.VRRPFrame(r.mac, r.tags, r.ip, 0, r.adv)
	var f decode.Frame
	f.WireLen = len(data)
	decode.Decode(&f, decode.LinkEthernet, data)
	i := 0
	if n := testing.AllocsPerRun(1000, func() {
		f.Time = vrrpT0.Add(time.Duration(i) * time.Second)
		i++
		d.Observe(&f)
	}); n != 0 {
		t.Errorf("%v allocations per advertisement of a known router", n)
	}
}

func BenchmarkVRRPObserve(b *testing.B) {
	b.Run("uninteresting", func(b *testing.B) {
		d := newVRRP(Config{})
		f := uninterestingFrame()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			d.Observe(f)
		}
	})
	b.Run("advert", func(b *testing.B) {
		d := newVRRP(Config{})
		r := newRtr("10.0.30.11", 51, 150, 2, craft.Tag{VID: 130})
		data := craft.VRRPFrame(r.mac, r.tags, r.ip, 0, r.adv)
		var f decode.Frame
		f.WireLen = len(data)
		decode.Decode(&f, decode.LinkEthernet, data)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			f.Time = vrrpT0.Add(time.Duration(i) * time.Second)
			d.Observe(&f)
		}
	})
}

// TestVRRPLiveEqualsFile: calling Advance every second, as a live capture
// does, gives the same findings as reading the file, where Advance comes
// only at the end.
func TestVRRPLiveEqualsFile(t *testing.T) {
	for _, s := range samples.All() {
		if !strings.HasPrefix(s.Name, "vrrp-") {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			c := s.Build()
			if _, err := c.Bytes(); err != nil { // sorts the packets by time
				t.Fatal(err)
			}
			run := func(live bool) []report.Finding {
				d := newVRRP(Config{})
				var (
					f    decode.Frame
					tick time.Time
				)
				for i, p := range c.Packets {
					if live {
						for tick.IsZero() || !tick.After(p.Time) {
							if tick.IsZero() {
								tick = p.Time
							}
							d.Advance(tick)
							tick = tick.Add(time.Second)
						}
					}
					f.Number, f.Time, f.WireLen = int64(i+1), p.Time, len(p.Data)
					decode.Decode(&f, decode.LinkEthernet, p.Data)
					d.Observe(&f)
				}
				d.Advance(c.Packets[len(c.Packets)-1].Time)
				return d.Findings()
			}
			file, live := run(false), run(true)
			if !reflect.DeepEqual(file, live) {
				t.Errorf("file:\n%s\nlive:\n%s", codeList(file), codeList(live))
				for i := range file {
					if i < len(live) && !reflect.DeepEqual(file[i], live[i]) {
						t.Errorf("%+v\n%+v", file[i], live[i])
					}
				}
			}
		})
	}
}

// FuzzVRRPObserve feeds hostile advertisements (any bytes after a valid
// Ethernet/IPv4 or IPv6 header for protocol 112, any TTL, times jumping
// back and forth) and checks that nothing panics and Findings stays sane.
func FuzzVRRPObserve(f *testing.F) {
	a := newRtr("10.0.30.11", 51, 150, 2, craft.Tag{VID: 130})
	f.Add(craft.VRRP(a.ip, craft.VRRPGroup4, a.adv), uint8(255), int16(1000), false)
	b := newRtr("fe80::1", 20, 0, 3)
	f.Add(craft.VRRP(b.ip, craft.VRRPGroup6, b.adv), uint8(1), int16(-3), true)
	f.Add(craft.CARP(1, 0, 1, 0, 1, [20]byte{}), uint8(255), int16(5000), false)
	f.Fuzz(func(t *testing.T, msg []byte, ttl uint8, step int16, v6 bool) {
		d := newVRRP(Config{})
		var fr decode.Frame
		src, dst := netip.MustParseAddr("10.0.0.2"), craft.VRRPGroup4
		if v6 {
			src, dst = netip.MustParseAddr("fe80::2"), craft.VRRPGroup6
		}
		now := vrrpT0
		for i := 0; i < 8; i++ {
			m := append([]byte(nil), msg...)
			if len(m) > 2 {
				m[2] ^= byte(i) // vary the priority
			}
			from := src // two routers, the second one advertising less often
			if i%3 == 1 {
				from = src.Next()
			}
			var pkt []byte
			if v6 {
				pkt = craft.IPv6(from, dst, decode.ProtoVRRP, ttl, m)
			} else {
				pkt = craft.IPv4(from, dst, decode.ProtoVRRP, craft.IPv4Options{TTL: ttl}, m)
			}
			data := craft.Ethernet(craft.MustMAC("01:00:5e:00:00:12"), craft.MustMAC("fa:16:3e:00:00:02"), []craft.Tag{{VID: 7}}, craft.EtherTypeFor(from), pkt)
			now = now.Add(time.Duration(step) * time.Millisecond)
			fr.Number, fr.Time, fr.WireLen = int64(i+1), now, len(data)
			decode.Decode(&fr, decode.LinkEthernet, data)
			d.Observe(&fr)
			if i%3 == 0 {
				d.Advance(now.Add(10 * time.Second))
			}
		}
		for _, x := range d.Findings() {
			if x.Count <= 0 || x.Detector != "vrrp" {
				t.Fatalf("%+v", x)
			}
		}
	})
}

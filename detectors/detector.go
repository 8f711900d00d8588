// Package detectors holds wiretale's detectors. Each watches the decoded
// frames for one kind of fault and reports findings; each lives in its own
// file whose doc comment names the condition and the standard behind it.
//
// A detector is built from a typed Config (flags become config in cmd/,
// never here) and only copies values out of the frames it sees.
package detectors

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/report"
)

// Detector watches frames in timestamp order.
type Detector interface {
	// Observe looks at one frame. It must not keep f or any slice of it.
	Observe(f *decode.Frame)
	// Advance tells the detector that time has reached now with no frame
	// in between, so that silences (a VRRP master that stopped, a DHCP
	// request never answered) become findings on time in a live capture,
	// and at the end of a file.
	Advance(now time.Time)
	// Findings returns what the detector has found so far. It may be
	// called more than once; each call returns fresh values.
	Findings() []report.Finding
}

// SourceEnder is implemented by detectors whose findings depend on time
// passing (a silent VRRP master, an unanswered DHCP request). When several
// captures are merged, one may end long before the others; the engine
// calls EndSource with that source's last timestamp, and the detector
// judges the source's silences no later than that, so the end of a
// capture is never mistaken for a silence on the wire.
type SourceEnder interface {
	EndSource(src int, last time.Time)
}

// Evicter is implemented by detectors that bound their state and may drop
// some of it; the count appears in the report.
type Evicter interface {
	Evicted() int64
}

// Code describes one finding code.
type Code struct {
	Code     string
	Severity report.Severity // the usual severity; some findings raise or lower it
	Title    string          // a few words
	Meaning  string          // what it means, for the operator who has to act
	Check    string          // what to check next
}

// Knob is one command-line setting of a detector.
type Knob struct {
	Flag    string
	Default string
	Help    string
}

// Info describes a detector and builds it.
type Info struct {
	Name    string
	Summary string
	Codes   []Code
	Knobs   []Knob
	// Blind returns why the detector cannot see its condition in frames of
	// link type lt, or "" when it can.
	Blind func(lt decode.LinkType) string
	New   func(cfg Config) Detector
}

// Config configures every detector. The zero value gives the documented
// defaults.
type Config struct {
	// Only names the detectors to run; empty runs them all.
	Only       []string
	Link       LinkConfig
	DoubleVLAN DoubleVLANConfig
	// InstanceBPDU configures instance-bpdu.
	InstanceBPDU InstanceBPDUConfig
	VRRP         VRRPConfig
	DHCP         DHCPConfig
}

// LinkConfig describes the link the capture was taken on; double-vlan
// and oversize share it.
type LinkConfig struct {
	// MTU is the largest layer-3 packet the link carries; 0 means 1500.
	MTU int
	// MaxTags is how many VLAN tags a frame may carry within the frame
	// limit; 0 means 1 (an 802.1Q trunk), a negative value means none (an
	// access port).
	MaxTags int
}

// DefaultMTU is the Ethernet MTU (IEEE 802.3 §3.2.7: 1500-byte client data).
const DefaultMTU = 1500

// EffectiveMTU returns the MTU with the default applied.
func (c LinkConfig) EffectiveMTU() int {
	if c.MTU <= 0 {
		return DefaultMTU
	}
	return c.MTU
}

// EffectiveMaxTags returns the allowed tag count with the default applied.
func (c LinkConfig) EffectiveMaxTags() int {
	switch {
	case c.MaxTags == 0:
		return 1
	case c.MaxTags < 0:
		return 0
	}
	return c.MaxTags
}

// FrameLimit is the largest frame on the wire the link accepts, without
// FCS: 14 bytes of Ethernet header, 4 per allowed tag, and the MTU
// (1518 by default).
func (c LinkConfig) FrameLimit() int {
	return 14 + 4*c.EffectiveMaxTags() + c.EffectiveMTU()
}

// Registry lists every detector, in the order they run and are listed.
func Registry() []Info {
	return []Info{
		doubleVLANInfo(),
		oversizeInfo(),
		instanceBPDUInfo(),
		vrrpInfo(),
		dhcpInfo(),
	}
}

// Lookup returns the named detector's description.
func Lookup(name string) (Info, bool) {
	for _, in := range Registry() {
		if in.Name == name {
			return in, true
		}
	}
	return Info{}, false
}

// Names returns every detector's name.
func Names() []string {
	var out []string
	for _, in := range Registry() {
		out = append(out, in.Name)
	}
	return out
}

// Build constructs the detectors cfg asks for, in registry order.
func Build(cfg Config) ([]Detector, []Info, error) {
	want := map[string]bool{}
	for _, n := range cfg.Only {
		if _, ok := Lookup(n); !ok {
			return nil, nil, fmt.Errorf("unknown detector %q (have %s)", n, strings.Join(Names(), ", "))
		}
		want[n] = true
	}
	var (
		dets  []Detector
		infos []Info
	)
	for _, in := range Registry() {
		if len(want) > 0 && !want[in.Name] {
			continue
		}
		dets = append(dets, in.New(cfg))
		infos = append(infos, in)
	}
	return dets, infos, nil
}

// noVLANTags is the Blind reason shared by detectors that need the
// Ethernet header and its VLAN stack.
func noVLANTags(lt decode.LinkType) string {
	switch lt {
	case decode.LinkEthernet:
		return ""
	case decode.LinkLinuxSLL, decode.LinkLinuxSLL2:
		return "a Linux cooked capture (tcpdump -i any) has no Ethernet header: the kernel strips VLAN tags before libpcap sees them; capture on the physical, bond or bridge interface instead"
	}
	return "a " + lt.String() + " capture has no Ethernet header or VLAN tags; capture on the physical, bond or bridge interface instead"
}

// maxFrameSamples is how many example frame numbers a finding lists.
const maxFrameSamples = 5

// frameSample keeps the first few frame numbers of a finding.
type frameSample struct {
	n   [maxFrameSamples]int64
	len int
}

func (s *frameSample) add(n int64) {
	if s.len < maxFrameSamples {
		s.n[s.len] = n
		s.len++
	}
}

func (s *frameSample) list() []int64 { return append([]int64(nil), s.n[:s.len]...) }

// eventLog keeps a finding's timeline events, bounded: past the report's
// cap only the number of further events is kept.
type eventLog struct {
	evs     []report.Event
	omitted int
}

func (l *eventLog) add(t time.Time, sev report.Severity, frame int64, format string, args ...any) {
	if len(l.evs) >= report.MaxEventsPerFinding {
		l.omitted++
		return
	}
	l.evs = append(l.evs, report.Event{Time: report.Time{Time: t}, Severity: sev, Frame: frame, Text: fmt.Sprintf(format, args...)})
}

// addSpan records an event that lasts d from t: a silence, a gap.
func (l *eventLog) addSpan(t time.Time, d time.Duration, sev report.Severity, frame int64, format string, args ...any) {
	if len(l.evs) >= report.MaxEventsPerFinding {
		l.omitted++
		return
	}
	l.evs = append(l.evs, report.Event{Time: report.Time{Time: t}, Duration: d.Seconds(), Severity: sev, Frame: frame, Text: fmt.Sprintf(format, args...)})
}

func (l *eventLog) events() []report.Event { return append([]report.Event(nil), l.evs...) }

// plural returns "1 frame" or "3 frames".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// sortFindings orders a detector's findings deterministically before they
// are handed over (the report sorts again, but tests compare slices).
func sortFindings(fs []report.Finding) {
	sort.Slice(fs, func(i, j int) bool {
		if !fs[i].First.Equal(fs[j].First.Time) {
			return fs[i].First.Before(fs[j].First.Time)
		}
		return fs[i].Subject < fs[j].Subject
	})
}

// maxGroups bounds how many distinct subjects (MAC and VLAN pairs, say)
// one detector tracks. A capture with more is hostile or pathological;
// frames of further subjects are counted as evicted instead.
const maxGroups = 4096

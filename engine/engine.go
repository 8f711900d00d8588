// Package engine runs the pipeline: sources → decode → detectors → report.
//
// Analyzer is the part shared by file analysis (Run) and live capture: it
// decodes each packet into one reused Frame, hands it to every detector,
// and assembles the report on demand.
package engine

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/detectors"
	"github.com/wiretale/wiretale/report"
	"github.com/wiretale/wiretale/source"
)

// ErrPartialInput says that the report is complete for what was read but
// some input was cut short or corrupt.
var ErrPartialInput = errors.New("some input was cut short or corrupt")

// Analyzer feeds packets to detectors.
type Analyzer struct {
	dets    []detectors.Detector
	infos   []detectors.Info
	frame   decode.Frame
	packets int64
	now     time.Time // latest timestamp seen or advanced to
}

// NewAnalyzer returns an analyzer over the given detectors (as built by
// detectors.Build, with their descriptions).
func NewAnalyzer(dets []detectors.Detector, infos []detectors.Info) *Analyzer {
	return &Analyzer{dets: dets, infos: infos}
}

// Packet decodes one packet from source src and shows it to every
// detector. Packets of link types wiretale cannot decode are only counted
// (their sources count them as undecoded).
func (a *Analyzer) Packet(src int, p *source.Packet) {
	a.packets++
	if !p.LinkType.Known() {
		return
	}
	f := &a.frame
	f.Source = src
	f.Number = p.Number
	f.Time = p.Time
	f.WireLen = p.WireLen
	decode.Decode(f, p.LinkType, p.Data)
	for _, d := range a.dets {
		d.Observe(f)
	}
	if p.Time.After(a.now) {
		a.now = p.Time
	}
}

// Advance moves every detector's clock to now (a live capture's wall
// clock when no packet arrives, or the end of a file).
func (a *Analyzer) Advance(now time.Time) {
	if now.After(a.now) {
		a.now = now
	}
	for _, d := range a.dets {
		d.Advance(a.now)
	}
}

// EndSource tells the detectors that judge silences that source src has
// ended at last, so that the time the other sources go on is not counted
// as silence in it.
func (a *Analyzer) EndSource(src int, last time.Time) {
	for _, d := range a.dets {
		if e, ok := d.(detectors.SourceEnder); ok {
			e.EndSource(src, last)
		}
	}
}

// Packets returns how many packets were seen.
func (a *Analyzer) Packets() int64 { return a.packets }

// Now returns the latest time seen or advanced to.
func (a *Analyzer) Now() time.Time { return a.now }

// Input describes one source for the report: its counters, and the link
// types it held (to say which detectors were blind) and how it ended.
type Input struct {
	report.Source
	LinkTypes []decode.LinkType
	Err       error
	FarFuture int64 // packets stamped after year 9999
}

// Report assembles the report from the inputs' descriptions and the
// detectors' findings so far. It may be called repeatedly.
func (a *Analyzer) Report(version string, inputs []Input) *report.Report {
	r := &report.Report{Version: version, Packets: a.packets}
	for _, in := range inputs {
		rs := in.Source
		rs.LinkTypes = []string{}
		for _, lt := range in.LinkTypes {
			rs.LinkTypes = append(rs.LinkTypes, lt.String())
		}
		rs.Truncated = in.Err != nil
		if in.Err != nil {
			msg := in.Err.Error()
			rs.Error = &msg
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %v; findings cover the %s read before it", rs.Name, in.Err, packetsPhrase(rs.Packets)))
		}
		if rs.OutOfOrder > 0 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %d packets have timestamps earlier than the packet before them; gaps and orderings involving them may be wrong", rs.Name, rs.OutOfOrder))
		}
		if rs.Undecoded > 0 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %d packets of link types wiretale cannot decode were counted but not analysed", rs.Name, rs.Undecoded))
		}
		if in.FarFuture > 0 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %d packets carry timestamps after the year 9999 (a corrupt timestamp resolution or offset); they are shown as 9999-12-31", rs.Name, in.FarFuture))
		}
		if w := dropWarning(rs); w != "" {
			r.Warnings = append(r.Warnings, w)
		}
		rs.Blind = blindness(a.infos, in.LinkTypes)
		r.Sources = append(r.Sources, rs)
	}
	for i, d := range a.dets {
		run := report.DetectorRun{Name: a.infos[i].Name}
		if e, ok := d.(detectors.Evicter); ok {
			run.Evicted = e.Evicted()
			if run.Evicted > 0 {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s: state for %d subjects was dropped to bound memory; its findings may be incomplete", run.Name, run.Evicted))
			}
		}
		r.Detectors = append(r.Detectors, run)
		r.Findings = append(r.Findings, d.Findings()...)
	}
	r.Findings, r.FindingsOmitted = capFindings(r.Findings)
	for code, n := range r.FindingsOmitted {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %d more findings not listed; the report lists the %d most severe, then earliest, of each code", code, n, MaxFindingsPerCode))
	}
	r.Codes = map[string]report.CodeInfo{}
	for _, f := range r.Findings {
		if _, ok := r.Codes[f.Code]; ok {
			continue
		}
		for _, in := range a.infos {
			for _, c := range in.Codes {
				if c.Code == f.Code {
					r.Codes[f.Code] = report.CodeInfo{Title: c.Title, Meaning: c.Meaning, Check: c.Check}
				}
			}
		}
	}
	r.Finalize()
	return r
}

// dropWarning says when a live capture lost packets (pcap stats), so that
// findings may be incomplete: a gap may be a drop, a conversation may miss
// its reply.
func dropWarning(rs report.Source) string {
	var lost []string
	if rs.Dropped != nil && *rs.Dropped > 0 {
		of := ""
		if rs.Received != nil {
			of = fmt.Sprintf(" of %d", *rs.Received)
		}
		lost = append(lost, fmt.Sprintf("the kernel dropped %d%s packets (capture buffer full: raise --buffer or narrow --filter)", *rs.Dropped, of))
	}
	if rs.IfDropped != nil && *rs.IfDropped > 0 {
		// libpcap reads this from the interface's rx_dropped counter,
		// which also counts frames discarded on purpose (on a bond's
		// backup member, say).
		lost = append(lost, fmt.Sprintf("the interface counted %d receive drops (rx_dropped)", *rs.IfDropped))
	}
	if len(lost) == 0 {
		return ""
	}
	return fmt.Sprintf("%s: %s; findings may be incomplete", rs.Name, strings.Join(lost, " and "))
}

// blindness lists the detectors that no link type of a source lets see
// their condition; a pcapng mixing Ethernet and cooked interfaces is not
// blind.
func blindness(infos []detectors.Info, lts []decode.LinkType) []report.Blind {
	out := []report.Blind{}
	for _, in := range infos {
		if in.Blind == nil {
			continue
		}
		reason := ""
		for _, lt := range lts {
			if !lt.Known() {
				continue
			}
			why := in.Blind(lt)
			if why == "" {
				reason = ""
				break
			}
			if reason == "" {
				reason = why
			}
		}
		if reason != "" {
			out = append(out, report.Blind{Detector: in.Name, Reason: reason})
		}
	}
	return out
}

// Run reads every file source to its end (or its first fault), merged by
// timestamp, and returns the report. Sources that fail part-way are marked
// in the report; what they held before the fault is analysed.
func Run(srcs []*source.Source, dets []detectors.Detector, infos []detectors.Info, version string) *report.Report {
	a := NewAnalyzer(dets, infos)
	m := source.NewMerger(srcs)
	m.OnEnd = func(i int) { a.EndSource(i, srcs[i].Last) }
	for {
		p, idx, err := m.Next()
		if err != nil {
			break
		}
		a.Packet(idx, p)
	}
	a.Advance(a.now)
	return a.Report(version, FileInputs(srcs))
}

// FileInputs describes file sources for Report.
func FileInputs(srcs []*source.Source) []Input {
	out := make([]Input, 0, len(srcs))
	for _, s := range srcs {
		in := Input{
			Source: report.Source{
				Name:       DisplayName(s.Name),
				Format:     s.Format,
				Packets:    s.Packets,
				Bytes:      s.Bytes,
				OutOfOrder: s.OutOfOrder,
				Undecoded:  s.Undecoded,
			},
			LinkTypes: s.LinkTypes,
			Err:       s.Err,
			FarFuture: s.FarFuture,
		}
		if s.Packets > 0 {
			in.First = &report.Time{Time: s.First}
			in.Last = &report.Time{Time: s.Last}
		}
		out = append(out, in)
	}
	return out
}

// DisplayName is how a source is named in reports: "stdin" for "-", the
// path as given otherwise.
func DisplayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return filepath.Clean(name)
}

// Partial reports whether any source ended with a read fault.
func Partial(srcs []*source.Source) bool {
	for _, s := range srcs {
		if s.Err != nil {
			return true
		}
	}
	return false
}

func packetsPhrase(n int64) string {
	if n == 1 {
		return "1 packet"
	}
	return fmt.Sprintf("%d packets", n)
}

// MaxFindingsPerCode bounds how many findings of one code a report lists.
// Only hostile or pathological traffic (a flood from random MACs) comes
// near it, and a report of thousands of findings helps nobody read it; the
// rest are counted in Report.FindingsOmitted.
const MaxFindingsPerCode = 500

// capFindings keeps the MaxFindingsPerCode most severe, then earliest,
// findings of each code.
func capFindings(fs []report.Finding) ([]report.Finding, map[string]int) {
	perCode := map[string]int{}
	for _, f := range fs {
		perCode[f.Code]++
	}
	over := false
	for _, n := range perCode {
		if n > MaxFindingsPerCode {
			over = true
		}
	}
	if !over {
		return fs, nil
	}
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Severity != fs[j].Severity {
			return fs[i].Severity > fs[j].Severity
		}
		return fs[i].First.Before(fs[j].First.Time)
	})
	kept := fs[:0]
	listed := map[string]int{}
	omitted := map[string]int{}
	for _, f := range fs {
		if listed[f.Code] >= MaxFindingsPerCode {
			omitted[f.Code]++
			continue
		}
		listed[f.Code]++
		kept = append(kept, f)
	}
	return kept, omitted
}

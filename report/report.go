// Package report holds wiretale's report contract (schema wiretale/report/v1,
// documented in docs/report.md) and renders it as a table or JSON.
//
// Renderers are functions from a *Report to an io.Writer. Every string that
// can come from a packet has already been passed through Clean when the
// report was built; each format escapes its own metacharacters on top.
package report

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"sort"
	"time"
)

// Schema names the version of the JSON contract.
const Schema = "wiretale/report/v1"

// MaxEventsPerFinding caps the timeline events one finding contributes; the
// rest are counted in Finding.EventsOmitted and announced by a final event.
const MaxEventsPerFinding = 20

// Severity ranks findings. The zero value is Info.
type Severity uint8

// Severities, in increasing order.
const (
	Info Severity = iota
	Warning
	Critical
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Critical:
		return "critical"
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// ParseSeverity is the inverse of Severity.String.
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "info":
		return Info, nil
	case "warning":
		return Warning, nil
	case "critical":
		return Critical, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want info, warning or critical)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// TimeLayout is RFC 3339 in UTC with all nine fractional digits, so that
// times line up and sort as strings.
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Time is a timestamp that marshals in TimeLayout.
type Time struct{ time.Time }

// MaxTime is the latest instant RFC 3339 can write (year 9999). Corrupt
// pcapng timestamps can lie far beyond it; they are written as MaxTime so
// the report stays parseable, and the report warns about them.
var MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(FormatTime(t.Time))
}

// FormatTime formats t in TimeLayout, clamped to the years RFC 3339 allows.
func FormatTime(t time.Time) string {
	if t.After(MaxTime) {
		t = MaxTime
	} else if t.Year() < 0 {
		t = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.UTC().Format(TimeLayout)
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	t.Time = v
	return err
}

// Report is everything one run of wiretale found.
type Report struct {
	Schema    string        `json:"schema"`
	Version   string        `json:"wiretale_version"`
	Sources   []Source      `json:"sources"`
	Packets   int64         `json:"packets"`
	Detectors []DetectorRun `json:"detectors"`
	Findings  []Finding     `json:"findings"`
	Timeline  []Event       `json:"timeline"`
	Warnings  []string      `json:"warnings"`
	// Codes explains every code that has a finding: what it means and what
	// to check next, for the reader who did not run the capture.
	Codes map[string]CodeInfo `json:"codes"`
	// FindingsOmitted counts, per code, findings left out of the list
	// because a code had more than the engine's limit (hostile traffic).
	FindingsOmitted map[string]int `json:"findings_omitted,omitempty"`
	// Evidence names the pcapng of the frames behind the findings, when
	// one was written (--evidence).
	Evidence *Evidence `json:"evidence,omitempty"`
}

// CodeInfo explains a finding code in plain language.
type CodeInfo struct {
	Title   string `json:"title"`
	Meaning string `json:"meaning"`
	Check   string `json:"check"`
}

// Evidence describes the evidence capture written alongside the report.
type Evidence struct {
	File    string `json:"file"`
	Packets int    `json:"packets"`
}

// Source describes one input: a file, standard input or an interface.
type Source struct {
	Name      string   `json:"name"`
	Format    string   `json:"format"`
	LinkTypes []string `json:"link_types"`
	Packets   int64    `json:"packets"`
	Bytes     int64    `json:"bytes"`
	First     *Time    `json:"first"`
	Last      *Time    `json:"last"`
	Truncated bool     `json:"truncated"`
	Error     *string  `json:"error"`
	// OutOfOrder counts frames whose timestamp is earlier than the frame
	// before them in the same source.
	OutOfOrder int64 `json:"out_of_order"`
	// Undecoded counts frames of link types wiretale cannot decode.
	Undecoded int64 `json:"undecoded"`
	// Blind lists the detectors that cannot see their condition in this
	// source, and why (a cooked capture has no VLAN tags).
	Blind []Blind `json:"blind"`
	// Live capture counters from the kernel (pcap stats); absent for files.
	Received  *int64 `json:"received,omitempty"`
	Dropped   *int64 `json:"dropped,omitempty"`
	IfDropped *int64 `json:"if_dropped,omitempty"`
}

// Blind says that a detector cannot see what it looks for in a source.
type Blind struct {
	Detector string `json:"detector"`
	Reason   string `json:"reason"`
}

// DetectorRun records that a detector ran and how much state it dropped.
type DetectorRun struct {
	Name string `json:"name"`
	// Evicted counts state entries (clients, routers, MAC groups) dropped
	// to keep memory bounded; findings about them may be incomplete.
	Evicted int64 `json:"evicted"`
}

// Finding is one condition about one subject, with all its occurrences.
type Finding struct {
	ID       string         `json:"id"`
	Detector string         `json:"detector"`
	Code     string         `json:"code"`
	Severity Severity       `json:"severity"`
	Summary  string         `json:"summary"`
	Subject  string         `json:"subject"`
	Source   string         `json:"source"`
	First    Time           `json:"first"`
	Last     Time           `json:"last"`
	Count    int64          `json:"count"`
	Frames   []int64        `json:"frames"`
	Details  map[string]any `json:"details"`
	// EventsOmitted counts timeline events beyond MaxEventsPerFinding.
	EventsOmitted int `json:"events_omitted"`

	// SourceIndex is the input the finding came from; Build turns it into
	// Source.
	SourceIndex int `json:"-"`
	// Events are the finding's own timeline entries; Build moves them into
	// Report.Timeline.
	Events []Event `json:"-"`
	// Evidence lists the frames (in the finding's source) that prove it,
	// with context around them where it helps, for --evidence. Frames is
	// used when it is empty.
	Evidence []int64 `json:"-"`
}

// Event is one entry of the timeline.
type Event struct {
	Time     Time     `json:"time"`
	Finding  string   `json:"finding"`
	Severity Severity `json:"severity"`
	Text     string   `json:"text"`
	// Frame is the frame number (in the finding's source) the event is
	// about, or 0.
	Frame int64 `json:"frame,omitempty"`
	// Duration, when set, says the event spans [time, time+duration]: a
	// silence, a gap, a conversation.
	Duration float64 `json:"duration_s,omitempty"`
}

// FindingID derives a short stable identifier from what makes a finding
// unique, so that the same condition in the same capture always gets the
// same id, whether from analyze or from a live capture, and whichever
// directory the capture was read from (Finalize passes the base name).
func FindingID(detector, code, source, subject string) string {
	h := fnv.New32a()
	for _, s := range []string{detector, code, source, subject} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%08x", h.Sum32())
}

// Finalize puts the report in its published form: strings cleaned, source
// names filled in, ids assigned, findings sorted by (first, detector,
// subject), and the per-finding events merged into one capped timeline.
func (r *Report) Finalize() {
	r.Schema = Schema
	for i := range r.Sources {
		r.Sources[i].Name = Clean(r.Sources[i].Name)
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.SourceIndex >= 0 && f.SourceIndex < len(r.Sources) {
			f.Source = r.Sources[f.SourceIndex].Name
		}
		f.Summary = Clean(f.Summary)
		f.Subject = Clean(f.Subject)
		f.Details = normalizeDetails(f.Details)
		if f.Frames == nil {
			f.Frames = []int64{}
		}
		f.ID = FindingID(f.Detector, f.Code, filepath.Base(f.Source), f.Subject)
	}
	sort.SliceStable(r.Findings, func(i, j int) bool { return findingLess(&r.Findings[i], &r.Findings[j]) })

	r.Timeline = r.Timeline[:0]
	for i := range r.Findings {
		f := &r.Findings[i]
		// A copy: the detector may still hold the slice it returned.
		evs := append([]Event(nil), f.Events...)
		sort.SliceStable(evs, func(a, b int) bool { return evs[a].Time.Before(evs[b].Time.Time) })
		omitted := f.EventsOmitted
		if len(evs) > MaxEventsPerFinding {
			omitted += len(evs) - MaxEventsPerFinding
			evs = evs[:MaxEventsPerFinding]
		}
		for _, e := range evs {
			e.Finding = f.ID
			e.Text = Clean(e.Text)
			r.Timeline = append(r.Timeline, e)
		}
		if omitted > 0 {
			r.Timeline = append(r.Timeline, Event{
				Time:     f.Last,
				Finding:  f.ID,
				Severity: f.Severity,
				Text:     fmt.Sprintf("%d more events of this finding not shown; count has them all", omitted),
			})
		}
		f.EventsOmitted = omitted
		f.Events = nil
	}
	// Findings are already in order, so a stable sort by time keeps their
	// order among events at the same instant.
	sort.SliceStable(r.Timeline, func(i, j int) bool { return r.Timeline[i].Time.Before(r.Timeline[j].Time.Time) })
	for i, w := range r.Warnings {
		r.Warnings[i] = Clean(w)
	}
	if r.Sources == nil {
		r.Sources = []Source{}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Timeline == nil {
		r.Timeline = []Event{}
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	if r.Detectors == nil {
		r.Detectors = []DetectorRun{}
	}
	if r.Codes == nil {
		r.Codes = map[string]CodeInfo{}
	}
}

func findingLess(a, b *Finding) bool {
	if !a.First.Equal(b.First.Time) {
		return a.First.Before(b.First.Time)
	}
	if a.Detector != b.Detector {
		return a.Detector < b.Detector
	}
	if a.Subject != b.Subject {
		return a.Subject < b.Subject
	}
	if a.Code != b.Code {
		return a.Code < b.Code
	}
	return a.Source < b.Source
}

// Counts returns how many findings there are at each severity.
func (r *Report) Counts() (info, warning, critical int) {
	for _, f := range r.Findings {
		switch f.Severity {
		case Info:
			info++
		case Warning:
			warning++
		case Critical:
			critical++
		}
	}
	return
}

// Span returns the earliest and latest timestamps over all sources.
func (r *Report) Span() (first, last time.Time, ok bool) {
	for _, s := range r.Sources {
		if s.First == nil || s.Last == nil {
			continue
		}
		if !ok || s.First.Before(first) {
			first = s.First.Time
		}
		if !ok || s.Last.After(last) {
			last = s.Last.Time
		}
		ok = true
	}
	return
}

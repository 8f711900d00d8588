package report

import (
	"bufio"
	"encoding/json"
	"io"
)

// JSON lines (format jsonl), for log shippers: one self-contained JSON
// object per line, each with a "type":
//
//   - "finding": a finding seen for the first time ("status": "new") or
//     whose severity rose ("status": "escalated"), with every field of
//     the report's finding at that moment, and "time" (its first
//     occurrence, or its last when escalated);
//   - "event": a timeline entry seen for the first time, with the
//     finding's id, detector, code, subject and source alongside;
//   - "summary": last, the report without its timeline (already sent as
//     events): sources with their counters, detectors, final findings,
//     warnings, and the count of findings per severity.
//
// A file analysed with --format jsonl gives every finding and event, then
// the summary. A live capture streams them as they happen (Stream).

// JSONLFinding is a "finding" line.
type JSONLFinding struct {
	Type   string `json:"type"`
	Status string `json:"status"`
	Time   Time   `json:"time"`
	*Finding
}

// JSONLEvent is an "event" line.
type JSONLEvent struct {
	Type string `json:"type"`
	Event
	Detector string `json:"detector"`
	Code     string `json:"code"`
	Subject  string `json:"subject"`
	Source   string `json:"source"`
}

// JSONLSummary is the "summary" line.
type JSONLSummary struct {
	Type      string         `json:"type"`
	Time      *Time          `json:"time"` // the last packet's time; null without packets
	Schema    string         `json:"schema"`
	Version   string         `json:"wiretale_version"`
	Sources   []Source       `json:"sources"`
	Packets   int64          `json:"packets"`
	Detectors []DetectorRun  `json:"detectors"`
	Counts    map[string]int `json:"counts"`
	Findings  []Finding      `json:"findings"`
	Warnings  []string       `json:"warnings"`
}

// WriteJSONL writes a whole report as JSON lines.
func WriteJSONL(w io.Writer, r *Report) error {
	return NewStream(w).Close(r)
}

// Stream writes the JSON lines of successive snapshots of one growing
// report, each finding and event once. Its memory is bounded by the
// latest snapshot: what is no longer in it (a detector evicted it) is
// forgotten, and announced again if it comes back.
type Stream struct {
	w        *bufio.Writer
	enc      *json.Encoder
	findings map[string]Severity // announced findings and their severity
	events   map[eventKey]bool   // announced events
}

type eventKey struct {
	finding string
	time    int64 // UnixNano: time.Time's == also compares locations
	frame   int64
	text    string
}

// NewStream starts a stream on w.
func NewStream(w io.Writer) *Stream {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &Stream{w: bw, enc: enc, findings: map[string]Severity{}, events: map[eventKey]bool{}}
}

// Update writes the lines for what is new in snapshot r (finalized, as
// Analyzer.Report returns it) and flushes them.
func (s *Stream) Update(r *Report) error {
	byID := make(map[string]*Finding, len(r.Findings))
	findings := make(map[string]Severity, len(r.Findings))
	for i := range r.Findings {
		f := &r.Findings[i]
		byID[f.ID] = f
		findings[f.ID] = f.Severity
		prev, seen := s.findings[f.ID]
		switch {
		case !seen:
			if err := s.enc.Encode(JSONLFinding{Type: "finding", Status: "new", Time: f.First, Finding: f}); err != nil {
				return err
			}
		case f.Severity > prev:
			if err := s.enc.Encode(JSONLFinding{Type: "finding", Status: "escalated", Time: f.Last, Finding: f}); err != nil {
				return err
			}
		case f.Severity < prev:
			findings[f.ID] = prev // announce only rises
		}
	}
	s.findings = findings

	// Finalize appends a "N more events not shown" entry after the events
	// of a finding that has more than the cap; its text changes with every
	// event, so it is left to the summary's events_omitted.
	last := make(map[string]int, len(r.Findings))
	for i, e := range r.Timeline {
		last[e.Finding] = i
	}
	events := make(map[eventKey]bool, len(r.Timeline))
	for i, e := range r.Timeline {
		f := byID[e.Finding]
		if f == nil || (f.EventsOmitted > 0 && last[e.Finding] == i) {
			continue
		}
		k := eventKey{finding: e.Finding, time: e.Time.UnixNano(), frame: e.Frame, text: e.Text}
		events[k] = true
		if s.events[k] {
			continue
		}
		line := JSONLEvent{Type: "event", Event: e, Detector: f.Detector, Code: f.Code, Subject: f.Subject, Source: f.Source}
		if err := s.enc.Encode(line); err != nil {
			return err
		}
	}
	s.events = events
	return s.w.Flush()
}

// Close writes what is new in the final report, then the summary line.
func (s *Stream) Close(r *Report) error {
	if err := s.Update(r); err != nil {
		return err
	}
	info, warning, critical := r.Counts()
	sum := JSONLSummary{
		Type:      "summary",
		Schema:    r.Schema,
		Version:   r.Version,
		Sources:   r.Sources,
		Packets:   r.Packets,
		Detectors: r.Detectors,
		Counts:    map[string]int{"critical": critical, "warning": warning, "info": info},
		Findings:  r.Findings,
		Warnings:  r.Warnings,
	}
	if _, last, ok := r.Span(); ok {
		sum.Time = &Time{Time: last}
	}
	if err := s.enc.Encode(sum); err != nil {
		return err
	}
	return s.w.Flush()
}

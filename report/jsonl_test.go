package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

var jt0 = time.Date(2026, 2, 15, 1, 40, 18, 0, time.UTC)

func at(sec int) Time { return Time{Time: jt0.Add(time.Duration(sec) * time.Second)} }

// snap builds a finalized snapshot from findings with their events.
func snap(fs ...Finding) *Report {
	r := &Report{
		Version:   "test",
		Packets:   42,
		Sources:   []Source{{Name: "br0", Format: "live", Packets: 42, First: &Time{jt0}, Last: &Time{jt0.Add(time.Minute)}}},
		Detectors: []DetectorRun{{Name: "instance-bpdu"}},
		Findings:  fs,
	}
	r.Finalize()
	return r
}

func bpduFinding(count int64, sev Severity, nEvents int) Finding {
	f := Finding{Detector: "instance-bpdu", Code: "instance-bpdu.sent", Severity: sev, Subject: "fa:16:3e:24:e7:22",
		Summary: "fa:16:3e:24:e7:22 sent BPDUs", First: at(0), Last: at(int(count)), Count: count, Frames: []int64{7}}
	for i := 0; i < nEvents; i++ {
		f.Events = append(f.Events, Event{Time: at(i), Severity: sev, Frame: int64(7 + i), Text: fmt.Sprintf("BPDU %d from the instance", i+1)})
	}
	return f
}

type line struct {
	Type, Status, Code, Finding, Text, Severity string
	Frame                                       int64
	Count                                       int64
	Counts                                      map[string]int
	Findings                                    []Finding
}

func parseLines(t *testing.T, b []byte) []line {
	t.Helper()
	var out []line
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if l == "" {
			continue
		}
		var v line
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("not one JSON object per line: %v: %s", err, l)
		}
		out = append(out, v)
	}
	return out
}

// TestStreamSendsEachThingOnce feeds growing snapshots, as a live capture
// does, and checks that every finding and event is sent once, severity
// rises are announced, the cap marker is not streamed, and the summary
// comes last with final counts.
func TestStreamSendsEachThingOnce(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf)

	// 1: a BPDU finding (warning) with one event.
	if err := s.Update(snap(bpduFinding(1, Warning, 1))); err != nil {
		t.Fatal(err)
	}
	got := parseLines(t, buf.Bytes())
	if len(got) != 2 || got[0].Type != "finding" || got[0].Status != "new" || got[0].Code != "instance-bpdu.sent" ||
		got[1].Type != "event" || got[1].Text != "BPDU 1 from the instance" || got[1].Code != "instance-bpdu.sent" || got[1].Frame != 7 {
		t.Fatalf("first snapshot: %+v", got)
	}
	id := got[1].Finding

	// 2: nothing new: nothing sent.
	buf.Reset()
	s.Update(snap(bpduFinding(1, Warning, 1)))
	if buf.Len() != 0 {
		t.Fatalf("unchanged snapshot sent %s", buf.String())
	}

	// 3: more occurrences and events, severity rises to critical.
	s.Update(snap(bpduFinding(3, Critical, 3)))
	got = parseLines(t, buf.Bytes())
	if len(got) != 3 || got[0].Status != "escalated" || got[0].Severity != "critical" || got[0].Count != 3 ||
		got[1].Text != "BPDU 2 from the instance" || got[2].Text != "BPDU 3 from the instance" {
		t.Fatalf("third snapshot: %+v", got)
	}

	// 4: past the cap: Finalize adds "N more events not shown", which
	// changes with every event and must not be streamed.
	buf.Reset()
	s.Update(snap(bpduFinding(30, Critical, 30)))
	s.Update(snap(bpduFinding(31, Critical, 31)))
	got = parseLines(t, buf.Bytes())
	if len(got) != MaxEventsPerFinding-3 {
		t.Errorf("past the cap: %d lines, want %d (events 4..20)", len(got), MaxEventsPerFinding-3)
	}
	for _, l := range got {
		if strings.Contains(l.Text, "more events") {
			t.Errorf("streamed the cap marker: %q", l.Text)
		}
	}

	// The summary: final state, no timeline, counts by severity.
	buf.Reset()
	if err := s.Close(snap(bpduFinding(31, Critical, 31))); err != nil {
		t.Fatal(err)
	}
	got = parseLines(t, buf.Bytes())
	if len(got) != 1 || got[0].Type != "summary" || got[0].Counts["critical"] != 1 || len(got[0].Findings) != 1 ||
		got[0].Findings[0].Count != 31 || got[0].Findings[0].ID != id || got[0].Findings[0].EventsOmitted != 11 {
		t.Fatalf("summary: %+v", got)
	}
	if strings.Contains(buf.String(), `"timeline"`) {
		t.Error("the summary repeats the timeline")
	}
}

// TestStreamForgetsWhatLeft: a finding a detector evicted is forgotten,
// and announced again if it comes back, so the stream's memory follows
// the detectors' bounds.
func TestStreamForgetsWhatLeft(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf)
	s.Update(snap(bpduFinding(1, Critical, 1)))
	s.Update(snap())
	if len(s.findings) != 0 || len(s.events) != 0 {
		t.Errorf("kept %d findings, %d events after they left the report", len(s.findings), len(s.events))
	}
	buf.Reset()
	s.Update(snap(bpduFinding(1, Critical, 1)))
	if got := parseLines(t, buf.Bytes()); len(got) != 2 || got[0].Status != "new" {
		t.Errorf("returning finding: %+v", got)
	}
}

// TestWriteJSONL: a whole report as lines: findings, events in timeline
// order, the summary.
func TestWriteJSONL(t *testing.T) {
	var buf bytes.Buffer
	r := snap(bpduFinding(2, Critical, 2))
	if err := WriteJSONL(&buf, r); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, l := range parseLines(t, buf.Bytes()) {
		types = append(types, l.Type)
	}
	if strings.Join(types, ",") != "finding,event,event,summary" {
		t.Errorf("line types %v", types)
	}
	// Packet-derived strings stay on one line, escaped by JSON.
	buf.Reset()
	f := bpduFinding(1, Critical, 1)
	f.Subject = "evil\nhost\u202e<script>"
	WriteJSONL(&buf, snap(f))
	if n := strings.Count(buf.String(), "\n"); n != 3 {
		t.Errorf("%d lines for finding, event, summary:\n%s", n, buf.String())
	}
	if !strings.Contains(buf.String(), `"subject":"evilhost<script>"`) {
		t.Errorf("subject not cleaned or HTML-escaped: %s", buf.String())
	}
	if _, err := RendererFor("jsonl"); err != nil {
		t.Error(err)
	}
}

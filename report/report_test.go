package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	cases := map[string]string{
		"web-01":                       "web-01",
		"evil\x1b[31mred\x1b[0m":       "evil[31mred[0m",
		"line\nbreak\ttab\r":           "linebreaktab",
		"bidi\u202egnp.exe":            "bidignp.exe",
		"bad\xffutf8":                  "bad\ufffdutf8",
		"nul\x00byte\x7f\u0085":        "nulbyte",
		"<script>alert(1)</script>|x|": "<script>alert(1)</script>|x|", // format escaping is each renderer's job
	}
	for in, want := range cases {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	long := Clean(strings.Repeat("a", 5000))
	if utf8.RuneCountInString(long) != maxStringLen+1 || !strings.HasSuffix(long, "…") {
		t.Errorf("long string: %d runes", utf8.RuneCountInString(long))
	}
}

func testReport() *Report {
	t0 := time.Date(2026, 2, 15, 1, 40, 0, 0, time.UTC)
	r := &Report{Sources: []Source{{Name: "a.pcap"}}}
	var evs []Event
	for i := 0; i < 30; i++ {
		evs = append(evs, Event{Time: Time{t0.Add(time.Duration(30-i) * time.Second)}, Text: "event\x1b"})
	}
	r.Findings = []Finding{
		{Detector: "z", Code: "z.late", Subject: "b", First: Time{t0.Add(time.Minute)}, Last: Time{t0.Add(time.Minute)}, Count: 1,
			Details: map[string]any{"hostname": "x\x07y", "nested": []map[string]any{{"k": "\x1bv"}}}},
		{Detector: "a", Code: "a.early", Subject: "a", First: Time{t0}, Last: Time{t0.Add(time.Minute)}, Count: 30, Events: evs},
	}
	r.Finalize()
	return r
}

func TestFinalize(t *testing.T) {
	r := testReport()
	if r.Findings[0].Code != "a.early" || r.Findings[1].Code != "z.late" {
		t.Fatalf("findings not sorted by first: %s, %s", r.Findings[0].Code, r.Findings[1].Code)
	}
	f := r.Findings[0]
	if f.Source != "a.pcap" || len(f.ID) != 8 || f.ID != FindingID("a", "a.early", "a.pcap", "a") {
		t.Errorf("source %q id %q", f.Source, f.ID)
	}
	if f.EventsOmitted != 10 || len(r.Timeline) != MaxEventsPerFinding+1 {
		t.Errorf("events omitted %d, timeline %d", f.EventsOmitted, len(r.Timeline))
	}
	last := r.Timeline[len(r.Timeline)-1]
	if !strings.Contains(last.Text, "10 more events") {
		t.Errorf("the cap is not announced: %q", last.Text)
	}
	for i := 1; i < len(r.Timeline); i++ {
		if r.Timeline[i].Time.Before(r.Timeline[i-1].Time.Time) {
			t.Fatal("timeline not sorted")
		}
		if strings.Contains(r.Timeline[i].Text, "\x1b") {
			t.Fatal("event text not cleaned")
		}
	}
	d := r.Findings[1].Details
	if d["hostname"] != "xy" {
		t.Errorf("details not cleaned: %v", d)
	}
	if v := d["nested"].([]any)[0].(map[string]any)["k"]; v != "v" {
		t.Errorf("nested details not cleaned: %v", v)
	}
	if r.Warnings == nil || r.Detectors == nil || r.Findings[0].Frames == nil {
		t.Error("nil slices would marshal as null")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := testReport()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"schema": "wiretale/report/v1"`) || !strings.Contains(buf.String(), `"first": "2026-02-15T01:40:00.000000000Z"`) {
		t.Fatalf("unexpected JSON:\n%s", buf.String())
	}
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Findings) != 2 || back.Findings[0].Severity != Info || !back.Findings[0].First.Equal(r.Findings[0].First.Time) {
		t.Errorf("round trip: %+v", back.Findings)
	}
}

func TestTableFitsHundredColumns(t *testing.T) {
	r := testReport()
	r.Findings[0].Summary = strings.Repeat("a long summary that must wrap ", 10)
	var buf bytes.Buffer
	if err := WriteTable(&buf, r); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(buf.String(), "\n") {
		if n := utf8.RuneCountInString(line); n > tableWidth && !strings.HasPrefix(line, "[") && !strings.HasPrefix(line, "source ") && !strings.HasPrefix(line, "  blind") {
			t.Errorf("line %d is %d columns: %q", i+1, n, line)
		}
	}
}

func TestFarFutureTimeStaysRFC3339(t *testing.T) {
	b, err := json.Marshal(Time{time.Date(586524, 1, 19, 0, 0, 0, 0, time.UTC)})
	if err != nil || string(b) != `"9999-12-31T23:59:59.999999999Z"` {
		t.Fatalf("%s %v", b, err)
	}
}

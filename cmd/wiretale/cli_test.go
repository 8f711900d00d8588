package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wiretale/wiretale/report"
)

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "pcaps", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func parseReport(t *testing.T, s string) report.Report {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, s)
	}
	return r
}

// TestBadInputExitsTwo: every way of handing wiretale something it cannot
// use ends with one line on stderr and exit status 2, never a panic.
func TestBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	empty := writeTemp(t, "empty.pcap", nil)
	text := writeTemp(t, "notes.txt", []byte("these are my notes, not a capture\n"))
	good := writeTemp(t, "good.pcap", readSample(t, "double-vlan.pcap"))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no files", []string{"analyze"}, "at least one capture file"},
		{"missing file", []string{"analyze", filepath.Join(dir, "nope.pcap")}, "no such file"},
		{"empty file", []string{"analyze", empty}, "empty file"},
		{"not a capture", []string{"analyze", text}, "not a pcap or pcapng capture"},
		{"directory", []string{"analyze", dir}, "is a directory"},
		{"one bad among good", []string{"analyze", good, text}, "notes.txt"},
		{"unknown format", []string{"analyze", "--format", "xml", good}, `unknown format "xml"`},
		{"unknown flag", []string{"analyze", "--colour", good}, "unknown flag: --colour"},
		{"unknown detector", []string{"analyze", "--detectors", "double-vlan,telepathy", good}, `unknown detector "telepathy"`},
		{"bad mtu", []string{"analyze", "--mtu", "20", good}, "--mtu 20 is out of range"},
		{"bad mtu value", []string{"analyze", "--mtu", "big", good}, "invalid argument"},
		{"bad vid", []string{"analyze", "--allow-outer-vlan", "5000", good}, "not a VLAN ID"},
		{"stdin twice", []string{"analyze", "-", "-"}, "only once"},
		{"unknown command", []string{"analyse-this"}, "unknown command"},
		{"unwritable output", []string{"analyze", "-o", filepath.Join(dir, "no", "such", "dir", "r.json"), good}, "write report"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, nil, c.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "wiretale: ") || !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q: want one line containing %q", stderr, c.want)
			}
			if c.name != "unwritable output" && stdout != "" {
				t.Errorf("stdout not empty: %q", stdout)
			}
		})
	}
}

// TestCutShortExitsThree: a capture cut mid-record is analysed up to the
// cut, the source is marked with its error, a warning goes to stderr and
// the exit status is 3.
func TestCutShortExitsThree(t *testing.T) {
	data := readSample(t, "double-vlan.pcap")
	cut := writeTemp(t, "cut.pcap", data[:len(data)*3/4])
	stdout, stderr, code := runCLI(t, nil, "analyze", "-f", "json", cut)
	if code != exitPartial {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitPartial, stderr)
	}
	if !strings.Contains(stderr, "warning: ") || !strings.Contains(stderr, "cut short") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr %q", stderr)
	}
	r := parseReport(t, stdout)
	src := r.Sources[0]
	if !src.Truncated || src.Error == nil || !strings.Contains(*src.Error, "cut short") || src.Packets == 0 {
		t.Errorf("source %+v", src)
	}
	if len(r.Findings) == 0 {
		t.Error("no findings from the part that was read")
	}
	if len(r.Warnings) == 0 {
		t.Error("report carries no warning about the cut")
	}
}

// TestCorruptGzipExitsThree: a gzip stream cut short is partial input too.
func TestCorruptGzipExitsThree(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(readSample(t, "double-vlan.pcap"))
	zw.Close()
	gz := buf.Bytes()
	p := writeTemp(t, "cut.pcap.gz", gz[:len(gz)/2])
	_, stderr, code := runCLI(t, nil, "analyze", p)
	if code != exitPartial || !strings.Contains(stderr, "warning") {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
}

// TestGzipAndStdin: the same capture compressed, renamed, or piped in
// gives the same findings.
func TestGzipAndStdin(t *testing.T) {
	data := readSample(t, "double-vlan.pcap")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	plain, _, code := runCLI(t, nil, "analyze", "-f", "json", writeTemp(t, "a.pcap", data))
	if code != 0 {
		t.Fatal(code)
	}
	want := parseReport(t, plain)
	for name, run := range map[string]func() (string, string, int){
		"gzip named .dat": func() (string, string, int) {
			return runCLI(t, nil, "analyze", "-f", "json", writeTemp(t, "capture.dat", buf.Bytes()))
		},
		"stdin":      func() (string, string, int) { return runCLI(t, data, "analyze", "-f", "json", "-") },
		"stdin gzip": func() (string, string, int) { return runCLI(t, buf.Bytes(), "analyze", "-f", "json", "-") },
	} {
		t.Run(name, func(t *testing.T) {
			out, stderr, code := run()
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got := parseReport(t, out)
			if len(got.Findings) != len(want.Findings) {
				t.Fatalf("%d findings, want %d", len(got.Findings), len(want.Findings))
			}
			for i := range got.Findings {
				g, w := got.Findings[i], want.Findings[i]
				if g.Code != w.Code || g.Subject != w.Subject || g.Count != w.Count || !g.First.Equal(w.First.Time) {
					t.Errorf("finding %d: %+v, want %+v", i, g, w)
				}
			}
		})
	}
	out, _, _ := runCLI(t, data, "analyze", "-f", "json", "-")
	if r := parseReport(t, out); r.Sources[0].Name != "stdin" {
		t.Errorf("stdin source named %q", r.Sources[0].Name)
	}
}

// TestMergedSources: two captures merge into one timeline; each finding
// names its source; the packets total is the sum.
func TestMergedSources(t *testing.T) {
	a := writeTemp(t, "uplink-a.pcap", readSample(t, "double-vlan.pcap"))
	b := writeTemp(t, "storage.pcapng", readSample(t, "oversize.pcapng"))
	out, stderr, code := runCLI(t, nil, "analyze", "-f", "json", a, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := parseReport(t, out)
	if len(r.Sources) != 2 || r.Packets != r.Sources[0].Packets+r.Sources[1].Packets {
		t.Fatalf("sources %+v packets %d", r.Sources, r.Packets)
	}
	seen := map[string]bool{}
	for _, f := range r.Findings {
		seen[filepath.Base(f.Source)] = true
	}
	if !seen["uplink-a.pcap"] || !seen["storage.pcapng"] {
		t.Errorf("findings' sources: %v", seen)
	}
	for i := 1; i < len(r.Timeline); i++ {
		if r.Timeline[i].Time.Before(r.Timeline[i-1].Time.Time) {
			t.Fatalf("timeline out of order at %d", i)
		}
	}
}

func TestOutputFileAndDetectorsFlag(t *testing.T) {
	in := writeTemp(t, "x.pcap", readSample(t, "double-vlan.pcap"))
	out := filepath.Join(t.TempDir(), "report.json")
	stdout, stderr, code := runCLI(t, nil, "analyze", "-f", "json", "-o", out, "--detectors", "oversize", in)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	r := parseReport(t, string(b))
	if len(r.Detectors) != 1 || r.Detectors[0].Name != "oversize" {
		t.Errorf("detectors %+v", r.Detectors)
	}
	for _, f := range r.Findings {
		if f.Detector != "oversize" {
			t.Errorf("finding from %s", f.Detector)
		}
	}
}

func TestDetectorsAndVersionCommands(t *testing.T) {
	out, _, code := runCLI(t, nil, "detectors")
	if code != 0 {
		t.Fatal(code)
	}
	for _, want := range []string{"double-vlan:", "double-vlan.stacked", "oversize.offload", "--allow-outer-vlan VID", "--mtu BYTES", "default 1500"} {
		if !strings.Contains(out, want) {
			t.Errorf("detectors output lacks %q:\n%s", want, out)
		}
	}
	out, _, code = runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "wiretale test (go") {
		t.Errorf("version: %d %q", code, out)
	}
}

// TestHostileStringsStayInert: text that reaches the report from outside
// (here a file name) loses its control characters in every format.
func TestHostileStringsStayInert(t *testing.T) {
	name := "evil\x1b[31m|\u202e.pcap"
	p := writeTemp(t, name, readSample(t, "double-vlan.pcap"))
	for _, format := range []string{"json", "table", "markdown", "html"} {
		out, _, code := runCLI(t, nil, "analyze", "-f", format, p)
		if code != 0 {
			t.Fatal(code)
		}
		if strings.ContainsAny(out, "\x1b\u202e") {
			t.Errorf("%s output carries control characters", format)
		}
	}
}

// TestMergedCaptureEndIsNotSilence: when one capture ends minutes before
// another, its VRRP masters and DHCP clients are judged as of its own end,
// so merging changes none of its findings.
func TestMergedCaptureEndIsNotSilence(t *testing.T) {
	vrrp := writeTemp(t, "vrrp-flap.pcap", readSample(t, "vrrp-flap.pcap"))           // ends 01:42:29
	dhcp := writeTemp(t, "dhcp-the-issue.pcap", readSample(t, "dhcp-the-issue.pcap")) // ends 01:44:34
	summary := func(r report.Report) map[string]string {
		out := map[string]string{}
		for _, f := range r.Findings {
			out[f.Code+" "+f.Subject] = fmt.Sprintf("%s count %d %s→%s %v", f.Severity, f.Count,
				f.First.Format(report.TimeLayout), f.Last.Format(report.TimeLayout), f.Details["max_gap_s"])
		}
		return out
	}
	solo := map[string]string{}
	for _, in := range []string{vrrp, dhcp} {
		out, _, code := runCLI(t, nil, "analyze", "-f", "json", in)
		if code != exitOK {
			t.Fatal(code)
		}
		for k, v := range summary(parseReport(t, out)) {
			solo[k] = v
		}
	}
	out, _, code := runCLI(t, nil, "analyze", "-f", "json", vrrp, dhcp)
	if code != exitOK {
		t.Fatal(code)
	}
	merged := summary(parseReport(t, out))
	if len(merged) != len(solo) {
		t.Errorf("merged: %d findings, alone: %d\nmerged %v\nalone %v", len(merged), len(solo), merged, solo)
	}
	for k, v := range solo {
		if merged[k] != v {
			t.Errorf("%s: merged %q, alone %q", k, merged[k], v)
		}
	}
}

package main

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// instanceBPDUSubjects analyses a sample with extra flags and returns the
// subjects of its instance-bpdu findings, by code.
func instanceBPDUSubjects(t *testing.T, sample string, flags ...string) map[string][]string {
	t.Helper()
	t.Chdir("../..")
	args := append([]string{"analyze", "-f", "json", "--detectors", "instance-bpdu"}, flags...)
	stdout, stderr, code := runCLI(t, nil, append(args, filepath.Join("pcaps", sample))...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Findings []struct{ Code, Subject string }
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, f := range rep.Findings {
		out[f.Code] = append(out[f.Code], f.Subject)
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

func TestInstanceOUIFlag(t *testing.T) {
	// The physical switch's prefix instead of Neutron's: its BPDUs are
	// flagged, the instances' are not.
	got := instanceBPDUSubjects(t, "bpdu-forms.pcap", "--instance-oui", "00:1f:6d:00:00:00/24")
	if s := got["instance-bpdu.sent"]; len(s) != 1 || s[0] != "00:1f:6d:96:ec:04" {
		t.Errorf("flagged %v", got)
	}
}

func TestInstanceOUIFlagRepeatable(t *testing.T) {
	got := instanceBPDUSubjects(t, "bpdu-forms.pcap", "--instance-oui", "fa:16:3e:0f:00:01", "--instance-oui", "00:1f:6d")
	want := []string{"00:1f:6d:96:ec:04", "fa:16:3e:0f:00:01"}
	if s := got["instance-bpdu.sent"]; strings.Join(s, " ") != strings.Join(want, " ") {
		t.Errorf("flagged %v, want %v", s, want)
	}
}

func TestTCBurstFlag(t *testing.T) {
	// Every single topology change in stp-healthy.pcap is a burst of one.
	got := instanceBPDUSubjects(t, "stp-healthy.pcap", "--stp-tc-burst", "1")
	if s := got["stp.topology-change"]; len(s) != 1 || s[0] != "00:1f:6d:96:ec:04" {
		t.Errorf("findings %v", got)
	}
}

func TestTCWindowFlag(t *testing.T) {
	// The three changes span 70 s: a one-minute window holds only two.
	got := instanceBPDUSubjects(t, "stp-topology-change.pcap", "--stp-tc-window", "1m")
	if len(got) != 0 {
		t.Errorf("findings %v", got)
	}
}

func TestInstanceBPDUFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--instance-oui", "fa:16:3g"},
		{"--instance-oui", "fa:16:3e:01:00:00/24"},
		{"--instance-oui", "fa:16:3e/60"},
		{"--stp-tc-burst", "0"},
		{"--stp-tc-burst", "1000"},
		{"--stp-tc-window", "10ms"},
	} {
		_, stderr, code := runCLI(t, nil, append(append([]string{"analyze"}, args...), "x.pcap")...)
		if code != exitUsage || !strings.Contains(stderr, args[0]) {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

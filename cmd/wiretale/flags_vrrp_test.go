package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wiretale/wiretale/report"
)

// TestVRRPGapFactorFlag: the knob is validated and changes what counts as
// a gap (vrrp-faults.pcapng has a 2.01 s silence at a 1 s interval).
func TestVRRPGapFactorFlag(t *testing.T) {
	t.Chdir("../..")
	capture := filepath.Join("pcaps", "vrrp-faults.pcapng")
	for _, bad := range []string{"1", "0.5", "11", "NaN"} {
		if _, stderr, code := runCLI(t, nil, "analyze", "--vrrp-gap-factor", bad, capture); code != exitUsage || !strings.Contains(stderr, "vrrp-gap-factor") {
			t.Errorf("--vrrp-gap-factor %s: exit %d, stderr %q", bad, code, stderr)
		}
	}
	out, _, code := runCLI(t, nil, "analyze", "--format", "json", "--detectors", "vrrp", "--vrrp-gap-factor", "2.5", capture)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	gaps := 0
	for _, f := range r.Findings {
		if f.Code == "vrrp.advert-gap" {
			gaps++
			if f.Details["gap_factor"] != json.Number("2.5") && f.Details["gap_factor"] != 2.5 {
				t.Errorf("gap factor not applied: %v", f.Details["gap_factor"])
			}
			if strings.HasPrefix(f.Subject, "10.70.0.2 ") {
				t.Errorf("a 2.01 s silence is a gap at factor 2.5: %+v", f)
			}
		}
	}
	if gaps != 1 { // the crashed master 10.80.0.2 remains
		t.Errorf("%d gap findings", gaps)
	}
}

// TestVRRPDocShowsRealOutput: the worked examples in docs/detectors/vrrp.md
// are wiretale's real output (the golden reports), so they cannot drift.
func TestVRRPDocShowsRealOutput(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "detectors", "vrrp.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"vrrp-flap.txt", "vrrp-healthy.txt"} {
		golden, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), string(golden)) {
			t.Errorf("docs/detectors/vrrp.md does not show the current %s; paste it in", name)
		}
	}
}

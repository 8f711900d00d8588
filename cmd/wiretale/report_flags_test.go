package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
)

func TestFailOn(t *testing.T) {
	dv := writeTemp(t, "dv.pcap", readSample(t, "double-vlan.pcap"))
	healthy := writeTemp(t, "h.pcap", readSample(t, "healthy.pcap"))
	data := readSample(t, "double-vlan.pcap")
	cut := writeTemp(t, "cut.pcap", data[:len(data)*3/4])
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"--fail-on", "critical", dv}, exitFailOn},
		{[]string{"--fail-on", "warning", dv}, exitFailOn},
		{[]string{"--fail-on", "critical", healthy}, exitOK},
		{[]string{"--fail-on", "info", healthy}, exitOK},
		{[]string{"--fail-on", "critical", cut}, exitPartial}, // damaged input wins over fail-on
		{[]string{"--fail-on", "severe", dv}, exitUsage},
	}
	for _, c := range cases {
		stdout, stderr, code := runCLI(t, nil, append([]string{"analyze", "-f", "json"}, c.args...)...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", c.args, code, c.code, stderr)
		}
		if c.code == exitFailOn && (!strings.Contains(stdout, `"findings"`) || !strings.Contains(stderr, "--fail-on")) {
			t.Errorf("%v: report not written before failing, or no reason given: stderr %q", c.args, stderr)
		}
	}
}

// TestEvidence: the evidence pcapng holds the frames the findings name,
// each annotated with its finding id, and opens with pcapgo (as Wireshark
// would open it).
func TestEvidence(t *testing.T) {
	in := writeTemp(t, "dv.pcap", readSample(t, "double-vlan.pcap"))
	ev := filepath.Join(t.TempDir(), "evidence.pcapng")
	stdout, stderr, code := runCLI(t, nil, "analyze", "-f", "json", "--evidence", ev, in)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := parseReport(t, stdout)
	if r.Evidence == nil || r.Evidence.File != ev || r.Evidence.Packets == 0 {
		t.Fatalf("report does not name the evidence: %+v", r.Evidence)
	}
	f, err := os.Open(ev)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ng, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, fd := range r.Findings {
		ids[fd.ID] = false
	}
	n := 0
	for {
		data, _, opts, err := ng.ReadPacketDataWithOptions()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if len(data) == 0 || len(opts.Comments) == 0 {
			t.Fatalf("packet %d has no data or no comment", n)
		}
		for _, c := range opts.Comments {
			for id := range ids {
				if strings.Contains(c, "wiretale finding "+id) {
					ids[id] = true
				}
			}
		}
	}
	if n != r.Evidence.Packets {
		t.Errorf("evidence holds %d packets, report says %d", n, r.Evidence.Packets)
	}
	for id, seen := range ids {
		if !seen {
			t.Errorf("no evidence packet for finding %s", id)
		}
	}
	// Standard input is spooled so that it can be read again.
	ev2 := filepath.Join(t.TempDir(), "stdin.pcapng")
	stdout, _, code = runCLI(t, readSample(t, "double-vlan.pcap"), "analyze", "-f", "json", "--evidence", ev2, "-")
	if r2 := parseReport(t, stdout); code != 0 || r2.Evidence == nil || r2.Evidence.Packets != r.Evidence.Packets {
		t.Errorf("evidence from stdin: exit %d %+v", code, r2.Evidence)
	}
}

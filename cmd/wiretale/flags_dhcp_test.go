package main

import (
	"strings"
	"testing"
)

// TestDHCPFlags checks the dhcp knobs from the command line: bad values
// are usage errors, good ones reach the detector.
func TestDHCPFlags(t *testing.T) {
	t.Chdir("../..")
	for _, bad := range [][]string{
		{"--dhcp-server", "dhcp.example"},
		{"--dhcp-server", "2001:db8::1"},
		{"--dhcp-timeout", "10ms"},
		{"--dhcp-quiet", "0s"},
	} {
		args := append([]string{"analyze"}, bad...)
		_, stderr, code := runCLI(t, nil, append(args, "pcaps/dhcp-rogue.pcap")...)
		if code != exitUsage || !strings.Contains(stderr, bad[0]) {
			t.Errorf("%v: exit %d, stderr %q", bad, code, stderr)
		}
	}
	// Both servers known: the rogue sample has nothing left to report.
	out, _, code := runCLI(t, nil, "analyze", "--dhcp-server", "10.0.0.2", "--dhcp-server", "192.168.122.1", "pcaps/dhcp-rogue.pcap")
	if code != exitOK || !strings.Contains(out, "No findings") {
		t.Errorf("known servers: exit %d\n%s", code, out)
	}
	// Only the legitimate one known: the rogue is named.
	out, _, _ = runCLI(t, nil, "analyze", "--dhcp-server", "10.0.0.2", "pcaps/dhcp-rogue.pcap")
	if !strings.Contains(out, "Not a known server: 192.168.122.1") {
		t.Errorf("one known server:\n%s", out)
	}
	// A timeout longer than the DISCOVERs' run leaves nothing to judge.
	out, _, _ = runCLI(t, nil, "analyze", "--dhcp-timeout", "2m", "pcaps/dhcp-no-offer.pcap")
	if !strings.Contains(out, "No findings") {
		t.Errorf("--dhcp-timeout 2m:\n%s", out)
	}
}

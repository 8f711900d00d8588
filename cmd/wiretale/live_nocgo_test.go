//go:build !cgo

package main

import (
	"strings"
	"testing"
)

// TestLiveWithoutCgo: a build without cgo still analyses files (the golden
// tests run in this build too, via make nocgo) and live says what it
// needs instead of failing obscurely.
func TestLiveWithoutCgo(t *testing.T) {
	_, stderr, code := runCLI(t, nil, "live", "-i", "lo")
	want := "wiretale: live: this build has no libpcap (built with CGO_ENABLED=0); rebuild with cgo and libpcap-dev to use live\n"
	if code != exitUsage || stderr != want {
		t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitUsage, want)
	}
	stdout, stderr, code := runCLI(t, nil, "analyze", "../../pcaps/double-vlan.pcap")
	if code != exitOK || !strings.Contains(stdout, "double-vlan.stacked") {
		t.Errorf("analyze without cgo: exit %d, stderr %q", code, stderr)
	}
}

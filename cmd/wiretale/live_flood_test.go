//go:build linux && cgo

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wiretale/wiretale/report"
)

// TestLiveFlood injects hostile traffic into a bridge as fast as one
// AF_PACKET socket can for a few seconds while `wiretale live` captures
// it: the process must keep up or count what the kernel dropped (and say
// so), and its memory must stay bounded, sampled while the flood lasts.
func TestLiveFlood(t *testing.T) {
	ns := newTestNetns(t)
	ns.bridge()
	inj := ns.injector("p0")
	out := filepath.Join(t.TempDir(), "report.json")
	p := startLive(t, ns, "live", "-i", "br0", "--format", "json", "-o", out)
	pid := p.cmd.Process.Pid // ip netns exec runs wiretale in its own process

	const floodFor = 3 * time.Second
	var sent int64
	var rss []int64
	deadline := time.Now().Add(floodFor)
	nextSample := time.Now()
	err := hostileFrames(1<<30, func(frame []byte) error {
		inj.send(t, frame)
		sent++
		if sent%1024 == 0 {
			now := time.Now()
			if now.After(nextSample) {
				rss = append(rss, procKB(t, pid, "VmRSS"))
				nextSample = now.Add(250 * time.Millisecond)
			}
			if now.After(deadline) {
				return errFloodDone
			}
		}
		return nil
	})
	if err != errFloodDone {
		t.Fatal(err)
	}
	peak := procKB(t, pid, "VmHWM")
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t, 20*time.Second); code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, p.stderr())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	src := r.Sources[0]
	if src.Received == nil || src.Dropped == nil {
		t.Fatalf("no kernel counters: %+v", src)
	}
	t.Logf("flood: %d frames sent in %s (%.0f/s), %d captured, kernel received %d, dropped %d; RSS samples %v kB, peak %d kB",
		sent, floodFor, float64(sent)/floodFor.Seconds(), src.Packets, *src.Received, *src.Dropped, rss, peak)
	switch {
	case *src.Dropped == 0 && src.Packets < sent:
		t.Errorf("captured %d of %d frames with no drop counted", src.Packets, sent)
	case *src.Dropped > 0 && !containsText(r.Warnings, "findings may be incomplete"):
		t.Errorf("%d frames dropped and no warning: %v", *src.Dropped, r.Warnings)
	}
	if peak > 200*1024 {
		t.Errorf("peak RSS %d MB under the flood, want under 200 MB", peak/1024)
	}
	// Bounded, not merely big enough: memory in the last second of the
	// flood is no more than a quarter above what it was after the first.
	if len(rss) >= 8 {
		early, late := rss[3], rss[len(rss)-1]
		if late > early+early/4 && late-early > 16*1024 {
			t.Errorf("RSS still growing under the flood: %d kB after 1 s, %d kB at the end", early, late)
		}
	}
	evicted := int64(0)
	for _, d := range r.Detectors {
		evicted += d.Evicted
	}
	if evicted == 0 {
		t.Errorf("no detector evicted state under a flood of new keys: %+v", r.Detectors)
	}
}

var errFloodDone = fmt.Errorf("flood done")

// procKB reads a "VmRSS:   1234 kB"-style line of /proc/PID/status.
func procKB(t *testing.T, pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			v, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return v
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

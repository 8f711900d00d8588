package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wiretale/wiretale/capture"
	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/report"
	"github.com/wiretale/wiretale/source"
)

// scriptReader is a capture that yields crafted frames stamped with the
// wall clock, then times out (briefly) until the session stops, or fails.
type scriptReader struct {
	frames [][]byte
	lt     decode.LinkType
	stats  capture.Stats
	end    error
	closed bool
}

func (r *scriptReader) Next(p *source.Packet) error {
	if len(r.frames) == 0 {
		if r.end != nil {
			return r.end
		}
		time.Sleep(2 * time.Millisecond)
		return capture.ErrTimeout
	}
	p.Data, r.frames = r.frames[0], r.frames[1:]
	p.Time, p.WireLen, p.LinkType = time.Now(), len(p.Data), r.lt
	return nil
}

func (r *scriptReader) LinkType() decode.LinkType     { return r.lt }
func (r *scriptReader) Stats() (capture.Stats, error) { return r.stats, nil }
func (r *scriptReader) Close()                        { r.closed = true }

func stackedFrame(seed byte) []byte {
	return liveTestFrame([]craft.Tag{{VID: 20}, {VID: 100}}, 1500, seed)
}

func liveTestFrame(tags []craft.Tag, ipLen int, seed byte) []byte {
	src, dst := craft.MustAddr("10.20.100.5"), craft.MustAddr("10.20.100.1")
	udp := craft.UDP(src, dst, 40000, 5001, craft.Bytes(ipLen-28, seed))
	return craft.Ethernet(craft.MustMAC("52:54:00:c0:00:01"), craft.MustMAC("fa:16:3e:5c:7e:01"), tags, decode.EtherTypeIPv4,
		craft.IP(src, dst, decode.ProtoUDP, udp))
}

// runLiveWith parses live's flags and runs it in-process on a fake
// capture, as the command would after opening the interface.
func runLiveWith(t *testing.T, r capture.Reader, args ...string) (stdout, stderr string, code int, opened capture.Options) {
	t.Helper()
	var fl liveFlags
	cmd := &cobra.Command{Use: "live"}
	fl.register(cmd)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	cfg, err := fl.parse(cmd.Flags().Args())
	if err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	cfg.tick = 10 * time.Millisecond
	var out, errb bytes.Buffer
	err = runLive(context.Background(), cfg, func(o capture.Options) (capture.Reader, error) {
		opened = o
		return r, nil
	}, &out, &errb)
	code = exitOK
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	} else if err != nil {
		t.Fatalf("runLive: %v", err)
	}
	return out.String(), errb.String(), code, opened
}

func TestLiveFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"live"}, "live needs an interface: -i IFACE"},
		{[]string{"live", "-i", "br0", "vrrp"}, `live takes no arguments (got "vrrp"); pass a capture filter with --filter`},
		{[]string{"live", "-i", "br0", "--buffer", "lots"}, `--buffer: "lots" is not a size`},
		{[]string{"live", "-i", "br0", "--buffer", "8GiB"}, `--buffer: "8GiB" is larger than 4 GiB`},
		{[]string{"live", "-i", "br0", "--snaplen", "0"}, "--snaplen 0 is out of range (1 to 262144)"},
		{[]string{"live", "-i", "br0", "--duration", "-1s"}, "--duration -1s is negative"},
		{[]string{"live", "-i", "br0", "--count", "-3"}, "--count -3 is negative"},
		{[]string{"live", "-i", "br0", "--format", "xml"}, `unknown format "xml"`},
		{[]string{"live", "-i", "br0", "--detectors", "nope"}, `unknown detector "nope"`},
		{[]string{"live", "-i", "br0", "--mtu", "10"}, "--mtu 10 is out of range"},
	} {
		_, stderr, code := runCLI(t, nil, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int{"8388608": 8388608, "512KiB": 512 << 10, "32MiB": 32 << 20, "1GiB": 1 << 30,
		"64M": 64 << 20, "2 MB": 2 << 20, "4096B": 4096, "-1": -1, "0": -1, "1.5MiB": -1, "MiB": -1, "5GiB": -1} {
		got, err := parseSize(in)
		if err != nil {
			got = -1
		}
		if got != want {
			t.Errorf("parseSize(%q) = %d (%v), want %d", in, got, err, want)
		}
	}
}

// TestLiveNoSuchInterface runs the real command: the error lists the
// interfaces that exist and the exit status is 2.
func TestLiveNoSuchInterface(t *testing.T) {
	_, stderr, code := runCLI(t, nil, "live", "-i", "wt-no-such-if0")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
	}
	if !capture.Available {
		if !strings.Contains(stderr, "this build has no libpcap (built with CGO_ENABLED=0)") {
			t.Errorf("stderr %q", stderr)
		}
		return
	}
	if !strings.Contains(stderr, `no such interface "wt-no-such-if0"; interfaces here: `) || !strings.Contains(stderr, "lo") {
		t.Errorf("stderr %q lacks the interface list", stderr)
	}
}

// TestLiveReportsLikeAnalyze: at the end, live prints the same report as
// analyze, in every format, with the capture's counters.
func TestLiveReportsLikeAnalyze(t *testing.T) {
	frames := func() [][]byte {
		return [][]byte{liveTestFrame([]craft.Tag{{VID: 100}}, 200, 1), stackedFrame(2), stackedFrame(3)}
	}
	t.Run("table", func(t *testing.T) {
		r := &scriptReader{frames: frames(), lt: decode.LinkEthernet, stats: capture.Stats{Received: 3}}
		stdout, stderr, code, opened := runLiveWith(t, r, "-i", "br0", "--count", "3")
		if code != exitOK || !r.closed {
			t.Fatalf("exit %d closed %v; stderr %s", code, r.closed, stderr)
		}
		for _, want := range []string{"wiretale: 1 source, 3 packets", "source br0: live (libpcap", "double-vlan.stacked", "oversize.vlan"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("report lacks %q:\n%s", want, stdout)
			}
		}
		for _, want := range []string{
			"wiretale: capturing on br0 (ethernet frames, snapshot length 262144, promiscuous, buffer 32 MiB) for 3 packets",
			"wiretale: stopped (3 packets captured (--count)): 3 packets captured, 3 received by filter, 0 dropped by kernel, 0 dropped by interface",
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		if opened.Timeout != capture.DefaultTimeout || opened.BufferSize != 32<<20 || !opened.Promisc {
			t.Errorf("capture opened with %+v", opened)
		}
	})
	t.Run("json to a file, with drops", func(t *testing.T) {
		r := &scriptReader{frames: frames(), lt: decode.LinkEthernet, stats: capture.Stats{Received: 10, Dropped: 7}}
		out := filepath.Join(t.TempDir(), "report.json")
		stdout, _, code, opened := runLiveWith(t, r, "-i", "br0", "--count", "3", "-f", "json", "-o", out,
			"--filter", "vlan", "--snaplen", "2048", "--promisc=false", "--buffer", "4MiB")
		if code != exitOK || stdout != "" {
			t.Fatalf("exit %d stdout %q", code, stdout)
		}
		if opened.Filter != "vlan" || opened.Snaplen != 2048 || opened.Promisc || opened.BufferSize != 4<<20 {
			t.Errorf("capture opened with %+v", opened)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var rep report.Report
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		src := rep.Sources[0]
		if rep.Packets != 3 || *src.Received != 10 || *src.Dropped != 7 || len(rep.Findings) != 2 {
			t.Errorf("report: packets %d source %+v findings %d", rep.Packets, src, len(rep.Findings))
		}
		if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "the kernel dropped 7 of 10 packets") {
			t.Errorf("warnings %q", rep.Warnings)
		}
	})
	t.Run("jsonl streams, then summarises", func(t *testing.T) {
		r := &scriptReader{frames: frames(), lt: decode.LinkEthernet}
		stdout, _, code, _ := runLiveWith(t, r, "-i", "br0", "--duration", "100ms", "-f", "jsonl")
		if code != exitOK {
			t.Fatalf("exit %d", code)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		var types []string
		for _, l := range lines {
			var v struct{ Type string }
			if err := json.Unmarshal([]byte(l), &v); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			types = append(types, v.Type)
		}
		// Two findings and their three events, each once, then the summary.
		if got := strings.Join(types, ","); got != "finding,finding,event,event,event,summary" {
			t.Errorf("line types %s:\n%s", got, stdout)
		}
	})
}

// TestLiveSavesCapture: --write keeps every packet, tags and all, in a
// pcapng that analyze reads, ending with the kernel's counters.
func TestLiveSavesCapture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "br0.pcapng")
	r := &scriptReader{frames: [][]byte{stackedFrame(1), stackedFrame(2)}, lt: decode.LinkEthernet, stats: capture.Stats{Received: 2}}
	_, stderr, code, _ := runLiveWith(t, r, "-i", "br0", "--count", "2", "-w", path, "-f", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	stdout, stderr, code := runCLI(t, nil, "analyze", "-f", "json", path)
	if code != exitOK {
		t.Fatalf("analyze the saved capture: exit %d: %s", code, stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Packets != 2 || rep.Sources[0].Format != "pcapng" || len(rep.Findings) != 2 {
		t.Errorf("saved capture: %d packets, format %s, %d findings", rep.Packets, rep.Sources[0].Format, len(rep.Findings))
	}
}

// TestLiveOnAny warns at the start that cooked frames lose VLAN tags, and
// the report lists the blind detectors.
func TestLiveOnAny(t *testing.T) {
	r := &scriptReader{lt: decode.LinkLinuxSLL}
	stdout, stderr, code, opened := runLiveWith(t, r, "-i", "any", "--duration", "30ms", "-f", "json")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if opened.Promisc {
		t.Error("promiscuous mode asked on any")
	}
	for _, want := range []string{"warning: capturing on any gives Linux cooked (linux-sll) frames", "double-vlan, oversize cannot see",
		"capture on the physical, bond or bridge interface"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Sources[0].Blind) != 2 {
		t.Errorf("blind list %+v", rep.Sources[0].Blind)
	}

	// An Ethernet interface draws no warning.
	_, stderr, _, _ = runLiveWith(t, &scriptReader{lt: decode.LinkEthernet}, "-i", "br0", "--duration", "20ms")
	if strings.Contains(stderr, "warning") {
		t.Errorf("warning on an Ethernet capture: %s", stderr)
	}
}

// TestLiveCaptureBreaks: when the interface goes away the report still
// comes, and the exit status is 3 as for a cut-short file.
func TestLiveCaptureBreaks(t *testing.T) {
	r := &scriptReader{frames: [][]byte{stackedFrame(1)}, lt: decode.LinkEthernet,
		end: errors.New("capture on tap3f2a9c1d-20 failed: The interface went down")}
	stdout, stderr, code, _ := runLiveWith(t, r, "-i", "tap3f2a9c1d-20")
	if code != exitPartial {
		t.Fatalf("exit %d, want %d", code, exitPartial)
	}
	if !strings.Contains(stdout, "INCOMPLETE: capture on tap3f2a9c1d-20 failed: The interface went down") || !strings.Contains(stdout, "double-vlan.stacked") {
		t.Errorf("report:\n%s", stdout)
	}
	if !strings.Contains(stderr, "the report covers the 1 packets before it") {
		t.Errorf("stderr: %s", stderr)
	}
}

// TestLiveStartupErrors: what can refuse to start does so before the
// capture, with exit status 2.
func TestLiveStartupErrors(t *testing.T) {
	var fl liveFlags
	cmd := &cobra.Command{Use: "live"}
	fl.register(cmd)
	cmd.ParseFlags([]string{"-i", "br0"})
	cfg, err := fl.parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	refuse := func(capture.Options) (capture.Reader, error) {
		return nil, &capture.PermissionError{Interface: "br0", Known: true, Missing: []string{"CAP_NET_RAW"}, Executable: "/usr/bin/wiretale"}
	}
	var out, errb bytes.Buffer
	err = runLive(context.Background(), cfg, refuse, &out, &errb)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitUsage || !strings.Contains(err.Error(), "lacks CAP_NET_RAW") {
		t.Errorf("permission: %v", err)
	}

	opened := false
	never := func(capture.Options) (capture.Reader, error) { opened = true; return &scriptReader{}, nil }
	bad := cfg
	bad.output = filepath.Join(t.TempDir(), "no", "such", "dir", "r.txt")
	if err := runLive(context.Background(), bad, never, &out, &errb); err == nil || !strings.Contains(err.Error(), "write report") {
		t.Errorf("unwritable -o: %v", err)
	}
	bad = cfg
	bad.metricsListen = "256.0.0.1:99999"
	if err := runLive(context.Background(), bad, never, &out, &errb); err == nil || !strings.Contains(err.Error(), "--metrics-listen") {
		t.Errorf("bad --metrics-listen: %v", err)
	}
	if opened {
		t.Error("the capture was opened although the output could not be")
	}
}

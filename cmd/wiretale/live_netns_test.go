//go:build linux && cgo

package main

// The live capture end to end, on a real Linux bridge in a network
// namespace this test makes (as root; it skips elsewhere):
//
//	namespace wtlive-PID-N (IPv6 off, so the kernel sends nothing itself)
//	  br0   Linux bridge, STP and multicast snooping off, MTU 9000
//	  p0b   veth, a port of br0
//	  p0    veth, p0b's peer, outside the bridge: frames written to it
//	        with an AF_PACKET socket cross into the bridge, as an
//	        instance's frames enter a brq… bridge from its tap
//
// `wiretale live -i br0` runs as a separate process inside the namespace
// (`ip netns exec`; the test binary itself acts as wiretale, see
// TestMain), so that signals, exit statuses and the metrics server are the
// real ones. The test reaches into the namespace from a locked OS thread
// switched with setns, to open the AF_PACKET socket and to scrape the
// metrics on the namespace's loopback. Nothing is sent outside it, and the
// namespace is deleted when the test ends, pass or fail.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/report"
	"github.com/wiretale/wiretale/source"
)

// liveInjection is a group of crafted frames sent from a bridge port, and
// the finding codes they must produce. To cover a new detector, add a row
// (an instance BPDU wants instance-bpdu.sent; VRRP advertisements with a
// pause, using after, want vrrp.advert-gap).
type liveInjection struct {
	name   string
	frames []timedFrame
	want   []string // finding codes; nil for healthy traffic
	// filtered frames are excluded by the test's --filter and must not be
	// counted at all.
	filtered bool
}

// timedFrame is one frame, sent after a pause.
type timedFrame struct {
	after time.Duration
	data  []byte
}

var (
	liveInstance     = craft.MustMAC("fa:16:3e:5c:7e:01")
	liveController   = craft.MustMAC("52:54:00:c0:00:01")
	liveSwitch       = craft.MustMAC("00:1c:73:00:00:99")
	liveBPDUInstance = craft.MustMAC("fa:16:3e:24:e7:22")
	liveInstanceIP   = craft.MustAddr("10.20.100.5")
	liveControlIP    = craft.MustAddr("10.20.100.1")
)

// liveFilter excludes the decoy rows' EtherType (IEEE 802 local
// experimental 0x88b5).
const liveFilter = "not ether proto 0x88b5"

// udpFrame builds a UDP/IPv4 frame whose IP packet is ipLen bytes.
func liveUDPFrame(src, dst decode.MAC, tags []craft.Tag, ipLen int, seed byte) []byte {
	udp := craft.UDP(liveInstanceIP, liveControlIP, 40000, 5001, craft.Bytes(ipLen-20-8, seed))
	return craft.Ethernet(dst, src, tags, decode.EtherTypeIPv4, craft.IP(liveInstanceIP, liveControlIP, decode.ProtoUDP, udp))
}

func liveInjections() []liveInjection {
	return []liveInjection{
		{
			name: "healthy tagged traffic",
			frames: []timedFrame{
				{data: liveUDPFrame(liveController, liveInstance, []craft.Tag{{VID: 100}}, 1500, 1)},
				{data: liveUDPFrame(liveInstance, liveController, []craft.Tag{{VID: 100}}, 200, 2)},
			},
		},
		{
			name: "VLAN 100 stacked inside VLAN 20, 1522-byte frames",
			frames: []timedFrame{
				{data: liveUDPFrame(liveInstance, liveController, []craft.Tag{{VID: 20}, {VID: 100}}, 1500, 3)},
				{data: liveUDPFrame(liveInstance, liveController, []craft.Tag{{VID: 20}, {VID: 100}}, 1500, 4)},
			},
			want: []string{"double-vlan.stacked", "oversize.vlan"},
		},
		{
			name: "a switch's BPDUs every 2 s stay quiet",
			frames: []timedFrame{
				{data: craft.Dot3(craft.BridgeGroupMAC, liveSwitch, nil, craft.STPLLC(craft.RSTBPDU(craft.BPDU{Root: craft.BridgeID{Priority: 4096, MAC: liveSwitch}, Bridge: craft.BridgeID{Priority: 4096, MAC: liveSwitch}})))},
			},
		},
		{
			name: "an instance sends a BPDU claiming root, tagged",
			frames: []timedFrame{
				{data: craft.Dot3(craft.BridgeGroupMAC, liveBPDUInstance, []craft.Tag{{VID: 100}}, craft.STPLLC(craft.ConfigBPDU(craft.BPDU{Root: craft.BridgeID{Priority: 32768, MAC: liveBPDUInstance}, Bridge: craft.BridgeID{Priority: 32768, MAC: liveBPDUInstance}})))},
			},
			want: []string{"instance-bpdu.sent"},
		},
		{
			// VRRPv3 advertises every 10 cs here so the test stays short: a
			// 0.6 s silence is past the 0.34 s master-down interval.
			name:   "a VRRP master falls silent on VLAN 130",
			frames: liveVRRPGap(),
			want:   []string{"vrrp.advert-gap"},
		},
		{
			name:     "decoy excluded by --filter",
			frames:   []timedFrame{{data: craft.Ethernet(liveController, liveInstance, nil, 0x88b5, craft.Bytes(46, 5))}},
			filtered: true,
		},
	}
}

// liveVRRPGap is a VRRPv3 master (priority 150, 10 cs interval) that
// stops for 600 ms in the middle of its advertisements.
func liveVRRPGap() []timedFrame {
	src := netip.MustParseAddr("10.0.30.11")
	adv := craft.VRRPAdvert{Version: 3, VRID: 51, Priority: 150, AdverInt: 10, Addrs: []netip.Addr{netip.MustParseAddr("10.0.30.1")}}
	frame := craft.VRRPFrame(craft.MustMAC("fa:16:3e:30:00:11"), []craft.Tag{{VID: 130}}, src, 0, adv)
	var out []timedFrame
	for i := 0; i < 12; i++ {
		after := 100 * time.Millisecond
		if i == 0 {
			after = 0
		}
		if i == 6 {
			after = 700 * time.Millisecond
		}
		out = append(out, timedFrame{after: after, data: frame})
	}
	return out
}

func TestLiveOnBridge(t *testing.T) {
	ns := newTestNetns(t)
	ns.bridge()
	inj := ns.injector("p0")
	dir := t.TempDir()
	pcapng := filepath.Join(dir, "br0.pcapng")

	// The smallest ring libpcap makes (one 256 KiB block) so that the drop
	// phase below overflows it.
	p := startLive(t, ns, "live", "-i", "br0", "--format", "jsonl", "--filter", liveFilter,
		"--buffer", "256KiB", "--metrics-listen", "127.0.0.1:0", "--write", pcapng)

	injections := liveInjections()
	var sent int64
	want := map[string]bool{}
	for _, in := range injections {
		for _, f := range in.frames {
			time.Sleep(f.after)
			inj.send(t, f.data)
			if !in.filtered {
				sent++
			}
		}
		for _, c := range in.want {
			want[c] = true
		}
	}

	// Findings stream as they happen, before wiretale is stopped.
	p.waitFor(t, 5*time.Second, "a jsonl finding line for every expected code", func(lines []string) bool {
		got := map[string]bool{}
		for _, l := range lines {
			var f struct{ Type, Status, Code string }
			if json.Unmarshal([]byte(l), &f) == nil && f.Type == "finding" && f.Status == "new" {
				got[f.Code] = true
			}
		}
		for c := range want {
			if !got[c] {
				return false
			}
		}
		return true
	})

	// The metrics endpoint, scraped over HTTP inside the namespace.
	var body string
	waitUntil(t, 5*time.Second, "the metrics to count every packet sent", func() bool {
		body = ns.scrape(t, p.metricsURL)
		v, _ := metricValue(body, "wiretale_packets_total", `interface="br0"`)
		return v == float64(sent)
	})
	for c := range want {
		for _, name := range []string{"wiretale_findings", "wiretale_finding_occurrences_total"} {
			if v, ok := metricValue(body, name, `code="`+c+`"`); !ok || v < 1 {
				t.Errorf("metrics: %s{code=%q} = %v (present %v), want ≥ 1\n%s", name, c, v, ok, grepLines(body, "wiretale_"))
			}
		}
	}
	if v, ok := metricValue(body, "wiretale_kernel_dropped_packets_total", `interface="br0"`); !ok || v != 0 {
		t.Errorf("metrics: kernel drops before the drop phase = %v (present %v), want 0", v, ok)
	}
	if v, ok := metricValue(body, "wiretale_kernel_received_packets_total", `interface="br0"`); !ok || v != float64(sent) {
		t.Errorf("metrics: kernel received = %v (present %v), want %d (the filtered decoy is not received)", v, ok, sent)
	}
	// The injected VRRP silence is one gap of about 0.7 s: measured, and
	// past the 0.34 s master-down interval.
	if v, ok := metricValue(body, "wiretale_vrrp_advert_gap_seconds_count", `interface="br0"`); !ok || v != 1 {
		t.Errorf("metrics: VRRP gap histogram count = %v (present %v), want 1", v, ok)
	}
	if v, ok := metricValue(body, "wiretale_vrrp_advert_gap_seconds_sum", `interface="br0"`); !ok || v < 0.6 || v > 1.5 {
		t.Errorf("metrics: VRRP gap histogram sum = %v s (present %v), want about 0.7", v, ok)
	}
	if v, ok := metricValue(body, "wiretale_vrrp_gaps_past_master_down_total", `interface="br0"`); !ok || v != 1 {
		t.Errorf("metrics: gaps past master-down = %v (present %v), want 1", v, ok)
	}

	// Drops: freeze wiretale, overflow its ring, let it go on.
	const burst = 3000
	p.stop(t)
	healthy := liveUDPFrame(liveController, liveInstance, []craft.Tag{{VID: 100}}, 1000, 6)
	for i := 0; i < burst; i++ {
		inj.send(t, healthy)
	}
	p.signal(t, syscall.SIGCONT)
	time.Sleep(300 * time.Millisecond)
	p.signal(t, syscall.SIGTERM)
	code := p.wait(t, 10*time.Second)
	if code != exitOK {
		t.Fatalf("exit status %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr())
	}

	lines := p.lines()
	var sum report.JSONLSummary
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Type != "summary" {
		t.Fatalf("last line is not the summary (%v): %.300s", err, lines[len(lines)-1])
	}
	if len(sum.Sources) != 1 {
		t.Fatalf("summary has %d sources, want 1", len(sum.Sources))
	}
	src := sum.Sources[0]
	if src.Name != "br0" || src.Received == nil || src.Dropped == nil || src.IfDropped == nil {
		t.Fatalf("source %+v lacks the name or the kernel counters", src)
	}
	t.Logf("drop phase: %d sent, %d captured, %d received, %d dropped by kernel", sent+burst, src.Packets, *src.Received, *src.Dropped)
	if *src.Dropped == 0 {
		t.Errorf("no kernel drops counted after overflowing the ring with %d frames", burst)
	}
	if src.Packets < sent || *src.Received < src.Packets+*src.Dropped || *src.Received > sent+burst {
		t.Errorf("counters inconsistent: captured %d, received %d, dropped %d, sent %d+%d", src.Packets, *src.Received, *src.Dropped, sent, burst)
	}
	if !containsText(sum.Warnings, "dropped") || !containsText(sum.Warnings, "findings may be incomplete") {
		t.Errorf("no drop warning in %q", sum.Warnings)
	}
	got := map[string]bool{}
	for _, f := range sum.Findings {
		got[f.Code] = true
	}
	for c := range want {
		if !got[c] {
			t.Errorf("final report lacks %s; findings %v", c, got)
		}
	}
	if !strings.Contains(p.stderr(), "dropped by kernel") {
		t.Errorf("stderr lacks the capture statistics:\n%s", p.stderr())
	}

	// The saved capture holds every packet analysed, tags intact.
	s, err := source.Open(pcapng, nil)
	if err != nil {
		t.Fatalf("--write file: %v", err)
	}
	defer s.Close()
	var pkt source.Packet
	var f decode.Frame
	stacked := 0
	for s.Next(&pkt) == nil {
		decode.Decode(&f, pkt.LinkType, pkt.Data)
		if f.NumTags == 2 && pkt.WireLen == 1522 {
			stacked++
		}
	}
	if s.Err != nil || s.Packets != src.Packets || stacked != 2 {
		t.Errorf("--write file: %d packets (err %v), %d stacked 1522-byte frames; want %d packets, 2 stacked", s.Packets, s.Err, stacked, src.Packets)
	}
}

// TestLiveStopsOnItsOwn checks --count and --duration end the capture with
// the report, with or without traffic (a quiet wire must not block).
func TestLiveStopsOnItsOwn(t *testing.T) {
	ns := newTestNetns(t)
	ns.bridge()
	inj := ns.injector("p0")

	t.Run("count", func(t *testing.T) {
		p := startLive(t, ns, "live", "-i", "br0", "--count", "2", "--format", "json")
		frame := liveUDPFrame(liveInstance, liveController, []craft.Tag{{VID: 20}, {VID: 100}}, 1500, 7)
		for i := 0; i < 3; i++ {
			inj.send(t, frame)
		}
		if code := p.wait(t, 5*time.Second); code != exitOK {
			t.Fatalf("exit %d; stderr:\n%s", code, p.stderr())
		}
		var rep report.Report
		if err := json.Unmarshal([]byte(strings.Join(p.lines(), "\n")), &rep); err != nil {
			t.Fatalf("report: %v", err)
		}
		if rep.Packets != 2 || len(rep.Findings) == 0 || rep.Findings[0].Frames[0] != 1 {
			t.Errorf("report: %d packets, findings %+v; want 2 packets numbered from 1 and findings", rep.Packets, rep.Findings)
		}
	})

	t.Run("duration on a quiet wire", func(t *testing.T) {
		start := time.Now()
		p := startLive(t, ns, "live", "-i", "br0", "--duration", "700ms")
		if code := p.wait(t, 5*time.Second); code != exitOK {
			t.Fatalf("exit %d; stderr:\n%s", code, p.stderr())
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("--duration 700ms took %s", took)
		}
		if out := strings.Join(p.lines(), "\n"); !strings.Contains(out, "0 packets") || !strings.Contains(out, "No findings") {
			t.Errorf("table report of an empty capture:\n%s", out)
		}
	})
}

// TestLiveWithoutCapabilities runs live as root stripped of CAP_NET_RAW
// and CAP_NET_ADMIN (setpriv), on the loopback interface: libpcap is
// refused, and the error names what is missing and how to grant it.
func TestLiveWithoutCapabilities(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to drop capabilities from a full set")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--bounding-set=-net_raw,-net_admin", "--inh-caps=-net_raw,-net_admin", "--",
		exe, "live", "-i", "lo", "--duration", "1s")
	cmd.Env = append(os.Environ(), envRunMain+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitUsage {
		t.Fatalf("run without capabilities: %v, want exit %d; stderr %q", err, exitUsage, stderr.String())
	}
	for _, want := range []string{"permission denied capturing on lo", "lacks CAP_NET_RAW and CAP_NET_ADMIN", "setcap cap_net_raw,cap_net_admin=eip " + exe, "run wiretale as root"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// testNetns is a network namespace made for one test.
type testNetns struct {
	t    *testing.T
	name string
}

func newTestNetns(t *testing.T) *testNetns {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("live capture test: needs root to create a network namespace with a bridge (make test runs as root in CI)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("live capture test: the ip command (iproute2) is not installed")
	}
	name := fmt.Sprintf("wtlive-%d-%d", os.Getpid(), time.Now().UnixNano()%1e9)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("live capture test: cannot create a network namespace here: %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("delete namespace %s: %v: %s", name, err, out)
		}
	})
	return &testNetns{t: t, name: name}
}

// bridge builds br0 with port p0b, whose veth peer p0 stays outside it.
func (n *testNetns) bridge() {
	n.t.Helper()
	// Without IPv6 and multicast snooping the kernel sends no frames of
	// its own (router solicitations, MLD and IGMP reports), so every
	// packet counted is one the test sent.
	if err := n.do(func() error {
		for _, p := range []string{"all", "default"} {
			if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+p+"/disable_ipv6", []byte("1"), 0o644); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		n.t.Fatalf("disable IPv6 in %s: %v", n.name, err)
	}
	for _, args := range [][]string{
		{"link", "add", "br0", "type", "bridge", "stp_state", "0", "mcast_snooping", "0"},
		{"link", "add", "p0", "type", "veth", "peer", "name", "p0b"},
		{"link", "set", "p0b", "master", "br0"},
		// Room for the 1522-byte frames: a veth drops what exceeds its MTU.
		{"link", "set", "p0", "mtu", "9000"},
		{"link", "set", "p0b", "mtu", "9000"},
		{"link", "set", "br0", "mtu", "9000"},
		{"link", "set", "lo", "up"},
		{"link", "set", "p0b", "up"},
		{"link", "set", "p0", "up"},
		{"link", "set", "br0", "up"},
	} {
		if out, err := exec.Command("ip", append([]string{"-n", n.name}, args...)...).CombinedOutput(); err != nil {
			n.t.Fatalf("ip -n %s %s: %v: %s", n.name, strings.Join(args, " "), err, out)
		}
	}
}

// do runs fn on an OS thread switched into the namespace. The thread stays
// locked, so the runtime discards it when the goroutine ends instead of
// letting other goroutines run in the namespace.
func (n *testNetns) do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + n.name)
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// injector writes frames onto an interface of the namespace.
type injector struct{ fd int }

func (n *testNetns) injector(ifname string) *injector {
	n.t.Helper()
	fd := -1
	err := n.do(func() error {
		ifi, err := net.InterfaceByName(ifname)
		if err != nil {
			return err
		}
		// Protocol 0: the socket only sends, it receives nothing.
		if fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0); err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index})
	})
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		n.t.Fatalf("AF_PACKET socket on %s: %v", ifname, err)
	}
	n.t.Cleanup(func() { unix.Close(fd) })
	return &injector{fd: fd}
}

func (in *injector) send(t *testing.T, frame []byte) {
	t.Helper()
	if _, err := unix.Write(in.fd, frame); err != nil {
		t.Fatalf("send %d-byte frame: %v", len(frame), err)
	}
}

// scrape fetches a URL served inside the namespace.
func (n *testNetns) scrape(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{
		Timeout: 3 * time.Second,
		Transport: &http.Transport{
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (c net.Conn, err error) {
				err = n.do(func() error {
					var d net.Dialer
					c, err = d.DialContext(ctx, network, addr)
					return err
				})
				return c, err
			},
		},
	}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}

// liveProc is `wiretale live` running in a namespace.
type liveProc struct {
	cmd        *exec.Cmd
	metricsURL string
	mu         sync.Mutex
	out        []string // stdout lines
	errb       bytes.Buffer
	changed    chan struct{} // closed and replaced at every new line
	done       chan struct{}
	code       int
}

// startLive runs wiretale in the namespace and waits until it captures.
func startLive(t *testing.T, ns *testNetns, args ...string) *liveProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &liveProc{changed: make(chan struct{}), done: make(chan struct{})}
	p.cmd = exec.Command("ip", append([]string{"netns", "exec", ns.name, exe}, args...)...)
	p.cmd.Env = append(os.Environ(), envRunMain+"=1")
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start wiretale live: %v", err)
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go p.read(stdout, false, &readers)
	go p.read(stderr, true, &readers)
	go func() {
		readers.Wait()
		err := p.cmd.Wait()
		p.mu.Lock()
		p.code = p.cmd.ProcessState.ExitCode()
		if err != nil && p.code == -1 {
			p.code = 128 + int(p.cmd.ProcessState.Sys().(syscall.WaitStatus).Signal())
		}
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	wantMetrics := false
	for _, a := range args {
		wantMetrics = wantMetrics || a == "--metrics-listen"
	}
	p.waitForStderr(t, 5*time.Second, func(s string) bool {
		if !strings.Contains(s, "wiretale: capturing on") {
			return false
		}
		if !wantMetrics {
			return true
		}
		const prefix = "Prometheus metrics on "
		i := strings.Index(s, prefix)
		if i < 0 {
			return false
		}
		p.metricsURL = strings.Fields(s[i+len(prefix):])[0]
		return true
	})
	return p
}

func (p *liveProc) read(r io.Reader, isErr bool, wg *sync.WaitGroup) {
	defer wg.Done()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		p.mu.Lock()
		if isErr {
			p.errb.WriteString(sc.Text() + "\n")
		} else {
			p.out = append(p.out, sc.Text())
		}
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
	}
}

func (p *liveProc) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.out...)
}

func (p *liveProc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.errb.String()
}

// waitFor waits until cond holds over the stdout lines.
func (p *liveProc) waitFor(t *testing.T, timeout time.Duration, what string, cond func([]string) bool) {
	t.Helper()
	p.wait1(t, timeout, what, func() bool { return cond(p.lines()) })
}

func (p *liveProc) waitForStderr(t *testing.T, timeout time.Duration, cond func(string) bool) {
	t.Helper()
	p.wait1(t, timeout, "wiretale to start capturing", func() bool { return cond(p.stderr()) })
}

func (p *liveProc) wait1(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		changed := p.changed
		p.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-p.done:
			if cond() {
				return
			}
			t.Fatalf("wiretale exited (status %d) before %s; stderr:\n%s\nstdout:\n%s", p.code, what, p.stderr(), strings.Join(p.lines(), "\n"))
		case <-deadline:
			t.Fatalf("timed out after %s waiting for %s; stderr:\n%s\nstdout:\n%s", timeout, what, p.stderr(), strings.Join(p.lines(), "\n"))
		}
	}
}

func (p *liveProc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// stop freezes wiretale (SIGSTOP) and waits until the kernel says it is
// stopped, so that it reads nothing while the test overflows its ring.
func (p *liveProc) stop(t *testing.T) {
	t.Helper()
	p.signal(t, syscall.SIGSTOP)
	waitUntil(t, 2*time.Second, "wiretale to stop", func() bool {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/stat")
		if err != nil {
			return false
		}
		// pid (comm) state …: the state follows the last ')'.
		i := bytes.LastIndexByte(b, ')')
		return i > 0 && i+2 < len(b) && b[i+2] == 'T'
	})
}

// wait returns the exit status.
func (p *liveProc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("wiretale did not exit within %s; stderr:\n%s", timeout, p.stderr())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.code
}

func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metricValue finds a sample in Prometheus text format whose name matches
// and whose labels contain every given label pair.
func metricValue(body, name string, labels ...string) (float64, bool) {
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		head := line[:sp]
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(head, l)
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		return v, err == nil
	}
	return 0, false
}

func grepLines(body, prefix string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func containsText(list []string, s string) bool {
	for _, l := range list {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/capwrite"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/report"
)

var stress = flag.Int("stress", 0, "frames of hostile traffic for TestStressBoundedState (make stress: 10000000)")

// TestStressBoundedState streams a capture of hostile traffic through a
// real wiretale process: every frame from a new random MAC, double-tagged
// with random VLANs or oversize, VRRP advertisements for random VRIDs from
// random routers, DHCP DISCOVERs from random clients, BPDUs from random
// instance MACs. Every detector's per-key state must hit its cap and
// evict, the report must say so, and peak RSS must stay under 200 MB.
func TestStressBoundedState(t *testing.T) {
	if *stress == 0 {
		t.Skip("needs -stress N (make stress runs 10 million frames)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "analyze", "-f", "json", "-")
	cmd.Env = append(os.Environ(), envRunMain+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	werr := make(chan error, 1)
	go func() {
		bw := bufio.NewWriterSize(stdin, 1<<20)
		err := writeHostile(bw, *stress)
		if err == nil {
			err = bw.Flush()
		}
		stdin.Close()
		werr <- err
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("wiretale: %v\n%s", err, errb.String())
	}
	if err := <-werr; err != nil {
		t.Fatalf("writing the capture: %v", err)
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss / 1024
	var r report.Report
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d frames in %s, peak RSS %d MB, %d findings", r.Packets, time.Since(start).Round(time.Millisecond), rss, len(r.Findings))
	if r.Packets != int64(*stress) {
		t.Errorf("analysed %d packets, sent %d", r.Packets, *stress)
	}
	if rss > 200 {
		t.Errorf("peak RSS %d MB, want under 200 MB", rss)
	}
	for _, d := range r.Detectors {
		t.Logf("%s evicted %d", d.Name, d.Evicted)
		if d.Evicted == 0 {
			t.Errorf("%s evicted nothing: its state is not bounded, or the stress did not reach it", d.Name)
		}
	}
	warned := 0
	for _, w := range r.Warnings {
		if strings.Contains(w, "dropped to bound memory") {
			warned++
		}
	}
	if warned != len(r.Detectors) {
		t.Errorf("%d eviction warnings for %d detectors: %v", warned, len(r.Detectors), r.Warnings)
	}
}

// writeHostile writes n frames of hostile traffic as a pcap.
func writeHostile(w io.Writer, n int) error {
	if err := capwrite.WritePcap(w, capwrite.PcapOptions{LinkType: 1}, nil); err != nil {
		return err
	}
	t0 := time.Date(2026, 2, 15, 1, 0, 0, 0, time.UTC)
	var rec [16]byte
	i := 0
	return hostileFrames(n, func(data []byte) error {
		ts := t0.Add(time.Duration(i) * 50 * time.Microsecond)
		i++
		binary.LittleEndian.PutUint32(rec[0:], uint32(ts.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(ts.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(data)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(data)))
		if _, err := w.Write(rec[:]); err != nil {
			return err
		}
		_, err := w.Write(data)
		return err
	})
}

// hostileFrames hands n frames of hostile traffic to emit, one at a time
// (the slice is reused): floods of new MACs, VLANs, VRIDs, routers and
// DHCP clients that every detector has to bound its state against.
func hostileFrames(n int, emit func([]byte) error) error {
	rng := rand.New(rand.NewPCG(9, 9))
	gw := craft.MustMAC("52:54:00:00:00:01")
	a, b := netip.MustParseAddr("10.9.0.1"), netip.MustParseAddr("10.9.0.2")
	stacked := craft.Ethernet(gw, decode.MAC{}, []craft.Tag{{VID: 20}, {VID: 100}}, decode.EtherTypeIPv4,
		craft.IP(a, b, decode.ProtoUDP, craft.UDP(a, b, 1, 2, make([]byte, 100))))
	jumbo := craft.Ethernet(gw, decode.MAC{}, nil, decode.EtherTypeIPv4,
		craft.IP(a, b, decode.ProtoUDP, craft.UDP(a, b, 1, 2, make([]byte, 3000))))
	bpdu := craft.Dot3(craft.BridgeGroupMAC, decode.MAC{}, nil, craft.STPLLC(craft.ConfigBPDU(craft.BPDU{})))
	randMAC := func(prefix ...byte) decode.MAC {
		var m decode.MAC
		v := rng.Uint64()
		for i := range m {
			m[i] = byte(v >> (8 * i))
		}
		m[0] &^= 1 // unicast
		copy(m[:], prefix)
		return m
	}
	for i := 0; i < n; i++ {
		var data []byte
		switch i % 10 {
		case 0, 1, 2, 3: // a VLAN stacked on a VLAN, random MAC and VIDs
			data = stacked
			m := randMAC()
			copy(data[6:12], m[:])
			binary.BigEndian.PutUint16(data[14:], uint16(rng.IntN(4094)+1))
			binary.BigEndian.PutUint16(data[18:], uint16(rng.IntN(4094)+1))
		case 4, 5: // jumbo frames from random MACs
			data = jumbo
			m := randMAC()
			copy(data[6:12], m[:])
		case 6: // an instance BPDU from a random instance MAC
			data = bpdu
			m := randMAC(0xfa, 0x16, 0x3e)
			copy(data[6:12], m[:])
		case 7, 8: // VRRP for a random VRID from a random router on a random VLAN
			src := netip.AddrFrom4([4]byte{10, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(254) + 1)})
			data = craft.VRRPFrame(randMAC(), []craft.Tag{{VID: uint16(rng.IntN(4094) + 1)}}, src, 0,
				craft.VRRPAdvert{Version: 2, VRID: uint8(rng.IntN(255) + 1), Priority: uint8(rng.IntN(254) + 1), AdverInt: 1, Addrs: []netip.Addr{src}})
		case 9: // a DHCP DISCOVER from a random client
			m := randMAC()
			data = craft.DHCPv4Frame(craft.MustMAC("ff:ff:ff:ff:ff:ff"), m, nil, netip.IPv4Unspecified(), netip.AddrFrom4([4]byte{255, 255, 255, 255}), 68, 67,
				craft.DHCP(craft.DHCPMessage{Type: decode.DHCPDiscover, XID: rng.Uint32(), CHAddr: m}))
		}
		if err := emit(data); err != nil {
			return err
		}
	}
	return nil
}

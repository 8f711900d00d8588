package decode_test

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/source"
)

// tsharkBPDUFields are the fields tsharkBPDUTable holds, in order. The
// table was produced by tshark 4.0.17 with
//
//	tshark -r FILE -Y stp -T fields -E separator='|' -E occurrence=a -E aggregator=, \
//	    -e frame.number -e eth.src -e vlan.id -e stp.protocol -e stp.version -e stp.type \
//	    -e stp.flags -e stp.root.prio -e stp.root.ext -e stp.root.hw -e stp.root.cost \
//	    -e stp.bridge.prio -e stp.bridge.ext -e stp.bridge.hw -e stp.port -e stp.msg_age \
//	    -e stp.max_age -e stp.hello -e stp.forward -e stp.version_1_length \
//	    -e mstp.version_3_length -e mstp.config_name -e mstp.cist_internal_root_path_cost \
//	    -e mstp.cist_bridge.prio -e mstp.cist_bridge.ext -e mstp.cist_bridge.hw \
//	    -e mstp.cist_remaining_hops -e mstp.msti.msti_id -e mstp.version_4_length \
//	    -e stp.pvst.origvlan
//
// keeping only the first occurrence of every field but mstp.msti.msti_id
// (SPB BPDUs repeat the MST configuration identifier in their version 4
// part), as normalizeTshark does. TestBPDUMatchesTsharkLive re-runs the
// command when tshark is installed.
var tsharkBPDUFields = []string{
	"frame.number", "eth.src", "vlan.id", "stp.protocol", "stp.version", "stp.type",
	"stp.flags", "stp.root.prio", "stp.root.ext", "stp.root.hw", "stp.root.cost",
	"stp.bridge.prio", "stp.bridge.ext", "stp.bridge.hw", "stp.port", "stp.msg_age",
	"stp.max_age", "stp.hello", "stp.forward", "stp.version_1_length",
	"mstp.version_3_length", "mstp.config_name", "mstp.cist_internal_root_path_cost",
	"mstp.cist_bridge.prio", "mstp.cist_bridge.ext", "mstp.cist_bridge.hw",
	"mstp.cist_remaining_hops", "mstp.msti.msti_id", "mstp.version_4_length",
	"stp.pvst.origvlan",
}

// normalizeTshark keeps the first occurrence of every field of a tshark
// line except the MSTI identifiers.
func normalizeTshark(line string) string {
	cols := strings.Split(line, "|")
	for i, c := range cols {
		if i < len(tsharkBPDUFields) && tsharkBPDUFields[i] != "mstp.msti.msti_id" {
			cols[i], _, _ = strings.Cut(c, ",")
		}
	}
	return strings.Join(cols, "|")
}

// tsharkLine formats what wiretale decoded the way tshark prints the same
// fields.
func tsharkLine(f *decode.Frame, b *decode.BPDU) string {
	cols := make([]string, 0, len(tsharkBPDUFields))
	add := func(ok bool, s string) {
		if !ok {
			s = ""
		}
		cols = append(cols, s)
	}
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	timer := func(v uint16) string { return strconv.FormatFloat(float64(v)/256, 'f', -1, 64) }
	vid, tagged := f.OuterVLAN()
	add(true, u(uint64(f.Number)))
	add(f.HasEthernet, f.Src.String())
	add(tagged, u(uint64(vid)))
	add(true, fmt.Sprintf("0x%04x", b.ProtocolID))
	add(true, u(uint64(b.Version)))
	add(true, fmt.Sprintf("0x%02x", b.Type))
	body := b.HasBody
	add(body, fmt.Sprintf("0x%02x", b.Flags))
	add(body, u(uint64(b.Root.PriorityBase())))
	add(body, u(uint64(b.Root.SystemIDExt())))
	add(body, b.Root.MAC.String())
	add(body, u(uint64(b.RootPathCost)))
	add(body, u(uint64(b.Bridge.PriorityBase())))
	add(body, u(uint64(b.Bridge.SystemIDExt())))
	add(body, b.Bridge.MAC.String())
	add(body, fmt.Sprintf("0x%04x", b.PortID))
	add(body, timer(b.MessageAge))
	add(body, timer(b.MaxAge))
	add(body, timer(b.HelloTime))
	add(body, timer(b.ForwardDelay))
	add(b.HasV1Length, u(uint64(b.V1Length)))
	add(b.HasMST, u(uint64(b.V3Length)))
	add(b.HasMST, b.ConfigNameString())
	add(b.HasMST, u(uint64(b.CISTInternalCost)))
	add(b.HasMST, u(uint64(b.CISTBridge.PriorityBase())))
	add(b.HasMST, u(uint64(b.CISTBridge.SystemIDExt())))
	add(b.HasMST, b.CISTBridge.MAC.String())
	add(b.HasMST, u(uint64(b.CISTRemainingHops)))
	ids := make([]string, 0, b.NumMSTIs)
	for i := 0; i < b.NumMSTIs && i < decode.MaxMSTIIDs; i++ {
		ids = append(ids, u(uint64(b.MSTIIDs[i])))
	}
	add(true, strings.Join(ids, ","))
	add(b.HasV4Length, u(uint64(b.V4Length)))
	add(b.HasOrigVLAN, u(uint64(b.OrigVLAN)))
	return strings.Join(cols, "|")
}

// isBPDU is how wiretale decides that a frame is a BPDU: the decoder
// recognised it and read at least its type.
func isBPDU(err error, b *decode.BPDU) bool {
	if err == nil {
		return true
	}
	return (errors.Is(err, decode.ErrBPDUTruncated) || errors.Is(err, decode.ErrBPDUUnknownType)) && b.Len >= 4
}

// decodeCorpusBPDUs decodes every frame of a corpus file and returns the
// tshark-style line of each BPDU, and how many frames were read.
func decodeCorpusBPDUs(t *testing.T, path string) ([]string, int) {
	t.Helper()
	src, err := source.Open(path, nil)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer src.Close()
	var (
		lines []string
		n     int
		f     decode.Frame
		b     decode.BPDU
		p     source.Packet
	)
	for {
		if err := src.Next(&p); err != nil {
			if !errors.Is(err, io.EOF) && src.Err == nil {
				t.Fatalf("%s: %v", path, err)
			}
			break
		}
		n++
		if !p.LinkType.Known() {
			continue
		}
		f.Number, f.WireLen = p.Number, p.WireLen
		decode.Decode(&f, p.LinkType, p.Data)
		if err := decode.DecodeFrameBPDU(&f, &b); isBPDU(err, &b) {
			lines = append(lines, tsharkLine(&f, &b))
		}
	}
	return lines, n
}

func TestBPDUMatchesTsharkTable(t *testing.T) {
	dir := corpusDir(t)
	for file, want := range tsharkBPDUTable {
		t.Run(file, func(t *testing.T) {
			got, _ := decodeCorpusBPDUs(t, filepath.Join(dir, file))
			wantLines := strings.Split(strings.TrimSpace(want), "\n")
			if strings.TrimSpace(want) == "" {
				wantLines = nil
			}
			compareLines(t, wantLines, got)
		})
	}
}

func compareLines(t *testing.T, want, got []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d BPDUs decoded, tshark shows %d", len(got), len(want))
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			t.Errorf("BPDU %d differs:\n  tshark:   %s\n  wiretale: %s\n  fields:   %s", i+1, want[i], got[i], strings.Join(tsharkBPDUFields, "|"))
		}
	}
}

// TestBPDUMatchesTsharkLive compares with tshark itself when it is
// installed, over every corpus file that has a BPDU in tshark's eyes.
func TestBPDUMatchesTsharkLive(t *testing.T) {
	dir := corpusDir(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	for file := range tsharkBPDUTable {
		t.Run(file, func(t *testing.T) {
			args := []string{"-r", filepath.Join(dir, file), "-Y", "stp", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"}
			for _, f := range tsharkBPDUFields {
				args = append(args, "-e", f)
			}
			out, err := exec.Command(tshark, args...).Output()
			if err != nil {
				t.Skipf("tshark cannot read it: %v", err)
			}
			var want []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if l != "" {
					want = append(want, normalizeTshark(l))
				}
			}
			got, _ := decodeCorpusBPDUs(t, filepath.Join(dir, file))
			compareLines(t, want, got)
		})
	}
}

// TestBPDUCorpusOdds covers the corpus files that are not (only) BPDUs.
func TestBPDUCorpusOdds(t *testing.T) {
	dir := corpusDir(t)
	cases := []struct {
		file   string
		frames int // frames read
		bpdus  int
	}{
		// GARP/GVRP: SAP 0x42 and the 01:80:c2 range, but protocol
		// identifier 1: not BPDUs (COUNTS.tsv stp_bpdu_excl_garp 0).
		{"scapy/gvrp.pcapng.gz", 11, 0},
		// Broadcom switch tags (link type 281): refused as undecoded,
		// though the frames behind the tag are BPDUs.
		{"libpcap/brcm-tag-stp.pcap", 4, 0},
		// Fuzz reproducer: 19-byte frames, the last reaching only the
		// protocol identifier: no BPDU, no panic.
		{"tcpdump/stp-heapoverflow-1.pcap", 14, 0},
		// BACnet MS/TP, not MSTP.
		{"libpcap/mstp_20140225214217.pcap", 10, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got, n := decodeCorpusBPDUs(t, filepath.Join(dir, c.file))
			if n != c.frames || len(got) != c.bpdus {
				t.Errorf("read %d frames and %d BPDUs, want %d and %d", n, len(got), c.frames, c.bpdus)
			}
		})
	}
}

package detectors

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/report"
	"github.com/wiretale/wiretale/source"
)

const dhcpCorpus = "../../shared/corpus"

// TestDHCPCorpus runs the detector over every real capture of the corpus
// that holds DHCP and compares its findings with what each file
// legitimately shows:
//
//   - tcpdump/QinQpacket.pcap: one client (00:08:5d:23:0c:3f, in an
//     802.1ad S-tag) sends 144 DISCOVERs over 36 minutes, 18 xids with 8
//     retransmissions each, and no server ever answers: a real no-offer,
//     one conversation since no answer came in between.
//   - zeek/dhcp.pcap: a synthetic run of every message type in which the
//     server NAKs the client's SELECTING REQUEST ("requested address not
//     available"): a real NAK. The client's DECLINE of the address it was
//     then ACKed shows in the same conversation's steps.
//   - Everything else is healthy or cannot be judged and must stay quiet:
//     DORAs (some with a new xid for the REQUEST, some duplicated by the
//     capture, some relayed, two with option overload), renewals
//     answered at once, INFORM floods, lease queries (ignored), BOOTP and
//     bad-cookie messages (ignored), fuzzed and truncated messages, 50
//     DISCOVERs of 50 clients and 2 DISCOVERs of one client within
//     milliseconds of the end of their captures (too recent to be
//     no-offer), and OFFERs to a client whose DISCOVER was not captured.
func TestDHCPCorpus(t *testing.T) {
	if _, err := os.Stat(dhcpCorpus); err != nil {
		t.Skip("corpus not present at " + dhcpCorpus)
	}
	want := map[string]string{
		"tcpdump/QinQpacket.pcap": "dhcp.no-offer critical 00:08:5d:23:0c:3f xid 0x9696a090",
		"zeek/dhcp.pcap":          "dhcp.nak warning 90:b1:1c:99:49:29 xid 0x000007c0",
	}
	var files []string
	for _, g := range []string{
		"zeek/dhcp*.pcap*", "zeek/hw-type0.pcap", "arkime/wireshark-dhcp.pcap", "tcpdump/dhcp-*.pcap*",
		"tcpdump/bootp_asan*.pcap", "tcpdump/QinQpacket.pcap", "nDPI/dhcp-fuzz.pcapng", "suricata-verify/dhcp-*/input.pcap",
		"suricata-verify/bug-2158/*.pcap", "packets/dhcp_*.pcapng", "gopacket/*/test*.pcapng", "PcapPlusPlus/sll.pcap",
		"PcapPlusPlus/raw_ip.pcap",
	} {
		m, _ := filepath.Glob(filepath.Join(dhcpCorpus, g))
		files = append(files, m...)
	}
	if len(files) < 30 {
		t.Fatalf("only %d DHCP captures found", len(files))
	}
	sort.Strings(files)
	for _, path := range files {
		name, _ := filepath.Rel(dhcpCorpus, path)
		t.Run(name, func(t *testing.T) {
			d := newDHCP(DHCPConfig{})
			msgs, last := feedFile(t, d, path)
			d.Advance(last)
			fs := d.Findings()
			if got := dhcpCodes(fs); got != want[name] {
				t.Errorf("findings %q, want %q (%d DHCP frames)", got, want[name], msgs)
			}
			if d.Evicted() != 0 {
				t.Errorf("evicted %d", d.Evicted())
			}
			rep := &report.Report{Sources: []report.Source{{Name: name}}, Findings: fs}
			rep.Finalize()
			var sb strings.Builder
			if err := report.WriteTable(&sb, rep); err != nil {
				t.Error(err)
			}
			for _, f := range rep.Findings {
				if strings.HasSuffix(f.Summary, "…") {
					t.Errorf("summary cut: %s", f.Summary)
				}
			}
		})
	}
}

// feedFile runs a capture through decode and d as the engine does and
// returns how many DHCP frames it held and the last timestamp.
func feedFile(t *testing.T, d Detector, path string) (int, time.Time) {
	t.Helper()
	s, err := source.Open(path, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
	var (
		p    source.Packet
		f    decode.Frame
		n    int
		last time.Time
	)
	for s.Next(&p) == nil {
		if !p.LinkType.Known() {
			continue
		}
		f.Number, f.Time, f.WireLen = p.Number, p.Time, p.WireLen
		decode.Decode(&f, p.LinkType, p.Data)
		if decode.IsDHCPFrame(&f) {
			n++
		}
		d.Observe(&f)
		if p.Time.After(last) {
			last = p.Time
		}
	}
	return n, last
}

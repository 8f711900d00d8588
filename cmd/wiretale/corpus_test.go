package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusDir holds real captures from public projects (see its
// MANIFEST.tsv); it lives outside the repository and the test skips
// without it.
const corpusDir = "../../../shared/corpus"

// corpusOutcome is what wiretale must do with a corpus file whose packet
// count it cannot simply match: refuse it (exit 2), or analyse what it can
// and report the file as cut short or corrupt (exit 3).
type corpusOutcome struct {
	code int
	why  string
}

// corpusExceptions lists the files that are not read whole, and why. Every
// other file must be read completely (exit 0) with MANIFEST's packet count
// and COUNTS' number of frames with two or more VLAN tags.
var corpusExceptions = map[string]corpusOutcome{
	"libpcap/pcap-invalid-version-1.pcap":                                   {exitUsage, "pcap version 1.4"},
	"libpcap/pcapng-invalid-vers-1.pcapng":                                  {exitUsage, "pcapng section of an unknown version"},
	"libpcap/shb-option-too-long.pcapng":                                    {exitUsage, "section header option runs past its block"},
	"libpcap/linktype-reserved-field-not-zero.pcap":                         {exitUsage, "reserved link-type bits set"},
	"pcap-parser/modified-format.pcap":                                      {exitUsage, "Kuznetzov modified pcap, unsupported"},
	"suricata-verify/bug-6875-01/fuzz.pcap":                                 {exitPartial, "record longer than any snap length"},
	"suricata-verify/bug-1450-04/tls_DER-incomplete-header.pcap":            {exitPartial, "record longer than any snap length"},
	"suricata-verify/smtp-to-comma/10.7.29.101_49898-178.63.41.150_25.pcap": {exitPartial, "record longer than any snap length"},
	"scapy/bad_rsn_parsing_overrides_ssid.pcap":                             {exitPartial, "last record cut short"},
	"nDPI/fuzz-2021-10-13.pcap":                                             {exitPartial, "first record longer than any snap length"},
	"gopacket/le/test901.pcapng":                                            {exitPartial, "second section has an unknown major version"},
}

// corpusPackets overrides MANIFEST's count where capinfos could not count
// (n/a) but the file is read whole.
var corpusPackets = map[string]int64{
	"libpcap/brcm-tag-stp.pcap": 4, // LINKTYPE_DSA_TAG_BRCM: read, counted, not decoded
}

func readTSV(t *testing.T, name string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cols []string
	rows := map[string]map[string]string{}
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = fields
			continue
		}
		row := map[string]string{}
		for i, c := range cols {
			if i < len(fields) {
				row[c] = fields[i]
			}
		}
		rows[fields[0]] = row
	}
	return rows
}

// TestCorpus analyses every real capture in the shared corpus: no panic,
// the expected exit status, MANIFEST's packet count and tshark's count of
// double-tagged frames.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(filepath.Join(corpusDir, "MANIFEST.tsv")); err != nil {
		t.Skipf("shared corpus not present (%v)", err)
	}
	manifest := readTSV(t, "MANIFEST.tsv")
	counts := readTSV(t, "COUNTS.tsv")
	for path, row := range manifest {
		t.Run(path, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, nil, "analyze", "-f", "json", filepath.Join(corpusDir, path))
			want, special := corpusExceptions[path]
			if !special {
				want = corpusOutcome{code: exitOK}
			}
			if code != want.code {
				t.Fatalf("exit %d, want %d (%s); stderr %q", code, want.code, want.why, stderr)
			}
			if code == exitUsage {
				return
			}
			r := parseReport(t, stdout)
			manifestPackets, err := strconv.ParseInt(row["packets"], 10, 64)
			if n, ok := corpusPackets[path]; ok {
				manifestPackets, err = n, nil
			}
			switch {
			case code == exitPartial:
				if err == nil && r.Packets > manifestPackets {
					t.Errorf("read %d packets of a damaged file, more than capinfos' %d", r.Packets, manifestPackets)
				}
				if !r.Sources[0].Truncated || r.Sources[0].Error == nil {
					t.Errorf("damaged file not marked: %+v", r.Sources[0])
				}
			case err != nil:
				t.Fatalf("MANIFEST has no packet count (%q) and the file is not listed as an exception", row["packets"])
			case r.Packets != manifestPackets:
				t.Errorf("packets %d, MANIFEST says %d", r.Packets, manifestPackets)
			}
			if code != exitOK {
				return
			}
			var stacked int64
			for _, f := range r.Findings {
				if f.Detector == "double-vlan" {
					stacked += f.Count
				}
			}
			if want := counts[path]["frames_2plus_tags"]; want != strconv.FormatInt(stacked, 10) {
				t.Errorf("double-tagged frames %d, tshark counts %s", stacked, want)
			}
		})
	}
}

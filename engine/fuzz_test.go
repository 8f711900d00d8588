package engine_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wiretale/wiretale/detectors"
	"github.com/wiretale/wiretale/engine"
	"github.com/wiretale/wiretale/internal/capwrite"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/report"
	"github.com/wiretale/wiretale/source"
)

// seedCaptures returns small captures of every container kind to start
// the fuzzers from: the bundled samples, cut to a few kilobytes, and their
// gzip forms.
func seedCaptures(t testing.TB) [][]byte {
	var seeds [][]byte
	matches, _ := filepath.Glob("../pcaps/*.pcap*")
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 4096 {
			b = b[:4096]
		}
		seeds = append(seeds, b)
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		seeds = append(seeds, z.Bytes())
	}
	var pcap bytes.Buffer
	capwrite.WritePcap(&pcap, capwrite.PcapOptions{LinkType: 113, BigEndian: true, Nanosecond: true},
		[]capwrite.Packet{{Time: time.Unix(1, 2), Data: craft.SLL(0, craft.MustMAC("fa:16:3e:00:00:01"), 0x0004, []byte{0x42, 0x42, 3, 0, 0})}})
	seeds = append(seeds, pcap.Bytes())
	return seeds
}

// analyze runs the whole pipeline over one capture held in memory, with
// every detector, and renders every format.
func analyze(t testing.TB, data []byte) *report.Report {
	s, err := source.FromReader("fuzz", bytes.NewReader(data))
	if err != nil {
		return nil
	}
	defer s.Close()
	dets, infos, err := detectors.Build(detectors.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := engine.Run([]*source.Source{s}, dets, infos, "fuzz")
	for _, format := range report.Formats() {
		render, _ := report.RendererFor(format)
		if err := render(&bytes.Buffer{}, r); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
	return r
}

// FuzzAnalyze: any bytes handed to wiretale as a capture are refused,
// or analysed by every detector and rendered in every format, without a
// panic.
func FuzzAnalyze(f *testing.F) {
	for _, s := range seedCaptures(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		analyze(t, data)
	})
}

// TestHostileRecords: records that claim 4 GiB, lengths that contradict
// each other, and a capture that ends inside a record header.
func TestHostileRecords(t *testing.T) {
	frame := craft.Ethernet(craft.MustMAC("52:54:00:00:00:01"), craft.MustMAC("fa:16:3e:00:00:01"), nil, 0x0800, make([]byte, 46))
	var base bytes.Buffer
	capwrite.WritePcap(&base, capwrite.PcapOptions{LinkType: 1}, []capwrite.Packet{{Time: time.Unix(1e9, 0), Data: frame}})
	good := base.Bytes()

	claim4G := append([]byte(nil), good...)
	copy(claim4G[24+8:], []byte{0xff, 0xff, 0xff, 0xff}) // captured length 4 GiB
	wire4G := append([]byte(nil), good...)
	copy(wire4G[24+12:], []byte{0xff, 0xff, 0xff, 0xff}) // original length 4 GiB, 60 bytes captured
	headerCut := append(append([]byte(nil), good...), 1, 2, 3, 4, 5)

	for name, c := range map[string]struct {
		data      []byte
		truncated bool
		packets   int64
	}{
		"captured length 4 GiB": {claim4G, true, 0},
		"original length 4 GiB": {wire4G, false, 1},
		"cut inside a header":   {headerCut, true, 1},
	} {
		t.Run(name, func(t *testing.T) {
			r := analyze(t, c.data)
			if r == nil {
				t.Fatal("refused")
			}
			if r.Sources[0].Truncated != c.truncated || r.Packets != c.packets {
				t.Errorf("truncated %v packets %d, want %v %d", r.Sources[0].Truncated, r.Packets, c.truncated, c.packets)
			}
		})
	}
}

// Package evidence writes the frames behind a report's findings to a
// pcapng file, each packet annotated (opt_comment) with the findings it
// proves, so that an engineer can open exactly those frames in Wireshark.
package evidence

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/capwrite"
	"github.com/wiretale/wiretale/report"
	"github.com/wiretale/wiretale/source"
)

// MaxFramesPerFinding caps how many frames one finding contributes.
const MaxFramesPerFinding = 50

// Write re-reads the inputs (paths as opened for the analysis; standard
// input must have been spooled to a file) and writes the frames the
// report's findings point at to path. It returns how many packets it
// wrote.
func Write(path string, inputs []string, rep *report.Report) (int, error) {
	want := wanted(rep, len(inputs))
	total := 0
	for _, frames := range want {
		total += len(frames)
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("evidence: %w", err)
	}
	bw := bufio.NewWriter(f)
	n, err := write(bw, inputs, want)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("evidence %s: %w", path, err)
	}
	return n, nil
}

// wanted maps each source to the frames to keep and their comments.
func wanted(rep *report.Report, sources int) []map[int64][]string {
	want := make([]map[int64][]string, sources)
	for i := range want {
		want[i] = map[int64][]string{}
	}
	eventFrames := map[string][]int64{}
	for _, e := range rep.Timeline {
		if e.Frame > 0 {
			eventFrames[e.Finding] = append(eventFrames[e.Finding], e.Frame)
		}
	}
	for _, f := range rep.Findings {
		if f.SourceIndex < 0 || f.SourceIndex >= sources {
			continue
		}
		// What the detector names as evidence (or its example frames), then
		// the frames its timeline events are about, without repeats.
		frames := f.Evidence
		if len(frames) == 0 {
			frames = f.Frames
		}
		frames = append(append([]int64(nil), frames...), eventFrames[f.ID]...)
		slices.Sort(frames)
		frames = slices.Compact(frames)
		if len(frames) > MaxFramesPerFinding {
			frames = frames[:MaxFramesPerFinding]
		}
		note := fmt.Sprintf("wiretale finding %s [%s] %s: %s", f.ID, f.Severity, f.Code, f.Subject)
		for _, n := range frames {
			want[f.SourceIndex][n] = append(want[f.SourceIndex][n], note)
		}
	}
	return want
}

type pending struct {
	pkt capwrite.Packet
	lt  decode.LinkType
	src int
}

func write(w io.Writer, inputs []string, want []map[int64][]string) (int, error) {
	// Collect first: pcapng wants its interfaces described before the
	// packets, and the link types are known only once the frames are read.
	var pkts []pending
	for i, name := range inputs {
		if len(want[i]) == 0 {
			continue
		}
		s, err := source.Open(name, nil)
		if err != nil {
			return 0, fmt.Errorf("reopen %s: %w", name, err)
		}
		var p source.Packet
		for len(want[i]) > 0 && s.Next(&p) == nil {
			notes, ok := want[i][p.Number]
			if !ok {
				continue
			}
			delete(want[i], p.Number)
			pkts = append(pkts, pending{
				pkt: capwrite.Packet{Time: p.Time, Data: append([]byte(nil), p.Data...), WireLen: p.WireLen, Comments: notes},
				lt:  p.LinkType,
				src: i,
			})
		}
		s.Close()
	}
	sort.SliceStable(pkts, func(a, b int) bool { return pkts[a].pkt.Time.Before(pkts[b].pkt.Time) })

	type ifaceKey struct {
		src int
		lt  decode.LinkType
	}
	index := map[ifaceKey]int{}
	var ifaces []capwrite.Interface
	for i := range pkts {
		k := ifaceKey{pkts[i].src, pkts[i].lt}
		idx, ok := index[k]
		if !ok {
			idx = len(ifaces)
			index[k] = idx
			ifaces = append(ifaces, capwrite.Interface{LinkType: uint16(k.lt), Name: inputs[k.src], TSResol: 9})
		}
		pkts[i].pkt.Interface = idx
	}
	if len(ifaces) == 0 {
		ifaces = append(ifaces, capwrite.Interface{LinkType: uint16(decode.LinkEthernet), Name: "no evidence", TSResol: 9})
	}
	nw, err := capwrite.NewNgWriter(w, false, ifaces...)
	if err != nil {
		return 0, err
	}
	for i, p := range pkts {
		if err := nw.Write(p.pkt); err != nil {
			return i, err
		}
	}
	return len(pkts), nil
}

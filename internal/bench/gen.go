package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/capwrite"
	"github.com/wiretale/wiretale/internal/craft"
)

// uplinkMix describes the synthetic hypervisor uplink: tenant TCP on many
// VLANs at all sizes, ARP and DNS, and the rare frames every detector
// must find among them.
type uplinkMix struct {
	frames   int
	duration time.Duration
	seed     uint64
}

// genFile writes the benchmark capture as pcap, deterministically.
func genFile(path string, mix uplinkMix) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 4<<20)
	n, err := writeMix(bw, mix)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// buildTemplates prebuilds the frames the generator cycles through, so
// that writing 2 GB costs little more than the disk.
func buildTemplates(rng *rand.Rand) (bulk, rare [][]byte) {
	gw := craft.MustMAC("52:54:00:aa:00:01")
	for v := 0; v < 64; v++ {
		tags := []craft.Tag{{VID: uint16(100 + v)}}
		for h := 0; h < 8; h++ {
			vm := decode.MAC{0xfa, 0x16, 0x3e, 0x10, byte(v), byte(h)}
			a := netip.AddrFrom4([4]byte{10, byte(v), 0, byte(10 + h)})
			b := netip.AddrFrom4([4]byte{10, byte(v), 0, 1})
			for _, size := range []int{1460, 1460, 1460, 0, 0, 0, 512, 96, rng.IntN(1400), rng.IntN(1400)} {
				// Random payloads: tenant traffic is mostly encrypted, so the
				// gzip variant compresses like a real capture would.
				payload := make([]byte, size)
				for i := range payload {
					payload[i] = byte(rng.Uint32())
				}
				seg := craft.TCP(a, b, uint16(40000+h), 443, rng.Uint32(), rng.Uint32(), craft.ACK, payload)
				bulk = append(bulk, craft.Ethernet(gw, vm, tags, decode.EtherTypeIPv4, craft.IP(a, b, decode.ProtoTCP, seg)))
			}
			// DNS and ARP.
			bulk = append(bulk, craft.Ethernet(gw, vm, tags, decode.EtherTypeIPv4,
				craft.IP(a, b, decode.ProtoUDP, craft.UDP(a, b, uint16(50000+h), 53, craft.Bytes(40, byte(v))))))
			arp := make([]byte, 28)
			copy(arp, []byte{0, 1, 8, 0, 6, 4, 0, 1})
			bulk = append(bulk, craft.Ethernet(craft.MustMAC("ff:ff:ff:ff:ff:ff"), vm, tags, decode.EtherTypeARP, arp))
		}
	}
	// Rare frames: a VLAN stacked on a VLAN (some full-size), jumbo and
	// offload frames.
	inst := craft.MustMAC("fa:16:3e:5c:7e:01")
	a, b := netip.MustParseAddr("10.20.100.5"), netip.MustParseAddr("10.20.100.1")
	stacked := []craft.Tag{{VID: 20}, {VID: 100}}
	for _, size := range []int{100, 1460} {
		seg := craft.TCP(a, b, 22, 51022, 1, 1, craft.ACK, craft.Bytes(size, 1))
		rare = append(rare, craft.Ethernet(gw, inst, stacked, decode.EtherTypeIPv4, craft.IP(a, b, decode.ProtoTCP, seg)))
	}
	rare = append(rare, craft.Ethernet(gw, craft.MustMAC("52:54:00:30:00:11"), nil, decode.EtherTypeIPv4,
		craft.IP(a, b, decode.ProtoUDP, craft.UDP(a, b, 4789, 4789, craft.Bytes(8000, 2)))))
	return bulk, rare
}

func writeMix(w io.Writer, mix uplinkMix) (int64, error) {
	rng := rand.New(rand.NewPCG(mix.seed, mix.seed^0x5eed))
	bulk, rare := buildTemplates(rng)
	if err := capwrite.WritePcap(w, capwrite.PcapOptions{LinkType: uint32(decode.LinkEthernet)}, nil); err != nil {
		return 0, err
	}
	start := time.Date(2026, 2, 15, 1, 0, 0, 0, time.UTC)
	step := mix.duration / time.Duration(mix.frames)
	var rec [16]byte
	var total int64
	for i := 0; i < mix.frames; i++ {
		data := bulk[rng.IntN(len(bulk))]
		if i%20000 == 7 {
			data = rare[(i/20000)%len(rare)]
		}
		ts := start.Add(time.Duration(i) * step)
		binary.LittleEndian.PutUint32(rec[0:], uint32(ts.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(ts.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(data)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(data)))
		if _, err := w.Write(rec[:]); err != nil {
			return total, err
		}
		if _, err := w.Write(data); err != nil {
			return total, err
		}
		total += int64(len(data)) + 16
	}
	return total, nil
}

// convertPcapng rewrites a pcap as pcapng with one Ethernet interface.
func convertPcapng(src, dst string) error {
	return convert(src, dst, func(w io.Writer, r *pcapRecords) error {
		nw, err := capwrite.NewNgWriter(w, false, capwrite.Interface{LinkType: uint16(decode.LinkEthernet), Name: "bond0"})
		if err != nil {
			return err
		}
		return r.each(func(p capwrite.Packet) error { return nw.Write(p) })
	})
}

// convertGzip compresses a file (gzip level 1, as `gzip --fast`).
func convertGzip(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestSpeed)
	if _, err := io.Copy(zw, bufio.NewReaderSize(in, 4<<20)); err != nil {
		out.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

type pcapRecords struct{ r *bufio.Reader }

func (p *pcapRecords) each(fn func(capwrite.Packet) error) error {
	if _, err := p.r.Discard(24); err != nil {
		return err
	}
	var hdr [16]byte
	buf := make([]byte, 1<<18)
	for {
		if _, err := io.ReadFull(p.r, hdr[:]); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		n := binary.LittleEndian.Uint32(hdr[8:])
		if int(n) > len(buf) {
			return fmt.Errorf("record of %d bytes", n)
		}
		if _, err := io.ReadFull(p.r, buf[:n]); err != nil {
			return err
		}
		t := time.Unix(int64(binary.LittleEndian.Uint32(hdr[0:])), int64(binary.LittleEndian.Uint32(hdr[4:]))*1000)
		if err := fn(capwrite.Packet{Time: t, Data: buf[:n], WireLen: int(binary.LittleEndian.Uint32(hdr[12:]))}); err != nil {
			return err
		}
	}
}

func convert(src, dst string, fn func(io.Writer, *pcapRecords) error) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 4<<20)
	if err := fn(bw, &pcapRecords{bufio.NewReaderSize(in, 4<<20)}); err != nil {
		out.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ensureCorpus generates the benchmark files once into dir; later runs
// reuse them when their recorded size matches.
func ensureCorpus(dir string, frames int) (map[string]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	base := filepath.Join(dir, fmt.Sprintf("uplink-%d.pcap", frames))
	files := map[string]string{"pcap": base, "pcapng": base + "ng", "gzip": base + ".gz"}
	stamp := base + ".done"
	if _, err := os.Stat(stamp); err == nil {
		return files, nil
	}
	mix := uplinkMix{frames: frames, duration: 10 * time.Minute, seed: 2026}
	fmt.Fprintf(os.Stderr, "bench: generating %s (%d frames)…\n", base, frames)
	if _, err := genFile(base, mix); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "bench: converting to pcapng and gzip…\n")
	if err := convertPcapng(base, files["pcapng"]); err != nil {
		return nil, err
	}
	if err := convertGzip(base, files["gzip"]); err != nil {
		return nil, err
	}
	return files, os.WriteFile(stamp, []byte("ok\n"), 0o644)
}

// ensurePcap generates (once) a pcap of the mix with the given number of
// frames and returns its path; only the pcap, for memory measurements.
func ensurePcap(dir string, frames int) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("uplink-%d.pcap", frames))
	stamp := path + ".pcap-done"
	if _, err := os.Stat(stamp); err == nil {
		return path, nil
	}
	fmt.Fprintf(os.Stderr, "bench: generating %s (%d frames)…\n", path, frames)
	if _, err := genFile(path, uplinkMix{frames: frames, duration: 10 * time.Minute, seed: 2026}); err != nil {
		return "", err
	}
	return path, os.WriteFile(stamp, []byte("ok\n"), 0o644)
}

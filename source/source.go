// Package source opens captures (pcap, pcapng, either gzip-compressed, a
// file or standard input) and yields their packets, merged by timestamp
// when there are several.
package source

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/wiretale/wiretale/decode"
)

// readBufferSize is the buffer between the file and the pcap reader. Large
// reads keep system calls rare on multi-gigabyte captures.
const readBufferSize = 1 << 20

// Errors from Open that callers branch on. Both mean the input is refused.
var (
	ErrEmpty      = errors.New("empty file")
	ErrNotCapture = errors.New("not a pcap or pcapng capture")
)

// File-format magic numbers: pcap (microsecond and nanosecond, both byte
// orders), pcapng's section header block type, gzip.
const (
	magicPcapUsec    = 0xa1b2c3d4
	magicPcapNsec    = 0xa1b23c4d
	magicPcapModUsec = 0xa1b2cd34 // Kuznetzov's modified pcap (old Red Hat tcpdump)
	magicPcapng      = 0x0a0d0d0a
)

// maxRFC3339Unix is 9999-12-31T23:59:59Z, the last second RFC 3339 writes.
const maxRFC3339Unix = 253402300799

// Packet is one captured packet. Data belongs to the source's reader and
// is valid only until that source's next packet.
type Packet struct {
	Data     []byte
	Time     time.Time
	WireLen  int
	LinkType decode.LinkType
	Number   int64 // 1-based within the source
}

// packetReader is what pcapgo's two readers have in common: it fills p's
// data, time, original length and link type.
type packetReader interface {
	next(p *Packet) error
}

// Source is one capture being read.
type Source struct {
	Name   string // as given by the user; "-" is standard input
	Format string // "pcap", "pcap (nanosecond)", "pcapng", with ", gzip" when compressed

	// Counters, updated as packets are read.
	Packets     int64
	Bytes       int64 // sum of wire lengths
	First, Last time.Time
	OutOfOrder  int64
	Undecoded   int64
	// FarFuture counts packets stamped after year 9999, which only a corrupt
	// timestamp (resolution or offset) produces.
	FarFuture int64
	LinkTypes []decode.LinkType // in order of first appearance

	// Err is the error that ended reading early; nil after a clean end.
	Err error

	r      packetReader
	closer io.Closer
	done   bool
	fcsLen int // bytes of frame check sequence at the end of every frame, from the pcap header

	gunzip *prefetchReader

	lastNano  int64           // Last, as Unix nanoseconds
	lastLT    decode.LinkType // link type of the previous packet
	lastKnown bool            // lastLT.Known()
}

// Open opens a capture file by name ("-" for stdin, read from the given
// reader) and reads its file header. A missing file, an empty one, or one
// that is not a capture is an error; the caller refuses it.
func Open(name string, stdin io.Reader) (*Source, error) {
	var (
		in     io.Reader
		closer io.Closer
	)
	if name == "-" {
		in = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		if st, err := f.Stat(); err == nil && st.IsDir() {
			f.Close()
			return nil, fmt.Errorf("%s is a directory", name)
		}
		in, closer = f, f
	}
	s, err := FromReader(name, in)
	if err != nil {
		if closer != nil {
			closer.Close()
		}
		return nil, err
	}
	s.closer = closer
	return s, nil
}

// FromReader reads a capture from r, detecting gzip, pcap and pcapng by
// their magic numbers rather than by name. Decompression runs ahead in a
// goroutine of its own; Close stops it.
func FromReader(name string, r io.Reader) (_ *Source, err error) {
	var gunzip *prefetchReader
	defer func() {
		if err != nil && gunzip != nil {
			gunzip.Close()
		}
	}()
	br := bufio.NewReaderSize(r, readBufferSize)
	head, err := br.Peek(4)
	if len(head) == 0 && (err == io.EOF || err == nil) {
		return nil, ErrEmpty
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	s := &Source{Name: name}
	compressed := false
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip header: %w", err)
		}
		// Decompression is the costliest step of a gzip capture: give it
		// its own goroutine too.
		gunzip = newPrefetchReader(zr)
		s.gunzip = gunzip
		br = bufio.NewReaderSize(gunzip, readBufferSize)
		compressed = true
		head, err = br.Peek(4)
		if len(head) == 0 {
			if err == nil || err == io.EOF {
				return nil, fmt.Errorf("%w (after decompression)", ErrEmpty)
			}
			return nil, fmt.Errorf("gzip: %w", err)
		}
	}
	if len(head) < 4 {
		return nil, fmt.Errorf("%w: only %d bytes", ErrNotCapture, len(head))
	}
	le, be := binary.LittleEndian.Uint32(head), binary.BigEndian.Uint32(head)
	switch {
	case le == magicPcapng:
		// A section of an unknown major version is an error rather than
		// skipped silently: the report then says the input was incomplete.
		nr := &ngReader{}
		ng, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{
			WantMixedLinkType: true,
			// A new section describes its interfaces afresh.
			SectionEndCallback: func([]pcapgo.NgInterface, pcapgo.NgSectionInfo) { nr.ifaces = nr.ifaces[:0] },
		})
		if err != nil {
			return nil, fmt.Errorf("%w: pcapng header: %v", ErrNotCapture, err)
		}
		nr.r = ng
		s.r = nr
		s.Format = "pcapng"
	case le == magicPcapUsec || be == magicPcapUsec || le == magicPcapNsec || be == magicPcapNsec:
		br, fcs, err := checkPcapHeader(br, le == magicPcapUsec || le == magicPcapNsec)
		if err != nil {
			return nil, err
		}
		s.fcsLen = fcs
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: pcap header: %v", ErrNotCapture, err)
		}
		s.r = &pcapReader{r: pr, lt: decode.LinkType(pr.LinkType())}
		s.Format = "pcap"
		if pr.Resolution() == gopacket.TimestampResolutionNanosecond {
			s.Format = "pcap (nanosecond)"
		}
	case le == magicPcapModUsec || be == magicPcapModUsec:
		return nil, fmt.Errorf("%w: modified (Kuznetzov) pcap is not supported; convert it with 'editcap -F pcap'", ErrNotCapture)
	default:
		return nil, fmt.Errorf("%w: unrecognised magic 0x%08x", ErrNotCapture, be)
	}
	if compressed {
		s.Format += ", gzip"
	}
	return s, nil
}

// checkPcapHeader validates what pcapgo does not and repairs what it is
// too strict about: major version 2 with any minor version (libpcap and
// Wireshark read 2.0–2.3 files; pcapgo insists on 2.4), and the link-type
// field's upper bits (draft-ietf-opsawg-pcap §4: reserved bits must be
// zero; the F bit says how many bytes of FCS end each frame).
func checkPcapHeader(br *bufio.Reader, littleEndian bool) (*bufio.Reader, int, error) {
	hdr, err := br.Peek(24)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: pcap header is %d bytes, need 24", ErrNotCapture, len(hdr))
	}
	var bo binary.ByteOrder = binary.BigEndian
	if littleEndian {
		bo = binary.LittleEndian
	}
	major, minor := bo.Uint16(hdr[4:]), bo.Uint16(hdr[6:])
	if major != 2 || minor > 4 {
		return nil, 0, fmt.Errorf("%w: pcap version %d.%d is not supported (want 2.x)", ErrNotCapture, major, minor)
	}
	lt := bo.Uint32(hdr[20:])
	if lt&0x03ff0000 != 0 {
		return nil, 0, fmt.Errorf("%w: pcap header link-type field 0x%08x has reserved bits set", ErrNotCapture, lt)
	}
	fcs := 0
	if lt&0x04000000 != 0 {
		fcs = int(lt>>28) * 2
	}
	if minor == 4 && lt&0xffff0000 == 0 {
		return br, fcs, nil
	}
	fixed := append([]byte(nil), hdr...)
	bo.PutUint16(fixed[6:], 4)
	bo.PutUint32(fixed[20:], lt&0xffff)
	if _, err := br.Discard(24); err != nil {
		return nil, 0, err
	}
	return bufio.NewReaderSize(io.MultiReader(bytes.NewReader(fixed), br), readBufferSize), fcs, nil
}

// Next reads the next packet into p. It returns io.EOF at the clean end of
// the capture; any other error means the capture is cut short or corrupt
// at that point, and is also kept in s.Err.
func (s *Source) Next(p *Packet) error {
	if s.done {
		if s.Err != nil {
			return s.Err
		}
		return io.EOF
	}
	if err := s.r.next(p); err != nil {
		s.done = true
		if err == io.EOF {
			return io.EOF
		}
		s.Err = describeReadError(err)
		return s.Err
	}
	s.Packets++
	s.Bytes += int64(p.WireLen)
	if s.fcsLen > 0 {
		// Frame sizes are judged without the FCS, as on every other capture.
		p.WireLen = max(0, p.WireLen-s.fcsLen)
		if len(p.Data) > p.WireLen {
			p.Data = p.Data[:p.WireLen]
		}
	}
	p.Number = s.Packets
	lt := p.LinkType
	// Integer nanoseconds: cheaper than time.Time comparisons, on every
	// packet. (Beyond year 2262 they overflow; such times are corrupt and
	// counted in FarFuture.)
	ns := p.Time.UnixNano()
	switch {
	case s.Packets == 1:
		s.First, s.Last, s.lastNano = p.Time, p.Time, ns
	case ns < s.lastNano:
		s.OutOfOrder++
	case ns > s.lastNano:
		s.Last, s.lastNano = p.Time, ns
	}
	if lt != s.lastLT || s.Packets == 1 {
		s.noteLinkType(lt)
		s.lastLT, s.lastKnown = lt, lt.Known()
	}
	if !s.lastKnown {
		s.Undecoded++
	}
	if p.Time.Unix() > maxRFC3339Unix {
		s.FarFuture++
	}
	return nil
}

func (s *Source) noteLinkType(lt decode.LinkType) {
	for _, have := range s.LinkTypes {
		if have == lt {
			return
		}
	}
	s.LinkTypes = append(s.LinkTypes, lt)
}

// Close stops the readers running ahead and releases the file.
func (s *Source) Close() error {
	if s.gunzip != nil {
		s.gunzip.Close()
	}
	if s.closer == nil {
		return nil
	}
	return s.closer.Close()
}

// describeReadError turns a reader's error into one sentence an operator
// can act on, keeping the original for errors.Is.
func describeReadError(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("capture cut short: the last record is incomplete (was tcpdump stopped while writing?): %w", err)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return fmt.Errorf("corrupt gzip stream: %w", err)
	}
	return fmt.Errorf("corrupt record: %w", err)
}

type pcapReader struct {
	r  *pcapgo.Reader
	lt decode.LinkType
}

func (r *pcapReader) next(p *Packet) error {
	data, ci, err := r.r.ZeroCopyReadPacketData()
	p.Data, p.Time, p.WireLen, p.LinkType = data, ci.Timestamp, ci.Length, r.lt
	return err
}

type ngReader struct {
	r *pcapgo.NgReader
	// ifaces caches what next needs of each interface of the current
	// section: NgReader.Interface copies a whole description per call.
	ifaces []ngIface
}

type ngIface struct {
	lt        decode.LinkType
	binaryExp uint8 // if_tsresol 2^-e with e < 30 (see fixBinaryResolution), else 0
}

func (n *ngReader) next(p *Packet) error {
	data, ci, err := n.r.ZeroCopyReadPacketData()
	if err != nil {
		return err
	}
	i := ci.InterfaceIndex
	if i >= len(n.ifaces) {
		if err := n.refresh(i); err != nil {
			return err
		}
	}
	in := n.ifaces[i]
	p.Data, p.Time, p.WireLen, p.LinkType = data, ci.Timestamp, ci.Length, in.lt
	if in.binaryExp != 0 {
		p.Time = fixBinaryResolution(p.Time, in.binaryExp)
	}
	return nil
}

// refresh rebuilds the interface cache; a packet names an interface the
// cache has not seen (new interfaces come before their packets).
func (n *ngReader) refresh(i int) error {
	n.ifaces = n.ifaces[:0]
	for j := 0; j < n.r.NInterfaces(); j++ {
		iface, err := n.r.Interface(j)
		if err != nil {
			return err
		}
		c := ngIface{lt: decode.LinkType(iface.LinkType)}
		if res := iface.TimestampResolution; res.Binary() && res.Exponent() < 30 {
			c.binaryExp = res.Exponent()
		}
		n.ifaces = append(n.ifaces, c)
	}
	if i >= len(n.ifaces) {
		return fmt.Errorf("packet on interface %d, but only %d are described", i, len(n.ifaces))
	}
	return nil
}

// fixBinaryResolution undoes pcapgo's rounding of binary if_tsresol
// (2^-e seconds): it scales the fraction by the integer 1e9/2^e (953 for
// 2^-20 instead of 953.67), losing up to 0.07% of a second. The raw
// fraction is recovered exactly by dividing by that same integer.
func fixBinaryResolution(t time.Time, e uint8) time.Time {
	scale := int64(1e9) >> e // what pcapgo multiplied by (1e9 / 2^e, truncated)
	if scale == 0 {
		return t
	}
	frac := int64(t.Nanosecond()) / scale
	return time.Unix(t.Unix(), frac*1e9>>e).UTC()
}

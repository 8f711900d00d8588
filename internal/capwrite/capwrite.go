// Package capwrite writes pcap and pcapng files byte for byte the same on
// every run: the sample captures, the test inputs of every kind (both byte
// orders, nanosecond pcap, multi-interface pcapng with if_tsresol) and the
// evidence files come from here.
package capwrite

import (
	"encoding/binary"
	"errors"
	"io"
	"time"
)

// Packet is one record to write.
type Packet struct {
	Time      time.Time
	Data      []byte
	WireLen   int      // 0 means len(Data)
	Interface int      // pcapng interface index
	Comments  []string // pcapng packet comments (opt_comment, one option each)
}

func (p Packet) wireLen() int {
	if p.WireLen == 0 {
		return len(p.Data)
	}
	return p.WireLen
}

// PcapOptions chooses a pcap file's variant.
type PcapOptions struct {
	LinkType   uint32
	Snaplen    uint32 // 0 means 262144
	BigEndian  bool
	Nanosecond bool
}

// WritePcap writes a classic pcap file (draft-ietf-opsawg-pcap §4–5).
func WritePcap(w io.Writer, opt PcapOptions, pkts []Packet) error {
	var bo binary.ByteOrder = binary.LittleEndian
	if opt.BigEndian {
		bo = binary.BigEndian
	}
	magic := uint32(0xa1b2c3d4)
	if opt.Nanosecond {
		magic = 0xa1b23c4d
	}
	snap := opt.Snaplen
	if snap == 0 {
		snap = 262144
	}
	hdr := make([]byte, 24)
	bo.PutUint32(hdr[0:], magic)
	bo.PutUint16(hdr[4:], 2)
	bo.PutUint16(hdr[6:], 4)
	bo.PutUint32(hdr[16:], snap)
	bo.PutUint32(hdr[20:], opt.LinkType)
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	rec := make([]byte, 16)
	for _, p := range pkts {
		sub := uint32(p.Time.Nanosecond() / 1000)
		if opt.Nanosecond {
			sub = uint32(p.Time.Nanosecond())
		}
		bo.PutUint32(rec[0:], uint32(p.Time.Unix()))
		bo.PutUint32(rec[4:], sub)
		bo.PutUint32(rec[8:], uint32(len(p.Data)))
		bo.PutUint32(rec[12:], uint32(p.wireLen()))
		if _, err := w.Write(rec); err != nil {
			return err
		}
		if _, err := w.Write(p.Data); err != nil {
			return err
		}
	}
	return nil
}

// Interface is a pcapng interface description.
type Interface struct {
	LinkType uint16
	Snaplen  uint32
	Name     string
	// TSResol is the if_tsresol option byte: 6 (microseconds, the default
	// when 0), 9 (nanoseconds), or 0x80|n for 2^-n.
	TSResol uint8
}

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// NgWriter writes a pcapng file (draft-ietf-opsawg-pcapng): a section
// header, interface descriptions, enhanced packet blocks.
type NgWriter struct {
	w      io.Writer
	bo     byteOrder
	ifaces []Interface
}

// NewNgWriter writes the section header and interface descriptions.
func NewNgWriter(w io.Writer, bigEndian bool, ifaces ...Interface) (*NgWriter, error) {
	if len(ifaces) == 0 {
		return nil, errors.New("pcapng needs at least one interface")
	}
	n := &NgWriter{w: w, bo: binary.LittleEndian, ifaces: ifaces}
	if bigEndian {
		n.bo = binary.BigEndian
	}
	shb := make([]byte, 16)
	n.bo.PutUint32(shb[0:], 0x1a2b3c4d)
	n.bo.PutUint16(shb[4:], 1)
	n.bo.PutUint16(shb[6:], 0)
	n.bo.PutUint64(shb[8:], 0xffffffffffffffff) // section length unknown
	if err := n.block(0x0a0d0d0a, shb, nil); err != nil {
		return nil, err
	}
	for _, in := range ifaces {
		body := make([]byte, 8)
		n.bo.PutUint16(body[0:], in.LinkType)
		snap := in.Snaplen
		if snap == 0 {
			snap = 262144
		}
		n.bo.PutUint32(body[4:], snap)
		var opts []byte
		if in.Name != "" {
			opts = n.option(opts, 2, []byte(in.Name))
		}
		if in.TSResol != 0 {
			opts = n.option(opts, 9, []byte{in.TSResol})
		}
		if err := n.block(1, body, opts); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// units returns how many timestamp units per second an interface uses.
func (in Interface) units() uint64 {
	r := in.TSResol
	if r == 0 {
		r = 6
	}
	if r&0x80 != 0 {
		return 1 << (r & 0x7f)
	}
	u := uint64(1)
	for i := uint8(0); i < r; i++ {
		u *= 10
	}
	return u
}

// Write adds one enhanced packet block.
func (n *NgWriter) Write(p Packet) error {
	if p.Interface < 0 || p.Interface >= len(n.ifaces) {
		return errors.New("packet names an interface that was not described")
	}
	units := n.ifaces[p.Interface].units()
	ts := uint64(p.Time.Unix())*units + uint64(p.Time.Nanosecond())*units/1e9
	body := make([]byte, 20, 20+len(p.Data)+3)
	n.bo.PutUint32(body[0:], uint32(p.Interface))
	n.bo.PutUint32(body[4:], uint32(ts>>32))
	n.bo.PutUint32(body[8:], uint32(ts))
	n.bo.PutUint32(body[12:], uint32(len(p.Data)))
	n.bo.PutUint32(body[16:], uint32(p.wireLen()))
	body = append(body, p.Data...)
	body = pad4(body)
	var opts []byte
	for _, c := range p.Comments {
		opts = n.option(opts, 1, []byte(c))
	}
	return n.block(6, body, opts)
}

func (n *NgWriter) option(opts []byte, code uint16, val []byte) []byte {
	h := make([]byte, 4)
	n.bo.PutUint16(h[0:], code)
	n.bo.PutUint16(h[2:], uint16(len(val)))
	opts = append(opts, h...)
	opts = append(opts, val...)
	return pad4(opts)
}

func (n *NgWriter) block(typ uint32, body, opts []byte) error {
	if len(opts) > 0 {
		opts = append(opts, 0, 0, 0, 0) // opt_endofopt
	}
	total := uint32(12 + len(body) + len(opts))
	buf := make([]byte, 8, total)
	n.bo.PutUint32(buf[0:], typ)
	n.bo.PutUint32(buf[4:], total)
	buf = append(buf, body...)
	buf = append(buf, opts...)
	buf = n.bo.AppendUint32(buf, total)
	_, err := n.w.Write(buf)
	return err
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

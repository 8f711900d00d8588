package craft

import (
	"encoding/binary"
	"net/netip"

	"github.com/wiretale/wiretale/decode"
)

// DHCPOption is one raw option (RFC 2132 §2): a code and its data.
type DHCPOption struct {
	Code uint8
	Data []byte
}

// DHCPMessage describes a DHCPv4 message (RFC 2131 §2). Zero fields are
// left out: no option is written for an empty string or a zero address.
type DHCPMessage struct {
	Op        uint8 // 0: BOOTREQUEST for client types, BOOTREPLY for server types
	Type      decode.DHCPMsgType
	XID       uint32
	Secs      uint16
	Broadcast bool
	HType     uint8 // 0: 1 (Ethernet)
	HLen      uint8 // 0: 6
	CHAddr    decode.MAC
	CIAddr    netip.Addr
	YIAddr    netip.Addr
	SIAddr    netip.Addr
	GIAddr    netip.Addr

	RequestedIP netip.Addr // 50
	ServerID    netip.Addr // 54
	Lease       uint32     // 51, seconds; with T1/T2 (58/59) when they are non-zero
	T1, T2      uint32
	Hostname    string // 12
	VendorClass string // 60
	ClientID    []byte // 61
	Message     string // 56
	CircuitID   []byte // 82.1
	RemoteID    []byte // 82.2
	// Extra options are written after the others, before END.
	Extra []DHCPOption
	// Overload (option 52) puts FileOptions in the file field (1),
	// SnameOptions in sname (2), or both (3).
	Overload     uint8
	FileOptions  []DHCPOption
	SnameOptions []DHCPOption
	// NoCookie writes a plain BOOTP message without options.
	NoCookie bool
}

// DHCP builds the UDP payload of a DHCP message, padded to 300 bytes as
// BOOTP implementations send it (RFC 951 §3).
func DHCP(m DHCPMessage) []byte {
	b := make([]byte, 236, 300)
	op := m.Op
	if op == 0 {
		op = decode.BootRequest
		if m.Type.FromServer() {
			op = decode.BootReply
		}
	}
	b[0] = op
	b[1], b[2] = m.HType, m.HLen
	if b[1] == 0 {
		b[1] = 1
	}
	if b[2] == 0 {
		b[2] = 6
	}
	binary.BigEndian.PutUint32(b[4:], m.XID)
	binary.BigEndian.PutUint16(b[8:], m.Secs)
	if m.Broadcast {
		b[10] = 0x80
	}
	put4 := func(off int, a netip.Addr) {
		if a.IsValid() {
			v := a.As4()
			copy(b[off:], v[:])
		}
	}
	put4(12, m.CIAddr)
	put4(16, m.YIAddr)
	put4(20, m.SIAddr)
	put4(24, m.GIAddr)
	copy(b[28:], m.CHAddr[:])
	if m.NoCookie {
		return padTo(b, 300)
	}
	b = append(b, 99, 130, 83, 99)
	opt := func(code uint8, v []byte) {
		b = append(b, code, byte(len(v)))
		b = append(b, v...)
	}
	addr := func(a netip.Addr) []byte { v := a.As4(); return v[:] }
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	if m.Type != 0 {
		opt(53, []byte{byte(m.Type)})
	}
	if m.Overload != 0 {
		opt(52, []byte{m.Overload})
	}
	if len(m.ClientID) > 0 {
		opt(61, m.ClientID)
	}
	if m.RequestedIP.IsValid() {
		opt(50, addr(m.RequestedIP))
	}
	if m.ServerID.IsValid() {
		opt(54, addr(m.ServerID))
	}
	if m.Lease != 0 {
		opt(51, u32(m.Lease))
	}
	if m.T1 != 0 {
		opt(58, u32(m.T1))
	}
	if m.T2 != 0 {
		opt(59, u32(m.T2))
	}
	if m.Hostname != "" {
		opt(12, []byte(m.Hostname))
	}
	if m.VendorClass != "" {
		opt(60, []byte(m.VendorClass))
	}
	if m.Message != "" {
		opt(56, []byte(m.Message))
	}
	if len(m.CircuitID) > 0 || len(m.RemoteID) > 0 {
		var ri []byte
		if len(m.CircuitID) > 0 {
			ri = append(append(ri, 1, byte(len(m.CircuitID))), m.CircuitID...)
		}
		if len(m.RemoteID) > 0 {
			ri = append(append(ri, 2, byte(len(m.RemoteID))), m.RemoteID...)
		}
		opt(82, ri)
	}
	for _, o := range m.Extra {
		opt(o.Code, o.Data)
	}
	b = append(b, 255)
	if m.Overload&1 != 0 {
		writeOptionField(b[108:236], m.FileOptions)
	}
	if m.Overload&2 != 0 {
		writeOptionField(b[44:108], m.SnameOptions)
	}
	return padTo(b, 300)
}

// writeOptionField writes options into an overloaded sname or file field,
// cut to fit, followed by END when there is room.
func writeOptionField(field []byte, opts []DHCPOption) {
	var b []byte
	for _, o := range opts {
		b = append(b, o.Code, byte(len(o.Data)))
		b = append(b, o.Data...)
	}
	b = append(b, 255)
	copy(field, b)
}

func padTo(b []byte, n int) []byte {
	for len(b) < n {
		b = append(b, 0)
	}
	return b
}

// DHCPv4Frame wraps a DHCP payload in UDP, IPv4 and Ethernet (with the
// given tags), as a client (port 68) or server (port 67) sends it.
func DHCPv4Frame(dst, src decode.MAC, tags []Tag, srcIP, dstIP netip.Addr, sport, dport uint16, payload []byte) []byte {
	return Ethernet(dst, src, tags, decode.EtherTypeIPv4,
		IPv4(srcIP, dstIP, decode.ProtoUDP, IPv4Options{TTL: 64, NoDF: true}, UDP(srcIP, dstIP, sport, dport, payload)))
}

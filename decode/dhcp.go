package decode

// DHCPv4 messages: the BOOTP fixed header (RFC 2131 §2, figure 1), the
// magic cookie and options (RFC 2132: 12 host name, 50 requested address,
// 51 lease time, 52 option overload §9.3, 53 message type, 54 server id,
// 56 message, 58/59 T1/T2, 60 vendor class, 61 client id), relay agent
// information (RFC 3046: sub-options 1 circuit id and 2 remote id) and
// the concatenation of split options (RFC 3396).
//
// DHCP packets are rare, so DecodeDHCP may grow its buffers once; after
// that it reuses them and does not allocate. It never panics: a short
// fixed header is an error, options that run past the end stop the parse
// with Truncated set and everything before them kept.

import (
	"errors"
	"fmt"
	"net/netip"
)

// UDP ports of DHCP (RFC 2131 §4.1).
const (
	DHCPServerPort uint16 = 67
	DHCPClientPort uint16 = 68
)

// BOOTP op codes (RFC 2131 §2).
const (
	BootRequest uint8 = 1
	BootReply   uint8 = 2
)

// DHCPMsgType is the value of option 53 (RFC 2132 §9.6, RFC 4388 §6.1 for
// the lease-query types).
type DHCPMsgType uint8

// DHCP message types.
const (
	DHCPDiscover        DHCPMsgType = 1
	DHCPOffer           DHCPMsgType = 2
	DHCPRequest         DHCPMsgType = 3
	DHCPDecline         DHCPMsgType = 4
	DHCPAck             DHCPMsgType = 5
	DHCPNak             DHCPMsgType = 6
	DHCPRelease         DHCPMsgType = 7
	DHCPInform          DHCPMsgType = 8
	DHCPForceRenew      DHCPMsgType = 9
	DHCPLeaseQuery      DHCPMsgType = 10
	DHCPLeaseUnassigned DHCPMsgType = 11
	DHCPLeaseUnknown    DHCPMsgType = 12
	DHCPLeaseActive     DHCPMsgType = 13
)

var dhcpTypeNames = [...]string{"", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM",
	"FORCERENEW", "LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN", "LEASEACTIVE"}

// String returns the type's name as RFC 2132 spells it without the DHCP
// prefix ("DISCOVER"), "none" for a message without option 53 and
// "type106" for values no RFC defines.
func (t DHCPMsgType) String() string {
	if t == 0 {
		return "none"
	}
	if int(t) < len(dhcpTypeNames) {
		return dhcpTypeNames[t]
	}
	return fmt.Sprintf("type%d", uint8(t))
}

// FromClient reports whether a client sends messages of this type.
func (t DHCPMsgType) FromClient() bool {
	switch t {
	case DHCPDiscover, DHCPRequest, DHCPDecline, DHCPRelease, DHCPInform:
		return true
	}
	return false
}

// FromServer reports whether a server sends this type to a client.
func (t DHCPMsgType) FromServer() bool {
	return t == DHCPOffer || t == DHCPAck || t == DHCPNak
}

// Errors from DecodeDHCP.
var (
	ErrDHCPShort = errors.New("dhcp: shorter than the 236-byte BOOTP header")
)

// Layout of the fixed header (RFC 2131 §2).
const (
	dhcpFixedLen  = 236
	dhcpCookieLen = 4
	dhcpSnameOff  = 44
	dhcpSnameLen  = 64
	dhcpFileOff   = 108
	dhcpFileLen   = 128
	// dhcpMaxField bounds each variable option kept; RFC 3396 lets a
	// hostile sender concatenate many pieces.
	dhcpMaxField = 1024
)

var dhcpMagicCookie = [4]byte{99, 130, 83, 99}

// DHCP is one decoded DHCPv4 message. The byte-slice fields are the
// decoder's own buffers: valid until the next DecodeDHCP into the same
// value, never pointing into the packet.
type DHCP struct {
	Op, HType, HLen, Hops uint8
	XID                   uint32
	Secs, Flags           uint16
	CIAddr, YIAddr        netip.Addr
	SIAddr, GIAddr        netip.Addr
	CHAddr                [16]byte // client hardware address; HLen (at most 16) bytes are meaningful

	// Cookie is set when the magic cookie follows the header: a DHCP
	// message rather than plain BOOTP. Options are read only then.
	Cookie bool

	Type        DHCPMsgType // option 53; 0 when absent
	RequestedIP netip.Addr  // option 50
	ServerID    netip.Addr  // option 54
	LeaseTime   uint32      // option 51, seconds; 0xffffffff means infinite
	T1, T2      uint32      // options 58 and 59, seconds
	HasLease    bool
	HasT1       bool
	HasT2       bool
	Overload    uint8 // option 52: 1 file, 2 sname, 3 both carry options

	Hostname    []byte // option 12, untrusted
	VendorClass []byte // option 60, untrusted
	ClientID    []byte // option 61: type byte and identifier
	Message     []byte // option 56 (a NAK's reason), untrusted
	CircuitID   []byte // option 82 sub-option 1
	RemoteID    []byte // option 82 sub-option 2
	relayInfo   []byte

	// Options counts the options read (pads excluded), in every area.
	Options int
	// Truncated is set when an option's length ran past the end of its
	// area; the options before it are kept.
	Truncated bool
}

// IsDHCPFrame reports whether f is a UDP/IPv4 datagram to or from a DHCP
// port, as Wireshark's dissector selects them (either port 67 or 68).
func IsDHCPFrame(f *Frame) bool {
	return f.HasPorts && f.Proto == ProtoUDP && f.IPVersion == 4 &&
		(f.SrcPort-DHCPServerPort < 2 || f.DstPort-DHCPServerPort < 2)
}

// Broadcast reports whether the client asked for broadcast replies (the
// BROADCAST flag, RFC 2131 §2 figure 2).
func (m *DHCP) Broadcast() bool { return m.Flags&0x8000 != 0 }

// Relayed reports whether a relay agent forwarded the message (giaddr set).
func (m *DHCP) Relayed() bool { return m.GIAddr.IsValid() && !m.GIAddr.IsUnspecified() }

// ClientMAC returns chaddr as a MAC address when it is 6 bytes long
// (Ethernet, and the hardware type 0 some clients send).
func (m *DHCP) ClientMAC() (MAC, bool) {
	if m.HLen != 6 {
		return MAC{}, false
	}
	return MAC(m.CHAddr[:6]), true
}

// ClientHW returns the meaningful bytes of chaddr (HLen of them, at most 16).
func (m *DHCP) ClientHW() []byte { return m.CHAddr[:min(int(m.HLen), 16)] }

// reset clears m, keeping its buffers' capacity.
func (m *DHCP) reset() {
	*m = DHCP{
		Hostname:    m.Hostname[:0],
		VendorClass: m.VendorClass[:0],
		ClientID:    m.ClientID[:0],
		Message:     m.Message[:0],
		CircuitID:   m.CircuitID[:0],
		RemoteID:    m.RemoteID[:0],
		relayInfo:   m.relayInfo[:0],
	}
}

// DecodeDHCP decodes a BOOTP/DHCP message (the UDP payload) into m. It
// returns ErrDHCPShort, with m cleared, when b cannot hold the fixed
// header; otherwise it fills m as far as b allows and returns nil, with
// m.Truncated set when options were cut.
func DecodeDHCP(m *DHCP, b []byte) error {
	m.reset()
	if len(b) < dhcpFixedLen {
		return ErrDHCPShort
	}
	m.Op, m.HType, m.HLen, m.Hops = b[0], b[1], b[2], b[3]
	m.XID = uint32(b[4])<<24 | uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7])
	m.Secs = be16(b, 8)
	m.Flags = be16(b, 10)
	m.CIAddr = netip.AddrFrom4([4]byte(b[12:16]))
	m.YIAddr = netip.AddrFrom4([4]byte(b[16:20]))
	m.SIAddr = netip.AddrFrom4([4]byte(b[20:24]))
	m.GIAddr = netip.AddrFrom4([4]byte(b[24:28]))
	copy(m.CHAddr[:], b[28:44])
	if m.HLen > 16 {
		m.HLen = 16 // RFC 2131 §2: chaddr has 16 bytes; a larger hlen is hostile
	}
	if len(b) < dhcpFixedLen+dhcpCookieLen || [4]byte(b[dhcpFixedLen:dhcpFixedLen+4]) != dhcpMagicCookie {
		return nil // BOOTP, or no cookie: no options to read
	}
	m.Cookie = true
	m.parseOptions(b[dhcpFixedLen+dhcpCookieLen:], true)
	// RFC 2131 §4.1 and RFC 3396 §7: with option overload, the file field
	// is read after the options, then sname. Option 52 inside them is
	// ignored, so there is no recursion.
	if m.Overload&1 != 0 {
		m.parseOptions(b[dhcpFileOff:dhcpFileOff+dhcpFileLen], false)
	}
	if m.Overload&2 != 0 {
		m.parseOptions(b[dhcpSnameOff:dhcpSnameOff+dhcpSnameLen], false)
	}
	m.parseRelayInfo()
	// Some clients NUL-terminate their strings (RFC 2132 §2 says not to);
	// Wireshark shows them up to the NUL, and so do we.
	m.Hostname = trimNUL(m.Hostname)
	m.VendorClass = trimNUL(m.VendorClass)
	m.Message = trimNUL(m.Message)
	return nil
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// parseOptions reads one option area up to its END option (RFC 2132 §3).
func (m *DHCP) parseOptions(b []byte, main bool) {
	for i := 0; i < len(b); {
		code := b[i]
		switch code {
		case 0: // pad
			i++
			continue
		case 255: // end
			return
		}
		if i+1 >= len(b) {
			m.Truncated = true
			return
		}
		n := int(b[i+1])
		if i+2+n > len(b) {
			m.Truncated = true
			return
		}
		m.option(code, b[i+2:i+2+n], main)
		m.Options++
		i += 2 + n
	}
}

// option stores one option. Fixed-size options keep their first
// well-formed instance; variable ones are concatenated (RFC 3396).
func (m *DHCP) option(code uint8, v []byte, main bool) {
	switch code {
	case 12:
		m.Hostname = appendBounded(m.Hostname, v)
	case 50:
		if len(v) == 4 && !m.RequestedIP.IsValid() {
			m.RequestedIP = netip.AddrFrom4([4]byte(v))
		}
	case 51:
		if len(v) == 4 && !m.HasLease {
			m.LeaseTime, m.HasLease = dhcpBE32(v), true
		}
	case 52:
		if main && len(v) == 1 && m.Overload == 0 && v[0] <= 3 {
			m.Overload = v[0]
		}
	case 53:
		if len(v) == 1 && m.Type == 0 {
			m.Type = DHCPMsgType(v[0])
		}
	case 54:
		if len(v) == 4 && !m.ServerID.IsValid() {
			m.ServerID = netip.AddrFrom4([4]byte(v))
		}
	case 56:
		m.Message = appendBounded(m.Message, v)
	case 58:
		if len(v) == 4 && !m.HasT1 {
			m.T1, m.HasT1 = dhcpBE32(v), true
		}
	case 59:
		if len(v) == 4 && !m.HasT2 {
			m.T2, m.HasT2 = dhcpBE32(v), true
		}
	case 60:
		m.VendorClass = appendBounded(m.VendorClass, v)
	case 61:
		m.ClientID = appendBounded(m.ClientID, v)
	case 82:
		m.relayInfo = appendBounded(m.relayInfo, v)
	}
}

// parseRelayInfo splits option 82 into its sub-options (RFC 3046 §2.0);
// a sub-option running past the end is dropped.
func (m *DHCP) parseRelayInfo() {
	b := m.relayInfo
	for i := 0; i+2 <= len(b); {
		code, n := b[i], int(b[i+1])
		if i+2+n > len(b) {
			m.Truncated = true
			return
		}
		v := b[i+2 : i+2+n]
		switch code {
		case 1:
			m.CircuitID = appendBounded(m.CircuitID, v)
		case 2:
			m.RemoteID = appendBounded(m.RemoteID, v)
		}
		i += 2 + n
	}
}

func appendBounded(dst, v []byte) []byte {
	if room := dhcpMaxField - len(dst); len(v) > room {
		v = v[:max(room, 0)]
	}
	return append(dst, v...)
}

func dhcpBE32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// DHCPClientState is the RFC 2131 §4.4 state a client was in when it sent
// a message, inferred from the message (RFC 2131 §4.3.2 table 4).
type DHCPClientState uint8

// Client states. INFORM, RELEASE and DECLINE are sent outside the lease
// state machine and get their own labels.
const (
	DHCPStateUnknown DHCPClientState = iota
	DHCPStateInit
	DHCPStateSelecting
	DHCPStateInitReboot
	DHCPStateRenewing
	DHCPStateRebinding
	DHCPStateBound
)

var dhcpStateNames = [...]string{"UNKNOWN", "INIT", "SELECTING", "INIT-REBOOT", "RENEWING", "REBINDING", "BOUND"}

func (s DHCPClientState) String() string {
	if int(s) < len(dhcpStateNames) {
		return dhcpStateNames[s]
	}
	return "UNKNOWN"
}

// DHCPLimitedBroadcast reports whether a is 255.255.255.255, where
// clients without an address (and rebinding clients) send their requests.
func DHCPLimitedBroadcast(a netip.Addr) bool {
	return a.Is4() && a.As4() == [4]byte{255, 255, 255, 255}
}

// ClientState infers the state of the client that sent m to dst (the IP
// destination), following RFC 2131 §4.3.2: a REQUEST with ciaddr set is
// RENEWING when unicast and REBINDING when sent to 255.255.255.255; with
// ciaddr 0 it is SELECTING when it names a server, INIT-REBOOT when it
// only names the address it wants. A DISCOVER is sent from INIT; RELEASE
// and INFORM from an address the client holds (BOUND); DECLINE returns
// the client to INIT.
func (m *DHCP) ClientState(dst netip.Addr) DHCPClientState {
	switch m.Type {
	case DHCPDiscover, DHCPDecline:
		return DHCPStateInit
	case DHCPRelease, DHCPInform:
		return DHCPStateBound
	case DHCPRequest:
		switch {
		case m.CIAddr.IsValid() && !m.CIAddr.IsUnspecified():
			if DHCPLimitedBroadcast(dst) {
				return DHCPStateRebinding
			}
			return DHCPStateRenewing
		case m.ServerID.IsValid():
			return DHCPStateSelecting
		case m.RequestedIP.IsValid():
			return DHCPStateInitReboot
		}
	}
	return DHCPStateUnknown
}

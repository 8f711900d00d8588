package craft

// Spanning-tree BPDU builders (IEEE 802.1Q-2018 §14.6; 802.1D-2004 §9.3):
// configuration, TCN, RST and MST BPDUs in an LLC (SAP 0x42) header, and
// Cisco PVST+/Rapid-PVST+ BPDUs behind a SNAP header with the
// originating-VLAN TLV.

import (
	"encoding/binary"
	"time"

	"github.com/wiretale/wiretale/decode"
)

// Destination MACs of BPDUs.
var (
	// BridgeGroupMAC is the Nearest Customer Bridge group address every
	// IEEE BPDU is sent to (802.1Q-2018 Table 8-1).
	BridgeGroupMAC = decode.MAC{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}
	// PVSTMAC is Cisco's shared spanning tree protocol address.
	PVSTMAC = decode.MAC{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd}
	// GARPGVRPMAC is the GVRP address: GARP PDUs share SAP 0x42 with BPDUs.
	GARPGVRPMAC = decode.MAC{0x01, 0x80, 0xc2, 0x00, 0x00, 0x21}
)

// BPDU flag bits and port roles (802.1D-2004 §9.3.3).
const (
	BPDUTC         = 0x01
	BPDUProposal   = 0x02
	BPDULearning   = 0x10
	BPDUForwarding = 0x20
	BPDUAgreement  = 0x40
	BPDUTCA        = 0x80

	RoleAlternate  = 1 << 2
	RoleRoot       = 2 << 2
	RoleDesignated = 3 << 2
)

// BridgeID is a bridge identifier; Priority is the whole 16-bit field
// (priority plus system ID extension).
type BridgeID struct {
	Priority uint16
	MAC      decode.MAC
}

func (id BridgeID) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, id.Priority)
	return append(b, id.MAC[:]...)
}

// BPDUTimers are the four timers of a BPDU; the zero value gives the
// defaults (message age 0, max age 20 s, hello 2 s, forward delay 15 s).
type BPDUTimers struct {
	MessageAge, MaxAge, Hello, ForwardDelay time.Duration
}

func (t BPDUTimers) append(b []byte) []byte {
	maxAge, hello, fwd := t.MaxAge, t.Hello, t.ForwardDelay
	if maxAge == 0 {
		maxAge = 20 * time.Second
	}
	if hello == 0 {
		hello = 2 * time.Second
	}
	if fwd == 0 {
		fwd = 15 * time.Second
	}
	for _, d := range []time.Duration{t.MessageAge, maxAge, hello, fwd} {
		b = binary.BigEndian.AppendUint16(b, uint16(d*256/time.Second))
	}
	return b
}

// BPDU is the common part of configuration, RST and MST BPDUs.
type BPDU struct {
	Flags uint8
	Root  BridgeID
	Cost  uint32
	// Bridge is the sender (configuration and RST BPDUs) or the CIST
	// regional root (MST BPDUs).
	Bridge BridgeID
	Port   uint16
	Timers BPDUTimers
}

func (p BPDU) append(b []byte, version, typ uint8) []byte {
	b = append(b, 0, 0, version, typ, p.Flags)
	b = p.Root.append(b)
	b = binary.BigEndian.AppendUint32(b, p.Cost)
	b = p.Bridge.append(b)
	b = binary.BigEndian.AppendUint16(b, p.Port)
	return p.Timers.append(b)
}

// ConfigBPDU returns an 802.1D configuration BPDU (35 octets).
func ConfigBPDU(p BPDU) []byte { return p.append(nil, 0, 0x00) }

// TCNBPDU returns a topology change notification BPDU (4 octets).
func TCNBPDU() []byte { return []byte{0, 0, 0, 0x80} }

// RSTBPDU returns an RST BPDU (36 octets, version 2).
func RSTBPDU(p BPDU) []byte { return append(p.append(nil, 2, 0x02), 0) }

// MSTI is one MSTI configuration message of an MST BPDU.
type MSTI struct {
	Flags          uint8
	RegionalRoot   BridgeID // its priority's low 12 bits are the MSTID
	Cost           uint32
	BridgePriority uint8 // the top 4 bits of the bridge priority
	PortPriority   uint8
	RemainingHops  uint8
}

// MST is the version 3 part of an MST BPDU.
type MST struct {
	ConfigName     string
	Revision       uint16
	Digest         [16]byte
	InternalCost   uint32
	CISTBridge     BridgeID
	RemainingHops  uint8
	MSTIs          []MSTI
	V3LengthAdjust int // added to the version 3 length, to build malformed BPDUs
}

// MSTBPDU returns an MST BPDU (version 3): the CIST fields of p, then m.
func MSTBPDU(p BPDU, m MST) []byte {
	b := append(p.append(nil, 3, 0x02), 0)
	b = binary.BigEndian.AppendUint16(b, uint16(64+16*len(m.MSTIs)+m.V3LengthAdjust))
	b = append(b, 0) // MST configuration identifier format selector
	var name [32]byte
	copy(name[:], m.ConfigName)
	b = append(b, name[:]...)
	b = binary.BigEndian.AppendUint16(b, m.Revision)
	b = append(b, m.Digest[:]...)
	b = binary.BigEndian.AppendUint32(b, m.InternalCost)
	b = m.CISTBridge.append(b)
	b = append(b, m.RemainingHops)
	for _, i := range m.MSTIs {
		b = append(b, i.Flags)
		b = i.RegionalRoot.append(b)
		b = binary.BigEndian.AppendUint32(b, i.Cost)
		b = append(b, i.BridgePriority, i.PortPriority, i.RemainingHops)
	}
	return b
}

// STPLLC puts a BPDU behind the LLC header 42 42 03.
func STPLLC(bpdu []byte) []byte {
	return append([]byte{0x42, 0x42, 0x03}, bpdu...)
}

// PVSTLLC puts a BPDU behind Cisco's SNAP header (OUI 00:00:0c, PID
// 0x010b), padded to 36 octets as Cisco pads configuration BPDUs, followed
// by the originating-VLAN TLV.
func PVSTLLC(bpdu []byte, vlan uint16) []byte {
	b := append([]byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x01, 0x0b}, bpdu...)
	for len(b) < 8+36 {
		b = append(b, 0)
	}
	return append(b, 0, 0, 0, 2, byte(vlan>>8), byte(vlan))
}

// GVRPLLC returns a GARP PDU registering VLAN vid (IEEE 802.1Q-2005
// §12.11): SAP 0x42 like a BPDU, but protocol identifier 0x0001.
func GVRPLLC(vid uint16) []byte {
	return []byte{0x42, 0x42, 0x03, 0x00, 0x01, 0x01, 0x04, 0x02, byte(vid >> 8), byte(vid), 0x00, 0x00}
}

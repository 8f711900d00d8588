package decode

// Spanning-tree BPDUs: the IEEE 802.1D configuration and topology change
// notification BPDUs (802.1D-2004 §9.3.1, §9.3.2), the RST BPDU
// (802.1D-2004 §9.3.3, formerly 802.1w), the MST BPDU (IEEE 802.1Q-2018
// §14.6, formerly 802.1s) and the SPT BPDU of shortest path bridging
// (802.1Q-2018 §14.6, version 4, formerly 802.1aq), carried in an 802.2
// LLC frame with DSAP and SSAP 0x42 (802.1Q-2018 §14.1). Also Cisco's
// PVST+ and Rapid-PVST+ BPDUs (SSTP): the same BPDU behind a SNAP header
// (OUI 00:00:0c, PID 0x010b), sent to 01:00:0c:cc:cc:cd, followed by TLVs
// of which type 0 carries the originating VLAN.
//
// gopacket's STP layer fails on the 4-byte TCN BPDU and knows neither the
// RSTP port role nor MSTP's length fields nor PVST+, so this decoder reads
// the bytes itself, with bounds checks, and returns a partial result
// rather than failing on truncated or hostile BPDUs.

import (
	"errors"
	"strconv"
	"time"
)

// Errors from DecodeBPDU.
var (
	// ErrNotBPDU: the LLC payload is not a spanning-tree BPDU (another SAP,
	// another SNAP protocol, or a GARP PDU, which shares SAP 0x42 but has
	// protocol identifier 0x0001).
	ErrNotBPDU = errors.New("not a spanning-tree BPDU")
	// ErrBPDUTruncated: the bytes end before a field the BPDU's type,
	// version or length fields promise; what came before is filled in.
	ErrBPDUTruncated = errors.New("truncated BPDU")
	// ErrBPDUUnknownType: a BPDU type/version combination no standard
	// defines; the common fields are filled in when present.
	ErrBPDUUnknownType = errors.New("unknown BPDU type")
)

// BPDUKind is what a receiving bridge takes a BPDU for, after the
// validation of IEEE 802.1Q-2018 §14.4.
type BPDUKind uint8

// BPDU kinds. Their String forms are the names reports use.
const (
	BPDUUnknown BPDUKind = iota
	BPDUConfig           // 802.1D configuration BPDU (type 0x00): "stp"
	BPDUTCN              // topology change notification (type 0x80): "tcn"
	BPDURST              // RST BPDU (type 0x02, version 2): "rstp"
	BPDUMST              // MST BPDU (type 0x02, version 3): "mstp"
	BPDUSPT              // SPT BPDU (type 0x02, version 4, SPB): "spb"
)

func (k BPDUKind) String() string {
	switch k {
	case BPDUConfig:
		return "stp"
	case BPDUTCN:
		return "tcn"
	case BPDURST:
		return "rstp"
	case BPDUMST:
		return "mstp"
	case BPDUSPT:
		return "spb"
	}
	return "unknown"
}

// BPDU flag bits (802.1D-2004 §9.3.3; only TC and TCA exist in
// configuration BPDUs).
const (
	BPDUFlagTC         = 0x01
	BPDUFlagProposal   = 0x02
	BPDUFlagRoleMask   = 0x0c
	BPDUFlagLearning   = 0x10
	BPDUFlagForwarding = 0x20
	BPDUFlagAgreement  = 0x40
	BPDUFlagTCA        = 0x80
)

// BPDU sizes and offsets (802.1Q-2018 §14.6): configuration BPDUs are 35
// octets, TCNs 4, RST BPDUs 36 (a version 1 length octet), MST BPDUs at
// least 102 (a version 3 length, then 64 octets of CIST data, then 16 per
// MSTI configuration message).
const (
	bpduTCNLen    = 4
	bpduConfigLen = 35
	bpduRSTLen    = 36
	bpduV3Off     = 38 // first octet counted by the version 3 length
	bpduV3Min     = 64 // CIST part of the version 3 data
	bpduMSTILen   = 16
	bpduMaxMSTIs  = 64
	// pvstTLVOff is where PVST+ TLVs start: after the 36-octet RST BPDU,
	// or after a 35-octet configuration BPDU and one pad octet (as Cisco
	// sends and tshark reads them).
	pvstTLVOff = 36
	// pvstTLVOrigVLAN is the TLV carrying the VLAN the BPDU was sent for.
	pvstTLVOrigVLAN = 0
	// maxPVSTTLVs bounds the TLV walk on hostile input.
	maxPVSTTLVs = 16
)

// MaxMSTIIDs is how many MSTI identifiers a BPDU records; the count covers
// all of them.
const MaxMSTIIDs = 8

// BridgeID is a bridge identifier: a 16-bit priority and a MAC address
// (802.1Q-2018 §13.26.2). Priority is the whole 16-bit field: the 4-bit
// settable priority (a multiple of 4096) plus the 12-bit system ID
// extension (the VLAN or MSTI), as switch CLIs print it ("Priority 32769"
// for priority 32768 on VLAN 1). tshark shows the two parts separately as
// stp.root.prio and stp.root.ext.
type BridgeID struct {
	Priority uint16
	MAC      MAC
}

// String returns "priority/MAC", e.g. "32768/fa:16:3e:24:e7:22".
func (id BridgeID) String() string {
	return strconv.Itoa(int(id.Priority)) + "/" + id.MAC.String()
}

// PriorityBase returns the settable priority, as tshark's stp.root.prio.
func (id BridgeID) PriorityBase() uint16 { return id.Priority & 0xf000 }

// SystemIDExt returns the system ID extension, as tshark's stp.root.ext.
func (id BridgeID) SystemIDExt() uint16 { return id.Priority & 0x0fff }

func bridgeID(b []byte) BridgeID {
	var id BridgeID
	id.Priority = be16(b, 0)
	copy(id.MAC[:], b[2:8])
	return id
}

// BPDU is one decoded spanning-tree BPDU. Body fields (from Flags to
// ForwardDelay) are valid when HasBody is set; MST fields when HasMST is.
type BPDU struct {
	Kind BPDUKind
	// PVST is set for Cisco PVST+/Rapid-PVST+ BPDUs (SNAP PID 0x010b).
	PVST bool
	// Len is how many BPDU octets were available to decode.
	Len int

	ProtocolID uint16
	Version    uint8
	Type       uint8

	HasBody      bool
	Flags        uint8
	Root         BridgeID
	RootPathCost uint32
	// Bridge is the transmitting bridge for configuration and RST BPDUs;
	// in MST BPDUs this position holds the CIST regional root (the
	// sender is CISTBridge). tshark calls it stp.bridge either way.
	Bridge       BridgeID
	PortID       uint16
	MessageAge   uint16 // timers in units of 1/256 s
	MaxAge       uint16
	HelloTime    uint16
	ForwardDelay uint16

	HasV1Length bool
	V1Length    uint8

	HasV3Length bool
	V3Length    uint16

	HasMST            bool
	ConfigFormat      uint8
	ConfigName        [32]byte
	ConfigRevision    uint16
	ConfigDigest      [16]byte
	CISTInternalCost  uint32
	CISTBridge        BridgeID
	CISTRemainingHops uint8
	// NumMSTIs counts the MSTI configuration messages the version 3
	// length announces that are present; MSTIIDs keeps the first few.
	NumMSTIs int
	MSTIIDs  [MaxMSTIIDs]uint16
	// MSTITopologyChange is set when any MSTI's flags carry TC.
	MSTITopologyChange bool

	HasV4Length bool
	V4Length    uint16

	// HasOrigVLAN is set when a PVST+ BPDU carries its originating-VLAN TLV.
	HasOrigVLAN bool
	OrigVLAN    uint16

	Truncated bool
}

// Sender returns the identifier of the bridge that sent the BPDU: the
// CIST bridge identifier in MST and SPT BPDUs, the bridge identifier
// otherwise.
func (b *BPDU) Sender() BridgeID {
	if b.HasMST {
		return b.CISTBridge
	}
	return b.Bridge
}

// ClaimsRoot reports whether the sender announces itself as the (CIST)
// root bridge. Nothing in a BPDU of unknown type is trusted.
func (b *BPDU) ClaimsRoot() bool {
	return b.HasBody && b.Kind != BPDUTCN && b.Kind != BPDUUnknown && b.Root == b.Sender()
}

// TopologyChange reports whether the BPDU signals a topology change: a
// TCN, the TC flag, or TC in any MSTI's flags.
func (b *BPDU) TopologyChange() bool {
	if b.Kind == BPDUUnknown {
		return false
	}
	return b.Kind == BPDUTCN || (b.HasBody && b.Flags&BPDUFlagTC != 0) || b.MSTITopologyChange
}

// Rapid reports whether the flags carry RSTP's port role, proposal and
// agreement bits (RST, MST and SPT BPDUs).
func (b *BPDU) Rapid() bool {
	return b.HasBody && (b.Kind == BPDURST || b.Kind == BPDUMST || b.Kind == BPDUSPT)
}

// PortRole returns the port role encoded in the flags of an RST, MST or
// SPT BPDU (802.1D-2004 §9.3.3), or "" for other BPDUs.
func (b *BPDU) PortRole() string {
	if !b.Rapid() {
		return ""
	}
	switch (b.Flags & BPDUFlagRoleMask) >> 2 {
	case 1:
		return "alternate/backup"
	case 2:
		return "root"
	case 3:
		return "designated"
	}
	return "unknown" // "master" in MSTI flags, unknown in the CIST's
}

// BPDUTimer returns a BPDU timer (units of 1/256 s) as a duration.
func BPDUTimer(v uint16) time.Duration { return time.Duration(v) * time.Second / 256 }

// ConfigNameString returns the MST configuration name without its NUL
// padding. It comes from the packet: clean it before storing.
func (b *BPDU) ConfigNameString() string {
	n := 0
	for n < len(b.ConfigName) && b.ConfigName[n] != 0 {
		n++
	}
	return string(b.ConfigName[:n])
}

// LLC and SNAP values that mark BPDUs (802.1Q-2018 §14.1; Cisco SSTP).
const (
	llcSAPBPDU  = 0x42
	llcSAPSNAP  = 0xaa
	llcUI       = 0x03
	pvstPID     = 0x010b
	llcSNAPSize = 8
)

// IsBPDULLC reports, from the first octets of an LLC payload, whether it
// can be a BPDU: SAP 0x42 with a UI control field, or SNAP with Cisco's
// OUI and PID 0x010b. It is the cheap test before DecodeBPDU.
func IsBPDULLC(llc []byte) bool {
	if len(llc) < 3 || llc[2] != llcUI {
		return false
	}
	switch {
	case llc[0]&0xfe == llcSAPBPDU && llc[1]&0xfe == llcSAPBPDU:
		return true
	case llc[0] == llcSAPSNAP && llc[1] == llcSAPSNAP:
		return len(llc) >= llcSNAPSize && llc[3] == 0 && llc[4] == 0 && llc[5] == 0x0c && be16(llc, 6) == pvstPID
	}
	return false
}

// DecodeFrameBPDU decodes the BPDU an 802.3/LLC frame (or a Linux cooked
// capture of one) carries. It returns ErrNotBPDU for every other frame.
func DecodeFrameBPDU(f *Frame, b *BPDU) error {
	if !f.LLC {
		*b = BPDU{}
		return ErrNotBPDU
	}
	return DecodeBPDU(f.LLCPayload(), b)
}

// DecodeBPDU decodes llc, the LLC header and what follows it (as
// Frame.LLCPayload returns it), into b. It never panics: on truncated
// input it fills in what is there and returns ErrBPDUTruncated.
func DecodeBPDU(llc []byte, b *BPDU) error {
	*b = BPDU{}
	if !IsBPDULLC(llc) {
		return ErrNotBPDU
	}
	p := llc[3:]
	if llc[0] == llcSAPSNAP {
		b.PVST = true
		p = llc[llcSNAPSize:]
	}
	b.Len = len(p)
	if len(p) < 2 {
		b.Truncated = true
		return ErrBPDUTruncated
	}
	b.ProtocolID = be16(p, 0)
	if b.ProtocolID != 0 {
		return ErrNotBPDU // GARP (GVRP, GMRP) uses protocol identifier 1
	}
	if len(p) < bpduTCNLen {
		b.Truncated = true
		return ErrBPDUTruncated
	}
	b.Version, b.Type = p[2], p[3]
	switch {
	case b.Type == 0x80:
		b.Kind = BPDUTCN
		return nil
	case b.Type == 0x00:
		b.Kind = BPDUConfig
	case b.Type == 0x02 && b.Version == 2:
		b.Kind = BPDURST
	case b.Type == 0x02 && b.Version == 3:
		b.Kind = BPDUMST
	case b.Type == 0x02 && b.Version >= 4:
		b.Kind = BPDUSPT
	}
	if len(p) < bpduConfigLen {
		if b.Kind == BPDUUnknown {
			return ErrBPDUUnknownType // no telling how long it should be
		}
		b.Truncated = true
		return ErrBPDUTruncated
	}
	b.HasBody = true
	b.Flags = p[4]
	b.Root = bridgeID(p[5:13])
	b.RootPathCost = be32(p, 13)
	b.Bridge = bridgeID(p[17:25])
	b.PortID = be16(p, 25)
	b.MessageAge = be16(p, 27)
	b.MaxAge = be16(p, 29)
	b.HelloTime = be16(p, 31)
	b.ForwardDelay = be16(p, 33)
	var err error
	switch b.Kind {
	case BPDUUnknown:
		err = ErrBPDUUnknownType
	case BPDURST, BPDUMST, BPDUSPT:
		err = b.decodeRapid(p)
	}
	if b.PVST && err == nil && (b.Kind == BPDUConfig || b.Kind == BPDURST) {
		b.decodePVSTTLVs(p)
	}
	return err
}

// decodeRapid reads the version 1 length and, for version 3 and above,
// the MST part. A BPDU whose lengths are inconsistent is taken for an RST
// BPDU, as 802.1Q-2018 §14.4 d) tells bridges to do.
func (b *BPDU) decodeRapid(p []byte) error {
	if len(p) < bpduRSTLen {
		b.Truncated = true
		return ErrBPDUTruncated
	}
	b.HasV1Length, b.V1Length = true, p[35]
	if b.Kind == BPDURST {
		return nil
	}
	if len(p) < bpduV3Off {
		b.Truncated = true
		return ErrBPDUTruncated
	}
	b.HasV3Length, b.V3Length = true, be16(p, 36)
	v3 := int(b.V3Length)
	if b.V1Length != 0 || v3 < bpduV3Min || (v3-bpduV3Min)%bpduMSTILen != 0 || v3 > bpduV3Min+bpduMaxMSTIs*bpduMSTILen {
		b.Kind = BPDURST
		return nil
	}
	if len(p) < bpduV3Off+bpduV3Min {
		b.Truncated = true
		return ErrBPDUTruncated
	}
	m := p[bpduV3Off:]
	b.HasMST = true
	b.ConfigFormat = m[0]
	copy(b.ConfigName[:], m[1:33])
	b.ConfigRevision = be16(m, 33)
	copy(b.ConfigDigest[:], m[35:51])
	b.CISTInternalCost = be32(m, 51)
	b.CISTBridge = bridgeID(m[55:63])
	b.CISTRemainingHops = m[63]
	end := bpduV3Off + v3
	for off := bpduV3Off + bpduV3Min; off < end; off += bpduMSTILen {
		if off+bpduMSTILen > len(p) {
			b.Truncated = true
			return ErrBPDUTruncated
		}
		if b.NumMSTIs < MaxMSTIIDs {
			b.MSTIIDs[b.NumMSTIs] = be16(p, off+1) & 0x0fff
		}
		b.NumMSTIs++
		if p[off]&BPDUFlagTC != 0 {
			b.MSTITopologyChange = true
		}
	}
	if b.Kind == BPDUSPT {
		if len(p) < end+2 {
			b.Truncated = true
			return ErrBPDUTruncated
		}
		b.HasV4Length, b.V4Length = true, be16(p, end)
	}
	return nil
}

// decodePVSTTLVs walks the TLVs after a PVST+ BPDU for the originating
// VLAN. Damaged TLVs end the walk; they do not make the BPDU invalid.
func (b *BPDU) decodePVSTTLVs(p []byte) {
	off := pvstTLVOff
	for i := 0; i < maxPVSTTLVs && off+4 <= len(p); i++ {
		typ, n := be16(p, off), int(be16(p, off+2))
		if off+4+n > len(p) {
			return
		}
		if typ == pvstTLVOrigVLAN && n == 2 {
			b.HasOrigVLAN, b.OrigVLAN = true, be16(p, off+4)
			return
		}
		off += 4 + n
	}
}

func be32(b []byte, off int) uint32 {
	return uint32(b[off])<<24 | uint32(b[off+1])<<16 | uint32(b[off+2])<<8 | uint32(b[off+3])
}

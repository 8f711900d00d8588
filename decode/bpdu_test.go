package decode_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
)

var (
	testSrc    = craft.MustMAC("fa:16:3e:24:e7:22")
	testBridge = craft.BridgeID{Priority: 32768, MAC: testSrc}
	testRoot   = craft.BridgeID{Priority: 4096 + 100, MAC: craft.MustMAC("28:99:3a:4d:00:01")}
)

func decodeEth(t testing.TB, frame []byte) (*decode.Frame, *decode.BPDU, error) {
	t.Helper()
	var f decode.Frame
	decode.Decode(&f, decode.LinkEthernet, frame)
	var b decode.BPDU
	err := decode.DecodeFrameBPDU(&f, &b)
	return &f, &b, err
}

func TestDecodeBPDUForms(t *testing.T) {
	body := craft.BPDU{Flags: craft.BPDUTC, Root: testRoot, Cost: 2000, Bridge: testBridge, Port: 0x8001,
		Timers: craft.BPDUTimers{MessageAge: time.Second, ForwardDelay: 4 * time.Second}}
	mst := craft.MST{ConfigName: "region-1", Revision: 7, InternalCost: 20000, CISTBridge: testBridge, RemainingHops: 19,
		MSTIs: []craft.MSTI{
			{Flags: craft.RoleRoot, RegionalRoot: craft.BridgeID{Priority: 32768 + 10, MAC: testSrc}},
			{Flags: craft.RoleDesignated | craft.BPDUTC, RegionalRoot: craft.BridgeID{Priority: 32768 + 4094, MAC: testSrc}},
		}}
	cases := []struct {
		name     string
		frame    []byte
		kind     decode.BPDUKind
		pvst     bool
		origVLAN int // -1: none
		mstis    int
		role     string
		tc       bool
	}{
		{"config", craft.Dot3(craft.BridgeGroupMAC, testSrc, nil, craft.STPLLC(craft.ConfigBPDU(body))), decode.BPDUConfig, false, -1, 0, "", true},
		{"tcn", craft.Dot3(craft.BridgeGroupMAC, testSrc, nil, craft.STPLLC(craft.TCNBPDU())), decode.BPDUTCN, false, -1, 0, "", true},
		{"rstp", craft.Dot3(craft.BridgeGroupMAC, testSrc, []craft.Tag{{VID: 100}}, craft.STPLLC(craft.RSTBPDU(craft.BPDU{Flags: craft.RoleAlternate | craft.BPDUAgreement, Root: testRoot, Bridge: testBridge}))), decode.BPDURST, false, -1, 0, "alternate/backup", false},
		{"mstp", craft.Dot3(craft.BridgeGroupMAC, testSrc, nil, craft.STPLLC(craft.MSTBPDU(craft.BPDU{Flags: craft.RoleDesignated}, mst))), decode.BPDUMST, false, -1, 2, "designated", true},
		{"pvst+", craft.Dot3(craft.PVSTMAC, testSrc, []craft.Tag{{VID: 20}}, craft.PVSTLLC(craft.ConfigBPDU(body), 20)), decode.BPDUConfig, true, 20, 0, "", true},
		{"rapid-pvst+", craft.Dot3(craft.PVSTMAC, testSrc, nil, craft.PVSTLLC(craft.RSTBPDU(craft.BPDU{Flags: craft.RoleRoot | craft.BPDUForwarding | craft.BPDULearning}), 1)), decode.BPDURST, true, 1, 0, "root", false},
		{"qinq", craft.Dot3(craft.BridgeGroupMAC, testSrc, []craft.Tag{{TPID: decode.EtherTypeDot1AD, VID: 300}, {VID: 100}, {VID: 7}}, craft.STPLLC(craft.TCNBPDU())), decode.BPDUTCN, false, -1, 0, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, b, err := decodeEth(t, c.frame)
			if err != nil {
				t.Fatalf("DecodeFrameBPDU: %v", err)
			}
			if b.Kind != c.kind || b.PVST != c.pvst {
				t.Errorf("kind %v pvst %v, want %v %v", b.Kind, b.PVST, c.kind, c.pvst)
			}
			if got := -1; b.HasOrigVLAN {
				got = int(b.OrigVLAN)
				if got != c.origVLAN {
					t.Errorf("orig VLAN %d, want %d", got, c.origVLAN)
				}
			} else if c.origVLAN != -1 {
				t.Errorf("no orig VLAN, want %d", c.origVLAN)
			}
			if b.NumMSTIs != c.mstis || b.PortRole() != c.role || b.TopologyChange() != c.tc {
				t.Errorf("MSTIs %d role %q TC %v, want %d %q %v", b.NumMSTIs, b.PortRole(), b.TopologyChange(), c.mstis, c.role, c.tc)
			}
			if f.Src != testSrc {
				t.Errorf("src %s", f.Src)
			}
		})
	}

	// Field by field on the configuration BPDU.
	_, b, _ := decodeEth(t, craft.Dot3(craft.BridgeGroupMAC, testSrc, nil, craft.STPLLC(craft.ConfigBPDU(body))))
	if b.Root.String() != "4196/28:99:3a:4d:00:01" || b.Root.PriorityBase() != 4096 || b.Root.SystemIDExt() != 100 {
		t.Errorf("root %s (%d + %d)", b.Root, b.Root.PriorityBase(), b.Root.SystemIDExt())
	}
	if b.Bridge.String() != "32768/fa:16:3e:24:e7:22" || b.Sender() != b.Bridge || b.RootPathCost != 2000 || b.PortID != 0x8001 {
		t.Errorf("bridge %s cost %d port %#x", b.Bridge, b.RootPathCost, b.PortID)
	}
	if decode.BPDUTimer(b.MessageAge) != time.Second || decode.BPDUTimer(b.MaxAge) != 20*time.Second ||
		decode.BPDUTimer(b.HelloTime) != 2*time.Second || decode.BPDUTimer(b.ForwardDelay) != 4*time.Second {
		t.Errorf("timers %d %d %d %d", b.MessageAge, b.MaxAge, b.HelloTime, b.ForwardDelay)
	}
	if b.ClaimsRoot() {
		t.Error("claims root, but its root is another bridge")
	}

	// The MST BPDU: the sender is the CIST bridge, MSTI TC counts.
	_, b, _ = decodeEth(t, craft.Dot3(craft.BridgeGroupMAC, testSrc, nil, craft.STPLLC(craft.MSTBPDU(craft.BPDU{Root: testBridge, Bridge: testRoot}, mst))))
	if !b.HasMST || b.Sender() != (decode.BridgeID{Priority: 32768, MAC: testSrc}) || !b.ClaimsRoot() {
		t.Errorf("MST sender %s, claims root %v", b.Sender(), b.ClaimsRoot())
	}
	if b.ConfigNameString() != "region-1" || b.ConfigRevision != 7 || b.CISTInternalCost != 20000 || b.CISTRemainingHops != 19 || b.V3Length != 64+32 {
		t.Errorf("MST fields %q %d %d %d %d", b.ConfigNameString(), b.ConfigRevision, b.CISTInternalCost, b.CISTRemainingHops, b.V3Length)
	}
	if b.MSTIIDs[0] != 10 || b.MSTIIDs[1] != 4094 || !b.MSTITopologyChange || b.Flags&decode.BPDUFlagTC != 0 || !b.TopologyChange() {
		t.Errorf("MSTIs %v, MSTI TC %v", b.MSTIIDs[:2], b.MSTITopologyChange)
	}
}

func TestDecodeBPDUCooked(t *testing.T) {
	llc := craft.STPLLC(craft.RSTBPDU(craft.BPDU{Root: testBridge, Bridge: testBridge}))
	for _, c := range []struct {
		name string
		lt   decode.LinkType
		data []byte
	}{
		{"sll", decode.LinkLinuxSLL, craft.SLL(4, testSrc, 0x0004, llc)},
		{"sll2", decode.LinkLinuxSLL2, craft.SLL2(3, 4, testSrc, 0x0004, llc)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var f decode.Frame
			decode.Decode(&f, c.lt, c.data)
			var b decode.BPDU
			if err := decode.DecodeFrameBPDU(&f, &b); err != nil || b.Kind != decode.BPDURST || !b.ClaimsRoot() {
				t.Fatalf("err %v kind %v", err, b.Kind)
			}
			if !f.HasSrcMAC || f.Src != testSrc || f.HasEthernet {
				t.Errorf("src %s (%v), ethernet %v", f.Src, f.HasSrcMAC, f.HasEthernet)
			}
		})
	}
}

func TestDecodeBPDUOdd(t *testing.T) {
	rst := craft.RSTBPDU(craft.BPDU{Root: testBridge, Bridge: testBridge})
	mst := craft.MSTBPDU(craft.BPDU{}, craft.MST{CISTBridge: testBridge, MSTIs: make([]craft.MSTI, 2)})
	withV1 := append([]byte(nil), mst...)
	withV1[35] = 1
	badV3 := craft.MSTBPDU(craft.BPDU{}, craft.MST{CISTBridge: testBridge, V3LengthAdjust: 3})
	cases := []struct {
		name      string
		llc       []byte
		err       error
		kind      decode.BPDUKind
		truncated bool
	}{
		{"empty", nil, decode.ErrNotBPDU, 0, false},
		{"garp", craft.GVRPLLC(100), decode.ErrNotBPDU, 0, false},
		{"cdp snap", []byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00, 0x02, 0xb4}, decode.ErrNotBPDU, 0, false},
		{"ip sap", []byte{0x06, 0x06, 0x03, 0, 0, 0, 0}, decode.ErrNotBPDU, 0, false},
		{"not UI", []byte{0x42, 0x42, 0x13, 0, 0, 0, 0}, decode.ErrNotBPDU, 0, false},
		{"protocol id only", []byte{0x42, 0x42, 0x03, 0, 0}, decode.ErrBPDUTruncated, 0, true},
		{"short config", craft.STPLLC(craft.ConfigBPDU(craft.BPDU{}))[:20], decode.ErrBPDUTruncated, decode.BPDUConfig, true},
		{"rst without v1 length", craft.STPLLC(rst)[:3+35], decode.ErrBPDUTruncated, decode.BPDURST, true},
		{"mst cut in the cist part", craft.STPLLC(mst)[:3+60], decode.ErrBPDUTruncated, decode.BPDUMST, true},
		{"mst cut in an msti", craft.STPLLC(mst)[:len(mst)+3-5], decode.ErrBPDUTruncated, decode.BPDUMST, true},
		// 802.1Q-2018 §14.4 d): inconsistent lengths make it an RST BPDU.
		{"mst with v1 length", craft.STPLLC(withV1), nil, decode.BPDURST, false},
		{"mst with odd v3 length", craft.STPLLC(badV3), nil, decode.BPDURST, false},
		{"unknown type", craft.STPLLC([]byte{0, 0, 0, 0x05}), decode.ErrBPDUUnknownType, 0, false},
		{"type 2 version 0", craft.STPLLC(append([]byte{0, 0, 0, 2}, make([]byte, 32)...)), decode.ErrBPDUUnknownType, 0, false},
		{"pvst+ with a damaged TLV", append(craft.PVSTLLC(rst, 10)[:8+36], 0, 0, 0, 9, 0), nil, decode.BPDURST, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b decode.BPDU
			err := decode.DecodeBPDU(c.llc, &b)
			if !errors.Is(err, c.err) || b.Kind != c.kind || b.Truncated != c.truncated {
				t.Errorf("err %v kind %v truncated %v, want %v %v %v", err, b.Kind, b.Truncated, c.err, c.kind, c.truncated)
			}
			if b.HasOrigVLAN {
				t.Errorf("orig VLAN %d from a damaged TLV", b.OrigVLAN)
			}
		})
	}
}

// TestDecodeBPDUUnknownTypeIsNotClassified: a type 0x05 BPDU is neither a
// configuration BPDU nor a TCN, and nothing from it is trusted.
func TestDecodeBPDUUnknownTypeIsNotClassified(t *testing.T) {
	var b decode.BPDU
	err := decode.DecodeBPDU(craft.STPLLC(append([]byte{0, 0, 0, 0x05}, make([]byte, 40)...)), &b)
	if !errors.Is(err, decode.ErrBPDUUnknownType) || !b.HasBody {
		t.Fatalf("err %v, body %v", err, b.HasBody)
	}
	if b.Kind != decode.BPDUUnknown || b.TopologyChange() || b.ClaimsRoot() {
		t.Errorf("kind %v", b.Kind)
	}
}

func TestDecodeBPDUNoAllocs(t *testing.T) {
	frame := craft.Dot3(craft.BridgeGroupMAC, testSrc, []craft.Tag{{VID: 100}},
		craft.STPLLC(craft.MSTBPDU(craft.BPDU{}, craft.MST{CISTBridge: testBridge, MSTIs: make([]craft.MSTI, 3)})))
	var f decode.Frame
	var b decode.BPDU
	allocs := testing.AllocsPerRun(100, func() {
		decode.Decode(&f, decode.LinkEthernet, frame)
		_ = decode.DecodeFrameBPDU(&f, &b)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per BPDU", allocs)
	}
}

func BenchmarkDecodeBPDU(b *testing.B) {
	for _, c := range []struct {
		name string
		llc  []byte
	}{
		{"config", craft.STPLLC(craft.ConfigBPDU(craft.BPDU{Root: testBridge, Bridge: testBridge}))},
		{"rstp", craft.STPLLC(craft.RSTBPDU(craft.BPDU{Root: testBridge, Bridge: testBridge}))},
		{"mstp-4-mstis", craft.STPLLC(craft.MSTBPDU(craft.BPDU{}, craft.MST{CISTBridge: testBridge, MSTIs: make([]craft.MSTI, 4)}))},
		{"rapid-pvst+", craft.PVSTLLC(craft.RSTBPDU(craft.BPDU{Root: testBridge, Bridge: testBridge}), 100)},
		{"garp", craft.GVRPLLC(100)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var p decode.BPDU
			b.ReportAllocs()
			for b.Loop() {
				_ = decode.DecodeBPDU(c.llc, &p)
			}
		})
	}
}

// FuzzDecodeBPDU: no input makes the decoder panic, and what it reports
// stays within the input.
func FuzzDecodeBPDU(f *testing.F) {
	f.Add(craft.STPLLC(craft.ConfigBPDU(craft.BPDU{})))
	f.Add(craft.STPLLC(craft.TCNBPDU()))
	f.Add(craft.STPLLC(craft.RSTBPDU(craft.BPDU{})))
	f.Add(craft.STPLLC(craft.MSTBPDU(craft.BPDU{}, craft.MST{MSTIs: make([]craft.MSTI, 2)})))
	f.Add(craft.PVSTLLC(craft.ConfigBPDU(craft.BPDU{}), 1))
	f.Add(craft.GVRPLLC(1))
	f.Fuzz(func(t *testing.T, llc []byte) {
		var b decode.BPDU
		err := decode.DecodeBPDU(llc, &b)
		if err == nil && b.Len > len(llc) {
			t.Fatalf("BPDU of %d octets from %d bytes", b.Len, len(llc))
		}
		if b.NumMSTIs > 64 {
			t.Fatalf("%d MSTIs", b.NumMSTIs)
		}
		_ = b.PortRole()
		_ = b.ClaimsRoot()
		_ = b.TopologyChange()
	})
}

// FuzzDecodeFrameBPDU runs whole Ethernet frames through the frame decoder
// and the BPDU decoder.
func FuzzDecodeFrameBPDU(f *testing.F) {
	f.Add(craft.Dot3(craft.BridgeGroupMAC, testSrc, []craft.Tag{{VID: 5}}, craft.STPLLC(craft.RSTBPDU(craft.BPDU{}))))
	f.Add(craft.Dot3(craft.PVSTMAC, testSrc, nil, craft.PVSTLLC(craft.RSTBPDU(craft.BPDU{}), 5)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr decode.Frame
		decode.Decode(&fr, decode.LinkEthernet, data)
		var b decode.BPDU
		_ = decode.DecodeFrameBPDU(&fr, &b)
	})
}

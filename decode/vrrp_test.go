package decode_test

import (
	"errors"
	"io"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/source"
)

// vrrpResult is one protocol-112 frame of a capture as the decoder saw it.
type vrrpResult struct {
	v   decode.VRRP
	err error
}

// decodeVRRPFile decodes every IP protocol 112 frame of a capture.
func decodeVRRPFile(t *testing.T, path string) (map[int64]vrrpResult, int64) {
	t.Helper()
	src, err := source.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out := map[int64]vrrpResult{}
	var (
		p source.Packet
		f decode.Frame
	)
	for {
		if err := src.Next(&p); err != nil {
			if err != io.EOF {
				t.Logf("%s: %v", path, err)
			}
			break
		}
		if !p.LinkType.Known() {
			continue
		}
		f.Number, f.WireLen, f.Time = p.Number, p.WireLen, p.Time
		decode.Decode(&f, p.LinkType, p.Data)
		if f.IPVersion == 0 || f.Proto != decode.ProtoVRRP {
			continue
		}
		var r vrrpResult
		r.err = decode.DecodeVRRPFrame(&r.v, &f)
		out[p.Number] = r
	}
	return out, src.Packets
}

// tsharkRow is one line of tsharkVRRP.
type tsharkRow struct {
	file                                  string
	frame                                 int64
	version, typ, vrid, prio, count, auth int
	adverInt, shortAdverInt               int
	checksum                              int
	status                                int
	ip4, ip6, authString                  string
}

func parseTshark(t *testing.T, text string) []tsharkRow {
	t.Helper()
	atoi := func(s string) int {
		if s == "" {
			return -1
		}
		n, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			t.Fatalf("bad number %q", s)
		}
		return int(n)
	}
	var rows []tsharkRow
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		c := strings.Split(line, "|")
		if len(c) != 15 {
			t.Fatalf("bad tshark line %q", line)
		}
		rows = append(rows, tsharkRow{
			file: c[0], frame: int64(atoi(c[1])), version: atoi(c[2]), typ: atoi(c[3]), vrid: atoi(c[4]),
			prio: atoi(c[5]), count: atoi(c[6]), auth: atoi(c[7]), adverInt: atoi(c[8]), shortAdverInt: atoi(c[9]),
			checksum: atoi(c[10]), status: atoi(c[11]), ip4: c[12], ip6: c[13], authString: c[14],
		})
	}
	return rows
}

func joinAddrs(v *decode.VRRP) string {
	parts := make([]string, 0, v.NumAddrs)
	for _, a := range v.Addrs[:v.NumAddrs] {
		parts = append(parts, a.String())
	}
	return strings.Join(parts, ",")
}

// compareWithTshark checks every decoded field against tshark's row.
func compareWithTshark(t *testing.T, row tsharkRow, r vrrpResult) {
	t.Helper()
	v := &r.v
	where := row.file + " frame " + strconv.FormatInt(row.frame, 10)
	if r.err != nil {
		t.Errorf("%s: %v", where, r.err)
		return
	}
	eq := func(name string, got, want int) {
		if want >= 0 && got != want {
			t.Errorf("%s: %s = %d, tshark %d", where, name, got, want)
		}
	}
	eq("version", int(v.Version), row.version)
	eq("type", int(v.Type), row.typ)
	eq("vrid", int(v.VRID), row.vrid)
	eq("priority", int(v.Priority), row.prio)
	eq("count", int(v.CountIPAddrs), row.count)
	eq("checksum", int(v.Checksum), row.checksum)
	if ok := row.status == 1; v.ChecksumOK != ok || !v.ChecksumChecked {
		t.Errorf("%s: checksum ok %v (checked %v), tshark status %d", where, v.ChecksumOK, v.ChecksumChecked, row.status)
	}
	if strings.Contains(row.file, "carp") {
		// tshark's VRRPv2 view of CARP: auth_type is demote, adver_int advbase.
		if !v.CARP {
			t.Errorf("%s: not recognised as CARP", where)
		}
		eq("demote", int(v.AuthType), row.auth)
		eq("advbase", int(v.AdverInt), row.adverInt)
		return
	}
	if v.CARP {
		t.Errorf("%s: taken for CARP", where)
	}
	if v.Version == 2 {
		eq("auth type", int(v.AuthType), row.auth)
		eq("adver int", int(v.AdverInt), row.adverInt)
		if row.authString != "" && strings.TrimRight(string(v.AuthData[:]), "\x00") != row.authString {
			t.Errorf("%s: auth data %q, tshark %q", where, v.AuthData, row.authString)
		}
	} else {
		eq("max adver int", int(v.AdverInt), row.shortAdverInt)
	}
	if got, want := joinAddrs(v), row.ip4+row.ip6; got != want {
		t.Errorf("%s: addresses %s, tshark %s", where, got, want)
	}
}

// TestVRRPCorpusMatchesTshark decodes every VRRP and CARP capture of the
// corpus and compares each field with tshark's (tsharkVRRP).
func TestVRRPCorpusMatchesTshark(t *testing.T) {
	dir := corpusDir(t)
	rows := parseTshark(t, tsharkVRRP)
	byFile := map[string][]tsharkRow{}
	var files []string
	for _, r := range rows {
		if byFile[r.file] == nil {
			files = append(files, r.file)
		}
		byFile[r.file] = append(byFile[r.file], r)
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			got, _ := decodeVRRPFile(t, filepath.Join(dir, file))
			if len(got) != len(byFile[file]) {
				t.Errorf("%d protocol-112 frames, tshark shows %d VRRP frames", len(got), len(byFile[file]))
			}
			for _, row := range byFile[file] {
				r, ok := got[row.frame]
				if !ok {
					t.Errorf("frame %d: not decoded", row.frame)
					continue
				}
				compareWithTshark(t, row, r)
			}
		})
	}
}

// TestVRRPCorpusAgainstLiveTshark re-runs tshark when it is installed, so
// the recorded table cannot drift from what tshark says.
func TestVRRPCorpusAgainstLiveTshark(t *testing.T) {
	dir := corpusDir(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	for _, file := range []string{"nDPI/vrrp3.pcapng", "libpcap/carp.pcap"} {
		out, err := exec.Command(tshark, "-r", filepath.Join(dir, file), "-Y", "vrrp", "-T", "fields", "-E", "separator=|",
			"-e", "frame.number", "-e", "vrrp.version", "-e", "vrrp.type", "-e", "vrrp.virt_rtr_id", "-e", "vrrp.prio",
			"-e", "vrrp.addr_count", "-e", "vrrp.auth_type", "-e", "vrrp.adver_int", "-e", "vrrp.short_adver_int",
			"-e", "vrrp.checksum", "-e", "vrrp.checksum.status", "-e", "vrrp.ip_addr", "-e", "vrrp.ipv6_addr",
			"-e", "vrrp.auth_string").Output()
		if err != nil {
			t.Skipf("tshark failed: %v", err)
		}
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			lines = append(lines, file+"|"+l)
		}
		got, _ := decodeVRRPFile(t, filepath.Join(dir, file))
		for _, row := range parseTshark(t, strings.Join(lines, "\n")) {
			compareWithTshark(t, row, got[row.frame])
		}
	}
}

// TestVRRPCorpusMalformed: the crash reproducers must decode to errors,
// never to advertisements, and never panic. tshark shows no VRRP in
// vrrp-vrrp_print-oobr-2.pcap (every message is cut inside its addresses,
// in a first fragment); vrrp-vrrp_print-oobr.pcap is Frame Relay, a link
// type wiretale does not decode.
func TestVRRPCorpusMalformed(t *testing.T) {
	dir := corpusDir(t)
	for _, file := range []string{"tcpdump/vrrp-vrrp_print-oobr.pcap", "tcpdump/vrrp-vrrp_print-oobr-2.pcap"} {
		got, _ := decodeVRRPFile(t, filepath.Join(dir, file))
		for n, r := range got {
			if r.err == nil {
				t.Errorf("%s frame %d: decoded as a valid advertisement: %+v", file, n, r.v)
			}
		}
	}
}

func TestDecodeVRRPCrafted(t *testing.T) {
	v4a, v4b := netip.MustParseAddr("10.0.30.11"), netip.MustParseAddr("224.0.0.18")
	v6a, v6b := netip.MustParseAddr("fe80::1"), netip.MustParseAddr("ff02::12")
	vips6 := []netip.Addr{netip.MustParseAddr("fe80::254"), netip.MustParseAddr("2001:db8::1")}
	tests := []struct {
		name     string
		src, dst netip.Addr
		adv      craft.VRRPAdvert
		cut      int // bytes removed from the end of the capture (the IP length still counts them)
		wantErr  error
		check    func(t *testing.T, v *decode.VRRP)
	}{
		{
			name: "v2 with password", src: v4a, dst: v4b,
			adv: craft.VRRPAdvert{Version: 2, VRID: 51, Priority: 150, AdverInt: 1, AuthType: 1, AuthData: [8]byte{'1', '1', '1', '1'},
				Addrs: []netip.Addr{netip.MustParseAddr("10.0.30.10")}},
			check: func(t *testing.T, v *decode.VRRP) {
				if v.Version != 2 || v.VRID != 51 || v.Priority != 150 || v.AuthType != 1 || v.Interval().Seconds() != 1 ||
					!v.ChecksumOK || v.NumAddrs != 1 || v.Addrs[0].String() != "10.0.30.10" || string(v.AuthData[:4]) != "1111" {
					t.Errorf("%+v", v)
				}
			},
		},
		{
			name: "v3 IPv4 12-bit interval", src: v4a, dst: v4b,
			adv: craft.VRRPAdvert{Version: 3, VRID: 7, Priority: 100, AdverInt: 4095, Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
			check: func(t *testing.T, v *decode.VRRP) {
				if v.AdverInt != 4095 || v.Interval().Milliseconds() != 40950 || !v.ChecksumOK || v.ChecksumNoPseudo {
					t.Errorf("%+v", v)
				}
			},
		},
		{
			name: "v3 IPv4 checksum without pseudo-header is accepted", src: v4a, dst: v4b,
			adv: craft.VRRPAdvert{Version: 3, VRID: 7, Priority: 100, AdverInt: 100, NoPseudo: true, Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
			check: func(t *testing.T, v *decode.VRRP) {
				if !v.ChecksumOK || !v.ChecksumNoPseudo {
					t.Errorf("%+v", v)
				}
			},
		},
		{
			name: "v3 IPv6 addresses are 16 bytes", src: v6a, dst: v6b,
			adv: craft.VRRPAdvert{Version: 3, VRID: 20, Priority: 120, AdverInt: 100, Addrs: vips6},
			check: func(t *testing.T, v *decode.VRRP) {
				if v.NumAddrs != 2 || v.Addrs[0] != vips6[0] || v.Addrs[1] != vips6[1] || !v.ChecksumOK {
					t.Errorf("%+v", v)
				}
			},
		},
		{
			name: "bad checksum", src: v6a, dst: v6b,
			adv: craft.VRRPAdvert{Version: 3, VRID: 20, Priority: 120, AdverInt: 100, Addrs: vips6, BadChecksum: true},
			check: func(t *testing.T, v *decode.VRRP) {
				if !v.ChecksumChecked || v.ChecksumOK {
					t.Errorf("%+v", v)
				}
			},
		},
		{
			name: "cut by the snap length: header usable, checksum unchecked", src: v6a, dst: v6b,
			adv: craft.VRRPAdvert{Version: 3, VRID: 20, Priority: 120, AdverInt: 100, Addrs: vips6}, cut: 10,
			wantErr: decode.ErrVRRPTruncated,
			check: func(t *testing.T, v *decode.VRRP) {
				if !v.Truncated || v.ChecksumChecked || v.VRID != 20 || v.Priority != 120 || v.NumAddrs != 1 {
					t.Errorf("%+v", v)
				}
			},
		},
		{
			name: "header cut", src: v4a, dst: v4b, cut: 14,
			adv:     craft.VRRPAdvert{Version: 3, VRID: 1, Priority: 1, AdverInt: 100, Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
			wantErr: decode.ErrVRRPShort,
		},
		{
			name: "unknown type", src: v4a, dst: v4b,
			adv:     craft.VRRPAdvert{Version: 3, Type: 2, VRID: 1, Priority: 1, AdverInt: 100, Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
			wantErr: decode.ErrVRRPType,
		},
		{
			name: "VRID 0", src: v4a, dst: v4b,
			adv:     craft.VRRPAdvert{Version: 3, VRID: 0, Priority: 1, AdverInt: 100, Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
			wantErr: decode.ErrVRRPInvalid,
		},
		{
			name: "v2 over IPv6", src: v6a, dst: v6b,
			adv:     craft.VRRPAdvert{Version: 2, VRID: 1, Priority: 1, AdverInt: 1, Addrs: vips6},
			wantErr: decode.ErrVRRPFamily,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f decode.Frame
			data := craft.VRRPFrame(craft.MustMAC("fa:16:3e:00:00:01"), nil, tc.src, 0, tc.adv)
			f.WireLen = len(data)
			if tc.cut > 0 {
				// Drop Ethernet padding first so that the cut lands in the message.
				decode.Decode(&f, decode.LinkEthernet, data)
				data = data[:f.End-tc.cut]
			}
			decode.Decode(&f, decode.LinkEthernet, data)
			var v decode.VRRP
			err := decode.DecodeVRRPFrame(&v, &f)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if tc.check != nil {
				tc.check(t, &v)
			}
		})
	}
}

func TestDecodeVRRPLengthMismatch(t *testing.T) {
	src, dst := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("224.0.0.18")
	msg := craft.VRRP(src, dst, craft.VRRPAdvert{Version: 2, VRID: 9, Priority: 100, AdverInt: 1,
		Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.3")}})
	msg[3] = 9 // claims 9 addresses in a message that holds 2
	var v decode.VRRP
	if err := decode.DecodeVRRP(&v, msg, len(msg), src, dst); !errors.Is(err, decode.ErrVRRPLength) {
		t.Fatalf("error %v, want ErrVRRPLength", err)
	}
}

func TestDecodeVRRPManyAddresses(t *testing.T) {
	src, dst := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("224.0.0.18")
	var addrs []netip.Addr
	for i := 0; i < 40; i++ {
		addrs = append(addrs, netip.AddrFrom4([4]byte{10, 1, 0, byte(i)}))
	}
	msg := craft.VRRP(src, dst, craft.VRRPAdvert{Version: 3, VRID: 9, Priority: 100, AdverInt: 100, Addrs: addrs})
	var a, b decode.VRRP
	if err := decode.DecodeVRRP(&a, msg, len(msg), src, dst); err != nil {
		t.Fatal(err)
	}
	if a.CountIPAddrs != 40 || a.NumAddrs != decode.MaxVRRPAddrs {
		t.Errorf("count %d, kept %d", a.CountIPAddrs, a.NumAddrs)
	}
	// The fingerprint covers the addresses past the ones kept.
	addrs[39] = netip.MustParseAddr("10.9.9.9")
	msg = craft.VRRP(src, dst, craft.VRRPAdvert{Version: 3, VRID: 9, Priority: 100, AdverInt: 100, Addrs: addrs})
	if err := decode.DecodeVRRP(&b, msg, len(msg), src, dst); err != nil {
		t.Fatal(err)
	}
	if a.AddrSum == b.AddrSum {
		t.Error("address fingerprint ignores the 40th address")
	}
}

func TestDecodeCARP(t *testing.T) {
	src, dst := netip.MustParseAddr("10.53.199.124"), netip.MustParseAddr("224.0.0.18")
	var hmac [20]byte
	msg := craft.CARP(5, 100, 1, 0, 42, hmac)
	var v decode.VRRP
	if err := decode.DecodeVRRP(&v, msg, len(msg), src, dst); err != nil {
		t.Fatal(err)
	}
	if !v.CARP || v.VRID != 5 || v.Priority != 100 || v.AdverInt != 1 || v.CARPCounter != 42 || !v.ChecksumOK {
		t.Errorf("%+v", v)
	}
	// A 36-byte VRRPv2 advertisement with 5 addresses is VRRP, not CARP.
	var addrs []netip.Addr
	for i := 0; i < 5; i++ {
		addrs = append(addrs, netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)}))
	}
	msg = craft.VRRP(src, dst, craft.VRRPAdvert{Version: 2, VRID: 5, Priority: 100, AdverInt: 1, Addrs: addrs})
	if len(msg) != 36 {
		t.Fatalf("length %d", len(msg))
	}
	if err := decode.DecodeVRRP(&v, msg, len(msg), src, dst); err != nil || v.CARP || v.NumAddrs != 5 {
		t.Errorf("err %v, %+v", err, v)
	}
}

// TestGopacketMisreadsVRRPv3 shows why decode/vrrp.go exists: gopacket's
// VRRPv2 layer cuts a VRRPv3 interval to 8 bits and reads IPv6 virtual
// addresses as 4 bytes.
func TestGopacketMisreadsVRRPv3(t *testing.T) {
	src, dst := netip.MustParseAddr("fe80::1"), netip.MustParseAddr("ff02::12")
	msg := craft.VRRP(src, dst, craft.VRRPAdvert{Version: 3, VRID: 20, Priority: 120, AdverInt: 1000,
		Addrs: []netip.Addr{netip.MustParseAddr("2001:db8::1")}})
	var g layers.VRRPv2
	if err := g.DecodeFromBytes(msg, gopacket.NilDecodeFeedback); err != nil {
		t.Fatal(err)
	}
	var v decode.VRRP
	if err := decode.DecodeVRRP(&v, msg, len(msg), src, dst); err != nil {
		t.Fatal(err)
	}
	if int(g.AdverInt) == int(v.AdverInt) || len(g.IPAddress[0]) != 4 {
		t.Errorf("gopacket now reads VRRPv3 correctly (interval %d, address %v); the comment in vrrp.go is stale", g.AdverInt, g.IPAddress)
	}
	if v.AdverInt != 1000 || v.Addrs[0].String() != "2001:db8::1" {
		t.Errorf("%+v", v)
	}
}

func FuzzDecodeVRRP(f *testing.F) {
	src, dst := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("224.0.0.18")
	f.Add(craft.VRRP(src, dst, craft.VRRPAdvert{Version: 2, VRID: 1, Priority: 100, AdverInt: 1, Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}}), 24, false)
	f.Add(craft.VRRP(src, dst, craft.VRRPAdvert{Version: 3, VRID: 1, Priority: 100, AdverInt: 100, Addrs: []netip.Addr{netip.MustParseAddr("fe80::1")}}), 24, true)
	f.Add(craft.CARP(1, 0, 1, 0, 1, [20]byte{}), 36, false)
	f.Add([]byte{0x31}, 40, true)
	f.Fuzz(func(t *testing.T, b []byte, msgLen int, v6 bool) {
		s, d := src, dst
		if v6 {
			s, d = netip.MustParseAddr("fe80::2"), netip.MustParseAddr("ff02::12")
		}
		var v decode.VRRP
		err := decode.DecodeVRRP(&v, b, msgLen, s, d)
		if v.NumAddrs > decode.MaxVRRPAddrs || v.NumAddrs > int(v.CountIPAddrs) {
			t.Fatalf("%d addresses kept of %d", v.NumAddrs, v.CountIPAddrs)
		}
		if err == nil && !v.CARP && (v.Version < 2 || v.Version > 3 || v.Type != 1 || v.VRID == 0 || v.AdverInt == 0) {
			t.Fatalf("accepted %+v", v)
		}
	})
}

// FuzzDecodeVRRPFrame runs whole frames through Decode and the VRRP
// decoder, as the detector does.
func FuzzDecodeVRRPFrame(f *testing.F) {
	f.Add(craft.VRRPFrame(craft.MustMAC("fa:16:3e:00:00:01"), []craft.Tag{{VID: 130}}, netip.MustParseAddr("10.0.30.11"), 0,
		craft.VRRPAdvert{Version: 2, VRID: 51, Priority: 150, AdverInt: 1, Addrs: []netip.Addr{netip.MustParseAddr("10.0.30.10")}}))
	f.Add(craft.VRRPFrame(craft.MustMAC("fa:16:3e:00:00:01"), nil, netip.MustParseAddr("fe80::1"), 0,
		craft.VRRPAdvert{Version: 3, VRID: 20, Priority: 120, AdverInt: 100, Addrs: []netip.Addr{netip.MustParseAddr("fe80::254")}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr decode.Frame
		fr.WireLen = len(data)
		decode.Decode(&fr, decode.LinkEthernet, data)
		var v decode.VRRP
		_ = decode.DecodeVRRPFrame(&v, &fr)
	})
}

func BenchmarkDecodeVRRP(b *testing.B) {
	for _, tc := range []struct {
		name string
		src  netip.Addr
		adv  craft.VRRPAdvert
	}{
		{"v2-ipv4", netip.MustParseAddr("10.0.30.11"), craft.VRRPAdvert{Version: 2, VRID: 51, Priority: 150, AdverInt: 1, AuthType: 1,
			Addrs: []netip.Addr{netip.MustParseAddr("10.0.30.10")}}},
		{"v3-ipv6", netip.MustParseAddr("fe80::1"), craft.VRRPAdvert{Version: 3, VRID: 20, Priority: 120, AdverInt: 100,
			Addrs: []netip.Addr{netip.MustParseAddr("fe80::254"), netip.MustParseAddr("2001:db8::1")}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			data := craft.VRRPFrame(craft.MustMAC("fa:16:3e:00:00:01"), []craft.Tag{{VID: 130}}, tc.src, 0, tc.adv)
			var f decode.Frame
			f.WireLen = len(data)
			decode.Decode(&f, decode.LinkEthernet, data)
			var v decode.VRRP
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := decode.DecodeVRRPFrame(&v, &f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

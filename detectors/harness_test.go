package detectors

import (
	"net/netip"
	"testing"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/report"
)

// feed decodes each frame as if captured on lt, one per 10 ms, and shows
// it to d; then advances to the last frame and returns the findings.
func feed(t *testing.T, d Detector, lt decode.LinkType, frames ...[]byte) []report.Finding {
	t.Helper()
	var f decode.Frame
	t0 := time.Date(2026, 2, 15, 1, 40, 0, 0, time.UTC)
	var now time.Time
	for i, data := range frames {
		now = t0.Add(time.Duration(i) * 10 * time.Millisecond)
		f.Number = int64(i + 1)
		f.Time = now
		f.WireLen = len(data)
		decode.Decode(&f, lt, data)
		d.Observe(&f)
	}
	d.Advance(now)
	return d.Findings()
}

var (
	instMAC = craft.MustMAC("fa:16:3e:24:e7:22")
	gwMAC   = craft.MustMAC("52:54:00:00:00:01")
	ipA     = netip.MustParseAddr("10.0.0.5")
	ipB     = netip.MustParseAddr("10.0.0.1")
)

// ipFrame builds an Ethernet frame carrying an IPv4 packet of ipLen bytes
// (UDP unless tcp), with the given tags.
func ipFrame(src decode.MAC, tags []craft.Tag, ipLen int, tcp bool) []byte {
	var ip []byte
	if tcp {
		ip = craft.IP(ipA, ipB, decode.ProtoTCP, craft.TCP(ipA, ipB, 22, 50000, 1, 1, craft.ACK, make([]byte, ipLen-40)))
	} else {
		ip = craft.IP(ipA, ipB, decode.ProtoUDP, craft.UDP(ipA, ipB, 53, 53, make([]byte, ipLen-28)))
	}
	return craft.Ethernet(gwMAC, src, tags, decode.EtherTypeIPv4, ip)
}

func codes(fs []report.Finding) map[string]report.Finding {
	out := map[string]report.Finding{}
	for _, f := range fs {
		out[f.Code+" "+f.Subject] = f
	}
	return out
}

func runOnly(name string, cfg Config) Detector {
	cfg.Only = []string{name}
	dets, _, err := Build(cfg)
	if err != nil {
		panic(err)
	}
	return dets[0]
}

package capture

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wiretale/wiretale/detectors"
	"github.com/wiretale/wiretale/report"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// sample returns the value of the one series with exactly these labels.
func sample(t *testing.T, body, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no series %s in\n%s", series, grep(body, "wiretale_"))
	return 0
}

func grep(body, prefix string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func i64(v int64) *int64 { return &v }

// snapshot builds a finalized report as the session would.
func snapshot(packets int64, dropped int64, fs ...report.Finding) *report.Report {
	r := &report.Report{
		Packets: packets,
		Sources: []report.Source{{
			Name: "br0", Packets: packets, Bytes: packets * 100,
			Received: i64(packets + dropped), Dropped: i64(dropped), IfDropped: i64(0),
			Last:  &report.Time{Time: t0.Add(time.Duration(packets) * time.Second)},
			Blind: []report.Blind{{Detector: "double-vlan", Reason: "cooked"}},
		}},
		Detectors: []report.DetectorRun{{Name: "vrrp", Evicted: 2}},
		Findings:  fs,
	}
	r.Finalize()
	return r
}

func ev(sec float64, text string) report.Event {
	return report.Event{Time: report.Time{Time: t0.Add(time.Duration(sec * float64(time.Second)))}, Severity: report.Warning, Text: text}
}

func gapFinding(count int64, sev report.Severity, maxGap float64, events ...report.Event) report.Finding {
	return report.Finding{
		Detector: "vrrp", Code: "vrrp.advert-gap", Severity: sev, Subject: "vrid 51 10.0.30.11",
		First: report.Time{Time: t0}, Last: report.Time{Time: t0.Add(time.Minute)}, Count: count,
		Details: map[string]any{"master_down_interval_s": 3.61, "max_gap_s": maxGap, "interval_s": 1},
		Events:  events,
	}
}

// TestMetricsFromFindings feeds successive snapshots, as a capture does,
// and checks every series: counters only grow, findings are counted per
// code and severity, VRRP gaps are measured once each, DHCP conversations
// are counted by outcome.
func TestMetricsFromFindings(t *testing.T) {
	infos := []detectors.Info{
		{Name: "instance-bpdu", Codes: []detectors.Code{{Code: "instance-bpdu.sent"}}},
		{Name: "dhcp", Codes: []detectors.Code{{Code: "dhcp.no-offer"}, {Code: "dhcp.nak"}, {Code: "dhcp.multiple-servers"}}},
		{Name: "vrrp", Codes: []detectors.Code{{Code: "vrrp.advert-gap"}}},
	}
	m := NewMetrics("br0", "test", infos)
	body := scrape(t, m)
	// Every code's counter exists at 0 before anything happens, so that
	// increase() sees the first occurrence.
	for _, series := range []string{
		`wiretale_finding_occurrences_total{code="instance-bpdu.sent",detector="instance-bpdu",interface="br0"}`,
		`wiretale_dhcp_conversations_total{interface="br0",outcome="nak"}`,
		`wiretale_vrrp_gaps_past_master_down_total{interface="br0"}`,
	} {
		if v := sample(t, body, series); v != 0 {
			t.Errorf("%s = %v before any snapshot", series, v)
		}
	}
	if v := sample(t, body, `wiretale_packets_total{interface="br0"}`); v != 0 {
		t.Errorf("packets before any snapshot: %v", v)
	}
	sample(t, body, `wiretale_vrrp_advert_gap_seconds_count{interface="br0"}`)

	bpdu := report.Finding{Detector: "instance-bpdu", Code: "instance-bpdu.sent", Severity: report.Critical,
		Subject: "fa:16:3e:24:e7:22", First: report.Time{Time: t0}, Last: report.Time{Time: t0}, Count: 3}
	noOffer := report.Finding{Detector: "dhcp", Code: "dhcp.no-offer", Severity: report.Warning,
		Subject: "fa:16:3e:00:00:01 xid 0x1", First: report.Time{Time: t0}, Last: report.Time{Time: t0}, Count: 4}
	servers := report.Finding{Detector: "dhcp", Code: "dhcp.multiple-servers", Severity: report.Warning,
		Subject: "segment", First: report.Time{Time: t0}, Last: report.Time{Time: t0}, Count: 2}

	// Snapshot 1: two gaps, one past the master-down interval.
	m.Update(snapshot(10, 0, bpdu, noOffer, servers, gapFinding(2, report.Critical, 5.02,
		ev(10, "master 10.0.30.11 silent 1.80 s"),
		ev(20, "master 10.0.30.11 silent 5.02 s; 10.0.30.12 took over after 3.62 s"))))
	// Snapshot 2: the same, plus one gap (2.5 s), more BPDUs.
	bpdu.Count = 5
	m.Update(snapshot(20, 7, bpdu, noOffer, servers, gapFinding(3, report.Critical, 5.02,
		ev(10, "master 10.0.30.11 silent 1.80 s"),
		ev(20, "master 10.0.30.11 silent 5.02 s; 10.0.30.12 took over after 3.62 s"),
		ev(30, "master 10.0.30.11 silent 2500 ms"))))

	body = scrape(t, m)
	for series, want := range map[string]float64{
		`wiretale_packets_total{interface="br0"}`:                                                                   20,
		`wiretale_bytes_total{interface="br0"}`:                                                                     2000,
		`wiretale_kernel_received_packets_total{interface="br0"}`:                                                   27,
		`wiretale_kernel_dropped_packets_total{interface="br0"}`:                                                    7,
		`wiretale_interface_dropped_packets_total{interface="br0"}`:                                                 0,
		`wiretale_last_packet_timestamp_seconds{interface="br0"}`:                                                   float64(t0.Add(20 * time.Second).Unix()),
		`wiretale_findings{code="instance-bpdu.sent",detector="instance-bpdu",interface="br0",severity="critical"}`: 1,
		`wiretale_finding_occurrences_total{code="instance-bpdu.sent",detector="instance-bpdu",interface="br0"}`:    5,
		`wiretale_finding_occurrences_total{code="vrrp.advert-gap",detector="vrrp",interface="br0"}`:                3,
		`wiretale_findings{code="vrrp.advert-gap",detector="vrrp",interface="br0",severity="critical"}`:             1,
		`wiretale_detector_evicted_total{detector="vrrp",interface="br0"}`:                                          2,
		`wiretale_detector_blind{detector="double-vlan",interface="br0"}`:                                           1,
		`wiretale_vrrp_advert_gaps_total{interface="br0"}`:                                                          3,
		`wiretale_vrrp_gaps_past_master_down_total{interface="br0"}`:                                                1,
		`wiretale_vrrp_advert_gap_seconds_count{interface="br0"}`:                                                   3,
		`wiretale_vrrp_advert_gap_seconds_sum{interface="br0"}`:                                                     1.8 + 5.02 + 2.5,
		`wiretale_vrrp_advert_gap_seconds_bucket{interface="br0",le="2"}`:                                           1,
		`wiretale_vrrp_advert_gap_seconds_bucket{interface="br0",le="3.5"}`:                                         2,
		`wiretale_dhcp_conversations_total{interface="br0",outcome="no-offer"}`:                                     1,
		`wiretale_dhcp_conversations_total{interface="br0",outcome="nak"}`:                                          0,
		`wiretale_build_info{libpcap="` + LibraryVersion() + `",version="test"}`:                                    1,
	} {
		if got := sample(t, body, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if strings.Contains(body, `outcome="multiple-servers"`) {
		t.Error("dhcp.multiple-servers is not a conversation")
	}

	// Capped events: past 20 events a detector logs no more, so a new gap
	// is measured only when it raises max_gap_s.
	var evs []report.Event
	for i := 0; i < report.MaxEventsPerFinding; i++ {
		evs = append(evs, ev(float64(i), "master 10.0.30.11 silent 1.60 s"))
	}
	m2 := NewMetrics("br0", "test", nil)
	f := gapFinding(20, report.Warning, 1.6, evs...)
	m2.Update(snapshot(1, 0, f))
	f = gapFinding(22, report.Critical, 7.5, evs...)
	f.EventsOmitted = 2
	m2.Update(snapshot(2, 0, f))
	body = scrape(t, m2)
	if got := sample(t, body, `wiretale_vrrp_advert_gaps_total{interface="br0"}`); got != 22 {
		t.Errorf("gaps %v, want 22 (exact, from the count)", got)
	}
	if got := sample(t, body, `wiretale_vrrp_advert_gap_seconds_count{interface="br0"}`); got != 21 {
		t.Errorf("measured gaps %v, want 21: 20 events and the new maximum", got)
	}
	if got := sample(t, body, `wiretale_vrrp_gaps_past_master_down_total{interface="br0"}`); got != 1 {
		t.Errorf("gaps past master-down %v, want 1 (the 7.5 s maximum)", got)
	}
	// A severity change moves the finding's series.
	if got := sample(t, body, `wiretale_findings{code="vrrp.advert-gap",detector="vrrp",interface="br0",severity="critical"}`); got != 1 {
		t.Errorf("critical findings %v", got)
	}
	if strings.Contains(body, `wiretale_findings{code="vrrp.advert-gap",detector="vrrp",interface="br0",severity="warning"}`) {
		t.Error("the finding is still counted as a warning")
	}
	if got := sample(t, body, `wiretale_finding_occurrences_total{code="vrrp.advert-gap",detector="vrrp",interface="br0"}`); got != 22 {
		t.Errorf("occurrences %v, want 22", got)
	}
}

func TestParseGap(t *testing.T) {
	for text, want := range map[string]float64{
		"master 10.0.30.11 silent 5.02 s; 10.0.30.12 took over after 3.62 s": 5.02,
		"master fe80::1 silent for 3s":                                       3,
		"router silent 1500 ms":                                              1.5,
		"10.0.30.12 took over after 3.62 s":                                  -1,
		"silent 5.02 seconds":                                                5.02,
		"silent 12 minutes":                                                  -1,
	} {
		got, ok := parseGap(text)
		if !ok {
			got = -1
		}
		if got != want {
			t.Errorf("parseGap(%q) = %v, want %v", text, got, want)
		}
	}
}

package capture

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wiretale/wiretale/detectors"
	"github.com/wiretale/wiretale/report"
)

// Metrics exports a live capture's counters and findings to Prometheus
// (docs/live.md lists the series). It is fed whole report snapshots, so it
// knows detectors only through their findings: a detector added later is
// counted without a change here. VRRP gaps and DHCP conversations get
// series of their own, read from the vrrp.advert-gap and dhcp.* findings.
//
// Its memory is bounded by the latest snapshot: per finding it keeps the
// count and the events last seen, and forgets findings that left the
// report.
type Metrics struct {
	reg     *prometheus.Registry
	gapHist *prometheus.HistogramVec

	mu    sync.Mutex
	iface string
	src   report.Source
	// Per (detector, code, severity).
	current     map[findingKey]int // findings in the latest snapshot
	occurrences map[codeKey]int64  // sum of count increases, monotonic
	evicted     map[string]int64   // per detector, as the report says
	blind       []string           // detectors blind on this link type
	vrrpGaps    int64
	vrrpPast    int64            // gaps that reached the master-down interval
	dhcp        map[string]int64 // failed conversations per outcome
	memo        map[string]findingMemo
}

type findingKey struct{ detector, code, severity string }

type codeKey struct{ detector, code string }

// findingMemo is what Metrics remembers of one finding between snapshots.
type findingMemo struct {
	count  int64
	maxGap float64
	events map[string]bool // vrrp.advert-gap events already measured
}

// Metric descriptions. Every series carries the interface, so that one
// Prometheus job can scrape several agents on one host.
var (
	descPackets = prometheus.NewDesc("wiretale_packets_total",
		"Packets wiretale captured and analysed.", []string{"interface"}, nil)
	descBytes = prometheus.NewDesc("wiretale_bytes_total",
		"Bytes on the wire of the packets wiretale captured (original lengths, before the snapshot length cut).", []string{"interface"}, nil)
	descReceived = prometheus.NewDesc("wiretale_kernel_received_packets_total",
		"Packets the kernel passed to the capture (pcap_stats ps_recv), including those it then dropped.", []string{"interface"}, nil)
	descDropped = prometheus.NewDesc("wiretale_kernel_dropped_packets_total",
		"Packets the kernel dropped because the capture buffer was full (pcap_stats ps_drop): findings may be incomplete.", []string{"interface"}, nil)
	descIfDropped = prometheus.NewDesc("wiretale_interface_dropped_packets_total",
		"Receive drops the interface counted since the capture began (pcap_stats ps_ifdrop, from its rx_dropped; on bonds this includes frames discarded on purpose).", []string{"interface"}, nil)
	descLastPacket = prometheus.NewDesc("wiretale_last_packet_timestamp_seconds",
		"Capture time of the latest packet (Unix seconds).", []string{"interface"}, nil)
	descFindings = prometheus.NewDesc("wiretale_findings",
		"Distinct findings (one per detector, code and subject) in the current report.", []string{"interface", "detector", "code", "severity"}, nil)
	descOccurrences = prometheus.NewDesc("wiretale_finding_occurrences_total",
		"Occurrences counted by findings (frames, gaps, conversations: the sum of the findings' counts); 0 from the start for every code, so increase() sees the first one.",
		[]string{"interface", "detector", "code"}, nil)
	descEvicted = prometheus.NewDesc("wiretale_detector_evicted_total",
		"State entries a detector dropped to bound its memory; its findings may be incomplete.", []string{"interface", "detector"}, nil)
	descBlind = prometheus.NewDesc("wiretale_detector_blind",
		"1 for a detector that cannot see its fault on this interface's link type (capturing on any loses VLAN tags).", []string{"interface", "detector"}, nil)
	descVRRPGaps = prometheus.NewDesc("wiretale_vrrp_advert_gaps_total",
		"VRRP advertisement gaps longer than the gap factor times the interval (the count of vrrp.advert-gap findings).", []string{"interface"}, nil)
	descVRRPPast = prometheus.NewDesc("wiretale_vrrp_gaps_past_master_down_total",
		"VRRP advertisement gaps that reached the master-down interval: a backup takes over.", []string{"interface"}, nil)
	descDHCP = prometheus.NewDesc("wiretale_dhcp_conversations_total",
		"Failed DHCP conversations by outcome (one per dhcp.* finding: no-offer, no-answer, answer-ignored, nak, lease-lost).",
		[]string{"interface", "outcome"}, nil)
)

// gapBuckets suit VRRP: the default advertisement interval is 1 s, a gap
// counts from 1.5 s, and the master-down interval is about 3.6 s.
var gapBuckets = []float64{0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 7.5, 10, 15, 30, 60, 120}

// NewMetrics returns metrics for one interface, with Go runtime and
// process series (memory, file descriptors) beside them. The counters of
// every code the detectors can report start at 0, so that alerts on
// increase() fire on the first occurrence.
func NewMetrics(iface, version string, infos []detectors.Info) *Metrics {
	m := &Metrics{
		reg:   prometheus.NewRegistry(),
		iface: iface,
		gapHist: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wiretale_vrrp_advert_gap_seconds",
			Help:    "Durations of VRRP advertisement gaps, as the vrrp.advert-gap findings' timeline measures them.",
			Buckets: gapBuckets,
		}, []string{"interface"}),
		current:     map[findingKey]int{},
		occurrences: map[codeKey]int64{},
		evicted:     map[string]int64{},
		dhcp:        map[string]int64{},
		memo:        map[string]findingMemo{},
	}
	m.gapHist.WithLabelValues(iface) // present, empty, before the first gap
	for _, in := range infos {
		for _, c := range in.Codes {
			m.occurrences[codeKey{in.Name, c.Code}] = 0
			if outcome, ok := dhcpOutcome(c.Code); ok {
				m.dhcp[outcome] = 0
			}
		}
	}
	m.reg.MustRegister(m, m.gapHist,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "wiretale_build_info",
			Help:        "wiretale's version.",
			ConstLabels: prometheus.Labels{"version": version, "libpcap": LibraryVersion()},
		}, func() float64 { return 1 }),
	)
	return m
}

// Handler serves the metrics in Prometheus' exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Update takes in a report snapshot of the capture.
func (m *Metrics) Update(r *report.Report) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range r.Sources {
		if s.Name == m.iface {
			m.src = s
			m.blind = m.blind[:0]
			for _, b := range s.Blind {
				m.blind = append(m.blind, b.Detector)
			}
		}
	}
	for _, d := range r.Detectors {
		m.evicted[d.Name] = d.Evicted
	}

	// Events per finding, without the "N more events" marker Finalize
	// adds after a capped finding (it has no measurement).
	events := map[string][]report.Event{}
	for _, e := range r.Timeline {
		events[e.Finding] = append(events[e.Finding], e)
	}
	current := make(map[findingKey]int, len(m.current))
	memo := make(map[string]findingMemo, len(r.Findings))
	for i := range r.Findings {
		f := &r.Findings[i]
		k := findingKey{f.Detector, f.Code, f.Severity.String()}
		current[k]++
		old, seen := m.memo[f.ID]
		delta := f.Count - old.count
		if !seen || delta < 0 {
			delta = f.Count // new, or evicted and found again
		}
		m.occurrences[codeKey{f.Detector, f.Code}] += delta
		next := findingMemo{count: f.Count}
		switch {
		case f.Code == "vrrp.advert-gap":
			evs := events[f.ID]
			if f.EventsOmitted > 0 && len(evs) > 0 {
				evs = evs[:len(evs)-1]
			}
			m.vrrpGap(f, old, delta, evs, &next)
		case !seen:
			if outcome, ok := dhcpOutcome(f.Code); ok {
				m.dhcp[outcome]++
			}
		}
		memo[f.ID] = next
	}
	m.current, m.memo = current, memo
}

// dhcpOutcome names the outcome of a failed DHCP conversation from its
// finding's code (dhcp.no-offer → no-offer). dhcp.multiple-servers is
// about a segment, not a conversation.
func dhcpOutcome(code string) (string, bool) {
	outcome, ok := strings.CutPrefix(code, "dhcp.")
	if !ok || outcome == "multiple-servers" {
		return "", false
	}
	return outcome, true
}

// gapText finds a gap's duration in a vrrp.advert-gap event that carries
// no duration_s (the vrrp detector sets it; the text is the fallback),
// worded as the vrrp issue has it: "master 10.0.30.11 silent 5.02 s; 10.0.30.12
// took over after 3.62 s".
var gapText = regexp.MustCompile(`silent(?: for)? ([0-9]+(?:\.[0-9]+)?) ?(ms|s|secs?|seconds?)\b`)

// vrrpGap measures the new gaps of a vrrp.advert-gap finding. Its count is
// the number of gaps (exact); their durations come from the timeline
// events not measured before. A detector logs at most
// report.MaxEventsPerFinding events per finding, so later gaps are
// measured only when they raise details.max_gap_s (that one gap's
// duration is then known); the others are counted but not measured.
func (m *Metrics) vrrpGap(f *report.Finding, old findingMemo, delta int64, evs []report.Event, next *findingMemo) {
	m.vrrpGaps += delta
	masterDown, hasDown := number(f.Details["master_down_interval_s"])
	next.events = make(map[string]bool, len(evs))
	measured := []float64{}
	for _, e := range evs {
		key := strconv.FormatInt(e.Time.UnixNano(), 10) + "/" + strconv.FormatInt(e.Frame, 10) + "/" + e.Text
		next.events[key] = true
		if old.events[key] {
			continue
		}
		if e.Duration > 0 {
			measured = append(measured, e.Duration)
		} else if gap, ok := parseGap(e.Text); ok {
			measured = append(measured, gap)
		}
	}
	maxGap, hasMax := number(f.Details["max_gap_s"])
	if hasMax {
		next.maxGap = maxGap
	}
	if hasMax && maxGap > old.maxGap && int64(len(measured)) < delta {
		known := false
		for _, g := range measured {
			known = known || g == maxGap
		}
		if !known {
			measured = append(measured, maxGap)
		}
	}
	h := m.gapHist.WithLabelValues(m.iface)
	for _, g := range measured {
		h.Observe(g)
		if hasDown && masterDown > 0 && g >= masterDown {
			m.vrrpPast++
		}
	}
}

func parseGap(text string) (float64, bool) {
	sm := gapText.FindStringSubmatch(text)
	if sm == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(sm[1], 64)
	if err != nil {
		return 0, false
	}
	if sm[2] == "ms" {
		v /= 1000
	}
	return v, true
}

// number reads a numeric detail (json.Number after the report normalised
// it, or a Go number).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPackets, descBytes, descReceived, descDropped, descIfDropped, descLastPacket,
		descFindings, descOccurrences, descEvicted, descBlind, descVRRPGaps, descVRRPPast, descDHCP} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: the latest snapshot as
// constant metrics, consistent with each other.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	s := &m.src
	counter(descPackets, float64(s.Packets), m.iface)
	counter(descBytes, float64(s.Bytes), m.iface)
	for _, c := range []struct {
		d *prometheus.Desc
		v *int64
	}{{descReceived, s.Received}, {descDropped, s.Dropped}, {descIfDropped, s.IfDropped}} {
		v := int64(0)
		if c.v != nil {
			v = *c.v
		}
		counter(c.d, float64(v), m.iface)
	}
	if s.Last != nil {
		gauge(descLastPacket, float64(s.Last.UnixNano())/1e9, m.iface)
	}
	for k, n := range m.current {
		gauge(descFindings, float64(n), m.iface, k.detector, k.code, k.severity)
	}
	for k, n := range m.occurrences {
		counter(descOccurrences, float64(n), m.iface, k.detector, k.code)
	}
	for d, n := range m.evicted {
		counter(descEvicted, float64(n), m.iface, d)
	}
	for _, d := range m.blind {
		gauge(descBlind, 1, m.iface, d)
	}
	counter(descVRRPGaps, float64(m.vrrpGaps), m.iface)
	counter(descVRRPPast, float64(m.vrrpPast), m.iface)
	for outcome, n := range m.dhcp {
		counter(descDHCP, float64(n), m.iface, outcome)
	}
}

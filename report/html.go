package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

//go:embed html.tmpl
var htmlTemplate string

// WriteHTML writes one self-contained page (no scripts, fonts, styles or
// images from elsewhere; a Content-Security-Policy forbids them) that
// works offline and as a mail attachment: the sources and span, an SVG
// timeline with a lane per finding, the findings and their explanations.
// html/template escapes every string, so nothing from a packet reaches the
// page as markup.
func WriteHTML(w io.Writer, r *Report) error {
	tmpl, err := template.New("report").Funcs(template.FuncMap{
		"time":     func(t Time) string { return FormatTime(t.Time)[:23] + "Z" },
		"detail":   detailString,
		"sevclass": func(s Severity) string { return s.String() },
		"join":     strings.Join,
		"plural":   plural64,
		"bytes":    humanBytes,
		"kernel":   kernelCounters,
	}).Parse(htmlTemplate)
	if err != nil {
		return fmt.Errorf("html template: %w", err)
	}
	return tmpl.Execute(w, newHTMLView(r))
}

type htmlView struct {
	R                *Report
	Span             string
	Crit, Warn, Info int
	Findings         []htmlFinding
	Codes            map[string]string // finding id → code
	SVG              svgTimeline
}

type htmlFinding struct {
	Finding
	N       int
	Code    CodeInfo
	HasCode bool
	Details []htmlDetail
	Events  []Event
}

type htmlDetail struct{ Key, Value string }

// The SVG timeline's geometry, in user units.
const (
	svgLabelW = 260
	svgPlotW  = 700
	svgLaneH  = 26
	svgTop    = 30
)

type svgTimeline struct {
	Width, Height int
	PlotX         int
	Lanes         []svgLane
	Ticks         []svgTick
	AxisY         int
}

type svgLane struct {
	Y, TextY     int
	Label        string
	ID           string
	Severity     string
	SpanX1       float64
	SpanX2       float64
	Marks        []svgMark
	Bars         []svgBar
	Refs         []svgRef
	Stripe       bool
	MidY, BarTop int
}

type svgMark struct {
	X     float64
	Title string
	Sev   string
}

type svgBar struct {
	X, W  float64
	Title string
	Sev   string
}

type svgRef struct {
	X     float64
	Title string
}

type svgTick struct {
	X     float64
	Label string
}

func newHTMLView(r *Report) htmlView {
	v := htmlView{R: r, Codes: findingCodes(r)}
	v.Info, v.Warn, v.Crit = r.Counts()
	first, last, ok := r.Span()
	if ok {
		v.Span = fmt.Sprintf("%s → %s UTC (%s)", first.UTC().Format("2006-01-02 15:04:05.000"),
			last.UTC().Format("2006-01-02 15:04:05.000"), last.Sub(first).Round(time.Millisecond))
	}
	byFinding := map[string][]Event{}
	for _, e := range r.Timeline {
		byFinding[e.Finding] = append(byFinding[e.Finding], e)
	}
	for i, f := range r.Findings {
		hf := htmlFinding{Finding: f, N: i + 1, Events: byFinding[f.ID]}
		hf.Code, hf.HasCode = r.Codes[f.Code]
		keys := make([]string, 0, len(f.Details))
		for k := range f.Details {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			hf.Details = append(hf.Details, htmlDetail{k, detailString(f.Details[k])})
		}
		v.Findings = append(v.Findings, hf)
	}
	v.SVG = buildSVG(r, byFinding)
	return v
}

// buildSVG lays out one lane per finding on a shared time axis: a thin
// line from first to last occurrence, a mark per event, a bar for events
// that span time (a silence, a gap), and for VRRP gaps a reference mark
// where the master-down interval ends.
func buildSVG(r *Report, byFinding map[string][]Event) svgTimeline {
	s := svgTimeline{Width: svgLabelW + svgPlotW + 50, PlotX: svgLabelW}
	lo, hi, ok := r.Span()
	for _, f := range r.Findings {
		if !ok || f.First.Before(lo) {
			lo = f.First.Time
		}
		if !ok || f.Last.After(hi) {
			hi = f.Last.Time
		}
		ok = true
	}
	if !ok {
		s.Height = svgTop + 40
		return s
	}
	span := hi.Sub(lo)
	if span <= 0 {
		span = time.Second
	}
	x := func(t time.Time) float64 {
		p := float64(t.Sub(lo)) / float64(span)
		return math.Round((svgLabelW+math.Max(0, math.Min(1, p))*svgPlotW)*10) / 10
	}
	for i, f := range r.Findings {
		y := svgTop + i*svgLaneH
		lane := svgLane{
			Y: y, TextY: y + 17, MidY: y + svgLaneH/2, BarTop: y + 6, ID: f.ID, Severity: f.Severity.String(),
			Label:  truncateRunes(f.Code+" "+f.Subject, 40),
			SpanX1: x(f.First.Time), SpanX2: x(f.Last.Time), Stripe: i%2 == 0,
		}
		mdi, hasMDI := numberDetail(f.Details["master_down_interval_s"])
		for _, e := range byFinding[f.ID] {
			title := FormatTime(e.Time.Time)[11:23] + " " + e.Text
			if e.Duration > 0 {
				end := e.Time.Add(time.Duration(e.Duration * float64(time.Second)))
				lane.Bars = append(lane.Bars, svgBar{X: x(e.Time.Time), W: math.Max(1, x(end)-x(e.Time.Time)), Title: title, Sev: e.Severity.String()})
				if hasMDI {
					ref := e.Time.Add(time.Duration(mdi * float64(time.Second)))
					lane.Refs = append(lane.Refs, svgRef{X: x(ref), Title: fmt.Sprintf("master-down interval %.2f s", mdi)})
				}
				continue
			}
			lane.Marks = append(lane.Marks, svgMark{X: x(e.Time.Time), Title: title, Sev: e.Severity.String()})
		}
		s.Lanes = append(s.Lanes, lane)
	}
	s.AxisY = svgTop + len(r.Findings)*svgLaneH + 4
	s.Height = s.AxisY + 24
	for i := 0; i <= 5; i++ {
		t := lo.Add(time.Duration(float64(span) * float64(i) / 5))
		label := t.UTC().Format("15:04:05.000")
		if span > 24*time.Hour {
			label = t.UTC().Format("01-02 15:04")
		}
		s.Ticks = append(s.Ticks, svgTick{X: x(t), Label: label})
	}
	return s
}

func numberDetail(v any) (float64, bool) {
	switch x := v.(type) {
	case interface{ Float64() (float64, error) }:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	}
	return 0, false
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

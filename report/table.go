package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// tableWidth is the width the table format is laid out for.
const tableWidth = 100

// WriteTable writes the report for a terminal or a plain-text ticket: a
// summary line, the sources, the findings and the timeline, readable at
// 100 columns.
func WriteTable(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	first, last, ok := r.Span()
	tf := newTimeFormat(first, last)
	fmt.Fprintf(ew, "wiretale: %s, %s", plural(len(r.Sources), "source", "sources"), plural64(r.Packets, "packet", "packets"))
	if ok {
		fmt.Fprintf(ew, ", %s → %s UTC (%s)", first.UTC().Format("2006-01-02 15:04:05.000"), tf.format(last), last.Sub(first).Round(time.Millisecond))
	}
	info, warn, crit := r.Counts()
	fmt.Fprintf(ew, "\nfindings: %d critical, %d warning, %d info\n", crit, warn, info)

	fmt.Fprintln(ew)
	for _, s := range r.Sources {
		fmt.Fprintf(ew, "source %s: %s, %s, %s, %s\n", s.Name, s.Format, strings.Join(s.LinkTypes, "+"),
			plural64(s.Packets, "packet", "packets"), humanBytes(s.Bytes))
		if k := kernelCounters(s); k != "" {
			fmt.Fprintf(ew, "  %s\n", k)
		}
		if s.Error != nil {
			fmt.Fprintf(ew, "  INCOMPLETE: %s\n", *s.Error)
		}
		for _, b := range s.Blind {
			fmt.Fprintf(ew, "  blind: %s: %s\n", b.Detector, b.Reason)
		}
	}
	for _, wm := range r.Warnings {
		fmt.Fprintf(ew, "warning: %s\n", wm)
	}
	if ew.err != nil {
		return ew.err
	}

	if len(r.Findings) == 0 {
		ran := make([]string, len(r.Detectors))
		for i, d := range r.Detectors {
			ran[i] = d.Name
		}
		fmt.Fprintf(ew, "\nNo findings from %s.\n", strings.Join(ran, ", "))
		return ew.err
	}

	fmt.Fprintln(ew, "\nFINDINGS")
	tw := tf.width() + 2
	t := newTable(ew, map[int]int{0: 10, 1: 22, 2: tableWidth - 7 - 10 - 22 - 8 - 2*tw, 3: 8, 4: tw, 5: tw})
	t.Header("severity", "code", "subject", "count", "first", "last")
	for _, f := range r.Findings {
		if err := t.Append(f.Severity.String(), f.Code, f.Subject, fmt.Sprint(f.Count), tf.format(f.First.Time), tf.format(f.Last.Time)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintln(ew)
	for _, f := range r.Findings {
		fmt.Fprintf(ew, "[%s] %s %s (id %s, %s)\n", f.Severity, f.Code, f.Subject, f.ID, f.Source)
		for _, line := range wrap(f.Summary, tableWidth-4) {
			fmt.Fprintf(ew, "    %s\n", line)
		}
	}

	writeTableCodes(ew, r)

	if len(r.Timeline) > 0 {
		fmt.Fprintln(ew, "\nTIMELINE")
		codes := make(map[string]string, len(r.Findings))
		for _, f := range r.Findings {
			codes[f.ID] = f.Code
		}
		tw := tf.width() + 2
		t := newTable(ew, map[int]int{0: tw, 1: 10, 2: 22, 3: tableWidth - 5 - tw - 10 - 22})
		t.Header("time", "severity", "finding", "event")
		for _, e := range r.Timeline {
			if err := t.Append(tf.format(e.Time.Time), e.Severity.String(), codes[e.Finding], e.Text); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	return ew.err
}

func newTable(w io.Writer, widths map[int]int) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithColumnWidths(tw.Mapper[int, int](widths)),
		tablewriter.WithMaxWidth(tableWidth),
	)
}

// timeFormat shows times compactly: time of day when the whole report is
// within one UTC day (the date is in the summary line), date and time
// otherwise.
type timeFormat struct{ layout string }

func newTimeFormat(first, last time.Time) timeFormat {
	if first.UTC().YearDay() == last.UTC().YearDay() && first.UTC().Year() == last.UTC().Year() {
		return timeFormat{"15:04:05.000"}
	}
	return timeFormat{"01-02 15:04:05"}
}

func (t timeFormat) format(v time.Time) string { return v.UTC().Format(t.layout) }
func (t timeFormat) width() int                { return len(t.layout) }

// wrap splits s into lines of at most width runes at spaces.
func wrap(s string, width int) []string {
	var lines []string
	var cur strings.Builder
	n := 0
	for _, word := range strings.Fields(s) {
		wl := len([]rune(word))
		if n > 0 && n+1+wl > width {
			lines = append(lines, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(word)
		n += wl
	}
	if n > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

func plural(n int, one, many string) string { return plural64(int64(n), one, many) }

func plural64(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// errWriter keeps the first write error so that a sequence of Fprintf
// calls needs one check.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// writeTableCodes explains each code that has a finding, once.
func writeTableCodes(w io.Writer, r *Report) {
	var codes []string
	seen := map[string]bool{}
	for _, f := range r.Findings {
		if _, ok := r.Codes[f.Code]; ok && !seen[f.Code] {
			seen[f.Code] = true
			codes = append(codes, f.Code)
		}
	}
	if len(codes) == 0 {
		return
	}
	fmt.Fprintln(w, "\nWHAT THE FINDINGS MEAN")
	for _, code := range codes {
		c := r.Codes[code]
		fmt.Fprintf(w, "%s: %s\n", code, c.Title)
		writeIndented(w, "What it means: "+c.Meaning)
		writeIndented(w, "What to check: "+c.Check)
	}
}

// writeIndented wraps text under a heading: four spaces, six on
// continuation lines, never past tableWidth.
func writeIndented(w io.Writer, text string) {
	for i, line := range wrap(text, tableWidth-6) {
		indent := "      "
		if i == 0 {
			indent = "    "
		}
		fmt.Fprintf(w, "%s%s\n", indent, line)
	}
}

// kernelCounters describes a live source's pcap statistics, or "" for a
// file.
func kernelCounters(s Source) string {
	if s.Received == nil {
		return ""
	}
	out := fmt.Sprintf("kernel: %d received", *s.Received)
	if s.Dropped != nil {
		out += fmt.Sprintf(", %d dropped", *s.Dropped)
	}
	if s.IfDropped != nil {
		out += fmt.Sprintf(", %d dropped by the interface", *s.IfDropped)
	}
	return out
}

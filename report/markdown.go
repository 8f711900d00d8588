package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// WriteMarkdown writes the report for a ticket or a merge request: a
// summary, a findings table, one section per finding (explanation,
// details, its own timeline) and the merged timeline. Everything that can
// come from a packet is escaped so it renders as text: it cannot break a
// table, open HTML, or become a link.
func WriteMarkdown(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	first, last, ok := r.Span()
	info, warn, crit := r.Counts()
	fmt.Fprintf(ew, "# wiretale report\n\n")
	fmt.Fprintf(ew, "- **Findings:** %d critical, %d warning, %d info\n", crit, warn, info)
	if ok {
		fmt.Fprintf(ew, "- **Span:** %s → %s UTC (%s)\n", first.UTC().Format("2006-01-02 15:04:05.000"),
			last.UTC().Format("2006-01-02 15:04:05.000"), last.Sub(first).Round(time.Millisecond))
	}
	fmt.Fprintf(ew, "- **Packets:** %d\n", r.Packets)
	for _, s := range r.Sources {
		fmt.Fprintf(ew, "- **Source** %s: %s, %s, %s, %s\n", mdCode(s.Name), mdText(s.Format),
			mdText(strings.Join(s.LinkTypes, "+")), plural64(s.Packets, "packet", "packets"), humanBytes(s.Bytes))
		if k := kernelCounters(s); k != "" {
			fmt.Fprintf(ew, "  - %s\n", mdText(k))
		}
		if s.Error != nil {
			fmt.Fprintf(ew, "  - **Incomplete:** %s\n", mdText(*s.Error))
		}
		for _, b := range s.Blind {
			fmt.Fprintf(ew, "  - **Blind:** %s: %s\n", mdText(b.Detector), mdText(b.Reason))
		}
	}
	if r.Evidence != nil {
		fmt.Fprintf(ew, "- **Evidence:** %s (%s; open in Wireshark, each packet's comment names its finding)\n",
			mdCode(r.Evidence.File), plural(r.Evidence.Packets, "packet", "packets"))
	}
	ran := make([]string, len(r.Detectors))
	for i, d := range r.Detectors {
		ran[i] = d.Name
	}
	fmt.Fprintf(ew, "- **Detectors:** %s\n", mdText(strings.Join(ran, ", ")))
	for _, wm := range r.Warnings {
		fmt.Fprintf(ew, "\n> **Warning:** %s\n", mdText(wm))
	}

	if len(r.Findings) == 0 {
		fmt.Fprintf(ew, "\nNo findings.\n")
		return ew.err
	}

	fmt.Fprintf(ew, "\n## Findings\n\n")
	fmt.Fprintf(ew, "| # | Severity | Code | Subject | Count | First | Last |\n|---|---|---|---|---|---|---|\n")
	for i, f := range r.Findings {
		fmt.Fprintf(ew, "| [%d](#finding-%s) | %s | %s | %s | %d | %s | %s |\n", i+1, f.ID, severityLabel(f.Severity),
			mdCode(f.Code), mdCode(f.Subject), f.Count, mdTime(f.First.Time), mdTime(f.Last.Time))
	}

	for i, f := range r.Findings {
		fmt.Fprintf(ew, "\n<a id=\"finding-%s\"></a>\n\n### %d. %s %s: %s\n\n", f.ID, i+1, severityLabel(f.Severity), mdText(f.Code), mdText(f.Subject))
		fmt.Fprintf(ew, "%s\n\n", mdText(f.Summary))
		if c, ok := r.Codes[f.Code]; ok {
			fmt.Fprintf(ew, "**What this means.** %s\n\n**What to check next.** %s\n\n", mdText(c.Meaning), mdText(c.Check))
		}
		fmt.Fprintf(ew, "Finding %s in %s, %d occurrences from %s to %s", mdCode(f.ID), mdCode(f.Source), f.Count, mdTime(f.First.Time), mdTime(f.Last.Time))
		if len(f.Frames) > 0 {
			nums := make([]string, len(f.Frames))
			for j, n := range f.Frames {
				nums[j] = fmt.Sprint(n)
			}
			fmt.Fprintf(ew, "; example frames %s", strings.Join(nums, ", "))
		}
		fmt.Fprintf(ew, ".\n\n| Detail | Value |\n|---|---|\n")
		keys := make([]string, 0, len(f.Details))
		for k := range f.Details {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(ew, "| %s | %s |\n", mdText(k), mdCode(detailString(f.Details[k])))
		}
		var evs []Event
		for _, e := range r.Timeline {
			if e.Finding == f.ID {
				evs = append(evs, e)
			}
		}
		if len(evs) > 0 {
			fmt.Fprintf(ew, "\nTimeline:\n\n")
			for _, e := range evs {
				fmt.Fprintf(ew, "- %s %s\n", mdTime(e.Time.Time), mdText(e.Text))
			}
		}
	}

	fmt.Fprintf(ew, "\n## Timeline\n\n| Time | Severity | Finding | Event |\n|---|---|---|---|\n")
	codes := findingCodes(r)
	for _, e := range r.Timeline {
		fmt.Fprintf(ew, "| %s | %s | [%s](#finding-%s) | %s |\n", mdTime(e.Time.Time), severityLabel(e.Severity),
			mdText(codes[e.Finding]), e.Finding, mdText(e.Text))
	}
	return ew.err
}

func findingCodes(r *Report) map[string]string {
	m := make(map[string]string, len(r.Findings))
	for _, f := range r.Findings {
		m[f.ID] = f.Code
	}
	return m
}

func severityLabel(s Severity) string {
	switch s {
	case Critical:
		return "**CRITICAL**"
	case Warning:
		return "**warning**"
	}
	return "info"
}

func mdTime(t time.Time) string { return FormatTime(t)[:23] + "Z" }

// mdEscaper backslash-escapes every character with a meaning in CommonMark
// or GitHub-flavoured markdown (emphasis, code, links, images, HTML,
// tables, strikethrough, headings, lists).
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `(`, `\(`, `)`, `\)`,
	`<`, `\<`, `>`, `\>`, `|`, `\|`, `~`, `\~`, `!`, `\!`, `#`, `\#`, `&`, `\&`, `{`, `\{`, `}`, `\}`,
	`+`, `\+`, `=`, `\=`,
)

// defuseAutolinks breaks the patterns GitHub turns into links on its own
// (www., scheme://, user@host) with a zero-width space: the text reads the
// same, no link is made.
var defuseAutolinks = strings.NewReplacer("://", ":\u200b//", "www.", "www\u200b.", "WWW.", "WWW\u200b.", "@", "\u200b@")

// mdText escapes running text.
func mdText(s string) string {
	return defuseAutolinks.Replace(mdEscaper.Replace(Clean(s)))
}

// mdCode renders a value as a code span, which markdown shows verbatim
// (no emphasis, HTML or links). Pipes are still escaped, as GFM tables
// split cells on them even inside code; backticks in the value get a
// longer fence.
func mdCode(s string) string {
	s = Clean(s)
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// detailString renders a details value (already plain JSON values) as one
// line.
func detailString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = detailString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + detailString(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

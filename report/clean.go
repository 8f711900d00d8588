package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxStringLen bounds any one string in a report (a DHCP hostname
// is at most 255 bytes; the longest summaries are a few hundred).
const maxStringLen = 1024

// Clean makes a string safe to print in any format: invalid UTF-8 becomes
// U+FFFD, control characters (C0, DEL, C1: terminal escapes among them)
// and bidirectional overrides (which reorder what a reader sees) are
// dropped, and overlong strings are cut. Format-specific escaping
// (markdown, HTML) is still each renderer's job.
func Clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	n := 0
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		if r == utf8.RuneError && size == 1 {
			r = utf8.RuneError
		}
		if dropRune(r) {
			continue
		}
		if n >= maxStringLen {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func isClean(s string) bool {
	if len(s) > maxStringLen {
		return false
	}
	for _, r := range s {
		if r == utf8.RuneError || dropRune(r) {
			return false
		}
	}
	return true
}

func dropRune(r rune) bool {
	if unicode.IsControl(r) {
		return true
	}
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// cleanValue cleans every string inside a details value that has been
// through normalizeDetails (so only maps, slices, strings and numbers).
func cleanValue(v any) any {
	switch x := v.(type) {
	case string:
		return Clean(x)
	case map[string]any:
		return cleanMap(x)
	case []any:
		for i, e := range x {
			x[i] = cleanValue(e)
		}
		return x
	}
	return v
}

func cleanMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[Clean(k)] = cleanValue(v)
	}
	return out
}

// normalizeDetails turns whatever a detector put in details (structs,
// typed slices, netip.Addr) into plain JSON values by a round trip, so that
// every string inside can be cleaned and every format sees the same data.
// Numbers keep their exact text.
func normalizeDetails(m map[string]any) map[string]any {
	if len(m) == 0 {
		return map[string]any{}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return map[string]any{"error": Clean(err.Error())}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return map[string]any{"error": Clean(err.Error())}
	}
	return cleanMap(out)
}

package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Renderer writes a report in one format.
type Renderer func(w io.Writer, r *Report) error

// renderers maps format names to renderers; later formats register here.
func renderers() map[string]Renderer {
	return map[string]Renderer{
		"table":    WriteTable,
		"json":     WriteJSON,
		"jsonl":    WriteJSONL,
		"markdown": WriteMarkdown,
		"html":     WriteHTML,
	}
}

// Formats lists the format names, sorted.
func Formats() []string {
	var names []string
	for n := range renderers() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// RendererFor returns the renderer for a format name.
func RendererFor(format string) (Renderer, error) {
	if r, ok := renderers()[format]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats(), ", "))
}

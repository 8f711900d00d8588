package report

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the report as indented JSON, the stable contract.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Keep <, > and & readable; the HTML report does its own escaping.
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

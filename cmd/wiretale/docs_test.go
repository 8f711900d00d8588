package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outputBlock is a fenced block in the docs that shows wiretale's table
// output: an optional "$ wiretale analyze …" line, then the report.
var outputBlock = regexp.MustCompile("(?s)```\n((?:\\$ [^\n]*\n)?)(wiretale: [0-9]+ sources?, [^\n]*\n.*?)```\n")

// TestDocsShowRealOutput keeps every worked example in the docs equal to
// what wiretale prints today: each fenced block that shows a table report
// must be, byte for byte, the golden report whose first line it has.
// -update rewrites the blocks from the goldens.
func TestDocsShowRealOutput(t *testing.T) {
	goldens, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	byFirstLine := map[string]string{}
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(b), "\n")
		byFirstLine[first] = string(b)
	}
	docs, _ := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	more, _ := filepath.Glob(filepath.Join("..", "..", "docs", "detectors", "*.md"))
	for _, doc := range append(docs, more...) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		stale := 0
		fixed := outputBlock.ReplaceAllStringFunc(text, func(block string) string {
			m := outputBlock.FindStringSubmatch(block)
			first, _, _ := strings.Cut(m[2], "\n")
			golden, ok := byFirstLine[first]
			if !ok {
				t.Errorf("%s: a block shows output no sample produces: %q", doc, first)
				return block
			}
			if m[2] != golden {
				stale++
			}
			return "```\n" + m[1] + golden + "```\n"
		})
		if stale == 0 {
			continue
		}
		if *update {
			if err := os.WriteFile(doc, []byte(fixed), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s: %d example outputs differ from what wiretale prints; run go test ./cmd/wiretale -update", doc, stale)
	}
}

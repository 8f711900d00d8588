package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wiretale/wiretale/internal/samples"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestSamplesAreGenerated checks that pcaps/ holds exactly what the
// generator writes, so `make pcaps` rebuilds them byte for byte.
func TestSamplesAreGenerated(t *testing.T) {
	t.Chdir("../..")
	for _, s := range samples.All() {
		want, err := s.Build().Bytes()
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		got, err := os.ReadFile(filepath.Join("pcaps", s.Name))
		if err != nil {
			t.Fatalf("%v (run make pcaps)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("pcaps/%s differs from what internal/samples generates; run make pcaps", s.Name)
		}
	}
	readme, err := os.ReadFile(filepath.Join("pcaps", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if string(readme) != samples.README() {
		t.Errorf("pcaps/README.md is stale; run make pcaps")
	}
}

// TestGoldenReports analyses every sample capture as a user would and
// compares the JSON and table reports with the checked-in golden files.
func TestGoldenReports(t *testing.T) {
	golden, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	// Run from the repository root, as make run does, so reports name
	// pcaps/NAME.
	for _, s := range samples.All() {
		for _, format := range []string{"json", "table", "markdown", "html"} {
			name := strings.TrimSuffix(strings.TrimSuffix(s.Name, ".pcapng"), ".pcap")
			t.Run(name+"/"+format, func(t *testing.T) {
				t.Chdir("../..")
				args := append([]string{"analyze", "--format", format}, s.Args...)
				args = append(args, filepath.Join("pcaps", s.Name))
				stdout, stderr, code := runCLI(t, nil, args...)
				if code != exitOK {
					t.Fatalf("exit %d, stderr %q", code, stderr)
				}
				ext := map[string]string{"json": ".json", "table": ".txt", "markdown": ".md", "html": ".html"}[format]
				compareGolden(t, filepath.Join(golden, name+ext), stdout)
			})
		}
	}
}

// runCLI runs the command line in-process with a fixed version string so
// golden files do not change with releases.
func runCLI(t *testing.T, stdin []byte, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	old := version
	version = "test"
	defer func() { version = old }()
	var out, errb bytes.Buffer
	code = run(args, bytes.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/wiretale -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the report; if the change is intended, run go test ./cmd/wiretale -update\n%s", path, diffLines(string(want), got))
	}
}

// diffLines shows the first lines that differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString(fmt.Sprintf("line %d:\n", i+1) + "  want: " + wl + "\n  got:  " + gl + "\n")
			if shown++; shown == 8 {
				break
			}
		}
	}
	return b.String()
}

// Command gen writes the sample captures and pcaps/README.md.
//
//	go run ./internal/samples/gen -dir pcaps
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wiretale/wiretale/internal/samples"
)

func main() {
	dir := flag.String("dir", "pcaps", "directory to write the samples to")
	commands := flag.Bool("commands", false, "print each sample's file and analyze flags, one per line, instead of writing")
	flag.Parse()
	if *commands {
		for _, s := range samples.All() {
			fmt.Println(strings.TrimSpace(filepath.Join(*dir, s.Name) + " " + strings.Join(s.Args, " ")))
		}
		return
	}
	if err := generate(*dir); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func generate(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range samples.All() {
		b, err := s.Build().Bytes()
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.Name), b, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(samples.README()), 0o644)
}

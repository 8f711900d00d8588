package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wiretale/wiretale/detectors"
)

func newDetectorsCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "detectors",
		Short: "List every detector with its finding codes, knobs and defaults",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return listDetectors(stdout)
		},
	}
}

func listDetectors(w io.Writer) error {
	ew := &lineWriter{w: w}
	for i, in := range detectors.Registry() {
		if i > 0 {
			ew.printf("\n")
		}
		ew.printf("%s: %s\n", in.Name, in.Summary)
		ew.printf("  codes:\n")
		for _, c := range in.Codes {
			ew.printf("    %-28s %-8s %s\n", c.Code, c.Severity, c.Title)
		}
		if len(in.Knobs) > 0 {
			ew.printf("  knobs:\n")
			for _, k := range in.Knobs {
				ew.printf("    %-28s default %-8s %s\n", k.Flag, k.Default, k.Help)
			}
		}
	}
	ew.printf("\nRun only some with: wiretale analyze --detectors %s FILE\n", strings.Join(detectors.Names(), ","))
	return ew.err
}

type lineWriter struct {
	w   io.Writer
	err error
}

func (l *lineWriter) printf(format string, args ...any) {
	if l.err == nil {
		_, l.err = fmt.Fprintf(l.w, format, args...)
	}
}

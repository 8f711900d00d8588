package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wiretale/wiretale/detectors"
	"github.com/wiretale/wiretale/engine"
	"github.com/wiretale/wiretale/evidence"
	"github.com/wiretale/wiretale/report"
	"github.com/wiretale/wiretale/source"
)

// analyzeFlags are the raw command-line values; parse turns them into an
// analyzeConfig, the only thing the rest of the program sees.
type analyzeFlags struct {
	format    string
	output    string
	detectors []string
	failOn    string
	evidence  string
	knobs     []detectorFlags
}

type analyzeConfig struct {
	inputs    []string
	format    string
	render    report.Renderer
	output    string // "" for stdout
	detectors detectors.Config
	failOn    *report.Severity // nil: never exit 1
	evidence  string           // "" for none
}

func (fl *analyzeFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&fl.format, "format", "f", "table", "report format: "+strings.Join(report.Formats(), ", "))
	f.StringVarP(&fl.output, "output", "o", "", "write the report to `FILE` instead of stdout")
	f.StringSliceVar(&fl.detectors, "detectors", nil, "run only these detectors (comma-separated `LIST`; see 'wiretale detectors')")
	f.StringVar(&fl.failOn, "fail-on", "", "exit 1 when a finding at or above this `SEVERITY` (info, warning, critical) exists")
	f.StringVar(&fl.evidence, "evidence", "", "write the frames behind the findings to `FILE.pcapng`, each annotated with its finding")
	fl.knobs = allDetectorFlags()
	for _, k := range fl.knobs {
		k.register(f)
	}
}

// parse validates the flags and builds the typed configuration.
func (fl *analyzeFlags) parse(args []string) (analyzeConfig, error) {
	var cfg analyzeConfig
	if len(args) == 0 {
		return cfg, usageErr("analyze needs at least one capture file (or - for stdin)")
	}
	stdin := 0
	for _, a := range args {
		if a == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return cfg, usageErr("standard input (-) can be read only once")
	}
	cfg.inputs = args
	render, err := report.RendererFor(fl.format)
	if err != nil {
		return cfg, usageErr("%v", err)
	}
	cfg.format, cfg.render, cfg.output = fl.format, render, fl.output
	if fl.failOn != "" {
		sev, err := report.ParseSeverity(fl.failOn)
		if err != nil {
			return cfg, usageErr("--fail-on: %v", err)
		}
		cfg.failOn = &sev
	}
	cfg.evidence = fl.evidence

	d := &cfg.detectors
	for _, k := range fl.knobs {
		if err := k.apply(d); err != nil {
			return cfg, err
		}
	}
	for _, n := range fl.detectors {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if _, ok := detectors.Lookup(n); !ok {
			return cfg, usageErr("unknown detector %q (have %s)", n, strings.Join(detectors.Names(), ", "))
		}
		d.Only = append(d.Only, n)
	}
	return cfg, nil
}

func newAnalyzeCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var fl analyzeFlags
	cmd := &cobra.Command{
		Use:   "analyze [flags] FILE...",
		Short: "Analyse capture files and print a timeline of findings",
		Long: `Analyse one or more captures (pcap or pcapng, optionally gzip-compressed; - reads
standard input). Several files are merged by timestamp into one timeline.

Exit status: 0 analysed; 1 a finding reached --fail-on; 2 could not run
(usage, missing or invalid input, unwritable output); 3 analysed but some
input was cut short or corrupt (the report covers what was read). When
several apply, the highest wins in the order 2, 3, 1.`,
		Example: `  wiretale analyze compute-35.pcap
  wiretale analyze -f json -o report.json uplink-a.pcapng uplink-b.pcap.gz
  tcpdump -i bond0 -w - | wiretale analyze -
  wiretale analyze --detectors double-vlan,oversize --mtu 9000 storage.pcap
  wiretale analyze -f html -o report.html --evidence evidence.pcapng compute-35.pcap
  wiretale analyze --fail-on critical nightly.pcap || page-someone`,
		RunE: func(_ *cobra.Command, args []string) error {
			cfg, err := fl.parse(args)
			if err != nil {
				return err
			}
			return runAnalyze(cfg, stdin, stdout, stderr)
		},
	}
	fl.register(cmd)
	return cmd
}

func runAnalyze(cfg analyzeConfig, stdin io.Reader, stdout, stderr io.Writer) error {
	dets, infos, err := detectors.Build(cfg.detectors)
	if err != nil {
		return usageErr("%v", err)
	}
	var srcs []*source.Source
	defer func() {
		for _, s := range srcs {
			s.Close()
		}
	}()
	// The evidence pass reads the inputs a second time; standard input is
	// spooled to a temporary file as it is read so that it can be.
	reopen := append([]string(nil), cfg.inputs...)
	for i, name := range cfg.inputs {
		in := stdin
		if name == "-" && cfg.evidence != "" {
			spool, err := os.CreateTemp("", "wiretale-stdin-*.pcap")
			if err != nil {
				return usageErr("spool standard input for --evidence: %v", err)
			}
			defer os.Remove(spool.Name())
			defer spool.Close()
			in = io.TeeReader(stdin, spool)
			reopen[i] = spool.Name()
		}
		s, err := source.Open(name, in)
		if err != nil {
			return usageErr("open %s: %v", engine.DisplayName(name), err)
		}
		srcs = append(srcs, s)
	}

	rep := engine.Run(srcs, dets, infos, version)

	if cfg.evidence != "" {
		n, err := evidence.Write(cfg.evidence, reopen, rep)
		if err != nil {
			return usageErr("%v", err)
		}
		rep.Evidence = &report.Evidence{File: cfg.evidence, Packets: n}
	}
	if err := writeReport(cfg, rep, stdout); err != nil {
		return usageErr("%v", err)
	}
	if engine.Partial(srcs) {
		for _, s := range srcs {
			if s.Err != nil {
				fmt.Fprintf(stderr, "wiretale: warning: %s: %s; the report covers the %d packet(s) before it\n",
					engine.DisplayName(s.Name), oneLine(s.Err.Error()), s.Packets)
			}
		}
		return &exitError{code: exitPartial, err: engine.ErrPartialInput}
	}
	if cfg.failOn != nil {
		for _, f := range rep.Findings {
			if f.Severity >= *cfg.failOn {
				return &exitError{code: exitFailOn, err: fmt.Errorf("a %s finding reached --fail-on %s", f.Severity, *cfg.failOn)}
			}
		}
	}
	return nil
}

func writeReport(cfg analyzeConfig, rep *report.Report, stdout io.Writer) error {
	if cfg.output == "" {
		bw := bufio.NewWriter(stdout)
		if err := cfg.render(bw, rep); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		return bw.Flush()
	}
	f, err := os.Create(cfg.output)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	bw := bufio.NewWriter(f)
	if err := cfg.render(bw, rep); err != nil {
		f.Close()
		return fmt.Errorf("write report to %s: %w", cfg.output, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write report to %s: %w", cfg.output, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report to %s: %w", cfg.output, err)
	}
	return nil
}

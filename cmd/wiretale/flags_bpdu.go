package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/wiretale/wiretale/detectors"
)

// instanceBPDUFlags are instance-bpdu's knobs.
type instanceBPDUFlags struct {
	prefixes []string
	tcBurst  int
	tcWindow time.Duration
}

func (b *instanceBPDUFlags) register(fs *pflag.FlagSet) {
	fs.StringSliceVar(&b.prefixes, "instance-oui", nil,
		"instance port MAC `PREFIX` (fa:16:3e, fa:16:3e:00:00:00/24, or Neutron's base_mac); repeatable; replaces the default fa:16:3e")
	fs.IntVar(&b.tcBurst, "stp-tc-burst", detectors.DefaultTCBurst,
		"`N` topology changes from one bridge within --stp-tc-window make a stp.topology-change finding")
	fs.DurationVar(&b.tcWindow, "stp-tc-window", detectors.DefaultTCWindow, "window for --stp-tc-burst (a `DURATION` such as 5m)")
}

func (b *instanceBPDUFlags) apply(cfg *detectors.Config) error {
	for _, s := range b.prefixes {
		p, err := detectors.ParseMACPrefix(s)
		if err != nil {
			return usageErr("--instance-oui: %v", err)
		}
		cfg.InstanceBPDU.InstancePrefixes = append(cfg.InstanceBPDU.InstancePrefixes, p)
	}
	if b.tcBurst < 1 || b.tcBurst > detectors.MaxTCBurst {
		return usageErr("--stp-tc-burst %d is out of range (1 to %d)", b.tcBurst, detectors.MaxTCBurst)
	}
	if b.tcWindow < time.Second || b.tcWindow > 24*time.Hour {
		return usageErr("--stp-tc-window %s is out of range (1s to 24h)", b.tcWindow)
	}
	cfg.InstanceBPDU.TCBurst = b.tcBurst
	cfg.InstanceBPDU.TCWindow = b.tcWindow
	return nil
}

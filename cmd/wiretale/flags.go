package main

import (
	"github.com/spf13/pflag"

	"github.com/wiretale/wiretale/detectors"
)

// detectorFlags is one detector's command-line knobs. register adds them
// to a command (analyze and live share them); apply validates the parsed
// values and writes them into the typed configuration. Flags exist only
// here; detectors see config.
type detectorFlags interface {
	register(fs *pflag.FlagSet)
	apply(cfg *detectors.Config) error
}

// allDetectorFlags returns a fresh set of every detector's flags.
func allDetectorFlags() []detectorFlags {
	return []detectorFlags{
		&linkFlags{},
		&doubleVLANFlags{},
		&instanceBPDUFlags{},
		&vrrpFlags{},
		&dhcpFlags{},
	}
}

// linkFlags describe the link the capture was taken on (double-vlan and
// oversize share them).
type linkFlags struct {
	mtu     int
	maxTags int
}

func (l *linkFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&l.mtu, "mtu", detectors.DefaultMTU, "layer-3 MTU of the link the capture was taken on, in `BYTES`")
	fs.IntVar(&l.maxTags, "max-tags", 1, "VLAN tags a frame may carry within the frame limit (0 for an access port)")
}

func (l *linkFlags) apply(cfg *detectors.Config) error {
	if l.mtu < 68 || l.mtu > 65535 {
		return usageErr("--mtu %d is out of range (68 to 65535)", l.mtu)
	}
	if l.maxTags < 0 || l.maxTags > 8 {
		return usageErr("--max-tags %d is out of range (0 to 8)", l.maxTags)
	}
	cfg.Link.MTU = l.mtu
	cfg.Link.MaxTags = l.maxTags
	if l.maxTags == 0 {
		cfg.Link.MaxTags = -1 // the config's zero value means the default, 1
	}
	return nil
}

type doubleVLANFlags struct {
	allowOuter []uint
}

func (d *doubleVLANFlags) register(fs *pflag.FlagSet) {
	fs.UintSliceVar(&d.allowOuter, "allow-outer-vlan", nil, "outer `VID` expected to carry inner tags (QinQ provider tag); repeatable")
}

func (d *doubleVLANFlags) apply(cfg *detectors.Config) error {
	for _, v := range d.allowOuter {
		if v > 4095 {
			return usageErr("--allow-outer-vlan %d is not a VLAN ID (0 to 4095)", v)
		}
		cfg.DoubleVLAN.AllowedOuterVLANs = append(cfg.DoubleVLAN.AllowedOuterVLANs, uint16(v))
	}
	return nil
}

package main

import (
	"github.com/spf13/pflag"

	"github.com/wiretale/wiretale/detectors"
)

// vrrpFlags are the vrrp detector's knobs.
type vrrpFlags struct {
	gapFactor float64
}

func (v *vrrpFlags) register(fs *pflag.FlagSet) {
	fs.Float64Var(&v.gapFactor, "vrrp-gap-factor", detectors.DefaultVRRPGapFactor,
		"a VRRP master silent for longer than `N` × its advertised interval has a gap (1 < N ≤ 10)")
}

func (v *vrrpFlags) apply(cfg *detectors.Config) error {
	// The negated form also rejects NaN.
	if !(v.gapFactor > 1 && v.gapFactor <= 10) {
		return usageErr("--vrrp-gap-factor %g is out of range (more than 1, at most 10)", v.gapFactor)
	}
	cfg.VRRP.GapFactor = v.gapFactor
	return nil
}

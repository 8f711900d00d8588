package main

import (
	"net/netip"
	"time"

	"github.com/spf13/pflag"

	"github.com/wiretale/wiretale/detectors"
)

// dhcpFlags are the dhcp detector's knobs.
type dhcpFlags struct {
	timeout time.Duration
	quiet   time.Duration
	servers []string
}

func (d *dhcpFlags) register(fs *pflag.FlagSet) {
	fs.DurationVar(&d.timeout, "dhcp-timeout", detectors.DefaultDHCPTimeout, "how long a DHCP DISCOVER or REQUEST may go unanswered (`DURATION`); younger ones at the end of a capture are not judged")
	fs.DurationVar(&d.quiet, "dhcp-quiet", detectors.DefaultDHCPQuiet, "a client silence of at least `DURATION` before a DHCP conversation is named first in its timeline")
	fs.StringSliceVar(&d.servers, "dhcp-server", nil, "a known DHCP server (its server identifier `IP`); repeatable; segments where only known servers answer are not reported")
}

func (d *dhcpFlags) apply(cfg *detectors.Config) error {
	if d.timeout < 100*time.Millisecond || d.timeout > time.Hour {
		return usageErr("--dhcp-timeout %s is out of range (100ms to 1h)", d.timeout)
	}
	if d.quiet < 100*time.Millisecond || d.quiet > 24*time.Hour {
		return usageErr("--dhcp-quiet %s is out of range (100ms to 24h)", d.quiet)
	}
	cfg.DHCP.Timeout = d.timeout
	cfg.DHCP.Quiet = d.quiet
	for _, s := range d.servers {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Unmap().Is4() {
			return usageErr("--dhcp-server %q is not an IPv4 address", s)
		}
		cfg.DHCP.Servers = append(cfg.DHCP.Servers, a.Unmap())
	}
	return nil
}

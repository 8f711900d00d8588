// Package capture runs wiretale on a live interface: it reads packets
// through libpcap (the cgo build; a build without cgo says it cannot), feeds
// them to the engine as they arrive, advances detector time on the wall
// clock when the wire is quiet, and exposes what it finds as JSON lines and
// Prometheus metrics.
//
// The pieces are separate so that each can be tested without a network:
// Open gives a Reader (libpcap), Session drives any Reader through an
// engine.Analyzer, Metrics turns report snapshots into Prometheus series.
package capture

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/source"
)

// Defaults of Options.
const (
	// DefaultSnaplen keeps whole frames, even 64 KiB GRO super-frames, as
	// tcpdump does.
	DefaultSnaplen = 262144
	// DefaultBufferSize is the kernel ring for the capture. libpcap's own
	// default (2 MiB) overflows within milliseconds of a burst on a busy
	// bridge; 32 MiB rides out a pause of ~20 ms at 10 Gb/s.
	DefaultBufferSize = 32 << 20
	// DefaultTimeout is the read timeout: how long a read waits for a
	// packet before the session advances detector time on the wall clock,
	// and how long the kernel holds a partly filled buffer block.
	DefaultTimeout = 250 * time.Millisecond
)

// Options configures a live capture.
type Options struct {
	Interface  string
	Snaplen    int           // bytes kept per packet; 0 means DefaultSnaplen
	Promisc    bool          // promiscuous mode: needed on a bridge to see forwarded frames
	BufferSize int           // kernel ring in bytes; 0 means DefaultBufferSize
	Filter     string        // BPF expression, as tcpdump takes it; "" keeps everything
	Timeout    time.Duration // read timeout; 0 means DefaultTimeout
}

// Effective returns the options as the capture will use them: defaults
// filled in, and promiscuous mode off on the "any" pseudo-interface, where
// libpcap cannot set it (it refuses with a warning that would otherwise
// abort the capture).
func (o Options) Effective() Options {
	if o.Snaplen <= 0 {
		o.Snaplen = DefaultSnaplen
	}
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultBufferSize
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Interface == AnyInterface {
		o.Promisc = false
	}
	return o
}

// AnyInterface is libpcap's pseudo-interface that captures on every
// interface at once, as Linux cooked frames without VLAN tags.
const AnyInterface = "any"

// Stats are the kernel's counters for a capture (pcap_stats), since it
// started.
type Stats struct {
	// Received counts packets that passed the filter, including those
	// dropped for lack of buffer space.
	Received int64
	// Dropped counts packets the kernel dropped because the capture
	// buffer was full (wiretale did not read fast enough).
	Dropped int64
	// IfDropped counts receive drops the interface reported since the
	// capture began (Linux libpcap takes it from rx_dropped, which also
	// counts frames discarded on purpose, e.g. on a bond's backup member).
	IfDropped int64
}

// Reader yields captured packets.
type Reader interface {
	// Next reads the next packet into p (Data is valid until the next
	// call; Number is left for the caller). It returns ErrTimeout when
	// the read timeout passed without a packet, io.EOF once the capture
	// is closed, and any other error when the capture broke (the
	// interface went away).
	Next(p *source.Packet) error
	// LinkType is the link type of every packet.
	LinkType() decode.LinkType
	// Stats returns the kernel's counters so far.
	Stats() (Stats, error)
	// Close ends the capture.
	Close()
}

// ErrTimeout is returned by Reader.Next when no packet arrived within the
// read timeout.
var ErrTimeout = errors.New("read timeout: no packet")

// ErrNoLibpcap is returned by Open in a build without cgo.
var ErrNoLibpcap = errors.New("this build has no libpcap (built with CGO_ENABLED=0); rebuild with cgo and libpcap-dev to use live")

// NoSuchInterfaceError says the interface does not exist, and which do.
type NoSuchInterfaceError struct {
	Name      string
	Available []string
}

func (e *NoSuchInterfaceError) Error() string {
	msg := fmt.Sprintf("no such interface %q", e.Name)
	if len(e.Available) == 0 {
		return msg + " (and no interfaces could be listed)"
	}
	return msg + "; interfaces here: " + strings.Join(e.Available, ", ")
}

// Linux capability numbers (include/uapi/linux/capability.h).
const (
	capNetAdmin = 12
	capNetRaw   = 13
)

// PermissionError says that the capture was refused, which capabilities
// wiretale lacks, and how to grant them.
type PermissionError struct {
	Interface string
	// Missing lists the capabilities the process lacks among those a
	// capture is documented to need (CAP_NET_RAW opens the packet socket;
	// tcpdump asks for CAP_NET_ADMIN too, which some kernels and drivers
	// want for promiscuous mode); empty when it has both.
	Missing    []string
	Known      bool   // whether the process's capabilities could be read
	Executable string // path to grant them on
	Detail     string // libpcap's message
}

func (e *PermissionError) Error() string {
	exe := e.Executable
	if exe == "" {
		exe = "/path/to/wiretale"
	}
	grant := fmt.Sprintf("grant them with 'sudo setcap cap_net_raw,cap_net_admin=eip %s' or run wiretale as root", exe)
	switch {
	case !e.Known:
		return fmt.Sprintf("permission denied capturing on %s: capturing needs CAP_NET_RAW and CAP_NET_ADMIN; %s", e.Interface, grant)
	case len(e.Missing) == 0:
		msg := fmt.Sprintf("permission denied capturing on %s although wiretale has CAP_NET_RAW and CAP_NET_ADMIN: "+
			"a security module (AppArmor, SELinux, seccomp) or the container it runs in forbids packet sockets", e.Interface)
		if e.Detail != "" {
			msg += " (libpcap: " + e.Detail + ")"
		}
		return msg
	}
	return fmt.Sprintf("permission denied capturing on %s: wiretale lacks %s (capturing needs CAP_NET_RAW and CAP_NET_ADMIN); %s",
		e.Interface, strings.Join(e.Missing, " and "), grant)
}

// newPermissionError describes a refused capture from the process's
// effective capabilities.
func newPermissionError(iface, detail string) *PermissionError {
	e := &PermissionError{Interface: iface, Detail: detail}
	if exe, err := os.Executable(); err == nil {
		e.Executable = exe
	}
	if st, err := os.ReadFile("/proc/self/status"); err == nil {
		if eff, ok := effectiveCaps(string(st)); ok {
			e.Known = true
			e.Missing = missingCaps(eff)
		}
	}
	return e
}

// effectiveCaps reads the CapEff bitmask from /proc/self/status.
func effectiveCaps(status string) (uint64, bool) {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// missingCaps names the capture capabilities absent from an effective set.
func missingCaps(eff uint64) []string {
	missing := []string{}
	if eff&(1<<capNetRaw) == 0 {
		missing = append(missing, "CAP_NET_RAW")
	}
	if eff&(1<<capNetAdmin) == 0 {
		missing = append(missing, "CAP_NET_ADMIN")
	}
	return missing
}

// FilterError says the BPF expression did not compile.
type FilterError struct {
	Filter string
	Detail string
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("bad --filter %q: %s (the syntax is tcpdump's, see pcap-filter(7))", e.Filter, e.Detail)
}

// counter32 turns libpcap's 32-bit counters, which wrap after 4 Gi packets
// (a few hours at line rate), into 64-bit totals. It must see the counter
// at least once per wrap, which a poll every second does.
type counter32 struct {
	last  uint32
	total int64
}

func (c *counter32) update(v uint32) int64 {
	c.total += int64(v - c.last)
	c.last = v
	return c.total
}

// statsAccum widens a handle's pcap_stats.
type statsAccum struct {
	recv, drop, ifdrop counter32
}

func (a *statsAccum) update(recv, drop, ifdrop uint32) Stats {
	return Stats{Received: a.recv.update(recv), Dropped: a.drop.update(drop), IfDropped: a.ifdrop.update(ifdrop)}
}

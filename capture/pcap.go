//go:build cgo

package capture

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sort"

	"github.com/gopacket/gopacket/pcap"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/source"
)

// Available reports whether this build can capture live.
const Available = true

// pcapReader is a live libpcap capture.
type pcapReader struct {
	h     *pcap.Handle
	name  string
	lt    decode.LinkType
	stats statsAccum
}

// Open starts capturing on an interface through an inactive libpcap
// handle, so that the buffer size and nanosecond timestamps can be set
// before activation. Errors are *NoSuchInterfaceError, *PermissionError,
// *FilterError, or another error with libpcap's words.
func Open(opt Options) (Reader, error) {
	opt = opt.Effective()
	if err := checkInterface(opt.Interface); err != nil {
		return nil, err
	}
	in, err := pcap.NewInactiveHandle(opt.Interface)
	if err != nil {
		return nil, fmt.Errorf("capture on %s: %v", opt.Interface, err)
	}
	// After a successful Activate the inactive handle is empty and CleanUp
	// does nothing; after a failed one it frees libpcap's handle.
	defer in.CleanUp()
	for _, step := range []struct {
		what string
		err  error
	}{
		{"snapshot length", in.SetSnapLen(opt.Snaplen)},
		{"promiscuous mode", in.SetPromisc(opt.Promisc)},
		{"read timeout", in.SetTimeout(opt.Timeout)},
		{"buffer size", in.SetBufferSize(opt.BufferSize)},
	} {
		if step.err != nil {
			return nil, fmt.Errorf("capture on %s: set %s: %v", opt.Interface, step.what, step.err)
		}
	}
	h, err := in.Activate()
	if err != nil {
		return nil, activateError(opt.Interface, err)
	}
	if opt.Filter != "" {
		if err := h.SetBPFFilter(opt.Filter); err != nil {
			h.Close()
			return nil, &FilterError{Filter: opt.Filter, Detail: err.Error()}
		}
	}
	return &pcapReader{h: h, name: opt.Interface, lt: decode.LinkType(h.LinkType())}, nil
}

// activateError turns pcap_activate's status into an error an operator can
// act on. gopacket's activation error type is unexported; its messages are
// fixed strings per status.
func activateError(iface string, err error) error {
	switch err.Error() {
	case "No Such Device":
		return &NoSuchInterfaceError{Name: iface, Available: interfaceNames()}
	case "Permission Denied":
		return newPermissionError(iface, "")
	case "Interface Not Up":
		return fmt.Errorf("interface %s is down; bring it up with 'ip link set %s up'", iface, iface)
	case "Cannot set as promisc":
		return fmt.Errorf("interface %s cannot be put in promiscuous mode; retry with --promisc=false", iface)
	}
	return fmt.Errorf("capture on %s: %v", iface, err)
}

// checkInterface refuses names that are neither a network interface nor a
// libpcap device, before libpcap would (an unprivileged user would
// otherwise be told "permission denied" for a typo).
func checkInterface(name string) error {
	if name == AnyInterface {
		return nil
	}
	if _, err := net.InterfaceByName(name); err == nil {
		return nil
	}
	if devs, err := pcap.FindAllDevs(); err == nil {
		for _, d := range devs {
			if d.Name == name {
				return nil
			}
		}
	}
	return &NoSuchInterfaceError{Name: name, Available: interfaceNames()}
}

// interfaceNames lists the network interfaces in index order, then "any".
func interfaceNames() []string {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	sort.Slice(ifs, func(i, j int) bool { return ifs[i].Index < ifs[j].Index })
	names := make([]string, 0, len(ifs)+1)
	for _, in := range ifs {
		names = append(names, in.Name)
	}
	return append(names, AnyInterface)
}

func (r *pcapReader) Next(p *source.Packet) error {
	data, ci, err := r.h.ZeroCopyReadPacketData()
	switch {
	case err == nil:
	case errors.Is(err, pcap.NextErrorTimeoutExpired):
		return ErrTimeout
	case errors.Is(err, io.EOF):
		return io.EOF
	case errors.Is(err, pcap.NextErrorReadError):
		// The reason (the interface went down, was deleted) is in
		// pcap_geterr, not in the status.
		return fmt.Errorf("capture on %s failed: %v", r.name, r.h.Error())
	default:
		return fmt.Errorf("capture on %s failed: %v", r.name, err)
	}
	p.Data = data
	p.Time = ci.Timestamp
	p.WireLen = ci.Length
	p.LinkType = r.lt
	return nil
}

func (r *pcapReader) LinkType() decode.LinkType { return r.lt }

func (r *pcapReader) Stats() (Stats, error) {
	st, err := r.h.Stats()
	if err != nil {
		return Stats{}, fmt.Errorf("capture statistics for %s: %v", r.name, err)
	}
	return r.stats.update(uint32(st.PacketsReceived), uint32(st.PacketsDropped), uint32(st.PacketsIfDropped)), nil
}

func (r *pcapReader) Close() { r.h.Close() }

// LibraryVersion names the libpcap in use.
func LibraryVersion() string { return pcap.Version() }

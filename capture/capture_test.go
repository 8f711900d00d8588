package capture

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNoSuchInterfaceMessage(t *testing.T) {
	e := &NoSuchInterfaceError{Name: "brq5d4a1c2e-7f", Available: []string{"lo", "bond0", "brqaaaa", "tap3f2a9c1d-20", "any"}}
	want := `no such interface "brq5d4a1c2e-7f"; interfaces here: lo, bond0, brqaaaa, tap3f2a9c1d-20, any`
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e.Error(), want)
	}
	if got := (&NoSuchInterfaceError{Name: "x"}).Error(); !strings.Contains(got, "no interfaces could be listed") {
		t.Errorf("empty list: %s", got)
	}
}

// TestPermissionMessage builds the messages from capability sets, without
// dropping privileges (cmd/wiretale's TestLiveWithoutCapabilities does
// that for real).
func TestPermissionMessage(t *testing.T) {
	const all = "000001ffffffffff"
	for _, tc := range []struct {
		name   string
		capEff string // as in /proc/self/status; "" when unreadable
		want   []string
	}{
		{"unprivileged user", "0000000000000000", []string{
			"permission denied capturing on br-int: wiretale lacks CAP_NET_RAW and CAP_NET_ADMIN",
			"grant them with 'sudo setcap cap_net_raw,cap_net_admin=eip /usr/local/bin/wiretale' or run wiretale as root"}},
		{"only CAP_NET_ADMIN", "0000000000001000", []string{"wiretale lacks CAP_NET_RAW (", "setcap cap_net_raw,cap_net_admin=eip"}},
		{"only CAP_NET_RAW", "0000000000002000", []string{"wiretale lacks CAP_NET_ADMIN (", "run wiretale as root"}},
		{"has both, refused anyway", all, []string{"although wiretale has CAP_NET_RAW and CAP_NET_ADMIN", "AppArmor", "(libpcap: socket: Operation not permitted)"}},
		{"capabilities unknown", "", []string{"capturing needs CAP_NET_RAW and CAP_NET_ADMIN", "setcap", "run wiretale as root"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &PermissionError{Interface: "br-int", Executable: "/usr/local/bin/wiretale", Detail: "socket: Operation not permitted"}
			if tc.capEff != "" {
				eff, ok := effectiveCaps("Name:\twiretale\nCapInh:\t0000000000000000\nCapEff:\t" + tc.capEff + "\nCapBnd:\t" + all + "\n")
				if !ok {
					t.Fatal("CapEff not parsed")
				}
				e.Known, e.Missing = true, missingCaps(eff)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Error(), w) {
					t.Errorf("%s\nlacks %q", e.Error(), w)
				}
			}
		})
	}
	if _, ok := effectiveCaps("Name:\tx\n"); ok {
		t.Error("status without CapEff parsed")
	}
	// From the running process: whatever it holds, the message is whole.
	if msg := newPermissionError("lo", "").Error(); !strings.Contains(msg, "capturing on lo") {
		t.Errorf("from /proc/self/status: %s", msg)
	}
}

func TestFilterMessage(t *testing.T) {
	e := &FilterError{Filter: "vrrp or", Detail: "can't parse filter expression: syntax error"}
	want := `bad --filter "vrrp or": can't parse filter expression: syntax error (the syntax is tcpdump's, see pcap-filter(7))`
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e.Error(), want)
	}
}

func TestEffectiveOptions(t *testing.T) {
	o := Options{Interface: "br0", Promisc: true}.Effective()
	if o.Snaplen != DefaultSnaplen || o.BufferSize != DefaultBufferSize || o.Timeout != DefaultTimeout || !o.Promisc {
		t.Errorf("defaults: %+v", o)
	}
	o = Options{Interface: "any", Promisc: true, Snaplen: 128, BufferSize: 1 << 20, Timeout: time.Second}.Effective()
	if o.Promisc || o.Snaplen != 128 || o.BufferSize != 1<<20 || o.Timeout != time.Second {
		t.Errorf("any: %+v (libpcap cannot make any promiscuous)", o)
	}
}

// TestCounterWrap: libpcap's counters are 32-bit and wrap on a long
// capture; the totals must not go backwards.
func TestCounterWrap(t *testing.T) {
	var a statsAccum
	a.update(4_294_967_000, 10, 0)
	st := a.update(200, 20, 1) // wrapped past 2^32
	if st.Received != 4_294_967_496 || st.Dropped != 20 || st.IfDropped != 1 {
		t.Errorf("after wrap: %+v", st)
	}
}

func TestOpenRefusesUnknownInterface(t *testing.T) {
	_, err := Open(Options{Interface: "wt-no-such-if0"})
	if !Available {
		if !errors.Is(err, ErrNoLibpcap) {
			t.Fatalf("without cgo: %v", err)
		}
		return
	}
	var nsi *NoSuchInterfaceError
	if !errors.As(err, &nsi) {
		t.Fatalf("got %v, want NoSuchInterfaceError", err)
	}
	if !strings.Contains(err.Error(), "lo") || !strings.HasSuffix(err.Error(), ", any") {
		t.Errorf("the list should name the loopback and any: %v", err)
	}
}

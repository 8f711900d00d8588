package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/spf13/cobra"

	"github.com/wiretale/wiretale/capture"
	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/detectors"
	"github.com/wiretale/wiretale/engine"
	"github.com/wiretale/wiretale/report"
	"github.com/wiretale/wiretale/source"
)

// liveFlags are live's raw command-line values. The report and detector
// flags are analyze's own (analyzeFlags.register), so both commands take
// the same knobs.
type liveFlags struct {
	common        analyzeFlags
	iface         string
	filter        string
	snaplen       int
	promisc       bool
	buffer        string
	duration      time.Duration
	count         int64
	write         string
	metricsListen string
}

// liveConfig is the validated configuration of one live capture.
type liveConfig struct {
	capture       capture.Options
	duration      time.Duration
	count         int64
	format        string
	render        report.Renderer
	output        string // "" for stdout
	write         string // "" for none
	metricsListen string // "" for none
	detectors     detectors.Config
	tick          time.Duration // 0 for capture.DefaultTick
}

// openFunc opens a capture; tests pass a fake.
type openFunc func(capture.Options) (capture.Reader, error)

func (fl *liveFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&fl.iface, "interface", "i", "", "capture on `IFACE`: the bridge, tap or bond carrying the instances' traffic (brq…, br-int, tap…, bond0)")
	f.StringVar(&fl.filter, "filter", "", "capture only what the BPF `EXPR` matches (tcpdump syntax, e.g. 'stp or vrrp or port 67 or port 68')")
	f.IntVar(&fl.snaplen, "snaplen", capture.DefaultSnaplen, "bytes kept of each packet")
	f.BoolVar(&fl.promisc, "promisc", true, "promiscuous mode; needed on a bridge to see the frames it forwards between ports")
	f.StringVar(&fl.buffer, "buffer", "32MiB", "kernel capture buffer `SIZE` (bytes, or with KiB, MiB, GiB); raise it if the report says packets were dropped")
	f.DurationVar(&fl.duration, "duration", 0, "stop after this long (e.g. 10m), print the report; 0 runs until SIGINT or SIGTERM")
	f.Int64Var(&fl.count, "count", 0, "stop after this many packets, print the report; 0 means no limit")
	f.StringVarP(&fl.write, "write", "w", "", "also save the raw capture to `FILE` (pcapng), as tcpdump -w does")
	f.StringVar(&fl.metricsListen, "metrics-listen", "", "serve Prometheus metrics on `ADDR` (e.g. :9810 or 127.0.0.1:9810) at /metrics")
	fl.common.register(cmd)
}

func (fl *liveFlags) parse(args []string) (liveConfig, error) {
	var cfg liveConfig
	if len(args) > 0 {
		return cfg, usageErr("live takes no arguments (got %q); pass a capture filter with --filter", strings.Join(args, " "))
	}
	if fl.iface == "" {
		return cfg, usageErr("live needs an interface: -i IFACE (the bridge, tap or bond carrying the instances' traffic)")
	}
	if fl.snaplen < 1 || fl.snaplen > capture.DefaultSnaplen {
		return cfg, usageErr("--snaplen %d is out of range (1 to %d)", fl.snaplen, capture.DefaultSnaplen)
	}
	buf, err := parseSize(fl.buffer)
	if err != nil {
		return cfg, usageErr("--buffer: %v", err)
	}
	if fl.duration < 0 {
		return cfg, usageErr("--duration %s is negative", fl.duration)
	}
	if fl.count < 0 {
		return cfg, usageErr("--count %d is negative", fl.count)
	}
	cfg.capture = capture.Options{
		Interface:  fl.iface,
		Snaplen:    fl.snaplen,
		Promisc:    fl.promisc,
		BufferSize: buf,
		Filter:     fl.filter,
	}
	cfg.duration, cfg.count = fl.duration, fl.count
	cfg.write, cfg.metricsListen = fl.write, fl.metricsListen
	render, err := report.RendererFor(fl.common.format)
	if err != nil {
		return cfg, usageErr("%v", err)
	}
	cfg.format, cfg.render, cfg.output = fl.common.format, render, fl.common.output
	for _, k := range fl.common.knobs {
		if err := k.apply(&cfg.detectors); err != nil {
			return cfg, err
		}
	}
	for _, n := range fl.common.detectors {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if _, ok := detectors.Lookup(n); !ok {
			return cfg, usageErr("unknown detector %q (have %s)", n, strings.Join(detectors.Names(), ", "))
		}
		cfg.detectors.Only = append(cfg.detectors.Only, n)
	}
	return cfg, nil
}

// parseSize reads a byte count: 8388608, 512KiB, 32MiB, 1GiB (K, M, G and
// KB, MB, GB are taken as the binary units too, as tcpdump's -B is).
func parseSize(s string) (int, error) {
	t := strings.TrimSpace(s)
	mult := 1
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size (bytes, or a number with KiB, MiB or GiB)", s)
	}
	if n > (4<<30)/mult {
		return 0, fmt.Errorf("%q is larger than 4 GiB", s)
	}
	return n * mult, nil
}

func newLiveCmd(stdout, stderr io.Writer, open openFunc) *cobra.Command {
	var fl liveFlags
	cmd := &cobra.Command{
		Use:   "live -i IFACE [flags]",
		Short: "Capture on an interface and report findings as they happen",
		Long: `Capture on a live interface through libpcap and run every detector on the
frames as they arrive, on the hypervisor itself: on the Linux bridge, Open
vSwitch bridge, tap or bond that carries the instances' traffic (brq…,
br-int, tap…, bond0), not on "any", which loses VLAN tags.

Time-based findings (a VRRP master gone silent, a DHCP request never
answered) fire on the wall clock even when no packet arrives. On SIGINT,
SIGTERM, --duration or --count it prints the full report, exactly as
analyze would, with the kernel's received and dropped counters.
--format jsonl streams one JSON line per new finding and timeline event as
it happens, then a summary line. --metrics-listen serves Prometheus
metrics; --write saves the raw capture as pcapng.

Capturing needs CAP_NET_RAW and CAP_NET_ADMIN: run as root, or
  setcap cap_net_raw,cap_net_admin=eip /path/to/wiretale
Exit status: 0 captured and reported, 2 could not start (usage, no such
interface, permission), 3 the capture broke (the interface went away); the
report covers what was read.`,
		Example: `  wiretale live -i brq5d4a1c2e-7f --duration 10m
  wiretale live -i br-int --filter 'stp or vrrp or port 67 or port 68' -f jsonl
  wiretale live -i bond0 --metrics-listen :9810 -f jsonl -o /var/log/wiretale/bond0.jsonl
  wiretale live -i tap3f2a9c1d-20 -w tap.pcapng --count 100000`,
		RunE: func(_ *cobra.Command, args []string) error {
			cfg, err := fl.parse(args)
			if err != nil {
				return err
			}
			if !capture.Available {
				return usageErr("live: %v", capture.ErrNoLibpcap)
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			go func() {
				// After the first signal, a second one ends wiretale at once.
				<-ctx.Done()
				stop()
			}()
			return runLive(ctx, cfg, open, stdout, stderr)
		},
	}
	fl.register(cmd)
	return cmd
}

// runLive captures until ctx is cancelled or a limit is reached, then
// writes the report. Everything that can refuse to start (output file,
// metrics address, interface, permission, filter) is checked before the
// first packet is read, so that a mistake is not found hours later.
func runLive(ctx context.Context, cfg liveConfig, open openFunc, stdout, stderr io.Writer) (err error) {
	dets, infos, err := detectors.Build(cfg.detectors)
	if err != nil {
		return usageErr("%v", err)
	}

	out := stdout
	if cfg.output != "" {
		f, err := os.Create(cfg.output)
		if err != nil {
			return usageErr("write report: %v", err)
		}
		defer func() {
			if cerr := f.Close(); cerr != nil && err == nil {
				err = usageErr("write report to %s: %v", cfg.output, cerr)
			}
		}()
		out = f
	}

	var ln net.Listener
	if cfg.metricsListen != "" {
		ln, err = net.Listen("tcp", cfg.metricsListen)
		if err != nil {
			return usageErr("--metrics-listen: %v", err)
		}
		defer ln.Close()
	}

	opt := cfg.capture.Effective()
	r, err := open(opt)
	if err != nil {
		return usageErr("%v", err)
	}
	defer r.Close()
	lt := r.LinkType()

	var pw *pcapWriter
	if cfg.write != "" {
		pw, err = newPcapWriter(cfg.write, opt, lt)
		if err != nil {
			return usageErr("--write: %v", err)
		}
		defer pw.abort()
	}

	fmt.Fprintf(stderr, "wiretale: capturing on %s (%s)%s; stop with Ctrl-C\n", opt.Interface, describeCapture(opt, lt), limits(cfg))
	if w := blindWarning(opt.Interface, lt, infos); w != "" {
		fmt.Fprintf(stderr, "wiretale: warning: %s\n", w)
	}

	var metrics *capture.Metrics
	if ln != nil {
		metrics = capture.NewMetrics(opt.Interface, version, infos)
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.Handler())
		mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, "wiretale live on %s: Prometheus metrics at /metrics\n", opt.Interface)
		})
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln) // returns ErrServerClosed when srv.Close runs
		defer srv.Close()
		fmt.Fprintf(stderr, "wiretale: Prometheus metrics on http://%s/metrics\n", ln.Addr())
	}

	var stream *report.Stream
	var streamErr error
	if cfg.format == "jsonl" {
		stream = report.NewStream(out)
	}
	sess := &capture.Session{
		Reader:   r,
		Analyzer: engine.NewAnalyzer(dets, infos),
		Name:     opt.Interface,
		Format:   "live (libpcap " + libpcapNumber() + ")",
		Version:  version,
		Count:    cfg.count,
		Duration: cfg.duration,
		Tick:     cfg.tick,
		Lag:      opt.Timeout,
		Warn:     func(msg string) { fmt.Fprintf(stderr, "wiretale: warning: %s\n", oneLine(msg)) },
		OnTick: func() {
			if pw != nil {
				pw.flush()
			}
		},
	}
	if pw != nil {
		sess.Write = pw.write
	}
	if stream != nil || metrics != nil {
		sess.Snapshot = func(rep *report.Report, final bool) {
			if metrics != nil {
				metrics.Update(rep)
			}
			if stream != nil && !final && streamErr == nil {
				streamErr = stream.Update(rep)
			}
		}
	}

	res := sess.Run(ctx)

	if pw != nil {
		if err := pw.close(res, time.Now()); err != nil {
			fmt.Fprintf(stderr, "wiretale: warning: --write: %s\n", oneLine(err.Error()))
		}
	}
	fmt.Fprintf(stderr, "wiretale: stopped (%s): %d packets captured, %d received by filter, %d dropped by kernel, %d dropped by interface\n",
		res.Stopped, res.Report.Packets, res.Stats.Received, res.Stats.Dropped, res.Stats.IfDropped)

	switch {
	case streamErr != nil:
		return usageErr("write report: %v", streamErr)
	case stream != nil:
		if err := stream.Close(res.Report); err != nil {
			return usageErr("write report: %v", err)
		}
	default:
		bw := bufio.NewWriter(out)
		if err := cfg.render(bw, res.Report); err != nil {
			return usageErr("write report: %v", err)
		}
		if err := bw.Flush(); err != nil {
			return usageErr("write report: %v", err)
		}
	}
	if res.Err != nil {
		fmt.Fprintf(stderr, "wiretale: warning: %s; the report covers the %d packets before it\n", oneLine(res.Err.Error()), res.Report.Packets)
		return &exitError{code: exitPartial, err: res.Err}
	}
	return nil
}

// describeCapture says how the capture runs, for the start line.
func describeCapture(opt capture.Options, lt decode.LinkType) string {
	parts := []string{lt.String() + " frames", fmt.Sprintf("snapshot length %d", opt.Snaplen)}
	if opt.Promisc {
		parts = append(parts, "promiscuous")
	} else {
		parts = append(parts, "not promiscuous")
	}
	parts = append(parts, "buffer "+humanSize(opt.BufferSize))
	if opt.Filter != "" {
		parts = append(parts, fmt.Sprintf("filter %q", opt.Filter))
	}
	return strings.Join(parts, ", ")
}

func limits(cfg liveConfig) string {
	var l []string
	if cfg.duration > 0 {
		l = append(l, "for "+cfg.duration.String())
	}
	if cfg.count > 0 {
		l = append(l, fmt.Sprintf("for %d packets", cfg.count))
	}
	if len(l) == 0 {
		return ""
	}
	return " " + strings.Join(l, " or ")
}

func humanSize(n int) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// libpcapNumber is the version number out of pcap_lib_version ("libpcap
// version 1.10.3 (with TPACKET_V3)").
func libpcapNumber() string {
	v := capture.LibraryVersion()
	if rest, ok := strings.CutPrefix(v, "libpcap version "); ok {
		if i := strings.IndexByte(rest, ' '); i > 0 {
			rest = rest[:i]
		}
		return rest
	}
	return v
}

// blindWarning says, at the start, which detectors cannot see their fault
// on this link type, so that an operator who picked "any" learns it now
// rather than from an empty report.
func blindWarning(iface string, lt decode.LinkType, infos []detectors.Info) string {
	var blind []string
	reason := ""
	for _, in := range infos {
		if in.Blind == nil {
			continue
		}
		if why := in.Blind(lt); why != "" {
			blind = append(blind, in.Name)
			if reason == "" {
				reason = why
			}
		}
	}
	if len(blind) == 0 {
		return ""
	}
	if iface == capture.AnyInterface || lt == decode.LinkLinuxSLL || lt == decode.LinkLinuxSLL2 {
		return fmt.Sprintf("capturing on %s gives Linux cooked (%s) frames: the kernel strips VLAN tags and there is no Ethernet header, "+
			"so %s cannot see their faults (the report lists them as blind); capture on the physical, bond or bridge interface "+
			"that carries the instances' traffic instead (brq…, br-int, tap…, bond0)", iface, lt, strings.Join(blind, ", "))
	}
	return fmt.Sprintf("on %s (%s frames) %s cannot see their faults: %s", iface, lt, strings.Join(blind, ", "), reason)
}

// pcapWriter saves the raw capture as pcapng (--write).
type pcapWriter struct {
	f     *os.File
	w     *pcapgo.NgWriter
	start time.Time
}

func newPcapWriter(path string, opt capture.Options, lt decode.LinkType) (*pcapWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w, err := pcapgo.NewNgWriterInterface(f, pcapgo.NgInterface{
		Name:                opt.Interface,
		Filter:              opt.Filter,
		OS:                  runtime.GOOS,
		LinkType:            layers.LinkType(lt),
		SnapLength:          uint32(opt.Snaplen),
		TimestampResolution: 9,
	}, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
		Hardware: runtime.GOARCH, OS: runtime.GOOS, Application: "wiretale " + version,
	}})
	if err != nil {
		f.Close()
		return nil, err
	}
	return &pcapWriter{f: f, w: w, start: time.Now()}, nil
}

func (p *pcapWriter) write(pkt *source.Packet) error {
	ci := gopacket.CaptureInfo{Timestamp: pkt.Time, CaptureLength: len(pkt.Data), Length: max(pkt.WireLen, len(pkt.Data))}
	return p.w.WritePacket(ci, pkt.Data)
}

// flush pushes buffered packets to the file every tick, so that at most a
// second of capture is lost if wiretale is killed.
func (p *pcapWriter) flush() { _ = p.w.Flush() } // a failure shows again at the next write

// close ends the file with the kernel's counters in an interface
// statistics block, as dumpcap does.
func (p *pcapWriter) close(res capture.Result, now time.Time) error {
	f := p.f
	p.f = nil
	err := p.w.WriteInterfaceStats(0, pcapgo.NgInterfaceStatistics{
		LastUpdate:      now,
		StartTime:       p.start,
		EndTime:         now,
		PacketsReceived: uint64(res.Stats.Received),
		// isb_ifdrop: everything lost before wiretale read it.
		PacketsDropped: uint64(res.Stats.Dropped + res.Stats.IfDropped),
	})
	err = errors.Join(err, p.w.Flush(), f.Close())
	return err
}

// abort closes the file when the capture never started.
func (p *pcapWriter) abort() {
	if p.f != nil {
		p.f.Close()
	}
}

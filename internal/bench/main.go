// Command bench measures wiretale against `tcpdump -r FILE -w /dev/null`
// on a large synthetic hypervisor-uplink capture (generated once, outside
// the repository), and prints medians, ratios and peak RSS with the
// machine they were measured on. `make bench` runs it.
//
//	go run ./internal/bench -dir /var/tmp/wiretale-bench -frames 3000000 -runs 5
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	dir := flag.String("dir", "/var/tmp/wiretale-bench", "where the benchmark captures are generated (once)")
	frames := flag.Int("frames", 3_000_000, "frames in the benchmark capture")
	runs := flag.Int("runs", 5, "runs per measurement; the median is reported")
	bin := flag.String("wiretale", "bin/wiretale", "the wiretale binary to measure")
	variants := flag.String("variants", "pcap,pcapng,gzip", "which files to measure")
	rssSizes := flag.String("rss", "1,10", "also measure peak RSS on pcaps of these many GB (generated once); empty to skip")
	flag.Parse()
	if err := run(*dir, *frames, *runs, *bin, strings.Split(*variants, ",")); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
	if *rssSizes != "" {
		if err := measureRSS(*dir, *bin, strings.Split(*rssSizes, ",")); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			os.Exit(1)
		}
	}
}

// bytesPerFrame is the generated mix's average record size (3,000,000
// frames make 1.83 GB).
const bytesPerFrame = 612

// measureRSS shows that memory stays flat in the size of the capture:
// one run on each size, peak RSS and time.
func measureRSS(dir, bin string, sizes []string) error {
	fmt.Println()
	fmt.Println("| capture | frames | wiretale | peak RSS |")
	fmt.Println("|---|---|---|---|")
	for _, gb := range sizes {
		var n float64
		if _, err := fmt.Sscan(gb, &n); err != nil || n <= 0 {
			return fmt.Errorf("bad -rss size %q", gb)
		}
		frames := int(n * 1e9 / bytesPerFrame)
		files, err := ensurePcap(dir, frames)
		if err != nil {
			return err
		}
		m, err := measure(1, bin, "analyze", "-f", "json", "-o", "/dev/null", files)
		if err != nil {
			return err
		}
		st, _ := os.Stat(files)
		fmt.Printf("| %.1f GB pcap | %d | %.2f s | %.0f MB |\n", float64(st.Size())/1e9, frames, m.wall.Seconds(), float64(m.maxRSS)/1024)
	}
	return nil
}

type measurement struct {
	wall   time.Duration
	maxRSS int64 // KiB
}

func run(dir string, frames, runs int, bin string, variants []string) error {
	files, err := ensureCorpus(dir, frames)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("tcpdump"); err != nil {
		return fmt.Errorf("tcpdump is needed for the baseline (apt-get install tcpdump): %w", err)
	}
	fmt.Printf("machine: %d cores, %s, %s %s/%s\n", runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("capture: %d frames; medians of %d runs after one warm-up run (files in the page cache)\n\n", frames, runs)
	fmt.Println("| input | size | wiretale | frames/s | MB/s | peak RSS | tcpdump -w /dev/null | ratio wiretale ÷ tcpdump |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, v := range variants {
		path, ok := files[v]
		if !ok {
			return fmt.Errorf("unknown variant %q", v)
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		wt, err := measure(runs, bin, "analyze", "-f", "json", "-o", "/dev/null", path)
		if err != nil {
			return fmt.Errorf("wiretale on %s: %w", path, err)
		}
		var td measurement
		if v == "gzip" {
			// libpcap cannot read gzip: the baseline decompresses into it.
			td, err = measure(runs, "sh", "-c", "gzip -dc "+path+" | tcpdump -r - -w /dev/null 2>/dev/null")
		} else {
			td, err = measure(runs, "tcpdump", "-r", path, "-w", "/dev/null")
		}
		if err != nil {
			return fmt.Errorf("tcpdump on %s: %w", path, err)
		}
		secs := wt.wall.Seconds()
		pcapSize := st.Size()
		if v == "gzip" {
			if s, err := os.Stat(files["pcap"]); err == nil {
				pcapSize = s.Size() // throughput of the uncompressed stream
			}
		}
		fmt.Printf("| %s | %.2f GB | %.2f s | %.2f M | %.0f | %.0f MB | %.2f s | %.2f |\n",
			v, float64(st.Size())/1e9, secs, float64(frames)/secs/1e6, float64(pcapSize)/secs/1e6,
			float64(wt.maxRSS)/1024, td.wall.Seconds(), secs/td.wall.Seconds())
	}
	return nil
}

// measure runs a command runs+1 times (the first warms the page cache)
// and returns the median wall time and the largest peak RSS.
func measure(runs int, name string, args ...string) (measurement, error) {
	var walls []time.Duration
	var rss int64
	for i := 0; i <= runs; i++ {
		cmd := exec.Command(name, args...)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			return measurement{}, fmt.Errorf("%v: %s", err, out)
		}
		wall := time.Since(start)
		if i == 0 {
			continue
		}
		walls = append(walls, wall)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > rss {
			rss = ru.Maxrss
		}
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	return measurement{wall: walls[len(walls)/2], maxRSS: rss}, nil
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

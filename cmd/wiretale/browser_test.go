package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiretale/wiretale/internal/samples"
)

var (
	browser    = flag.Bool("browser", false, "render the HTML report in headless Chromium (make test-browser)")
	screenshot = flag.String("screenshot", "", "also save the rendered report as this PNG")
)

// chromiumFlags start Debian's Chromium headless, as root, without any
// background network traffic (this machine's network is closed).
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--enable-logging=stderr", "--v=0",
}

// TestHTMLInChromium opens the HTML report of every bundled sample (one
// page, all sources merged) in headless Chromium: it must render without
// a single console message (the page has no script, and its
// Content-Security-Policy would report any external resource), show every
// finding, and produce a screenshot.
func TestHTMLInChromium(t *testing.T) {
	if !*browser {
		t.Skip("needs -browser (make test-browser installs Chromium and runs it)")
	}
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium not installed (make test-browser installs it): %v", err)
	}
	args := []string{"analyze", "-f", "html", "-o", filepath.Join(t.TempDir(), "report.html")}
	for _, s := range samples.All() {
		if len(s.Args) == 0 {
			args = append(args, filepath.Join("..", "..", "pcaps", s.Name))
		}
	}
	page := args[4]
	// Hostile text reaches the page through a file name too.
	hostile := writeTemp(t, `<img src=x onerror=alert(1)>"'|`+"\x1b[2J.pcap", readSample(t, "double-vlan.pcap"))
	args = append(args, hostile)
	if _, stderr, code := runCLI(t, nil, args...); code != exitOK {
		t.Fatalf("analyze: exit %d: %s", code, stderr)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(html), "<img src=x") || strings.Contains(string(html), "\x1b") {
		t.Fatal("hostile file name reached the page unescaped")
	}

	run := func(page string, extra ...string) (string, string) {
		profile := t.TempDir()
		cmdArgs := append(append([]string{"--user-data-dir=" + profile}, chromiumFlags...), extra...)
		cmdArgs = append(cmdArgs, "file://"+page)
		cmd := exec.Command(bin, cmdArgs...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("chromium: %v\n%s", err, stderr.String())
			}
		case <-time.After(90 * time.Second):
			cmd.Process.Kill()
			t.Fatal("chromium did not finish in 90 s")
		}
		return stdout.String(), stderr.String()
	}

	dom, logs := run(page, "--dump-dom")
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, ":CONSOLE") {
			t.Errorf("console message: %s", line)
		}
	}
	if !strings.Contains(dom, "<h1>wiretale report</h1>") || !strings.Contains(dom, "<svg") {
		t.Fatalf("page did not render:\n%.2000s", dom)
	}
	if got := strings.Count(dom, `<section class="finding"`); got < 5 {
		t.Errorf("%d finding sections rendered, want at least 5", got)
	}

	shot := *screenshot
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "report.png")
	} else if !filepath.IsAbs(shot) {
		shot = filepath.Join("..", "..", shot)
	}
	// The picture README shows: the four stories, one page.
	stories := filepath.Join(t.TempDir(), "stories.html")
	storyArgs := []string{"analyze", "-f", "html", "-o", stories}
	for _, name := range []string{"double-vlan.pcap", "instance-bpdu.pcap", "dhcp-the-issue.pcap", "vrrp-flap.pcap"} {
		storyArgs = append(storyArgs, filepath.Join("..", "..", "pcaps", name))
	}
	if _, stderr, code := runCLI(t, nil, storyArgs...); code != exitOK {
		t.Fatalf("analyze the stories: exit %d: %s", code, stderr)
	}
	if _, logs := run(stories, "--window-size=1200,1500", "--hide-scrollbars", "--screenshot="+shot); strings.Contains(logs, ":CONSOLE") {
		t.Errorf("console messages on the stories page:\n%s", logs)
	}
	st, err := os.Stat(shot)
	if err != nil || st.Size() < 10000 {
		t.Fatalf("screenshot %s: %v (%d bytes)", shot, err, st.Size())
	}
}

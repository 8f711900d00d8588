package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/wiretale/wiretale/decode"
	"github.com/wiretale/wiretale/internal/capwrite"
	"github.com/wiretale/wiretale/internal/craft"
	"github.com/wiretale/wiretale/report"
)

// hostileHostnames are DHCP host names (option 12) an attacker or a broken
// guest can send: markup, script, a markdown link, table delimiters,
// terminal escapes, bidirectional overrides.
var hostileHostnames = []string{
	`<script>alert("x")</script>`,
	`<img src=x onerror=alert(1)>`,
	`click](javascript:alert(1))`,
	`[ok](http://evil.example/)`,
	"a|b||c|",
	"\x1b[2J\x1b[31mRED\x1b[0m\x07",
	"\u202egnp.exe",
	"`code` *bold* _it_ # h",
	"www.evil.example",
}

// hostileCapture is a capture in which each hostile host name belongs to a
// client whose DISCOVERs go unanswered: every name ends up in a finding's
// details, summary or timeline.
func hostileCapture(t *testing.T) string {
	t.Helper()
	t0 := time.Date(2026, 2, 15, 1, 40, 0, 0, time.UTC)
	var pkts []capwrite.Packet
	for i, name := range hostileHostnames {
		mac := decode.MAC{0xfa, 0x16, 0x3e, 0x66, 0, byte(i)}
		for try := 0; try < 4; try++ {
			msg := craft.DHCP(craft.DHCPMessage{Type: decode.DHCPDiscover, XID: uint32(0xbad0 + i), CHAddr: mac, Hostname: name})
			frame := craft.DHCPv4Frame(craft.MustMAC("ff:ff:ff:ff:ff:ff"), mac, nil, netip.IPv4Unspecified(),
				netip.AddrFrom4([4]byte{255, 255, 255, 255}), 68, 67, msg)
			pkts = append(pkts, capwrite.Packet{Time: t0.Add(time.Duration(i)*time.Second + time.Duration(try)*4*time.Second), Data: frame})
		}
	}
	// A last frame a minute later, so every conversation has timed out.
	pkts = append(pkts, capwrite.Packet{Time: t0.Add(2 * time.Minute), Data: craft.Ethernet(craft.MustMAC("52:54:00:00:00:01"),
		craft.MustMAC("52:54:00:00:00:02"), nil, decode.EtherTypeARP, make([]byte, 28))})
	for i := range pkts[:len(pkts)-1] {
		for j := i + 1; j < len(pkts)-1; j++ {
			if pkts[j].Time.Before(pkts[i].Time) {
				pkts[i], pkts[j] = pkts[j], pkts[i]
			}
		}
	}
	var buf bytes.Buffer
	if err := capwrite.WritePcap(&buf, capwrite.PcapOptions{LinkType: 1}, pkts); err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "hostile.pcap", buf.Bytes())
}

// TestHostileHostnamesInEveryFormat: untrusted text from DHCP packets is
// inert in every format: no control characters anywhere; JSON parses; the
// table's grid holds; markdown renders it as text (no HTML, no link, no
// broken table); HTML escapes it.
func TestHostileHostnamesInEveryFormat(t *testing.T) {
	in := hostileCapture(t)
	out := map[string]string{}
	for _, format := range []string{"json", "jsonl", "table", "markdown", "html"} {
		stdout, stderr, code := runCLI(t, nil, "analyze", "-f", format, in)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", format, code, stderr)
		}
		out[format] = stdout
		for _, r := range stdout {
			if (unicode.IsControl(r) && r != '\n') || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				t.Errorf("%s output holds control character %U", format, r)
			}
		}
	}

	var rep report.Report
	if err := json.Unmarshal([]byte(out["json"]), &rep); err != nil {
		t.Fatalf("JSON does not parse: %v", err)
	}
	if len(rep.Findings) < len(hostileHostnames) {
		t.Fatalf("%d findings for %d hostile clients", len(rep.Findings), len(hostileHostnames))
	}
	if !strings.Contains(out["json"], `"hostname": "<script>alert(\"x\")</script>"`) {
		t.Error("JSON does not keep the (cleaned) host name as data")
	}
	sc := bufio.NewScanner(strings.NewReader(out["jsonl"]))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("jsonl line does not parse: %v: %.200s", err, sc.Text())
		}
	}

	for _, line := range strings.Split(out["table"], "\n") {
		if strings.HasPrefix(line, "|") {
			if n := strings.Count(line, "|"); n != 7 && n != 5 {
				t.Errorf("table row with %d column separators: %q", n, line)
			}
		}
	}

	md := out["markdown"]
	// Code spans show their content verbatim (no HTML, no links), so only
	// the text outside them must be escaped.
	// (The anchors wiretale writes before each finding are its own HTML.)
	prose := regexp.MustCompile(`(?m)^<a id="finding-[0-9a-f]{8}"></a>$`).ReplaceAllString(stripCodeSpans(md), "")
	for _, bad := range []string{"](javascript", "](http://evil", "\n# ", "www.evil", "http://evil"} {
		if strings.Contains(prose, bad) {
			t.Errorf("markdown carries %q outside a code span", bad)
		}
	}
	if m := regexp.MustCompile(`(^|[^\\])<[a-zA-Z]`).FindString(prose); m != "" {
		t.Errorf("markdown carries an unescaped tag %q outside a code span", m)
	}
	// Every table row has as many unescaped pipes as its header.
	unescapedPipe := regexp.MustCompile(`(^|[^\\])\|`)
	cols := 0
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := len(unescapedPipe.FindAllString(line, -1))
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("markdown table row has %d cells' pipes, its header %d: %q", n, cols, line)
		}
	}

	html := out["html"]
	for _, bad := range []string{"<script", "<img", `href="javascript`, `href="http://evil`} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML carries %q", bad)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;") {
		t.Error("HTML lost the host name instead of escaping it")
	}
}

// stripCodeSpans removes markdown code spans (a run of backticks up to the
// next run of the same length) from each line.
func stripCodeSpans(md string) string {
	var b strings.Builder
	for _, line := range strings.Split(md, "\n") {
		for {
			i := strings.IndexByte(line, '`')
			if i < 0 || (i > 0 && line[i-1] == '\\') {
				break
			}
			n := i
			for n < len(line) && line[n] == '`' {
				n++
			}
			fence := line[i:n]
			j := strings.Index(line[n:], fence)
			if j < 0 {
				break
			}
			line = line[:i] + line[n+j+len(fence):]
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

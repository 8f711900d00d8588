package source_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzSource: the capture readers (pcap, pcapng, gzip of either) take any
// bytes without panicking, end with EOF or an error, and never count more
// packets than they handed out, numbered from 1.
func FuzzSource(f *testing.F) {
	matches, _ := filepath.Glob("../pcaps/*.pcap*")
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			f.Fatal(err)
		}
		b = b[:min(len(b), 2048)]
		f.Add(b)
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		f.Add(z.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := sourceFromBytes(data)
		if err != nil {
			return
		}
		defer s.Close()
		var n int64
		for {
			var p packet
			err := s.Next(&p)
			if err == io.EOF {
				break
			}
			if err != nil {
				if s.Err == nil {
					t.Fatal("error not kept in Err")
				}
				break
			}
			n++
			if p.Number != n {
				t.Fatalf("packet %d numbered %d", n, p.Number)
			}
		}
		if s.Packets != n {
			t.Fatalf("Packets %d, handed out %d", s.Packets, n)
		}
	})
}

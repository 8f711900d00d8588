package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/wiretale/wiretale/capture"
)

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "wiretale",
		Short: "Find what went wrong on the wire in a packet capture",
		Long: `wiretale reads packet captures (pcap, pcapng, gzip-compressed, several merged
by time) and reports the network faults that take cloud hosts down: VLANs
stacked on VLANs, frames too big for the link, spanning-tree BPDUs from
instances, failing DHCP conversations, VRRP advertisement gaps.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Flags that fail to parse are usage errors, reported on one line.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErr("%v", err)
	})
	root.AddCommand(newAnalyzeCmd(stdin, stdout, stderr))
	root.AddCommand(newLiveCmd(stdout, stderr, capture.Open))
	root.AddCommand(newDetectorsCmd(stdout))
	root.AddCommand(newVersionCmd(stdout))
	return root
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print wiretale's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(stdout, "wiretale %s (%s %s/%s", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, dep := range bi.Deps {
					if dep.Path == "github.com/gopacket/gopacket" {
						fmt.Fprintf(stdout, ", gopacket %s", dep.Version)
					}
				}
			}
			fmt.Fprintln(stdout, ")")
			return nil
		},
	}
}

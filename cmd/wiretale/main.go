// Command wiretale analyses packet captures for the faults that take cloud
// networks down: stacked VLANs, oversize frames, instance BPDUs, DHCP
// conversations that fail, VRRP gaps.
//
// Exit statuses: 0 analysed; 1 a finding reached --fail-on; 2 could not run
// (bad usage, missing or unreadable input, not a capture, unwritable
// output); 3 analysed, but some input was cut short or corrupt.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses, documented in README.md.
const (
	exitOK      = 0
	exitFailOn  = 1
	exitUsage   = 2
	exitPartial = 3
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// exitError carries an exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// run executes one command line and returns the exit status. Errors are
// printed as one line on stderr; nothing here panics on bad input.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.code != exitPartial {
			fmt.Fprintf(stderr, "wiretale: %s\n", oneLine(ee.err.Error()))
		}
		return ee.code
	}
	// Cobra's own errors: unknown command or flag, bad flag value.
	fmt.Fprintf(stderr, "wiretale: %s (see 'wiretale --help')\n", oneLine(err.Error()))
	return exitUsage
}

// oneLine keeps an error message on a single line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

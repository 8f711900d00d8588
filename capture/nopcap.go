//go:build !cgo

package capture

// Available reports whether this build can capture live: libpcap needs
// cgo, and this build has none.
const Available = false

// Open fails with ErrNoLibpcap: this build cannot capture.
func Open(Options) (Reader, error) { return nil, ErrNoLibpcap }

// LibraryVersion names the libpcap in use: none.
func LibraryVersion() string { return "none (built without cgo)" }

package main

import (
	"os"
	"testing"
)

// envRunMain makes the test binary act as wiretale itself: tests that need
// a separate process (live inside a network namespace, live without
// capabilities) run os.Executable() with it set, so no build step is
// needed.
const envRunMain = "WIRETALE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

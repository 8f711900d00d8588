package decode_test

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusDir is the shared capture corpus, ../shared/corpus from the
// repository root; tests that need it skip when it is absent.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "corpus")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Skip("corpus not present at ../shared/corpus")
	}
	return dir
}

package sqlite

import (
	"os"
	"path/filepath"
	"testing"
)

// Paths with characters that mean something in a URI still name the file.
func TestOpenOddPath(t *testing.T) {
	for _, name := range []string{"with space.db", "hash#and%percent.db", "question?mark.db"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			db, err := Open(t.Context(), path, testKeys(t))
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("database file not at %q: %v", path, err)
			}
		})
	}
}

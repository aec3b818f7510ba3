package sqlite

import "testing"

// TestURI: the characters SQLite reads specially in a file: URI's path are
// escaped, others left as they are, and the query follows the one '?'.
func TestURI(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/var/lib/vpcvpn/vpcvpn.db", "file:/var/lib/vpcvpn/vpcvpn.db?q=1"},
		{"/d/a%41?b#c.db", "file:/d/a%2541%3fb%23c.db?q=1"},
		{"rel dir/ü.db", "file:rel dir/ü.db?q=1"},
	} {
		if got := URI(tc.path, "q=1"); got != tc.want {
			t.Errorf("URI(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

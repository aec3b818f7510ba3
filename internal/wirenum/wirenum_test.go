package wirenum

import (
	"strconv"
	"testing"
)

func TestInt(t *testing.T) {
	for _, tc := range []struct {
		in string
		n  int64
		ok bool
	}{
		{"0", 0, true}, {"10", 10, true}, {"-5", -5, true}, {"999999999999999999", 999999999999999999, true},
		{"", 0, false}, {"+10", 0, false}, {"010", 0, false}, {"00", 0, false}, {"-0", 0, false}, {"-", 0, false},
		{" 10", 0, false}, {"10 ", 0, false}, {"1_000", 0, false}, {"0x10", 0, false}, {"1e3", 0, false},
		{"1000000000000000000", 0, false}, {"٣", 0, false},
	} {
		n, ok := Int(tc.in)
		if n != tc.n || ok != tc.ok {
			t.Errorf("Int(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.n, tc.ok)
		}
	}
}

// FuzzInt: whatever Int accepts, strconv reads the same and writes back
// unchanged.
func FuzzInt(f *testing.F) {
	for _, s := range []string{"0", "10", "+10", "010", "-7", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := Int(s)
		if !ok {
			return
		}
		m, err := strconv.ParseInt(s, 10, 64)
		if err != nil || m != n || strconv.FormatInt(n, 10) != s {
			t.Fatalf("Int(%q) = %d; strconv %d, %v", s, n, m, err)
		}
	})
}

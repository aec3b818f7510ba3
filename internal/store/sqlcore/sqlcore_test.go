package sqlcore

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vpcvpn/vpcvpn/internal/store"
)

func TestAllocate(t *testing.T) {
	pfx := func(s ...string) store.AddressPool {
		var p store.AddressPool
		for _, x := range s {
			p = append(p, netip.MustParsePrefix(x))
		}
		return p
	}
	addrs := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, x := range s {
			out = append(out, netip.MustParseAddr(x))
		}
		return out
	}
	used := func(s ...string) map[netip.Addr]bool {
		m := map[netip.Addr]bool{}
		for _, a := range addrs(s...) {
			m[a] = true
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		pool    store.AddressPool
		used    map[netip.Addr]bool
		n       int
		want    []netip.Addr
		wantErr error
	}{
		{"skips network address", pfx("192.0.2.0/24"), nil, 1, addrs("192.0.2.1"), nil},
		{"two in order", pfx("192.0.2.0/24"), nil, 2, addrs("192.0.2.1", "192.0.2.2"), nil},
		{"skips used", pfx("192.0.2.0/24"), used("192.0.2.1", "192.0.2.3"), 2, addrs("192.0.2.2", "192.0.2.4"), nil},
		{"unmasked prefix is masked", pfx("192.0.2.77/30"), nil, 2, addrs("192.0.2.77", "192.0.2.78"), nil},
		{"skips broadcast then next prefix", pfx("192.0.2.0/30", "198.51.100.0/30"), used("192.0.2.1"), 2, addrs("192.0.2.2", "198.51.100.1"), nil},
		{"/31 uses both", pfx("192.0.2.8/31"), nil, 2, addrs("192.0.2.8", "192.0.2.9"), nil},
		{"/32 single", pfx("192.0.2.9/32"), nil, 1, addrs("192.0.2.9"), nil},
		{"ipv6 skips anycast", pfx("2001:db8::/126"), nil, 3, addrs("2001:db8::1", "2001:db8::2", "2001:db8::3"), nil},
		{"exhausted", pfx("192.0.2.0/30"), used("192.0.2.1", "192.0.2.2"), 1, nil, store.ErrPoolExhausted},
		{"not enough for two", pfx("192.0.2.0/30"), used("192.0.2.1"), 2, nil, store.ErrPoolExhausted},
		{"empty pool", nil, nil, 1, nil, store.ErrPoolExhausted},
		{"zero wanted", pfx("192.0.2.0/30"), nil, 0, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Allocate(tc.pool, tc.used, tc.n)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Allocate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBind(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dollar bool
		in     string
		want   string
	}{
		{"sqlite keeps ?", false, "SELECT a FROM t WHERE a = ? AND b = ?", "SELECT a FROM t WHERE a = ? AND b = ?"},
		{"postgres numbers", true, "SELECT a FROM t WHERE a = ? AND b IN (?, ?)", "SELECT a FROM t WHERE a = $1 AND b IN ($2, $3)"},
		{"no placeholders", true, "SELECT 1", "SELECT 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Dialect{DollarPlaceholders: tc.dollar}
			if got := d.bind(tc.in); got != tc.want {
				t.Fatalf("bind = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLoadMigrations(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   fstest.MapFS
		want    []Migration
		wantErr string
	}{
		{"sorted", fstest.MapFS{
			"m/0002_b.sql": {Data: []byte("B")},
			"m/0001_a.sql": {Data: []byte("A")},
			"m/README":     {Data: []byte("x")},
		}, []Migration{{1, "0001_a", "A"}, {2, "0002_b", "B"}}, ""},
		{"gap", fstest.MapFS{"m/0001_a.sql": {Data: []byte("A")}, "m/0003_c.sql": {Data: []byte("C")}}, nil, "expected version 2"},
		{"bad name", fstest.MapFS{"m/init.sql": {Data: []byte("A")}}, nil, "NNNN_description.sql"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadMigrations(tc.files, "m")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPageSQL(t *testing.T) {
	for _, tc := range []struct {
		p    store.Page
		want string
	}{
		{store.Page{Number: 1, Size: 10}, " LIMIT 10 OFFSET 0"},
		{store.Page{Number: 3, Size: 10}, " LIMIT 10 OFFSET 20"},
		{store.Page{Number: 0, Size: 5}, " LIMIT 5 OFFSET 0"},
		{store.Page{Number: 2, Size: 0}, ""},
	} {
		if got := pageSQL(tc.p); got != tc.want {
			t.Errorf("pageSQL(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

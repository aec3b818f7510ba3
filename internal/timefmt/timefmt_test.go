package timefmt

import (
	"testing"
	"time"
	_ "time/tzdata" // zones with DST and odd offsets, whatever the machine has

	"pgregory.net/rapid"
)

func TestMatchesAppendFormat(t *testing.T) {
	var zones []*time.Location
	for _, name := range []string{"UTC", "Local", "Asia/Shanghai", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Europe/Dublin"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, loc)
	}
	zones = append(zones, time.FixedZone("odd", -(3*3600+25*60+7)))
	var c Cache // one cache across all draws: hits, misses and zone changes
	rapid.Check(t, func(t *rapid.T) {
		// Around now, around a DST change in New York, and anywhere in 0001-9999.
		var tm time.Time
		switch rapid.IntRange(0, 2).Draw(t, "kind") {
		case 0:
			tm = time.Now().Add(time.Duration(rapid.Int64Range(-3e9, 3e9).Draw(t, "near")))
		case 1:
			tm = time.Date(2026, 3, 8, 6, 59, 58, 0, time.UTC).Add(time.Duration(rapid.Int64Range(0, 4e9).Draw(t, "dst")))
		default:
			tm = time.Unix(rapid.Int64Range(-62135596800, 253402300799).Draw(t, "unix"), 0)
		}
		tm = tm.Add(time.Duration(rapid.SampledFrom([]int64{0, 1, 1000, 1e6, 999999999, 120000000, 100}).Draw(t, "ns")) - time.Duration(tm.Nanosecond()))
		tm = tm.In(rapid.SampledFrom(zones).Draw(t, "zone"))
		if got, want := string(c.AppendMillis(nil, tm)), tm.Format("2006-01-02T15:04:05.000Z07:00"); got != want {
			t.Fatalf("AppendMillis(%v) = %q, want %q", tm, got, want)
		}
		if got, want := string(c.AppendNano([]byte("x"), tm)), "x"+tm.Format(time.RFC3339Nano); got != want {
			t.Fatalf("AppendNano(%v) = %q, want %q", tm, got, want)
		}
	})
}

func BenchmarkAppendNano(b *testing.B) {
	var c Cache
	buf := make([]byte, 0, 64)
	now := time.Now()
	for b.Loop() {
		buf = c.AppendNano(buf[:0], now)
	}
}

func BenchmarkAppendFormat(b *testing.B) {
	buf := make([]byte, 0, 64)
	now := time.Now()
	for b.Loop() {
		buf = now.AppendFormat(buf[:0], time.RFC3339Nano)
	}
}

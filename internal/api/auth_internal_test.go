package api

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestParseTimestampMatchesTimeParse: the fast path answers exactly what
// time.Parse(v1TimeLayout, s) answers, for valid stamps and near misses.
func TestParseTimestampMatchesTimeParse(t *testing.T) {
	check := func(tb interface{ Fatalf(string, ...any) }, s string) {
		got, gerr := parseTimestamp(s)
		want, werr := time.Parse(v1TimeLayout, s)
		if (gerr == nil) != (werr == nil) || !got.Equal(want) || got.Location() != want.Location() {
			tb.Fatalf("parseTimestamp(%q) = %v, %v; time.Parse: %v, %v", s, got, gerr, want, werr)
		}
	}
	for _, s := range []string{"2026-11-26T09:28:10Z", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
		"2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-31T24:00:00Z", "2026-01-31T23:60:00Z", "2026-01-31T23:59:60Z",
		"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-1-26T09:28:10Z", "2026-11-26T09:28:10+", "2026-11-26 09:28:10Z",
		"2026-11-2aT09:28:10Z", "", "2026-11-26T09:28:10.5Z"} {
		check(t, s)
	}
	rapid.Check(t, func(rt *rapid.T) {
		d := func(lo, hi int, name string) int { return rapid.IntRange(lo, hi).Draw(rt, name) }
		s := []byte(time.Date(d(0, 9999, "y"), time.Month(d(1, 12, "m")), d(1, 31, "d"), d(0, 23, "h"), d(0, 59, "mi"), d(0, 59, "s"), 0, time.UTC).Format(v1TimeLayout))
		if rapid.Bool().Draw(rt, "mutate") {
			s[d(0, len(s)-1, "at")] = byte(d(0, 255, "b"))
		}
		check(rt, string(s))
	})
}

func BenchmarkParseTimestamp(b *testing.B) {
	for b.Loop() {
		_, _ = parseTimestamp("2026-11-26T09:28:10Z")
	}
}

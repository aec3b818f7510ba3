package audit

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/service"
)

// recordTenants writes, through a Writer, nB events of account B and nA of
// account A interleaved (A's every nB/nA-th), some sharing one instant, over
// two days, and returns the writer (flushed).
func recordTenants(t testing.TB, o Options, nA, nB int) *Writer {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	o.FlushInterval = time.Hour
	o.Buffer = 1 << 20
	if o.Now == nil {
		o.Now = func() time.Time { return day0.Add(36 * time.Hour) }
	}
	w, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	every := max(1, (nA+nB)/max(nA, 1))
	a := 0
	for i := range nA + nB {
		acct := acctB
		if a < nA && i%every == 0 {
			acct, a = acctA, a+1
		}
		at := day0.Add(time.Duration(i/3) * 100 * time.Millisecond) // three events per instant
		if i >= (nA+nB)/2 {
			at = at.Add(24 * time.Hour) // the second half on the next day
		}
		w.Record(&service.Request{RequestID: fmt.Sprintf("R%07d", i), Action: "DescribeVpcs", Version: "2016-04-28",
			Principal: iam.Principal{Kind: iam.PrincipalRoot, AccountID: acct, AccessKeyID: "LTAI" + acct}}, 200, "", at, time.Millisecond)
		if i%4096 == 0 {
			if err := w.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Unauthenticated requests carry no account.
	w.Record(&service.Request{RequestID: "anon", Action: "DescribeVpcs"}, 400, "InvalidAccessKeyId.NotFound", day0.Add(time.Hour), 0)
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return w
}

// pages reads every page of q, returning the event ids and the lines
// parsed.
func pages(t testing.TB, dir string, q Query, max int) ([]string, int) {
	t.Helper()
	var ids []string
	parsed, token := 0, ""
	for range 10000 {
		p, err := Lookup(dir, q, max, token)
		if err != nil {
			t.Fatal(err)
		}
		parsed += p.Parsed
		for _, e := range p.Events {
			ids = append(ids, e.EventID)
		}
		if token = p.NextToken; token == "" {
			return ids, parsed
		}
	}
	t.Fatal("paging does not end")
	return nil, 0
}

// TestLookupReadsOnlyTheCallersEvents: with the per-account index, one
// tenant's LookupEvents parses only its own event lines, however many the
// other tenants have (issue #19: tenant B's calls scanned tenant A's trail
// and raised its p90 from 3.4 ms to 135 ms), and answers exactly what the
// index-free scan answers, page for page (ties on one instant included).
func TestLookupReadsOnlyTheCallersEvents(t *testing.T) {
	w := recordTenants(t, Options{}, 60, 20000)
	dir := w.Dir()
	q := Query{AccountID: acctA, Since: day0, Until: day0.Add(48 * time.Hour)}
	p, err := Lookup(dir, q, 20, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 20 || p.Parsed > 21 {
		t.Fatalf("first page of A: %d events, %d lines parsed (A has 60 events, B 20 000)", len(p.Events), p.Parsed)
	}
	ids, parsed := pages(t, dir, q, 7)
	if len(ids) != 60 || parsed > 60+3*9 {
		t.Fatalf("all of A in pages of 7: %d events, %d lines parsed", len(ids), parsed)
	}
	// The same answer without the index (the scan of every line).
	if err := os.RemoveAll(dir + "/index"); err != nil {
		t.Fatal(err)
	}
	want, scanned := pages(t, dir, q, 7)
	if d := cmp.Diff(want, ids); d != "" {
		t.Fatalf("indexed pages differ from the scan (-scan +indexed):\n%s", d)
	}
	if scanned < 20000 {
		t.Fatalf("the index-free scan parsed %d lines, want the whole trail", scanned)
	}
	t.Logf("A's 60 events in pages of 7: %d lines parsed with the index, %d without", parsed, scanned)
}

// TestLookupIndexAfterUpgrade: a day file written before the index existed
// (no marker) is read whole; a later day file is indexed; both answer.
func TestLookupIndexAfterUpgrade(t *testing.T) {
	dir := t.TempDir()
	old := []Event{
		{EventID: "old-a", EventTime: day0.Add(time.Hour), EventName: "DescribeVpcs", UserIdentity: Identity{AccountID: acctA}},
		{EventID: "old-b", EventTime: day0.Add(2 * time.Hour), EventName: "DescribeVpcs", UserIdentity: Identity{AccountID: acctB}},
	}
	writeEvents(t, dir, old)
	w, err := Open(Options{Dir: dir, FlushInterval: time.Hour, Now: func() time.Time { return day0.Add(36 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// The same day (appended to the old file, no marker) and the next.
	for i, at := range []time.Time{day0.Add(3 * time.Hour), day0.Add(27 * time.Hour)} {
		w.Record(&service.Request{RequestID: fmt.Sprintf("new-%d", i), Action: "DescribeVpcs", Version: "2016-04-28",
			Principal: iam.Principal{Kind: iam.PrincipalRoot, AccountID: acctA}}, 200, "", at, 0)
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids, _ := pages(t, dir, Query{AccountID: acctA, Since: day0, Until: day0.Add(48 * time.Hour)}, 10)
	if d := cmp.Diff([]string{"new-1", "new-0", "old-a"}, ids); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	if indexed(dir, fileName(day0, "")) || !indexed(dir, fileName(day0.Add(24*time.Hour), "")) {
		t.Fatal("only the day file started by this writer is indexed")
	}
}

// TestPruneRemovesIndex: retention removes a day's index with its file.
func TestPruneRemovesIndex(t *testing.T) {
	w := recordTenants(t, Options{}, 2, 4)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	removed, err := Prune(w.Dir(), time.Hour, day0.Add(100*24*time.Hour))
	if err != nil || len(removed) != 2 {
		t.Fatalf("Prune: %v %v", removed, err)
	}
	ents, err := os.ReadDir(w.Dir() + "/index")
	if err != nil || len(ents) != 0 {
		t.Fatalf("index left after pruning: %v %v", ents, err)
	}
}

// BenchmarkLookupIsolation is one page of tenant A's LookupEvents (A has
// 100 events a day) while tenant B has none, or 200 000 events the same
// days: with the index the cost does not grow with B's events; without it
// (the index removed: the scan every lookup made before) it does.
func BenchmarkLookupIsolation(b *testing.B) {
	for _, c := range []struct {
		nB      int
		noIndex bool
	}{{0, false}, {200000, false}, {200000, true}} {
		name := fmt.Sprintf("B-events=%d", c.nB)
		if c.noIndex {
			name += "/no-index"
		}
		b.Run(name, func(b *testing.B) {
			w := recordTenants(b, Options{}, 200, c.nB)
			if c.noIndex {
				if err := os.RemoveAll(w.Dir() + "/index"); err != nil {
					b.Fatal(err)
				}
			}
			q := Query{AccountID: acctA, Since: day0, Until: day0.Add(48 * time.Hour)}
			parsed := 0
			b.ResetTimer()
			for range b.N {
				p, err := Lookup(w.Dir(), q, 20, "")
				if err != nil || len(p.Events) != 20 {
					b.Fatalf("%d events, %v", len(p.Events), err)
				}
				parsed = p.Parsed
			}
			b.ReportMetric(float64(parsed), "lines/op")
		})
	}
}

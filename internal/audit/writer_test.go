package audit

import (
	"context"
	"github.com/vpcvpn/vpcvpn/internal/action"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/service"
)

var day0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func openTest(t *testing.T, o Options) *Writer {
	t.Helper()
	if o.Dir == "" {
		o.Dir = filepath.Join(t.TempDir(), "audit")
	}
	if o.Now == nil {
		o.Now = func() time.Time { return day0.Add(12 * time.Hour) }
	}
	o.FlushInterval = time.Hour // tests flush explicitly
	w, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// metaOf is the dispatch table's metadata of the actions these tests
// record (internal/api.Actions).
func metaOf(name string) action.Meta {
	return map[string]action.Meta{
		"DownloadVpnConnectionConfig": {RAM: "vpc:DownloadVpnConnectionConfig", Class: action.SecretRead},
		"DescribeVpcs":                {RAM: "vpc:DescribeVpcs", Class: action.List},
	}[name]
}

func userRequest(id, name string) *service.Request {
	return &service.Request{
		RequestID: id, Action: name, Meta: metaOf(name), Version: "2016-04-28",
		Params: map[string]string{"RegionId": "cn-hangzhou", "AccessKeyId": "LTAIalice", "Signature": "c2lnbmF0dXJl",
			"IkeConfig": `{"Psk":"topsecret"}`},
		Principal: iam.Principal{Kind: iam.PrincipalUser, AccountID: "1234567890123456", UserName: "alice", UserID: "2345", AccessKeyID: "LTAIalice"},
		SourceIP:  netip.MustParseAddr("192.0.2.7"), SecureTransport: true, UserAgent: "sdk/1",
		Resource: "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/vco-1",
	}
}

func scanAll(t *testing.T, dir string, q Query) []Event {
	t.Helper()
	var out []Event
	bad, err := Scan(dir, q, func(e *Event) error { out = append(out, *e); return nil })
	if err != nil || bad != 0 {
		t.Fatalf("Scan: %d malformed, %v", bad, err)
	}
	return out
}

// TestWriterRecordsEveryField: recorded requests come back from the file
// with every field, and nothing of the request parameters.
func TestWriterRecordsEveryField(t *testing.T) {
	w := openTest(t, Options{})
	start := day0.Add(12*time.Hour + 1500*time.Millisecond)
	w.Record(userRequest("REQ-1", "DownloadVpnConnectionConfig"), 200, "", start, 2345*time.Microsecond)
	anon := &service.Request{RequestID: "REQ-2", Action: "DescribeVpcs", Meta: metaOf("DescribeVpcs"), Version: "2016-04-28",
		Params: map[string]string{"AccessKeyId": "LTAIunknown", "Signature": "x"}, SourceIP: netip.MustParseAddr("::ffff:198.51.100.1").Unmap()}
	w.Record(anon, 404, "InvalidAccessKeyId.NotFound", start.Add(time.Second), 100*time.Microsecond)
	w.Record(&service.Request{RequestID: "REQ-3"}, 400, "MissingAction", start.Add(2*time.Second), 0)
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{EventID: "REQ-1", EventTime: start, EventName: "DownloadVpnConnectionConfig", EventType: "ApiCall", EventRW: "Read", SecretRead: true,
			ServiceName: "Vpc", APIVersion: "2016-04-28", RequestID: "REQ-1", AcsRegion: "cn-hangzhou", SourceIP: "192.0.2.7",
			UserAgent: "sdk/1", SecureTransport: true,
			UserIdentity: Identity{Type: "ram-user", AccountID: "1234567890123456", PrincipalID: "2345",
				ARN: "acs:ram::1234567890123456:user/alice", UserName: "alice", AccessKeyID: "LTAIalice"},
			ResourceName: "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/vco-1", HTTPStatus: 200, LatencyMs: 2.345},
		{EventID: "REQ-2", EventTime: start.Add(time.Second), EventName: "DescribeVpcs", EventType: "ApiCall", EventRW: "Read",
			ServiceName: "Vpc", APIVersion: "2016-04-28", RequestID: "REQ-2", SourceIP: "198.51.100.1",
			UserIdentity: Identity{AccessKeyID: "LTAIunknown"}, HTTPStatus: 404, ErrorCode: "InvalidAccessKeyId.NotFound", LatencyMs: 0.1},
		{EventID: "REQ-3", EventTime: start.Add(2 * time.Second), EventType: "ApiCall", RequestID: "REQ-3", HTTPStatus: 400, ErrorCode: "MissingAction"},
	}
	if diff := cmp.Diff(want, scanAll(t, w.Dir(), Query{})); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	path := filepath.Join(w.Dir(), "2026-03-01.jsonl")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"topsecret", "c2lnbmF0dXJl", "IkeConfig", "Signature"} {
		if contains(raw, secret) {
			t.Errorf("audit file holds %q", secret)
		}
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", st.Mode().Perm())
	}
}

func contains(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return true
		}
	}
	return false
}

// TestWriterDayFilesAndNode: events go to the file of their UTC day, named
// after the node.
func TestWriterDayFilesAndNode(t *testing.T) {
	w := openTest(t, Options{Node: "node-a"})
	for i, at := range []time.Time{day0.Add(23 * time.Hour), day0.Add(25 * time.Hour), day0.Add(26 * time.Hour)} {
		w.Record(&service.Request{RequestID: "R" + string(rune('0'+i)), Action: "DescribeVpcs"}, 200, "", at, 0)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(w.Dir())
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"2026-03-01-node-a.jsonl", "2026-03-02-node-a.jsonl", "index"}, names); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	// Each day file has its index directory (index.go), marked complete.
	for _, d := range []string{"2026-03-01-node-a", "2026-03-02-node-a"} {
		if _, err := os.Stat(filepath.Join(w.Dir(), "index", d, ".complete")); err != nil {
			t.Errorf("index of %s: %v", d, err)
		}
	}
	got := scanAll(t, w.Dir(), Query{Since: day0.Add(24 * time.Hour)})
	if len(got) != 2 || got[0].RequestID != "R1" || got[1].RequestID != "R2" {
		t.Errorf("events since day 2: %+v", got)
	}
	// Closed: further events are dropped and counted, never written.
	w.Record(&service.Request{RequestID: "late"}, 200, "", day0, 0)
	if w.Dropped() != 1 {
		t.Errorf("Dropped = %d, want 1", w.Dropped())
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestOpenRejectsBadNode(t *testing.T) {
	for _, node := range []string{"a/b", "..\x00", "with space"} {
		if _, err := Open(Options{Dir: t.TempDir(), Node: node}); err == nil {
			t.Errorf("node %q accepted", node)
		}
	}
}

// TestPrune: files whose whole day is older than the retention go; the
// others and foreign files stay.
func TestPrune(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"2025-12-01.jsonl", "2025-12-01-n1.jsonl", "2025-12-02.jsonl", "2025-12-03.jsonl",
		"2026-03-01.jsonl", "notes.txt", "2025-01-01.jsonl.bak"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("{}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC) // 90 days before: 2025-12-02T12:00
	cases := []struct {
		name      string
		retention time.Duration
		want      []string
	}{
		{"forever", -1, nil},
		{"90 days", 90 * 24 * time.Hour, []string{"2025-12-01-n1.jsonl", "2025-12-01.jsonl"}},
		{"again", 90 * 24 * time.Hour, nil},
		{"one day", 24 * time.Hour, []string{"2025-12-02.jsonl", "2025-12-03.jsonl"}},
	}
	for _, c := range cases {
		removed, err := Prune(dir, c.retention, now)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range removed {
			got = append(got, filepath.Base(p))
		}
		sort.Strings(got)
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s: removed (-want +got):\n%s", c.name, diff)
		}
	}
	ents, _ := os.ReadDir(dir)
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if diff := cmp.Diff([]string{"2025-01-01.jsonl.bak", "2026-03-01.jsonl", "notes.txt"}, left); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
}

// TestOpenPrunes: a writer applies the retention at start.
func TestOpenPrunes(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "2020-01-01.jsonl")
	if err := os.WriteFile(old, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	openTest(t, Options{Dir: dir, Retention: 30 * 24 * time.Hour})
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("expired file kept: %v", err)
	}
}

func TestScanSkipsMalformedLines(t *testing.T) {
	dir := t.TempDir()
	e := sampleEvent()
	line := appendEvent(nil, &e)
	content := append(append(append([]byte{}, line...), "\n{\"eventId\":\"cut\n\n"...), line[:len(line)-5]...)
	if err := os.WriteFile(filepath.Join(dir, "2026-03-01.jsonl"), content, 0o600); err != nil {
		t.Fatal(err)
	}
	n := 0
	bad, err := Scan(dir, Query{}, func(*Event) error { n++; return nil })
	if err != nil || bad != 2 || n != 1 {
		t.Errorf("Scan: %d events, %d malformed, err %v; want 1, 2, nil", n, bad, err)
	}
}

// BenchmarkRecord measures the request path's cost of auditing (the copy
// into the queue) with the writer draining concurrently.
func BenchmarkRecord(b *testing.B) {
	w, err := Open(Options{Dir: b.TempDir(), Buffer: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	r := userRequest("0F6E2C4B-1A2B-4C3D-8E9F-0123456789AB", "DownloadVpnConnectionConfig")
	start := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		w.Record(r, 200, "", start, time.Millisecond)
	}
	b.StopTimer()
	if err := w.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(w.Dropped()), "dropped")
}

// BenchmarkWriteEvent measures the writer goroutine's cost per event.
func BenchmarkWriteEvent(b *testing.B) {
	p := pending{start: time.Now(), requestID: "0F6E2C4B-1A2B-4C3D-8E9F-0123456789AB", action: "DownloadVpnConnectionConfig",
		version: "2016-04-28", userAgent: "AlibabaCloud (linux; amd64) Go/1.26 Core/0.01 TeaDSL/1", region: "cn-hangzhou",
		resource: "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/vco-abc", sourceIP: netip.MustParseAddr("127.0.0.1"),
		principal: iam.Principal{Kind: iam.PrincipalRoot, AccountID: "1234567890123456", AccessKeyID: "LTAIxxxxxxxxxxxxxxxx"}}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		e := toEvent(&p)
		buf = appendEvent(buf[:0], &e)
	}
}

// TestWriterBatchesAndBounds: events recorded while a batch gathers are
// written together; beyond Buffer waiting events, more are dropped and
// counted, and Flush writes what waits without waiting for the batch.
func TestWriterBatchesAndBounds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	w, err := Open(Options{Dir: dir, Buffer: 4, FlushInterval: time.Hour, Now: func() time.Time { return day0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.batchDelay = time.Hour // nothing is taken before Flush
	for i := range 10 {
		w.Record(&service.Request{RequestID: string(rune('A' + i))}, 200, "", day0.Add(time.Duration(i)*time.Second), 0)
	}
	if w.Dropped() != 6 {
		t.Errorf("Dropped = %d, want 6", w.Dropped())
	}
	if got := scanAll(t, dir, Query{}); len(got) != 0 {
		t.Errorf("%d events written before the batch was taken", len(got))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range scanAll(t, dir, Query{}) {
		ids = append(ids, e.RequestID)
	}
	if diff := cmp.Diff([]string{"A", "B", "C", "D"}, ids); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	// The queue has room again.
	w.Record(&service.Request{RequestID: "K"}, 200, "", day0.Add(time.Minute), 0)
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, dir, Query{}); len(got) != 5 || got[4].RequestID != "K" || w.Dropped() != 6 {
		t.Errorf("after room: %d events, dropped %d", len(got), w.Dropped())
	}
}

// TestWriterWritesWithoutFlush: a recorded event reaches the file within
// the batch delay and the flush interval, without Flush or Close.
func TestWriterWritesWithoutFlush(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	w, err := Open(Options{Dir: dir, FlushInterval: 10 * time.Millisecond, Now: func() time.Time { return day0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Record(&service.Request{RequestID: "R1"}, 200, "", day0, 0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := scanAll(t, dir, Query{})
		if len(got) == 1 && got[0].RequestID == "R1" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("event not written after 10 s: %+v", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

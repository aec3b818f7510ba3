package logging

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"pgregory.net/rapid"

	"github.com/vpcvpn/vpcvpn/internal/iam"
)

// syncBuffer is a bytes.Buffer safe for the flushing goroutine and the test.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWriterBuffers: Info lines wait for the interval (or Close) and reach
// the output in one write; a Warn line takes everything before it along at
// once.
func TestWriterBuffers(t *testing.T) {
	var out syncBuffer
	w := NewWriter(&out, time.Hour)
	log := slog.New(handler{slog.NewTextHandler(w, nil), w})
	log.Info("one")
	log.Info("two")
	if got := out.String(); got != "" {
		t.Fatalf("Info lines written before a flush: %q", got)
	}
	log.Warn("three")
	got := out.String()
	if !strings.Contains(got, "msg=one") || !strings.Contains(got, "msg=two") || !strings.Contains(got, "msg=three") || out.writes != 1 {
		t.Fatalf("after Warn: %d writes, %q", out.writes, got)
	}
	log.Info("four")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "msg=four") {
		t.Fatalf("Close did not write the rest: %q", out.String())
	}
	log.Info("five") // after Close: straight through
	if !strings.Contains(out.String(), "msg=five") {
		t.Fatalf("write after Close lost: %q", out.String())
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestWriterFlushesOnInterval: without Close or a warning, lines appear
// within the interval.
func TestWriterFlushesOnInterval(t *testing.T) {
	var out syncBuffer
	w := NewWriter(&out, 5*time.Millisecond)
	defer w.Close()
	_, _ = w.Write([]byte("line\n"))
	deadline := time.Now().Add(10 * time.Second)
	for out.String() != "line\n" {
		if time.Now().After(deadline) {
			t.Fatal("the line was never flushed")
		}
		time.Sleep(time.Millisecond)
	}
}

// gate is a destination whose writes wait until the test opens it.
type gate struct {
	entered chan struct{} // one value per write begun
	open    chan struct{}
	mu      sync.Mutex
	b       bytes.Buffer
	sizes   []int
}

func newGate() *gate { return &gate{entered: make(chan struct{}, 1024), open: make(chan struct{})} }

func (g *gate) Write(p []byte) (int, error) {
	g.entered <- struct{}{}
	<-g.open
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sizes = append(g.sizes, len(p))
	return g.b.Write(p)
}

// waitFor fails the test when ch yields nothing for a long time: the
// program is stuck, not slow.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("stuck: %s", what)
	}
}

// TestWriterDoesNotWaitForTheDestination: while a write to the destination
// is stuck, Write keeps buffering (request lines never wait for a slow
// disk or pipe) up to maxBuffered, where it waits (memory stays bounded);
// everything arrives in Write order.
func TestWriterDoesNotWaitForTheDestination(t *testing.T) {
	g := newGate()
	w := NewWriter(g, time.Hour)
	line := []byte(strings.Repeat("x", 99) + "\n")
	// Fill past flushBytes: the Write that crosses it starts a write,
	// which blocks in the destination (and so does that goroutine).
	first := make(chan struct{})
	go func() {
		for range flushBytes/len(line) + 1 {
			_, _ = w.Write(line)
		}
		close(first)
	}()
	waitFor(t, g.entered, "no write started past flushBytes")
	// The destination is stuck; more lines (and a Flush from another
	// goroutine, which must wait) are accepted at once.
	flushed := make(chan struct{})
	go func() { _ = w.Flush(); close(flushed) }()
	done := make(chan struct{})
	go func() {
		for i := range 1000 {
			_, _ = fmt.Fprintf(w, "line %04d\n", i)
		}
		close(done)
	}()
	waitFor(t, done, "Write waited for a stuck destination")
	select {
	case <-flushed:
		t.Fatal("Flush returned while the destination was stuck")
	default:
	}
	// Past maxBuffered a Write waits for the stuck write instead of
	// growing the buffer. The filler's last Write is the one past the
	// limit: once the buffer holds maxBuffered bytes, the filler must not
	// finish while the destination is stuck. (A Write that wrongly returns
	// does so within microseconds; the grace period below only gives it
	// the chance, a correct Writer never fails here.)
	filled := make(chan struct{})
	go func() {
		for range maxBuffered/len(line) + 2 {
			_, _ = w.Write(line)
		}
		close(filled)
	}()
	for deadline := time.Now().Add(30 * time.Second); ; {
		w.mu.Lock()
		n := len(w.buf)
		w.mu.Unlock()
		if n >= maxBuffered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stuck: the buffer holds %d bytes, never reached maxBuffered", n)
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case <-filled:
		t.Fatal("Writes past maxBuffered returned while the destination was stuck")
	case <-time.After(200 * time.Millisecond):
	}
	close(g.open)
	waitFor(t, first, "the first write did not return")
	waitFor(t, filled, "writes did not resume once the destination did")
	waitFor(t, flushed, "Flush did not return")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, n := range g.sizes {
		if n > maxBuffered+len(line) {
			t.Fatalf("a write of %d bytes: the buffer grew past maxBuffered (%d)", n, maxBuffered)
		}
	}
	// Order: the numbered lines are in sequence.
	var got []string
	for _, l := range strings.Split(g.b.String(), "\n") {
		if strings.HasPrefix(l, "line ") {
			got = append(got, l)
		}
	}
	if len(got) != 1000 {
		t.Fatalf("%d numbered lines, want 1000", len(got))
	}
	for i, l := range got {
		if want := fmt.Sprintf("line %04d", i); l != want {
			t.Fatalf("line %d is %q, want %q", i, l, want)
		}
	}
}

// TestWriterCloseKeepsOrder: a Write after Close goes through, after
// every buffered line.
func TestWriterCloseKeepsOrder(t *testing.T) {
	var out syncBuffer
	w := NewWriter(&out, time.Hour)
	_, _ = io.WriteString(w, "a\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(w, "b\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "a\nb\n" {
		t.Fatalf("got %q", got)
	}
}

// TestWriterKeepsLinesWhole: concurrent writers' lines are never
// interleaved, and a large burst is written before the interval.
func TestWriterKeepsLinesWhole(t *testing.T) {
	var out syncBuffer
	w := NewWriter(&out, time.Hour)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			line := []byte(strings.Repeat(string(rune('a'+g)), 99) + "\n")
			for range 1000 {
				_, _ = w.Write(line)
			}
		}()
	}
	wg.Wait()
	if out.writes == 0 {
		t.Error("800 KB buffered without a write")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 8000 {
		t.Fatalf("%d lines, want 8000", len(lines))
	}
	for _, l := range lines {
		if len(l) != 99 || strings.Count(l, l[:1]) != 99 {
			t.Fatalf("interleaved line %q", l)
		}
	}
}

// slogLine is the line slog writes for r.
func slogLine(t *testing.T, json bool, r *Request) string {
	var b bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&b, nil)
	if json {
		h = slog.NewJSONHandler(&b, nil)
	}
	rec := slog.NewRecord(r.Time, slog.LevelInfo, "request", 0)
	arn := ""
	if r.Principal != nil {
		arn = string(r.Principal.AppendARN(nil))
	}
	rec.AddAttrs(slog.String("request_id", r.RequestID), slog.String("action", r.Action),
		slog.String("principal", arn), slog.Int("status", r.Status), slog.String("code", r.Code),
		slog.Duration("latency", r.Latency))
	if err := h.Handle(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func ourLine(t *testing.T, format string, r *Request) string {
	var out syncBuffer
	o := New(&out, format, slog.LevelInfo)
	o.LogRequest(r)
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestRequestLineMatchesSlog: the hand-formatted request line is byte for
// byte what slog writes, in both formats, for typical and hostile values.
func TestRequestLineMatchesSlog(t *testing.T) {
	when := time.Date(2026, 11, 26, 9, 28, 10, 123456789, time.UTC)
	user := &iam.Principal{Kind: iam.PrincipalUser, AccountID: "1234567890123456", UserName: "alice@example"}
	cases := []Request{
		{Time: when, RequestID: "0F6E2C4B-1A2B-4C3D-8E9F-0123456789AB", Action: "DownloadVpnConnectionConfig",
			Principal: &iam.Principal{Kind: iam.PrincipalRoot, AccountID: "1234567890123456"}, Status: 200, Latency: 1234567 * time.Nanosecond},
		{Time: when.Add(-123456789), RequestID: "R", Action: "", Status: 400, Code: "MissingAction"},
		{Time: when, RequestID: "R", Action: "CreateVpc", Principal: user, Status: 403, Code: "Forbbiden.SubUser", Latency: 2 * time.Second},
		{Time: when, RequestID: "with space", Action: "a=b", Status: 500, Code: "quote\"and\\back\nline\ttab\x01\x7f"},
		{Time: when, RequestID: "R", Action: "X", Principal: &iam.Principal{Kind: iam.PrincipalSession, AccountID: "1", UserName: "role", SessionName: "s 1"}, Status: 200},
	}
	for i, c := range cases {
		for _, format := range []string{"text", "json"} {
			if got, want := ourLine(t, format, &c), slogLine(t, format == "json", &c); got != want {
				t.Errorf("case %d %s:\n got %q\nwant %q", i, format, got, want)
			}
		}
	}
	// Any strings, ASCII-heavy ones and arbitrary ones.
	rapid.Check(t, func(rt *rapid.T) {
		ascii := rapid.StringOfN(rapid.RuneFrom(nil, asciiTable), 0, 40, -1)
		r := Request{
			Time:      time.Unix(0, rapid.Int64Range(0, 4e18).Draw(rt, "t")).UTC(),
			RequestID: ascii.Draw(rt, "id"),
			Action:    ascii.Draw(rt, "action"),
			Status:    rapid.IntRange(100, 599).Draw(rt, "status"),
			Code:      ascii.Draw(rt, "code"),
			Latency:   time.Duration(rapid.Int64Range(0, 1e12).Draw(rt, "lat")),
		}
		if rapid.Bool().Draw(rt, "user") {
			r.Principal = &iam.Principal{Kind: iam.PrincipalUser, AccountID: "1", UserName: ascii.Draw(rt, "name")}
		}
		for _, format := range []string{"text", "json"} {
			if got, want := ourLine(t, format, &r), slogLine(t, format == "json", &r); got != want {
				rt.Fatalf("%s:\n got %q\nwant %q", format, got, want)
			}
		}
		r.Code = rapid.String().Draw(rt, "unicode code") + string([]byte{0xff, 0xe2, 0x80}) + "\u2028\u2029"
		r.Action = rapid.String().Draw(rt, "unicode action")
		for _, format := range []string{"text", "json"} {
			if got, want := ourLine(t, format, &r), slogLine(t, format == "json", &r); got != want {
				rt.Fatalf("%s:\n got %q\nwant %q", format, got, want)
			}
		}
	})
}

var asciiTable = &unicode.RangeTable{R16: []unicode.Range16{{Lo: 0, Hi: 0x7f, Stride: 1}}}

// TestRequestLevel: above Info no request line is written.
func TestRequestLevel(t *testing.T) {
	var out syncBuffer
	o := New(&out, "text", slog.LevelWarn)
	if o.RequestEnabled() {
		t.Error("request lines enabled at warn")
	}
	o.LogRequest(&Request{RequestID: "R"})
	o.Close()
	if out.String() != "" {
		t.Errorf("wrote %q at warn level", out.String())
	}
}

func BenchmarkLogRequest(b *testing.B) {
	o := New(io.Discard, "text", slog.LevelInfo)
	defer o.Close()
	r := &Request{Time: time.Now(), RequestID: "0F6E2C4B-1A2B-4C3D-8E9F-0123456789AB", Action: "DownloadVpnConnectionConfig",
		Principal: &iam.Principal{Kind: iam.PrincipalRoot, AccountID: "1234567890123456"}, Status: 200, Latency: time.Millisecond}
	b.ReportAllocs()
	for b.Loop() {
		o.LogRequest(r)
	}
}

func BenchmarkSlogRequest(b *testing.B) {
	o := New(io.Discard, "text", slog.LevelInfo)
	defer o.Close()
	p := &iam.Principal{Kind: iam.PrincipalRoot, AccountID: "1234567890123456"}
	b.ReportAllocs()
	for b.Loop() {
		o.Logger.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("request_id", "0F6E2C4B-1A2B-4C3D-8E9F-0123456789AB"), slog.String("action", "DownloadVpnConnectionConfig"),
			slog.String("principal", p.ARN()), slog.Int("status", 200), slog.String("code", ""), slog.Duration("latency", time.Millisecond))
	}
}

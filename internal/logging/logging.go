// Package logging builds the server's slog logger over a buffered writer:
// a request line per API call is the server's most frequent write, and one
// write(2) per line cost about a tenth of the server's CPU under load
// (docs/PERFORMANCE.md). Lines are collected in memory and written in
// batches every FlushInterval; a record at Warn level or above is written
// at once together with everything before it, so problems are never
// delayed, and Close writes the rest.
package logging

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Defaults of the buffered writer.
const (
	// FlushInterval bounds how long an Info or Debug line stays in memory
	// (what a crash may lose).
	FlushInterval = 50 * time.Millisecond
	// flushBytes: a buffer this full is written at once, by the Write that
	// filled it, unless a write is already under way.
	flushBytes = 64 << 10
	// maxBuffered: past this, Write waits for the write under way (the
	// destination is not keeping up; memory stays bounded).
	maxBuffered = 1 << 20
)

// Writer buffers writes to an underlying writer. It is safe for concurrent
// use; each Write is kept whole (slog handlers write one record per call),
// and the underlying writer receives everything in Write order.
//
// Two locks: mu guards the buffer being filled, out serialises writes to
// the destination. A flush swaps buffers under mu and writes the full one
// holding only out, so a Write (a request's log line) never waits for a
// write(2) to a slow destination (a disk busy with a journal commit, a pipe
// whose reader lags) unless maxBuffered bytes are already waiting.
type Writer struct {
	mu     sync.Mutex
	buf    []byte
	closed bool

	out   sync.Mutex
	w     io.Writer
	spare []byte // the buffer last written, reused for the next swap
	err   error  // the first write error; reported by Flush and Close

	stop chan struct{}
	done chan struct{}
}

// NewWriter starts a Writer that flushes to w every interval (<= 0 means
// FlushInterval). Close it to write what remains.
func NewWriter(w io.Writer, interval time.Duration) *Writer {
	if interval <= 0 {
		interval = FlushInterval
	}
	bw := &Writer{w: w, buf: make([]byte, 0, 4096), stop: make(chan struct{}), done: make(chan struct{})}
	go bw.loop(interval)
	return bw
}

func (b *Writer) loop(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = b.Flush()
		case <-b.stop:
			return
		}
	}
}

// Write appends p to the buffer; after Close it writes through.
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.out.Lock()
		defer b.out.Unlock()
		return b.w.Write(p)
	}
	b.buf = append(b.buf, p...)
	n := len(b.buf)
	b.mu.Unlock()
	switch {
	case n >= maxBuffered:
		_ = b.Flush()
	case n >= flushBytes && b.out.TryLock():
		b.flushOut()
		b.out.Unlock()
	}
	return len(p), nil
}

// Flush writes the buffered bytes (after any write under way) and returns
// the first write error seen.
func (b *Writer) Flush() error {
	b.out.Lock()
	defer b.out.Unlock()
	b.flushOut()
	return b.err
}

// flushOut swaps the buffers and writes the full one; b.out is held.
func (b *Writer) flushOut() {
	b.mu.Lock()
	full := b.buf
	if len(full) == 0 {
		b.mu.Unlock()
		return
	}
	b.buf = b.spare[:0]
	b.mu.Unlock()
	if _, err := b.w.Write(full); err != nil && b.err == nil {
		b.err = err
	}
	if cap(full) > 4*flushBytes {
		full = nil // do not keep a burst's memory
	}
	b.spare = full[:0]
}

// Close stops the flushing goroutine and writes what remains; later writes
// go straight through. Close is idempotent.
func (b *Writer) Close() error {
	b.out.Lock()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		err := b.err
		b.out.Unlock()
		return err
	}
	b.closed = true
	b.mu.Unlock()
	// Still holding out: a Write that sees closed waits for this last
	// flush, so nothing overtakes the buffered lines.
	b.flushOut()
	err := b.err
	b.out.Unlock()
	close(b.stop)
	<-b.done
	return err
}

// handler writes records at Warn and above through at once.
type handler struct {
	slog.Handler
	w *Writer
}

// Handle implements slog.Handler.
func (h handler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// WithAttrs implements slog.Handler.
func (h handler) WithAttrs(as []slog.Attr) slog.Handler {
	return handler{h.Handler.WithAttrs(as), h.w}
}

// WithGroup implements slog.Handler.
func (h handler) WithGroup(name string) slog.Handler {
	return handler{h.Handler.WithGroup(name), h.w}
}

// Output is the server's log: a slog.Logger and the request log, writing
// to one buffered Writer in one format.
type Output struct {
	Logger *slog.Logger
	w      *Writer
	json   bool
	level  slog.Leveler
}

// New returns the log writing text or JSON ("text", "json") records at
// level and above to out through a buffered Writer; Close it before
// exiting. It panics on any other format (callers validate the flag first).
func New(out io.Writer, format string, level slog.Leveler) *Output {
	w := NewWriter(out, FlushInterval)
	opts := &slog.HandlerOptions{Level: level}
	o := &Output{w: w, level: level}
	var h slog.Handler
	switch format {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
		o.json = true
	default:
		panic("logging: unknown format " + format)
	}
	o.Logger = slog.New(handler{h, w})
	return o
}

// Close writes what is buffered (see Writer.Close).
func (o *Output) Close() error { return o.w.Close() }

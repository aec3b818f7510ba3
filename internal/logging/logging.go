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
	// flushBytes: a buffer this full is written at once.
	flushBytes = 64 << 10
)

// Writer buffers writes to an underlying writer. It is safe for concurrent
// use; each Write is kept whole (slog handlers write one record per call).
type Writer struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	err    error // the first write error; reported by Flush and Close
	stop   chan struct{}
	done   chan struct{}
	closed bool
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
	defer b.mu.Unlock()
	if b.closed {
		return b.w.Write(p)
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= flushBytes {
		b.flushLocked()
	}
	return len(p), nil
}

// Flush writes the buffered bytes and returns the first write error seen.
func (b *Writer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}

func (b *Writer) flushLocked() {
	if len(b.buf) == 0 {
		return
	}
	if _, err := b.w.Write(b.buf); err != nil && b.err == nil {
		b.err = err
	}
	if cap(b.buf) > 4*flushBytes {
		b.buf = make([]byte, 0, 4096) // do not keep a burst's memory
	} else {
		b.buf = b.buf[:0]
	}
}

// Close stops the flushing goroutine and writes what remains; later writes
// go straight through. Close is idempotent.
func (b *Writer) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return b.err
	}
	b.closed = true
	b.flushLocked()
	err := b.err
	b.mu.Unlock()
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

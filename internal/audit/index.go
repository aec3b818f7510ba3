package audit

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The per-account index of the trail. LookupEvents answers one account, but
// the day files hold every account's events: without an index, one tenant's
// query reads (and parses) every other tenant's events of the time range.
// Beside each day file <name>.jsonl the writer keeps a directory
// index/<name>/ with one file per account, <account>.idx, holding for each
// of that account's events the byte offset of its line and its EventTime
// (16 bytes, little-endian), in the order written. Lookup reads an
// account's index newest first and parses only the lines it points to, so
// its cost grows with the account's own events, never with the others'.
//
// A day file started by a writer that keeps the index gets the marker
// index/<name>/.complete before its first line: a missing <account>.idx
// then means "no events of that account". A day file without the marker
// (written by an older vpcvpn, or by one that could not create the marker)
// is read whole, as before. `vpcvpn audit` reads the day files only.
// Retention removes a day's index with its file.

const (
	indexDirName   = "index"
	indexMarker    = ".complete"
	indexExt       = ".idx"
	indexEntrySize = 16
	// maxOpenIndexes bounds the index files a writer keeps open; beyond
	// it the least recently written one is synced and closed.
	maxOpenIndexes = 256
)

// indexDir is the index directory of the day file name (with its .jsonl).
func indexDir(dir, name string) string {
	return filepath.Join(dir, indexDirName, strings.TrimSuffix(name, fileExt))
}

// validAccount reports whether an account id can name an index file.
func validAccount(a string) bool {
	if a == "" || len(a) > 64 {
		return false
	}
	for i := 0; i < len(a); i++ {
		if c := a[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// markIndexed creates the marker of a new day file's index.
func markIndexed(dir, name string) error {
	d := indexDir(dir, name)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return fmt.Errorf("create audit index: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(d, indexMarker), os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create audit index: %w", err)
	}
	return f.Close()
}

// indexed reports whether the day file name is indexed from its first line.
func indexed(dir, name string) bool {
	_, err := os.Stat(filepath.Join(indexDir(dir, name), indexMarker))
	return err == nil
}

// indexSet is the writer's open index files of the current day file.
type indexSet struct {
	dir     string // the day's index directory; "" when not indexed
	files   map[string]*indexFile
	clock   uint64
	scratch [indexEntrySize]byte
}

type indexFile struct {
	f     *os.File
	bw    *bufio.Writer
	used  uint64 // clock of the last write
	dirty bool
}

// reset points the set at the index of day file name (after close).
func (x *indexSet) reset(dir, name string, on bool) {
	x.dir = ""
	if on {
		x.dir = indexDir(dir, name)
	}
}

// add records an event of account at offset.
func (x *indexSet) add(account string, offset, unixNano int64) error {
	if x.dir == "" || !validAccount(account) {
		return nil
	}
	if x.files == nil {
		x.files = map[string]*indexFile{}
	}
	x.clock++
	ix := x.files[account]
	if ix == nil {
		if len(x.files) >= maxOpenIndexes {
			if err := x.evict(); err != nil {
				return err
			}
		}
		f, err := os.OpenFile(filepath.Join(x.dir, account+indexExt), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("audit index: %w", err)
		}
		ix = &indexFile{f: f, bw: bufio.NewWriterSize(f, 4096)}
		x.files[account] = ix
	}
	binary.LittleEndian.PutUint64(x.scratch[:8], uint64(offset))
	binary.LittleEndian.PutUint64(x.scratch[8:], uint64(unixNano))
	ix.used, ix.dirty = x.clock, true
	_, err := ix.bw.Write(x.scratch[:])
	return err
}

// evict syncs and closes the least recently written index file.
func (x *indexSet) evict() error {
	var oldest string
	for a, ix := range x.files {
		if oldest == "" || ix.used < x.files[oldest].used {
			oldest = a
		}
	}
	ix := x.files[oldest]
	delete(x.files, oldest)
	return ix.close()
}

func (ix *indexFile) sync() error {
	if !ix.dirty {
		return nil
	}
	ix.dirty = false
	if err := ix.bw.Flush(); err != nil {
		return err
	}
	return ix.f.Sync()
}

func (ix *indexFile) close() error {
	return errors.Join(ix.sync(), ix.f.Close())
}

// sync flushes and fsyncs the index files written since the last sync.
func (x *indexSet) sync() error {
	var errs []error
	for _, ix := range x.files {
		errs = append(errs, ix.sync())
	}
	return errors.Join(errs...)
}

// close syncs and closes every index file.
func (x *indexSet) close() error {
	var errs []error
	for a, ix := range x.files {
		errs = append(errs, ix.close())
		delete(x.files, a)
	}
	return errors.Join(errs...)
}

// indexEntry is one event of an account's index.
type indexEntry struct {
	off int64
	t   int64 // EventTime, Unix nanoseconds
}

// readIndex returns the entries of account in the index of day file path,
// and whether that day file is indexed at all (false: read it whole). A
// partial last entry (a crash while writing it) is ignored.
func readIndex(path, account string) ([]indexEntry, bool, error) {
	dir, name := filepath.Split(path)
	if !indexed(dir, name) {
		return nil, false, nil
	}
	b, err := os.ReadFile(filepath.Join(indexDir(dir, name), account+indexExt))
	if errors.Is(err, os.ErrNotExist) {
		return nil, true, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("read audit index: %w", err)
	}
	out := make([]indexEntry, 0, len(b)/indexEntrySize)
	for i := 0; i+indexEntrySize <= len(b); i += indexEntrySize {
		out = append(out, indexEntry{int64(binary.LittleEndian.Uint64(b[i:])), int64(binary.LittleEndian.Uint64(b[i+8:]))})
	}
	return out, true, nil
}

// scanIndexed offers keep, newest first (by the index's EventTime), the
// events of q.AccountID in day file path that match q and whose time is at
// most maxT (the caller filters ties on the cursor); keep reports whether
// it kept the event. Once limit events are kept, it stops at the first
// older one. It reports whether the day file is indexed (if not, the
// caller reads the file whole) and how many lines it parsed.
func scanIndexed(path string, q *Query, maxT int64, limit int, keep func(*Event) bool) (ok bool, parsed int, err error) {
	entries, ok, err := readIndex(path, q.AccountID)
	if !ok || err != nil || len(entries) == 0 {
		return ok, 0, err
	}
	lo, hi := int64(-1<<63), maxT
	if !q.Since.IsZero() {
		lo = q.Since.UnixNano()
	}
	if !q.Until.IsZero() && q.Until.UnixNano()-1 < hi {
		hi = q.Until.UnixNano() - 1
	}
	cands := entries[:0]
	for _, e := range entries {
		if e.t >= lo && e.t <= hi {
			cands = append(cands, e)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].t > cands[j].t })
	if len(cands) == 0 {
		return true, 0, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return true, 0, nil // pruned meanwhile
	}
	if err != nil {
		return true, 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(nil, 4096)
	kept, lastT := 0, int64(0)
	for _, e := range cands {
		if kept >= limit && e.t < lastT {
			break
		}
		line, err := readLineAt(f, br, e.off)
		if err != nil {
			return true, parsed, err
		}
		parsed++
		ev, ok := decodeLine(line)
		if !ok || !q.Match(ev) {
			continue
		}
		if keep(ev) {
			kept++
			lastT = e.t
		}
	}
	return true, parsed, nil
}

// readLineAt reads the line starting at off (without bound beyond maxLine).
func readLineAt(f *os.File, br *bufio.Reader, off int64) ([]byte, error) {
	br.Reset(io.NewSectionReader(f, off, maxLine))
	line, err := br.ReadSlice('\n')
	switch {
	case err == nil || errors.Is(err, io.EOF):
		return line, nil
	case errors.Is(err, bufio.ErrBufferFull):
		// Longer than the buffer: read the rest of it.
		whole := append([]byte(nil), line...)
		for {
			more, err := br.ReadSlice('\n')
			whole = append(whole, more...)
			if err == nil || errors.Is(err, io.EOF) {
				return whole, nil
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				return nil, err
			}
		}
	}
	return nil, err
}

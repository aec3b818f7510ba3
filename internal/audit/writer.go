package audit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/vpcvpn/vpcvpn/internal/action"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/service"
)

// Defaults of Options.
const (
	DefaultRetention     = 90 * 24 * time.Hour
	DefaultFlushInterval = time.Second
	DefaultBuffer        = 16384
	// batchDelay is how long the writer lets events gather after the
	// first of a batch before it takes them: the request path then never
	// wakes the writer more than once per batch (a channel send and a
	// goroutine wake-up per event cost more than the event itself).
	batchDelay = 5 * time.Millisecond
	pruneEvery = time.Hour
	dayLayout  = "2006-01-02"
	fileExt    = ".jsonl"
)

// Options configure a Writer.
type Options struct {
	// Dir is the audit directory; it is created (mode 0700) if missing.
	Dir string
	// Node names this server's files (<day>-<node>.jsonl) so that servers
	// sharing Dir never append to the same file; "" writes <day>.jsonl.
	// Letters, digits, '.', '_' and '-' only.
	Node string
	// Retention: files whose whole day is older are deleted at start and
	// hourly. 0 means DefaultRetention; < 0 keeps events forever.
	Retention time.Duration
	// FlushInterval bounds how long a recorded event stays in memory before
	// it is written and fsynced (the events lost on a crash). 0 means
	// DefaultFlushInterval.
	FlushInterval time.Duration
	// Buffer is the number of events that may wait for the writer; when
	// that many wait, further events are dropped and counted (Dropped). 0
	// means DefaultBuffer.
	Buffer int
	Now    func() time.Time
	Logger *slog.Logger
}

// pending is what Record copies from a request: plain values, no maps, so
// that the request's memory may be reused as soon as Record returns.
type pending struct {
	start     time.Time
	latency   time.Duration
	status    int
	code      string
	requestID string
	action    string
	class     action.Class
	version   string
	userAgent string
	resource  string
	region    string
	akParam   string
	sourceIP  netip.Addr
	secure    bool
	origin    string
	principal iam.Principal
}

// Writer appends events to the audit directory. Record is safe for
// concurrent use and never blocks.
type Writer struct {
	o Options
	// mu guards queue, the events recorded and not yet taken by the
	// writer goroutine. Record appends; the writer swaps the slice for an
	// empty one and writes the batch outside the lock.
	mu    sync.Mutex
	queue []pending
	// kick (capacity 1) wakes the writer when the queue stops being empty.
	kick       chan struct{}
	batchDelay time.Duration
	flushCh    chan chan error
	closeCh    chan chan error
	done       chan struct{}
	dropped    atomic.Uint64
	closed     atomic.Bool
}

// ValidNode reports whether name is usable as Options.Node.
func ValidNode(name string) bool {
	if len(name) > 64 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Open creates the directory, prunes expired files and starts the writer.
func Open(o Options) (*Writer, error) {
	if o.Dir == "" {
		return nil, errors.New("audit: no directory")
	}
	if !ValidNode(o.Node) {
		return nil, fmt.Errorf("audit node name %q: use letters, digits, '.', '_' and '-' (at most 64)", o.Node)
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create audit directory %s: %w", o.Dir, err)
	}
	if _, err := Prune(o.Dir, o.Retention, o.Now()); err != nil {
		return nil, err
	}
	w := &Writer{
		o:          o,
		kick:       make(chan struct{}, 1),
		batchDelay: batchDelay,
		flushCh:    make(chan chan error),
		closeCh:    make(chan chan error),
		done:       make(chan struct{}),
	}
	go w.run()
	return w, nil
}

// Dir returns the audit directory.
func (w *Writer) Dir() string { return w.o.Dir }

// Dropped returns how many events were dropped because the buffer was full
// or the Writer was closed.
func (w *Writer) Dropped() uint64 { return w.dropped.Load() }

// Record queues the audit event of one finished request (api.AuditSink).
// It copies what it needs from c and never blocks on I/O: with Buffer events
// waiting the event is dropped and counted.
func (w *Writer) Record(c *service.Request, status int, code string, start time.Time, latency time.Duration) {
	if w.closed.Load() {
		w.dropped.Add(1)
		return
	}
	p := pending{
		start: start, latency: latency, status: status, code: code,
		requestID: c.RequestID, action: c.Action, class: c.Meta.Class, version: c.Version, userAgent: c.UserAgent,
		resource: c.Resource, sourceIP: c.SourceIP, secure: c.SecureTransport, origin: c.Origin, principal: c.Principal,
	}
	if c.Params != nil {
		p.region = c.Params["RegionId"]
		if c.Principal.AccessKeyID == "" {
			p.akParam = c.Params["AccessKeyId"]
		}
	}
	w.mu.Lock()
	if len(w.queue) >= w.o.Buffer {
		w.mu.Unlock()
		w.dropped.Add(1)
		return
	}
	w.queue = append(w.queue, p)
	first := len(w.queue) == 1
	w.mu.Unlock()
	if first {
		select {
		case w.kick <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// Flush writes and fsyncs every event recorded before the call.
func (w *Writer) Flush(ctx context.Context) error {
	ack := make(chan error, 1)
	select {
	case w.flushCh <- ack:
	case <-w.done:
		return errors.New("audit: writer closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-ack:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes the queued events, fsyncs and closes the file. Events
// recorded afterwards are dropped. Close is idempotent.
func (w *Writer) Close() error {
	if w.closed.Swap(true) {
		<-w.done
		return nil
	}
	ack := make(chan error, 1)
	w.closeCh <- ack
	return <-ack
}

// fileName is the file of day for node.
func fileName(day time.Time, node string) string {
	name := day.UTC().Format(dayLayout)
	if node != "" {
		name += "-" + node
	}
	return name + fileExt
}

// fileDay parses the day of an audit file name; ok is false for other files.
func fileDay(name string) (time.Time, bool) {
	if len(name) < len(dayLayout)+len(fileExt) || !strings.HasSuffix(name, fileExt) {
		return time.Time{}, false
	}
	d, err := time.Parse(dayLayout, name[:len(dayLayout)])
	if err != nil {
		return time.Time{}, false
	}
	rest := name[len(dayLayout) : len(name)-len(fileExt)]
	if rest != "" && (rest[0] != '-' || !ValidNode(rest[1:]) || len(rest) == 1) {
		return time.Time{}, false
	}
	return d, true
}

// dayFile is one audit file.
type dayFile struct {
	day  time.Time
	path string
}

// listFiles returns the audit files of dir sorted by day, then name.
func listFiles(dir string) ([]dayFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read audit directory: %w", err)
	}
	var out []dayFile
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		if d, ok := fileDay(e.Name()); ok {
			out = append(out, dayFile{d, filepath.Join(dir, e.Name())})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].day.Equal(out[j].day) {
			return out[i].day.Before(out[j].day)
		}
		return out[i].path < out[j].path
	})
	return out, nil
}

// Prune deletes the audit files of dir whose whole day ended at least
// retention before now, and returns their paths. retention < 0 deletes
// nothing.
func Prune(dir string, retention time.Duration, now time.Time) ([]string, error) {
	if retention < 0 {
		return nil, nil
	}
	files, err := listFiles(dir)
	if err != nil {
		return nil, err
	}
	cutoff := now.Add(-retention)
	var removed []string
	for _, f := range files {
		if f.day.Add(24 * time.Hour).After(cutoff) {
			break
		}
		if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, fmt.Errorf("prune audit file: %w", err)
		}
		if err := os.RemoveAll(indexDir(dir, filepath.Base(f.path))); err != nil {
			return removed, fmt.Errorf("prune audit index: %w", err)
		}
		removed = append(removed, f.path)
	}
	return removed, nil
}

// run is the writer goroutine.
func (w *Writer) run() {
	defer close(w.done)
	t := time.NewTicker(w.o.FlushInterval)
	defer t.Stop()
	s := sink{w: w}
	lastPrune := w.o.Now()
	var lastDropped uint64
	var gather <-chan time.Time // non-nil while a batch gathers
	for {
		select {
		case <-w.kick:
			// Let the batch gather, then take it.
			if gather == nil {
				gather = time.After(w.batchDelay)
			}
		case <-gather:
			gather = nil
			s.drain()
		case <-t.C:
			s.report(s.sync())
			if d := w.dropped.Load(); d != lastDropped {
				w.o.Logger.Error("audit trail: events dropped (writer behind or failing)", "dropped", d-lastDropped, "dropped_total", d)
				lastDropped = d
			}
			if now := w.o.Now(); now.Sub(lastPrune) >= pruneEvery {
				lastPrune = now
				if _, err := Prune(w.o.Dir, w.o.Retention, now); err != nil {
					w.o.Logger.Error("audit retention", "err", err)
				}
			}
		case ack := <-w.flushCh:
			s.drain()
			ack <- s.sync()
		case ack := <-w.closeCh:
			s.drain()
			// A Record that saw the Writer open may have queued after
			// the drain: count it as dropped rather than lose it silently.
			w.mu.Lock()
			w.dropped.Add(uint64(len(w.queue)))
			w.queue = nil
			w.mu.Unlock()
			err := s.sync()
			if s.f != nil {
				err = errors.Join(err, s.f.Close())
			}
			err = errors.Join(err, s.idx.close())
			ack <- err
			return
		}
	}
}

// sink is the writer goroutine's state: the open day file.
type sink struct {
	w        *Writer
	batch    []pending // the batch being written; reused
	day      string
	dayStart time.Time // the start of day's UTC day
	f        *os.File
	bw       *bufio.Writer
	buf      []byte
	dirty    bool
	err      error // the first write error since the last sync
	off      int64 // where the next line of f starts
	idx      indexSet
}

// drain writes the events queued now.
func (s *sink) drain() {
	s.w.mu.Lock()
	s.batch, s.w.queue = s.w.queue, s.batch[:0]
	s.w.mu.Unlock()
	for i := range s.batch {
		s.write(&s.batch[i])
		s.batch[i] = pending{} // release the strings
	}
}

func (s *sink) write(p *pending) {
	e := toEvent(p)
	name := s.day
	if s.f == nil || e.EventTime.Before(s.dayStart) || !e.EventTime.Before(s.dayStart.Add(24*time.Hour)) {
		name = fileName(e.EventTime, s.w.o.Node)
	}
	if name != s.day || s.f == nil {
		s.report(s.sync())
		if s.f != nil {
			_ = s.f.Close()
			s.f = nil
		}
		s.keep(s.idx.close())
		path := filepath.Join(s.w.o.Dir, name)
		fresh := false
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			// A new day file is indexed from its first line: mark
			// it so, before the first line is written.
			if err := markIndexed(s.w.o.Dir, name); err != nil {
				s.keep(err)
			} else {
				fresh = true
			}
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			s.w.dropped.Add(1)
			s.keep(err)
			return
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			s.w.dropped.Add(1)
			s.keep(err)
			return
		}
		s.f, s.day, s.off = f, name, st.Size()
		s.idx.reset(s.w.o.Dir, name, fresh || indexed(s.w.o.Dir, name))
		y, m, d := e.EventTime.UTC().Date()
		s.dayStart = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		if s.bw == nil {
			s.bw = bufio.NewWriterSize(f, 64<<10)
		} else {
			s.bw.Reset(f)
		}
	}
	s.buf = appendEvent(s.buf[:0], &e)
	s.buf = append(s.buf, '\n')
	if _, err := s.bw.Write(s.buf); err != nil {
		s.keep(err)
		return
	}
	if acct := e.UserIdentity.AccountID; acct != "" {
		s.keep(s.idx.add(acct, s.off, e.EventTime.UnixNano()))
	}
	s.off += int64(len(s.buf))
	s.dirty = true
}

func (s *sink) keep(err error) {
	if s.err == nil {
		s.err = err
	}
}

// sync flushes and fsyncs the open file and returns (and clears) the first
// error since the last sync.
func (s *sink) sync() error {
	if s.dirty && s.f != nil {
		if err := s.bw.Flush(); err != nil {
			s.keep(err)
		} else if err := s.f.Sync(); err != nil {
			s.keep(err)
		}
		s.dirty = false
	}
	// The index after the lines it points to.
	s.keep(s.idx.sync())
	err := s.err
	s.err = nil
	return err
}

func (s *sink) report(err error) {
	if err != nil {
		s.w.o.Logger.Error("audit trail: events could not be written", "dir", s.w.o.Dir, "err", err)
	}
}

// identityType maps a principal kind to ActionTrail's userIdentity.type.
func identityType(kind string) string {
	switch kind {
	case iam.PrincipalRoot:
		return "root-account"
	case iam.PrincipalUser:
		return "ram-user"
	case iam.PrincipalSession:
		return "assumed-role"
	}
	return ""
}

// ServiceName returns ActionTrail's serviceName for an API version.
func ServiceName(version string) string {
	switch version {
	case "2016-04-28":
		return "Vpc"
	case "2015-05-01":
		return "Ram"
	case "2015-04-01":
		return "Sts"
	case Version:
		return "Actiontrail"
	}
	return ""
}

// toEvent builds the event of a recorded request.
func toEvent(p *pending) Event {
	e := Event{
		EventID:         p.requestID,
		EventTime:       p.start.UTC(),
		EventName:       p.action,
		EventType:       "ApiCall",
		EventRW:         "Write",
		ServiceName:     ServiceName(p.version),
		APIVersion:      p.version,
		RequestID:       p.requestID,
		AcsRegion:       p.region,
		UserAgent:       p.userAgent,
		SecureTransport: p.secure,
		ResourceName:    p.resource,
		HTTPStatus:      p.status,
		ErrorCode:       p.code,
		LatencyMs:       float64(p.latency.Microseconds()) / 1000,
	}
	if p.sourceIP.IsValid() {
		e.SourceIP = p.sourceIP.String()
	}
	if p.origin == service.OriginConsole {
		// As ActionTrail records console use: ConsoleSignin and
		// ConsoleSignout events, and ConsoleOperation for the API actions
		// the console performed for its user.
		switch p.action {
		case EventConsoleSignin, EventConsoleSignout:
			e.EventType, e.EventRW, e.ServiceName = p.action, "Write", "Console"
			return withIdentity(e, p)
		default:
			e.EventType = "ConsoleOperation"
		}
	}
	switch c := p.class; {
	case p.action == "":
		e.EventRW = "" // the request failed before its action was known
	case c == action.SecretRead:
		e.EventRW, e.SecretRead = "Read", true
	case c.Reads():
		e.EventRW = "Read"
	}
	return withIdentity(e, p)
}

// Event names (and types) of the web console's sign-in and sign-out.
const (
	EventConsoleSignin  = "ConsoleSignin"
	EventConsoleSignout = "ConsoleSignout"
)

// withIdentity fills e's userIdentity from p.
func withIdentity(e Event, p *pending) Event {
	pr := &p.principal
	if pr.Kind != "" {
		e.UserIdentity = Identity{
			Type:        identityType(pr.Kind),
			AccountID:   pr.AccountID,
			PrincipalID: pr.UserID,
			ARN:         pr.ARN(),
			UserName:    pr.UserName,
			SessionName: pr.SessionName,
			AccessKeyID: pr.AccessKeyID,
		}
	} else {
		e.UserIdentity.AccessKeyID = p.akParam
	}
	return e
}

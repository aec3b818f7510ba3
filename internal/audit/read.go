package audit

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Query selects events; zero fields match everything. String fields match
// exactly, except ResourceName, which also matches as a prefix when it ends
// in '*'.
type Query struct {
	// Since (inclusive) and Until (exclusive) bound EventTime.
	Since, Until time.Time
	AccountID    string
	EventName    string // the API action
	// Principal matches the principal's ARN or its user name.
	Principal    string
	AccessKeyID  string
	ResourceName string
	EventRW      string // "Read" or "Write"
	ServiceName  string
	EventID      string
	// SecretReadOnly keeps only the secret reads.
	SecretReadOnly bool
}

// Match reports whether e satisfies q.
func (q *Query) Match(e *Event) bool {
	switch {
	case !q.Since.IsZero() && e.EventTime.Before(q.Since),
		!q.Until.IsZero() && !e.EventTime.Before(q.Until),
		q.AccountID != "" && e.UserIdentity.AccountID != q.AccountID,
		q.EventName != "" && e.EventName != q.EventName,
		q.Principal != "" && e.UserIdentity.ARN != q.Principal && e.UserIdentity.UserName != q.Principal,
		q.AccessKeyID != "" && e.UserIdentity.AccessKeyID != q.AccessKeyID,
		q.EventRW != "" && e.EventRW != q.EventRW,
		q.ServiceName != "" && e.ServiceName != q.ServiceName,
		q.EventID != "" && e.EventID != q.EventID,
		q.SecretReadOnly && !e.SecretRead:
		return false
	}
	if q.ResourceName != "" {
		if p, ok := strings.CutSuffix(q.ResourceName, "*"); ok {
			return strings.HasPrefix(e.ResourceName, p)
		}
		return e.ResourceName == q.ResourceName
	}
	return true
}

// inRange reports whether a file of day may hold events of q's time range.
func (q *Query) inRange(day time.Time) bool {
	if !q.Since.IsZero() && !day.Add(24*time.Hour).After(q.Since) {
		return false
	}
	if !q.Until.IsZero() && !day.Before(q.Until) {
		return false
	}
	return true
}

// maxLine bounds one event line (user agents are bounded by the server's
// header limit).
const maxLine = 1 << 20

// scanFile calls fn for each well-formed event line of path matching q and
// returns the number of malformed lines (e.g. a line cut short by a crash).
func scanFile(path string, q *Query, fn func(*Event) error) (int, error) {
	return scanFileCounting(path, q, nil, fn)
}

// scanFileCounting is scanFile adding the lines it parses to *lines.
func scanFileCounting(path string, q *Query, lines *int, fn func(*Event) error) (int, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil // pruned meanwhile
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	bad := 0
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		if lines != nil {
			*lines++
		}
		e, ok := decodeLine(line)
		if !ok {
			bad++
			continue
		}
		if !q.Match(e) {
			continue
		}
		if err := fn(e); err != nil {
			return bad, err
		}
	}
	if err := sc.Err(); err != nil {
		return bad, fmt.Errorf("read %s: %w", path, err)
	}
	return bad, nil
}

// decodeLine parses one event line; false for a malformed one.
func decodeLine(line []byte) (*Event, bool) {
	var e Event
	if json.Unmarshal(line, &e) != nil {
		return nil, false
	}
	return &e, true
}

// Scan calls fn for every event of dir matching q, oldest day first (within
// a day, in the order each file was written). It returns the number of
// malformed lines skipped; an error from fn stops the scan and is returned.
func Scan(dir string, q Query, fn func(*Event) error) (malformed int, err error) {
	files, err := listFiles(dir)
	if err != nil {
		return 0, err
	}
	for _, f := range files {
		if !q.inRange(f.day) {
			continue
		}
		n, err := scanFile(f.path, &q, fn)
		malformed += n
		if err != nil {
			return malformed, err
		}
	}
	return malformed, nil
}

// Page is one answer of Lookup.
type Page struct {
	Events []Event
	// NextToken continues the lookup; "" when there are no more events.
	NextToken string
	// Parsed is how many event lines the lookup read (not in answers).
	Parsed int
}

// ErrBadToken is returned by Lookup for a NextToken it did not issue.
var ErrBadToken = errors.New("audit: malformed NextToken")

// cursor is a position in (EventTime, EventID) descending order.
type cursor struct {
	t  int64
	id string
}

func (c cursor) token() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.t, 10) + ":" + c.id))
}

func parseToken(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, ErrBadToken
	}
	ts, id, ok := strings.Cut(string(b), ":")
	t, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || id == "" {
		return cursor{}, ErrBadToken
	}
	return cursor{t, id}, nil
}

// newer orders events newest first (EventTime, then EventID, descending).
func newer(a, b *Event) bool {
	at, bt := a.EventTime.UnixNano(), b.EventTime.UnixNano()
	if at != bt {
		return at > bt
	}
	return a.EventID > b.EventID
}

// Lookup returns up to max events of dir matching q, newest first, starting
// after nextToken ("" = from the newest). It reads one day's files at a time,
// newest day first, and stops once a day completes the page.
func Lookup(dir string, q Query, max int, nextToken string) (Page, error) {
	if max < 1 {
		max = 1
	}
	var after *cursor
	if nextToken != "" {
		c, err := parseToken(nextToken)
		if err != nil {
			return Page{}, err
		}
		after = &c
	}
	files, err := listFiles(dir)
	if err != nil {
		return Page{}, err
	}
	var got []Event
	parsed := 0
	keep := func() {
		sort.Slice(got, func(i, j int) bool { return newer(&got[i], &got[j]) })
		if len(got) > max+1 {
			got = got[:max+1]
		}
	}
	before := func(e *Event) bool {
		if after == nil {
			return true
		}
		t := e.EventTime.UnixNano()
		return t < after.t || t == after.t && e.EventID < after.id
	}
	// One account's lookup reads that account's index (index.go).
	useIndex := validAccount(q.AccountID)
	maxT := int64(1<<63 - 1)
	if after != nil {
		maxT = after.t
	}
	for i := len(files) - 1; i >= 0; {
		day := files[i].day
		for ; i >= 0 && files[i].day.Equal(day); i-- {
			if !q.inRange(day) {
				continue
			}
			if useIndex {
				ok, n, err := scanIndexed(files[i].path, &q, maxT, max+1, func(e *Event) bool {
					if !before(e) {
						return false
					}
					got = append(got, *e)
					return true
				})
				parsed += n
				if err != nil {
					return Page{}, err
				}
				if ok {
					continue
				}
			}
			_, err := scanFileCounting(files[i].path, &q, &parsed, func(e *Event) error {
				if !before(e) {
					return nil
				}
				got = append(got, *e)
				if len(got) > 4*(max+1) {
					keep()
				}
				return nil
			})
			if err != nil {
				return Page{}, err
			}
		}
		keep()
		if len(got) > max {
			break
		}
	}
	keep()
	p := Page{Events: got, Parsed: parsed}
	if len(got) > max {
		p.Events = got[:max]
		last := &got[max-1]
		p.NextToken = cursor{last.EventTime.UnixNano(), last.EventID}.token()
	}
	return p, nil
}

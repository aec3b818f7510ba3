package audit

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/wirenum"
)

// Version is ActionTrail's API version, under which LookupEvents is served.
const Version = "2020-07-06"

// LookupEvents limits.
const (
	DefaultMaxResults = 20
	MaxMaxResults     = 50
	// DefaultLookback is how far back LookupEvents looks without StartTime.
	DefaultLookback = 7 * 24 * time.Hour
	timeLayout      = "2006-01-02T15:04:05Z"
)

// Trail reads the trail in Dir for LookupEvents (the service's EventTrail:
// the service authorises the call, Trail answers it).
type Trail struct {
	Dir string
	// Writer, when set, is flushed before reading so that the answer holds
	// every event recorded before the call.
	Writer *Writer
	Now    func() time.Time
}

// LookupAnswer is the answer of LookupEvents (without RequestId). Unlike
// the VPC API's lists, ActionTrail's Events is a bare JSON array.
type LookupAnswer struct {
	StartTime string  `json:"StartTime" xml:"StartTime"`
	EndTime   string  `json:"EndTime" xml:"EndTime"`
	NextToken string  `json:"NextToken" xml:"NextToken"`
	Events    []Event `json:"Events" xml:"Events"`
}

// lookupKeys maps LookupAttribute keys to the Query field they set.
var lookupKeys = map[string]func(q *Query, v string) error{
	"EventName":        func(q *Query, v string) error { q.EventName = v; return nil },
	"EventRW":          setRW,
	"EventAccessKeyId": func(q *Query, v string) error { q.AccessKeyID = v; return nil },
	"ResourceName":     func(q *Query, v string) error { q.ResourceName = v; return nil },
	"User":             func(q *Query, v string) error { q.Principal = v; return nil },
	"EventId":          func(q *Query, v string) error { q.EventID = v; return nil },
	"ServiceName":      func(q *Query, v string) error { q.ServiceName = v; return nil },
	"SecretRead": func(q *Query, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return apierror.Newf("InvalidParameter", "LookupAttribute SecretRead must be true or false, not %q.", v)
		}
		q.SecretReadOnly = b
		return nil
	},
}

func setRW(q *Query, v string) error {
	switch v {
	case "Read", "Write":
		q.EventRW = v
		return nil
	case "All", "":
		return nil
	}
	return apierror.Newf("InvalidParameter", "LookupAttribute EventRW must be Read, Write or All, not %q.", v)
}

// LookupEvents answers ActionTrail's LookupEvents for account (the
// service has authorised the caller, internal/service): events of that
// account only, newest first, filtered by StartTime, EndTime (ISO 8601 UTC;
// default the last 7 days) and LookupAttribute.N.Key/Value pairs
// (EventName, EventRW, EventAccessKeyId, ResourceName (exact, or a prefix
// ending in '*'), User (user name or principal ARN), EventId, ServiceName,
// and vpcvpn's SecretRead), all of which must match; paged by MaxResults
// (1-50, default 20) and NextToken.
func (t *Trail) LookupEvents(ctx context.Context, acct string, params map[string]string) (any, error) {
	now := t.Now
	if now == nil {
		now = time.Now
	}
	q, max, err := parseLookup(params, now())
	if err != nil {
		return nil, err
	}
	q.AccountID = acct
	if t.Writer != nil {
		if err := t.Writer.Flush(ctx); err != nil {
			return nil, err
		}
	}
	page, err := Lookup(t.Dir, q, max, params["NextToken"])
	if errors.Is(err, ErrBadToken) {
		return nil, apierror.Newf("InvalidParameter", "NextToken is not valid; pass the NextToken of a previous answer or none.")
	}
	if err != nil {
		return nil, err
	}
	if page.Events == nil {
		page.Events = []Event{}
	}
	return &LookupAnswer{
		StartTime: q.Since.UTC().Format(timeLayout),
		EndTime:   q.Until.UTC().Format(timeLayout),
		NextToken: page.NextToken,
		Events:    page.Events,
	}, nil
}

// parseLookup reads LookupEvents' parameters.
func parseLookup(p map[string]string, now time.Time) (Query, int, error) {
	var q Query
	q.Until = now.UTC().Truncate(time.Second).Add(time.Second)
	if v := p["EndTime"]; v != "" {
		t, err := time.Parse(timeLayout, v)
		if err != nil {
			return q, 0, apierror.Newf("InvalidParameter", "EndTime %q is not a UTC time like 2006-01-02T15:04:05Z.", clip(v))
		}
		q.Until = t
	}
	q.Since = q.Until.Add(-DefaultLookback)
	if v := p["StartTime"]; v != "" {
		t, err := time.Parse(timeLayout, v)
		if err != nil {
			return q, 0, apierror.Newf("InvalidParameter", "StartTime %q is not a UTC time like 2006-01-02T15:04:05Z.", clip(v))
		}
		q.Since = t
	}
	if !q.Since.Before(q.Until) {
		return q, 0, apierror.Newf("InvalidParameter", "StartTime must be before EndTime.")
	}
	max := DefaultMaxResults
	if v := p["MaxResults"]; v != "" {
		n, ok := wirenum.Int(v)
		if !ok || n < 1 || n > MaxMaxResults {
			return q, 0, apierror.Newf("InvalidParameter", "MaxResults must be an integer from 1 to %d.", MaxMaxResults)
		}
		max = int(n)
	}
	for i := 1; ; i++ {
		n := strconv.Itoa(i)
		k, hasK := p["LookupAttribute."+n+".Key"]
		v, hasV := p["LookupAttribute."+n+".Value"]
		if !hasK && !hasV {
			break
		}
		set, ok := lookupKeys[k]
		if !ok {
			return q, 0, apierror.Newf("InvalidParameter", "LookupAttribute.%s.Key %q is not supported; use EventName, EventRW, EventAccessKeyId, ResourceName, User, EventId, ServiceName or SecretRead.", n, clip(k))
		}
		if err := set(&q, v); err != nil {
			return q, 0, err
		}
	}
	return q, max, nil
}

func clip(s string) string { return apierror.Clip(s, 64) }

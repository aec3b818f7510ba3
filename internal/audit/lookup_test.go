package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/vpcvpn/vpcvpn/internal/action"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/wire"
)

// writeEvents writes events as the Writer would, one file per day.
func writeEvents(t *testing.T, dir string, events []Event) {
	t.Helper()
	files := map[string][]byte{}
	for i := range events {
		name := fileName(events[i].EventTime, "")
		files[name] = append(appendEvent(files[name], &events[i]), '\n')
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

const acctA, acctB = "1111111111111111", "2222222222222222"

// trail is 30 events over three days: accounts A and B alternate; every
// third is a secret read; every fifth failed.
func trail() []Event {
	var out []Event
	for i := range 30 {
		e := Event{
			EventID:   fmt.Sprintf("E%02d", i),
			EventTime: day0.Add(time.Duration(i) * 2 * time.Hour),
			EventName: "DescribeVpcs", EventRW: "Read", EventType: "ApiCall", ServiceName: "Vpc",
			UserIdentity: Identity{Type: "root-account", AccountID: acctA, ARN: "acs:ram::" + acctA + ":root", AccessKeyID: "LTAIa"},
			ResourceName: "acs:vpc:cn-hangzhou:" + acctA + ":vpc/vpc-" + fmt.Sprint(i), HTTPStatus: 200,
		}
		if i%2 == 1 {
			e.UserIdentity = Identity{Type: "ram-user", AccountID: acctB, ARN: "acs:ram::" + acctB + ":user/bob", UserName: "bob", AccessKeyID: "LTAIb"}
		}
		if i%3 == 0 {
			e.EventName, e.SecretRead = "DownloadVpnConnectionConfig", true
		}
		if i%5 == 0 {
			e.HTTPStatus, e.ErrorCode, e.EventName, e.EventRW, e.SecretRead = 400, "InvalidParameter", "CreateVpc", "Write", false
		}
		out = append(out, e)
	}
	return out
}

func ids(events []Event) []string {
	out := []string{}
	for _, e := range events {
		out = append(out, e.EventID)
	}
	return out
}

func TestQueryMatch(t *testing.T) {
	e := sampleEvent()
	cases := []struct {
		name string
		q    Query
		want bool
	}{
		{"empty", Query{}, true},
		{"since equal", Query{Since: e.EventTime}, true},
		{"since after", Query{Since: e.EventTime.Add(time.Nanosecond)}, false},
		{"until equal", Query{Until: e.EventTime}, false},
		{"until after", Query{Until: e.EventTime.Add(time.Nanosecond)}, true},
		{"account", Query{AccountID: "1234567890123456"}, true},
		{"other account", Query{AccountID: "1"}, false},
		{"action", Query{EventName: "DownloadVpnConnectionConfig"}, true},
		{"other action", Query{EventName: "DescribeVpcs"}, false},
		{"principal arn", Query{Principal: "acs:ram::1234567890123456:user/alice"}, true},
		{"principal name", Query{Principal: "alice"}, true},
		{"other principal", Query{Principal: "bob"}, false},
		{"access key", Query{AccessKeyID: "LTAIalice"}, true},
		{"resource exact", Query{ResourceName: "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/vco-abc"}, true},
		{"resource prefix", Query{ResourceName: "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/*"}, true},
		{"resource other", Query{ResourceName: "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/vco"}, false},
		{"rw", Query{EventRW: "Read"}, true},
		{"rw write", Query{EventRW: "Write"}, false},
		{"service", Query{ServiceName: "Vpc"}, true},
		{"event id", Query{EventID: "nope"}, false},
		{"secret reads", Query{SecretReadOnly: true}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.q.Match(&e); got != c.want {
				t.Errorf("Match = %v, want %v", got, c.want)
			}
		})
	}
}

// TestLookupPages: newest first, across day files, pages joined by
// NextToken cover every matching event exactly once.
func TestLookupPages(t *testing.T) {
	dir := t.TempDir()
	writeEvents(t, dir, trail())
	cases := []struct {
		name  string
		q     Query
		max   int
		pages [][]string
	}{
		{"account A by 4", Query{AccountID: acctA}, 4, [][]string{
			{"E28", "E26", "E24", "E22"}, {"E20", "E18", "E16", "E14"}, {"E12", "E10", "E08", "E06"}, {"E04", "E02", "E00"}}},
		{"secret reads of B", Query{AccountID: acctB, SecretReadOnly: true}, 2, [][]string{{"E27", "E21"}, {"E09", "E03"}}},
		{"failed creates", Query{EventName: "CreateVpc"}, 10, [][]string{{"E25", "E20", "E15", "E10", "E05", "E00"}}},
		{"day two only", Query{Since: day0.Add(24 * time.Hour), Until: day0.Add(48 * time.Hour), AccountID: acctB}, 50, [][]string{{"E23", "E21", "E19", "E17", "E15", "E13"}}},
		{"user bob writes", Query{Principal: "bob", EventRW: "Write"}, 1, [][]string{{"E25"}, {"E15"}, {"E05"}}},
		{"none", Query{AccountID: "3"}, 5, [][]string{{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got [][]string
			token := ""
			for range 20 {
				p, err := Lookup(dir, c.q, c.max, token)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ids(p.Events))
				if token = p.NextToken; token == "" {
					break
				}
			}
			if diff := cmp.Diff(c.pages, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Lookup(dir, Query{}, 5, "not-a-token"); err != ErrBadToken {
		t.Errorf("bad token: %v", err)
	}
}

// lookupCall runs LookupEvents as the service's use case over cfg, without
// an Authorizer (only the account's root identity is allowed).
func lookupCall(t *testing.T, cfg Trail, p iam.Principal, params map[string]string) (*LookupAnswer, error) {
	t.Helper()
	// LookupEvents reads the trail, never the store: a store whose every
	// method is nil's.
	s, err := service.New(service.Config{Store: struct{ store.Store }{}, Trail: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	c := &service.Request{RequestID: "R", Action: "LookupEvents", Version: Version, Principal: p, Params: params,
		Meta: action.Meta{RAM: "actiontrail:LookupEvents", Class: action.List}}
	out, err := s.LookupEvents(context.Background(), c)
	if err != nil {
		return nil, err
	}
	if c.Resource != "acs:actiontrail:*:"+p.AccountID+":*" {
		t.Errorf("Resource = %q", c.Resource)
	}
	return out.(*LookupAnswer), nil
}

func TestLookupEventsHandler(t *testing.T) {
	dir := t.TempDir()
	writeEvents(t, dir, trail())
	now := day0.Add(3 * 24 * time.Hour)
	cfg := Trail{Dir: dir, Now: func() time.Time { return now }}
	rootB := iam.Principal{Kind: iam.PrincipalRoot, AccountID: acctB, AccessKeyID: "LTAIrootb"}
	cases := []struct {
		name   string
		params map[string]string
		ids    []string
		start  string
		end    string
		token  bool
	}{
		{"defaults: own account, 7 days, 20", map[string]string{}, []string{"E29", "E27", "E25", "E23", "E21", "E19", "E17", "E15", "E13", "E11", "E09", "E07", "E05", "E03", "E01"},
			"2026-02-25T00:00:01Z", "2026-03-04T00:00:01Z", false},
		{"max results", map[string]string{"MaxResults": "2"}, []string{"E29", "E27"}, "2026-02-25T00:00:01Z", "2026-03-04T00:00:01Z", true},
		{"time range", map[string]string{"StartTime": "2026-03-01T10:00:00Z", "EndTime": "2026-03-01T20:00:00Z"}, []string{"E09", "E07", "E05"},
			"2026-03-01T10:00:00Z", "2026-03-01T20:00:00Z", false},
		{"attributes", map[string]string{"LookupAttribute.1.Key": "EventName", "LookupAttribute.1.Value": "DownloadVpnConnectionConfig",
			"LookupAttribute.2.Key": "User", "LookupAttribute.2.Value": "bob"}, []string{"E27", "E21", "E09", "E03"}, "2026-02-25T00:00:01Z", "2026-03-04T00:00:01Z", false},
		{"secret read and rw", map[string]string{"LookupAttribute.1.Key": "SecretRead", "LookupAttribute.1.Value": "true",
			"LookupAttribute.2.Key": "EventRW", "LookupAttribute.2.Value": "Read"}, []string{"E27", "E21", "E09", "E03"}, "2026-02-25T00:00:01Z", "2026-03-04T00:00:01Z", false},
		{"access key of another account", map[string]string{"LookupAttribute.1.Key": "EventAccessKeyId", "LookupAttribute.1.Value": "LTAIa"}, []string{},
			"2026-02-25T00:00:01Z", "2026-03-04T00:00:01Z", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := lookupCall(t, cfg, rootB, c.params)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.ids, ids(a.Events)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if a.StartTime != c.start || a.EndTime != c.end || (a.NextToken != "") != c.token {
				t.Errorf("StartTime %s EndTime %s NextToken %q", a.StartTime, a.EndTime, a.NextToken)
			}
		})
	}
}

func TestLookupEventsErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := Trail{Dir: dir}
	root := iam.Principal{Kind: iam.PrincipalRoot, AccountID: acctA}
	cases := []struct {
		name   string
		params map[string]string
		msg    string
	}{
		{"bad start", map[string]string{"StartTime": "yesterday"}, `StartTime "yesterday" is not a UTC time like 2006-01-02T15:04:05Z.`},
		{"bad end", map[string]string{"EndTime": "2026-01-01"}, `EndTime "2026-01-01" is not a UTC time like 2006-01-02T15:04:05Z.`},
		{"reversed", map[string]string{"StartTime": "2026-01-02T00:00:00Z", "EndTime": "2026-01-01T00:00:00Z"}, "StartTime must be before EndTime."},
		{"max 0", map[string]string{"MaxResults": "0"}, "MaxResults must be an integer from 1 to 50."},
		{"max 51", map[string]string{"MaxResults": "51"}, "MaxResults must be an integer from 1 to 50."},
		{"unknown key", map[string]string{"LookupAttribute.1.Key": "Color", "LookupAttribute.1.Value": "x"},
			`LookupAttribute.1.Key "Color" is not supported; use EventName, EventRW, EventAccessKeyId, ResourceName, User, EventId, ServiceName or SecretRead.`},
		{"bad rw", map[string]string{"LookupAttribute.1.Key": "EventRW", "LookupAttribute.1.Value": "Both"}, `LookupAttribute EventRW must be Read, Write or All, not "Both".`},
		{"bad token", map[string]string{"NextToken": "%%%"}, "NextToken is not valid; pass the NextToken of a previous answer or none."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := lookupCall(t, cfg, root, c.params)
			e, ok := apierror.As(err)
			if !ok || e.Code != "InvalidParameter" || e.Status != 400 || e.Message != c.msg {
				t.Errorf("got %v, want InvalidParameter %q", err, c.msg)
			}
		})
	}
	// Without an Authorizer a RAM user is refused.
	user := iam.Principal{Kind: iam.PrincipalUser, AccountID: acctA, UserName: "alice"}
	_, err := lookupCall(t, cfg, user, map[string]string{})
	e, ok := apierror.As(err)
	if !ok || e.Code != "Forbidden" || e.AccessDenied == nil || e.AccessDenied.AuthAction != "actiontrail:LookupEvents" {
		t.Errorf("RAM user without policy: %v", err)
	}
}

// TestLookupAnswerEncodes: the answer encodes in both formats as the server
// writes them; Events is a plain JSON array, repeated <Events> in XML.
func TestLookupAnswerEncodes(t *testing.T) {
	e := sampleEvent()
	a := &LookupAnswer{StartTime: "2026-03-01T00:00:00Z", EndTime: "2026-03-02T00:00:00Z", Events: []Event{e, e}}
	js, err := encodeBody(wire.JSON, a)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		StartTime, EndTime, NextToken string
		Events                        []map[string]any
	}
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	if len(back.Events) != 2 || back.Events[0]["eventName"] != "DownloadVpnConnectionConfig" || back.StartTime != a.StartTime {
		t.Errorf("JSON %s", js)
	}
	x, err := encodeBody(wire.XML, a)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(x), "<Events><eventId>"); n != 2 || !strings.Contains(string(x), "<userIdentity><type>ram-user</type>") {
		t.Errorf("XML %s", x)
	}
	empty, _ := encodeBody(wire.JSON, &LookupAnswer{Events: []Event{}})
	if want := `{"StartTime":"","EndTime":"","NextToken":"","Events":[]}`; string(empty) != want {
		t.Errorf("empty answer %s, want %s", empty, want)
	}
}

// encodeBody encodes a LookupEvents answer as the server does (without
// RequestId).
func encodeBody(f wire.Format, a *LookupAnswer) ([]byte, error) {
	e, err := wire.EncodeBody("LookupEvents", f, a)
	return e.Body, err
}

// FuzzNextToken: any NextToken is either refused with ErrBadToken or
// parsed; issued tokens round-trip.
func FuzzNextToken(f *testing.F) {
	f.Add("MTc3MjM2NjQwMDAwMDAwMDAwMDpFMDE", int64(1772366400000000000), "E01")
	f.Add("%%%", int64(-1), "x:y")
	f.Fuzz(func(t *testing.T, token string, ts int64, id string) {
		if c, err := parseToken(token); err != nil && err != ErrBadToken || err == nil && c.id == "" {
			t.Fatalf("parseToken(%q) = %+v, %v", token, c, err)
		}
		if id == "" {
			return
		}
		c, err := parseToken(cursor{ts, id}.token())
		if err != nil || c != (cursor{ts, id}) {
			t.Fatalf("round trip of {%d %q}: %+v, %v", ts, id, c, err)
		}
	})
}

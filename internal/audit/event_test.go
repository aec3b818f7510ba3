package audit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAppendStringMatchesEncodingJSON: the hand-written string encoder gives
// exactly encoding/json's bytes.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	cases := map[string]string{
		"empty":        "",
		"plain":        "aliyun-sdk-go/1.0 Go/1.26",
		"quotes":       `say "hi" \ bye`,
		"controls":     "a\x00b\x01c\nd\re\tf\x1fg\x7f\bh\fi",
		"html":         "<script>&</script>",
		"unicode":      "grüße 日本 🚀",
		"separators":   "a\u2028b\u2029c",
		"invalid utf8": "a\xffb\xc3(c\xe2\x82",
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := appendString(nil, s); string(got) != string(want) {
				t.Errorf("appendString(%q) = %s, want %s", s, got, want)
			}
		})
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\xff", "\u2028<>&", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func sampleEvent() Event {
	return Event{
		EventID: "0F6E2C4B-1A2B-4C3D-8E9F-0123456789AB", EventTime: time.Date(2026, 3, 1, 12, 30, 45, 123456789, time.UTC),
		EventName: "DownloadVpnConnectionConfig", EventType: "ApiCall", EventRW: "Read", SecretRead: true,
		ServiceName: "Vpc", APIVersion: "2016-04-28", RequestID: "0F6E2C4B-1A2B-4C3D-8E9F-0123456789AB",
		AcsRegion: "cn-hangzhou", SourceIP: "192.0.2.7", UserAgent: `AlibabaCloud (linux; amd64) "Go"/1.26 <x>`,
		SecureTransport: true,
		UserIdentity: Identity{Type: "ram-user", AccountID: "1234567890123456", PrincipalID: "2345",
			ARN: "acs:ram::1234567890123456:user/alice", UserName: "alice", AccessKeyID: "LTAIalice"},
		ResourceName: "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/vco-abc",
		HTTPStatus:   200, LatencyMs: 1.234,
	}
}

// TestAppendEventMatchesEncodingJSON: an event line is byte-for-byte what
// encoding/json writes for Event, and decodes back to the same event.
func TestAppendEventMatchesEncodingJSON(t *testing.T) {
	for name, e := range map[string]Event{
		"full":    sampleEvent(),
		"failure": {EventTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), HTTPStatus: 404, ErrorCode: "InvalidAccessKeyId.NotFound", UserIdentity: Identity{AccessKeyID: "LTAInope"}},
		"zero":    {},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(&e)
			if err != nil {
				t.Fatal(err)
			}
			got := appendEvent(nil, &e)
			if string(got) != string(want) {
				t.Errorf("appendEvent:\n got %s\nwant %s", got, want)
			}
			var back Event
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(e, back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

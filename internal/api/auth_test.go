package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/iam"
)

// TestAuthenticationErrors produces every authentication error with its exact
// HTTP status and Code, in both signature schemes.
func TestAuthenticationErrors(t *testing.T) {
	env := apptest.Start(t)
	ak, sk := apptest.AccessKeyID, apptest.AccessKeySecret
	ctx := context.Background()
	inactive := iam.AccessKey{AccessKeyID: "LTAIinactiveKey000001", Secret: "inactiveSecret", AccountID: env.App.Root.AccountID, Status: iam.KeyInactive, CreatedAt: time.Now()}
	if err := env.App.Store.CreateAccessKey(ctx, inactive); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	replayQ := v1Params("GET", regionsAction, ak, sk, now, nonce())
	if r := getV1(t, env, replayQ); r.Status != 200 {
		t.Fatalf("first use of nonce: %d %s", r.Status, r.Body)
	}
	replayV3 := v3Request(t, env, "DescribeRegions", "2016-04-28", "", ak, sk, now, nonce())
	if r := do(t, replayV3); r.Status != 200 {
		t.Fatalf("first use of V3 nonce: %d %s", r.Status, r.Body)
	}
	replayV3 = v3Request(t, env, "DescribeRegions", "2016-04-28", "", ak, sk, now, replayV3.Header.Get("x-acs-signature-nonce"))

	// drop removes a parameter from a signed query.
	drop := func(q, name string) string {
		var out []string
		for _, kv := range strings.Split(q, "&") {
			if !strings.HasPrefix(kv, name+"=") {
				out = append(out, kv)
			}
		}
		return strings.Join(out, "&")
	}
	withHeader := func(r *http.Request, k, v string) *http.Request {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
		return r
	}
	v3 := func(mut func(*http.Request) *http.Request) *http.Request {
		return mut(v3Request(t, env, "DescribeRegions", "2016-04-28", "", ak, sk, time.Now(), nonce()))
	}
	cases := []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
		msg    string // substring of Message
	}{
		{"method PUT", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPut, "http://"+env.Endpoint+"/?"+v1Params("PUT", regionsAction, ak, sk, time.Now(), nonce()), nil)
			return r
		}, 400, "UnsupportedHTTPMethod", "PUT"},
		{"method DELETE", func() *http.Request {
			r, _ := http.NewRequest(http.MethodDelete, "http://"+env.Endpoint+"/", nil)
			return r
		}, 400, "UnsupportedHTTPMethod", ""},
		{"no action", get(env, v1Params("GET", p("Version", "2016-04-28"), ak, sk, time.Now(), nonce())), 400, "MissingAction", "Action is mandatory"},
		{"no version", get(env, v1Params("GET", p("Action", "DescribeRegions"), ak, sk, time.Now(), nonce())), 400, "MissingVersion", ""},
		{"bad version", get(env, v1Params("GET", p("Action", "DescribeRegions", "Version", "2099-01-01"), ak, sk, time.Now(), nonce())), 400, "InvalidVersion", "2099-01-01"},
		{"unknown action", get(env, v1Params("GET", p("Action", "DescribeNothing", "Version", "2016-04-28"), ak, sk, time.Now(), nonce())), 404, "InvalidAction.NotFound", "DescribeNothing"},
		{"no signature", get(env, drop(v1Params("GET", regionsAction, ak, sk, time.Now(), nonce()), "Signature")), 400, "MissingSignature", ""},
		{"no AccessKeyId", get(env, drop(v1Params("GET", regionsAction, ak, sk, time.Now(), nonce()), "AccessKeyId")), 400, "MissingAccessKeyId", ""},
		{"no nonce", get(env, drop(v1Params("GET", regionsAction, ak, sk, time.Now(), nonce()), "SignatureNonce")), 400, "MissingSignatureNonce", ""},
		{"no timestamp", get(env, drop(v1Params("GET", regionsAction, ak, sk, time.Now(), nonce()), "Timestamp")), 400, "MissingTimestamp", ""},
		{"HMAC-SHA256 method", get(env, strings.Replace(v1Params("GET", regionsAction, ak, sk, time.Now(), nonce()), "SignatureMethod=HMAC-SHA1", "SignatureMethod=HMAC-SHA256", 1)), 400, "InvalidSignatureMethod", "HMAC-SHA256"},
		{"signature version 2.0", get(env, strings.Replace(v1Params("GET", regionsAction, ak, sk, time.Now(), nonce()), "SignatureVersion=1.0", "SignatureVersion=2.0", 1)), 400, "InvalidSignatureVersion", ""},
		{"timestamp format", get(env, v1Params("GET", append(p("Timestamp", "yesterday"), regionsAction...), ak, sk, time.Now(), nonce())+"&Timestamp=yesterday"), 400, "InvalidParameter.Duplicate", "Timestamp"},
		{"timestamp not ISO", get(env, strings.Replace(v1Params("GET", regionsAction, ak, sk, time.Now(), nonce()), "Timestamp=", "Timestamp=x", 1)), 400, "InvalidTimeStamp.Format", ""},
		{"timestamp 20 min old", get(env, v1Params("GET", regionsAction, ak, sk, time.Now().Add(-20*time.Minute), nonce())), 400, "InvalidTimeStamp.Expired", "15 minutes"},
		{"timestamp 20 min ahead", get(env, v1Params("GET", regionsAction, ak, sk, time.Now().Add(20*time.Minute), nonce())), 400, "InvalidTimeStamp.Expired", ""},
		{"unknown key", get(env, v1Params("GET", regionsAction, "LTAIunknownKey0000001", sk, time.Now(), nonce())), 404, "InvalidAccessKeyId.NotFound", ""},
		{"inactive key", get(env, v1Params("GET", regionsAction, inactive.AccessKeyID, inactive.Secret, time.Now(), nonce())), 400, "InvalidAccessKeyId.Inactive", ""},
		{"wrong secret", get(env, v1Params("GET", regionsAction, ak, "wrong", time.Now(), nonce())), 400, "SignatureDoesNotMatch", "server string to sign is:GET&%2F&AccessKeyId%3D" + ak},
		{"signed for POST sent as GET", get(env, v1Params("POST", regionsAction, ak, sk, time.Now(), nonce())), 400, "SignatureDoesNotMatch", "GET&%2F&"},
		{"nonce replay", get(env, replayQ), 400, "SignatureNonceUsed", ""},
		{"security token unknown", get(env, v1Params("GET", append(p("SecurityToken", "garbage"), regionsAction...), ak, sk, time.Now(), nonce())), 400, "InvalidSecurityToken.Malformed", ""},
		// V3
		{"v3 garbage authorization", func() *http.Request {
			return v3(func(r *http.Request) *http.Request {
				return withHeader(r, "Authorization", "ACS3-HMAC-SHA256 nonsense")
			})
		}, 400, "IncompleteSignature", ""},
		{"v3 other algorithm", func() *http.Request {
			return v3(func(r *http.Request) *http.Request {
				return withHeader(r, "Authorization", strings.Replace(r.Header.Get("Authorization"), "ACS3-HMAC-SHA256", "ACS3-HMAC-SM3", 1))
			})
		}, 400, "InvalidSignatureMethod", "ACS3-HMAC-SM3"},
		{"v3 unknown scheme", func() *http.Request {
			return v3(func(r *http.Request) *http.Request { return withHeader(r, "Authorization", "Basic dXNlcjpwdw==") })
		}, 400, "IncompleteSignature", ""},
		{"v3 missing date", func() *http.Request {
			return v3(func(r *http.Request) *http.Request { return withHeader(r, "x-acs-date", "") })
		}, 400, "IncompleteSignature", "x-acs-date"},
		{"v3 missing nonce", func() *http.Request {
			return v3(func(r *http.Request) *http.Request { return withHeader(r, "x-acs-signature-nonce", "") })
		}, 400, "IncompleteSignature", "x-acs-signature-nonce"},
		{"v3 bad date", func() *http.Request {
			return v3(func(r *http.Request) *http.Request { return withHeader(r, "x-acs-date", "26/11/2026") })
		}, 400, "InvalidTimeStamp.Format", ""},
		{"v3 expired", func() *http.Request {
			return v3Request(t, env, "DescribeRegions", "2016-04-28", "", ak, sk, time.Now().Add(-16*time.Minute), nonce())
		}, 400, "InvalidTimeStamp.Expired", ""},
		{"v3 wrong secret", func() *http.Request {
			return v3Request(t, env, "DescribeRegions", "2016-04-28", "RegionId=cn-hangzhou", ak, "wrong", time.Now(), nonce())
		}, 400, "SignatureDoesNotMatch", "server string to sign is:ACS3-HMAC-SHA256\n"},
		{"v3 query changed after signing", func() *http.Request {
			r := v3Request(t, env, "DescribeRegions", "2016-04-28", "AcceptLanguage=en-US", ak, sk, time.Now(), nonce())
			r.URL.RawQuery = "AcceptLanguage=zh-CN"
			return r
		}, 400, "SignatureDoesNotMatch", ""},
		{"v3 body hash mismatch", func() *http.Request {
			return v3(func(r *http.Request) *http.Request {
				return withHeader(r, "x-acs-content-sha256", strings.Repeat("0", 64))
			})
		}, 400, "SignatureDoesNotMatch", "x-acs-content-sha256"},
		{"v3 unknown key", func() *http.Request {
			return v3Request(t, env, "DescribeRegions", "2016-04-28", "", "LTAIunknownKey0000001", sk, time.Now(), nonce())
		}, 404, "InvalidAccessKeyId.NotFound", ""},
		{"v3 inactive key", func() *http.Request {
			return v3Request(t, env, "DescribeRegions", "2016-04-28", "", inactive.AccessKeyID, inactive.Secret, time.Now(), nonce())
		}, 400, "InvalidAccessKeyId.Inactive", ""},
		{"v3 nonce replay", func() *http.Request { return replayV3 }, 400, "SignatureNonceUsed", ""},
		{"v3 unknown action", func() *http.Request {
			return v3Request(t, env, "Nope", "2016-04-28", "", ak, sk, time.Now(), nonce())
		}, 404, "InvalidAction.NotFound", ""},
		{"v3 bad version", func() *http.Request {
			return v3Request(t, env, "DescribeRegions", "1999-01-01", "", ak, sk, time.Now(), nonce())
		}, 400, "InvalidVersion", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, tc.req())
			if r.Status != tc.status || r.Err.Code != tc.code {
				t.Fatalf("got %d %s (%s), want %d %s", r.Status, r.Err.Code, r.Err.Message, tc.status, tc.code)
			}
			if !strings.Contains(r.Err.Message, tc.msg) {
				t.Fatalf("message %q does not contain %q", r.Err.Message, tc.msg)
			}
			if len(r.Err.RequestId) != 36 || strings.ToUpper(r.Err.RequestId) != r.Err.RequestId {
				t.Fatalf("RequestId %q", r.Err.RequestId)
			}
			if r.Err.HostId != env.Endpoint || r.Err.Recommend == "" {
				t.Fatalf("HostId %q Recommend %q", r.Err.HostId, r.Err.Recommend)
			}
			if r.ContentType != "application/json;charset=utf-8" {
				t.Fatalf("Content-Type %q", r.ContentType)
			}
		})
	}
}

func get(env *apptest.Env, query string) func() *http.Request {
	return func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "http://"+env.Endpoint+"/?"+query, nil)
		return r
	}
}

// TestXMLErrors: Format=XML errors are XML with the exact Content-Type the
// V2 SDK requires.
func TestXMLErrors(t *testing.T) {
	env := apptest.Start(t)
	q := v1Params("GET", append(p("Format", "xml"), regionsAction...), apptest.AccessKeyID, "wrong", time.Now(), nonce())
	r := getV1(t, env, q)
	if r.Status != 400 || r.ContentType != "text/xml;charset=utf-8" || r.Err.Code != "SignatureDoesNotMatch" {
		t.Fatalf("%d %q %q", r.Status, r.ContentType, r.Body)
	}
	if !strings.HasPrefix(r.Body, `<?xml version="1.0" encoding="UTF-8"?><Error><RequestId>`) {
		t.Fatalf("body %q", r.Body)
	}
}

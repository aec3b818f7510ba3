package api_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// rawResult is a parsed answer of a raw request.
type rawResult struct {
	Status      int
	ContentType string
	Body        string
	Err         struct {
		RequestId, HostId, Code, Message, Recommend string
	}
}

func nonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func do(t *testing.T, req *http.Request) rawResult {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := rawResult{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: string(b)}
	if resp.StatusCode >= 400 {
		if strings.HasPrefix(r.ContentType, "text/xml") {
			var x struct {
				XMLName                                     xml.Name `xml:"Error"`
				RequestId, HostId, Code, Message, Recommend string
			}
			if err := xml.Unmarshal(b, &x); err != nil {
				t.Fatalf("XML error body %q: %v", b, err)
			}
			r.Err.RequestId, r.Err.HostId, r.Err.Code, r.Err.Message, r.Err.Recommend = x.RequestId, x.HostId, x.Code, x.Message, x.Recommend
		} else if err := json.Unmarshal(b, &r.Err); err != nil {
			t.Fatalf("JSON error body %q: %v", b, err)
		}
	}
	return r
}

// v1Params signs params (V1) with the given key.
func v1Params(method string, params []signature.Param, ak, secret string, ts time.Time, n string) string {
	return signature.V1Query(signature.SignV1(method, params, ak, secret, ts, n))
}

func p(kv ...string) []signature.Param {
	var out []signature.Param
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, signature.Param{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

var regionsAction = p("Action", "DescribeRegions", "Version", "2016-04-28")

func getV1(t *testing.T, env *apptest.Env, query string) rawResult {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+env.Endpoint+"/?"+query, nil)
	return do(t, req)
}

// v3Request builds a V3-signed POST with the query and action given.
func v3Request(t *testing.T, env *apptest.Env, action, version, query, ak, secret string, ts time.Time, n string) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+env.Endpoint+"/?"+query, nil)
	req.Header.Set("x-acs-action", action)
	req.Header.Set("x-acs-version", version)
	if err := signature.SignV3(req, ak, secret, ts, n, signature.EmptyBodySHA256); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestPooledRequestsStartClean: requests share pooled per-request state, so
// one answered with an error in XML after a thousand parameters must not
// colour the next (JSON, signed, few parameters), and the other way round.
func TestPooledRequestsStartClean(t *testing.T) {
	env := apptest.Start(t)
	many := p("Action", "DescribeRegions", "Version", "2016-04-28", "Format", "XML")
	for i := range 200 {
		many = append(many, signature.Param{Name: fmt.Sprintf("P%03d", i), Value: "v"})
	}
	for i := range 30 {
		bad := getV1(t, env, v1Params(http.MethodGet, many, apptest.AccessKeyID, "wrong-secret", time.Now(), nonce()))
		if bad.Status != 400 || bad.Err.Code != "SignatureDoesNotMatch" || !strings.HasPrefix(bad.ContentType, "text/xml") {
			t.Fatalf("round %d: bad signature answered %d %q %q", i, bad.Status, bad.Err.Code, bad.ContentType)
		}
		good := getV1(t, env, v1Params(http.MethodGet, regionsAction, apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), nonce()))
		var regions struct {
			RequestId string
			Regions   struct{ Region []struct{ RegionId string } }
		}
		if good.Status != 200 || !strings.HasPrefix(good.ContentType, "application/json") {
			t.Fatalf("round %d: good request answered %d %q: %s", i, good.Status, good.ContentType, good.Body)
		}
		if err := json.Unmarshal([]byte(good.Body), &regions); err != nil || len(regions.Regions.Region) != 26 || regions.RequestId == bad.Err.RequestId {
			t.Fatalf("round %d: answer %s (err %v)", i, good.Body, err)
		}
	}
}

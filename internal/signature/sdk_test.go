package signature_test

// Cross-checks against the official SDKs' own signers (imported only here).

import (
	"errors"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	v1auth "github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"

	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// alphabet mixes characters every encoding step treats differently: plain,
// unreserved punctuation, the SDKs' replacement targets (+ * ~ %7E), query
// syntax (& = ?), spaces and multi-byte UTF-8.
const alphabetCSV = "a|Z|0|-|_|.|~|+|*|%|%7E| |&|=|?|/|:|;|,|é|中|\t|'|!|(|)|$|@"

func randString(r *rand.Rand, maxParts int) string {
	alphabet := strings.Split(alphabetCSV, "|")
	n := r.IntN(maxParts + 1)
	var b strings.Builder
	for range n {
		b.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// randParams returns 0-15 parameters with unique non-empty names (the SDKs
// keep parameters in maps) that avoid reserved names, and often empty values.
func randParams(r *rand.Rand, reserved func(string) bool) map[string]string {
	m := map[string]string{}
	for range r.IntN(16) {
		name := randString(r, 6)
		if name == "" || reserved(name) {
			continue
		}
		if r.IntN(4) == 0 {
			m[name] = ""
		} else {
			m[name] = randString(r, 12)
		}
	}
	return m
}

func toParams(ms ...map[string]string) []signature.Param {
	var p []signature.Param
	for _, m := range ms {
		for k, v := range m {
			p = append(p, signature.Param{Name: k, Value: v})
		}
	}
	return p
}

func v1Reserved(name string) bool {
	switch name {
	case "Action", "Version", "Format", "Timestamp", "SignatureMethod", "SignatureVersion", "SignatureType",
		"SignatureNonce", "AccessKeyId", "RegionId", "SecurityToken", "BearerToken", "Signature":
		return true
	}
	return false
}

// TestV2SDKRPCSignature: the V2 SDK's own V1 signer (GetRPCSignature) and
// ours agree for random parameters and methods; our Verifier accepts it.
func TestV2SDKRPCSignature(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ver := signature.NewVerifier(0)
	for i := range 2000 {
		m := randParams(r, func(s string) bool { return s == "Signature" })
		method := []string{"GET", "POST"}[i%2]
		secret := randString(r, 8)
		sp := map[string]*string{}
		for k, v := range m {
			sp[k] = dara.String(v)
		}
		want := *openapiutil.GetRPCSignature(sp, dara.String(method), dara.String(secret))
		params := toParams(m)
		got := signature.V1Sign(secret, signature.V1StringToSign(method, params))
		if got != want {
			t.Fatalf("case %d: V1Sign = %q, SDK = %q (params %q)", i, got, want, m)
		}
		params = append(params, signature.Param{Name: "Signature", Value: want})
		if err := ver.VerifyV1(method, params, secret); err != nil {
			t.Fatalf("case %d: VerifyV1: %v (params %q)", i, err, m)
		}
	}
}

// TestV1SDKSignRoundTrip: requests signed by the V1 SDK's signRpcRequest
// (through auth.Sign), put on the wire as its BuildQueries and form body do,
// decoded with net/url and checked by our Verifier; and the SDK's string to
// sign equals ours.
func TestV1SDKSignRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ver := signature.NewVerifier(0)
	for i := range 1000 {
		req := &requests.RpcRequest{}
		req.InitWithApiInfo("Vpc", "2016-04-28", "DownloadVpnConnectionConfig", "", "")
		req.Method = []string{"GET", "POST"}[i%2]
		query := randParams(r, v1Reserved)
		form := randParams(r, v1Reserved)
		for k := range form {
			delete(query, k) // one name in both would be ambiguous
		}
		for k, v := range query {
			req.QueryParams[k] = v
		}
		for k, v := range form {
			req.FormParams[k] = v
		}
		secret := "sk-" + randString(r, 8)
		if err := v1auth.Sign(req, nil, "cn-hangzhou", credentials.NewStaticAKCredentialsProvider("testAccessKeyId", secret)); err != nil {
			t.Fatalf("case %d: SDK sign: %v", i, err)
		}
		wireQuery := strings.TrimPrefix(req.BuildQueries(), "/?")
		qv, err := url.ParseQuery(wireQuery)
		if err != nil {
			t.Fatalf("case %d: parse query: %v", i, err)
		}
		fv, err := url.ParseQuery(string(req.Content))
		if err != nil {
			t.Fatalf("case %d: parse form: %v", i, err)
		}
		var params []signature.Param
		for _, vs := range []url.Values{qv, fv} {
			for k, v := range vs {
				for _, x := range v {
					params = append(params, signature.Param{Name: k, Value: x})
				}
			}
		}
		if got, want := signature.V1StringToSign(req.Method, params), req.GetStringToSign(); got != want {
			t.Fatalf("case %d: V1StringToSign =\n%q\nSDK:\n%q", i, got, want)
		}
		if err := ver.VerifyV1(req.Method, params, secret); err != nil {
			t.Fatalf("case %d: VerifyV1: %v", i, err)
		}
		if err := ver.VerifyV1(req.Method, params, secret+"x"); !errors.Is(err, signature.ErrMismatch) {
			t.Fatalf("case %d: VerifyV1 with a wrong secret = %v, want ErrMismatch", i, err)
		}
	}
}

// TestV2SDKV3Authorization: the V2 SDK's GetAuthorization (ACS3-HMAC-SHA256)
// and ours agree for random query parameters and extra x-acs-* headers; the
// header it builds parses and verifies.
func TestV2SDKV3Authorization(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ver := signature.NewVerifier(0)
	for i := range 2000 {
		query := randParams(r, func(string) bool { return false })
		headers := map[string]string{
			"host":                  "127.0.0.1:18080",
			"x-acs-action":          "DownloadVpnConnectionConfig",
			"x-acs-version":         "2016-04-28",
			"x-acs-date":            "2026-11-26T04:35:09Z",
			"x-acs-signature-nonce": randString(r, 8),
			"x-acs-content-sha256":  signature.EmptyBodySHA256,
		}
		for range r.IntN(3) {
			headers["x-acs-"+strings.ToLower(randString(r, 3))] = " " + randString(r, 6) + " "
		}
		if r.IntN(2) == 0 {
			headers["content-type"] = "application/x-www-form-urlencoded"
		}
		// Keep only names the SDK would send as header names.
		for k := range headers {
			for _, c := range k[min(len(k), 6):] {
				if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
					delete(headers, k)
					break
				}
			}
		}
		req := dara.NewRequest()
		req.Method = dara.String("POST")
		req.Pathname = dara.String("/")
		req.Query = map[string]*string{}
		for k, v := range query {
			req.Query[k] = dara.String(v)
		}
		req.Headers = map[string]*string{}
		for k, v := range headers {
			req.Headers[k] = dara.String(v)
		}
		secret := randString(r, 8)
		authz := *openapiutil.GetAuthorization(req, dara.String("ACS3-HMAC-SHA256"), dara.String(signature.EmptyBodySHA256), dara.String("testAccessKeyId"), dara.String(secret))
		a, err := signature.ParseV3Authorization(authz)
		if err != nil {
			t.Fatalf("case %d: ParseV3Authorization(%q): %v", i, authz, err)
		}
		hf := func(n string) string { return headers[n] }
		cr := signature.V3CanonicalRequest("POST", "/", toParams(query), hf, a.SignedHeaders, signature.EmptyBodySHA256)
		if got := signature.V3Sign(secret, signature.V3StringToSign(cr)); got != a.Signature {
			t.Fatalf("case %d: V3Sign = %s, SDK = %s\ncanonical:\n%s", i, got, a.Signature, cr)
		}
		if err := ver.VerifyV3("POST", "/", toParams(query), hf, a, signature.EmptyBodySHA256, secret); err != nil {
			t.Fatalf("case %d: VerifyV3: %v", i, err)
		}
	}
}

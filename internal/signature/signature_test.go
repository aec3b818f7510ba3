package signature

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestEncodingMatchesSDKRecipe(t *testing.T) {
	// The SDKs: url.QueryEscape, then "+"->"%20", "*"->"%2A", "%7E"->"~".
	sdk := func(s string) string {
		s = url.QueryEscape(s)
		s = strings.ReplaceAll(s, "+", "%20")
		s = strings.ReplaceAll(s, "*", "%2A")
		return strings.ReplaceAll(s, "%7E", "~")
	}
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)})
		if got, want := string(appendEnc(nil, s)), sdk(s); got != want {
			t.Errorf("enc(%q) = %q, want %q", s, got, want)
		}
		if got, want := string(appendEncEnc(nil, s)), sdk(sdk(s)); got != want {
			t.Errorf("enc(enc(%q)) = %q, want %q", s, got, want)
		}
	}
}

func TestAppendV3Name(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "RegionId", "RegionId"},
		{"dotted", "Tag.1.Key", "Tag.1.Key"},
		{"plus", "a+b", "a%20b"},
		{"star", "a*", "a%2A"},
		{"percent 7E", "x%7Ey", "x~y"},
		{"percent other", "x%7Fy", "x%7Fy"},
		{"percent at end", "x%7", "x%7"},
		{"double percent", "%%7E", "%~"},
		{"space stays", "a b", "a b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sdk := strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(tc.in, "+", "%20"), "*", "%2A"), "%7E", "~")
			if got := string(appendV3Name(nil, tc.in)); got != tc.want || got != sdk {
				t.Errorf("appendV3Name(%q) = %q, want %q (SDK recipe %q)", tc.in, got, tc.want, sdk)
			}
		})
	}
}

func TestV3CanonicalQueryLeadingAmpersand(t *testing.T) {
	// The V2 SDK trims every leading "&" of the joined query.
	got := V3CanonicalRequest("POST", "", []Param{{"b", "2"}, {"&&a", "1"}}, func(string) string { return "" }, nil, "h")
	if want := "POST\n/\na=1&b=2\n\n\nh"; got != want {
		t.Errorf("V3CanonicalRequest = %q, want %q", got, want)
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{{"", "", true}, {"abc", "abc", true}, {"abc", "abd", false}, {"abc", "ab", false}, {"", "a", false}}
	for _, tc := range tests {
		if got := Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

const goodAuth = "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;x-acs-date,Signature=" +
	"a80873ea2b9e48dc404c1a780cb9fd83e240dc8deea1f3acc6fccc869b4da7c1"

func TestParseV3Authorization(t *testing.T) {
	const sig = "a80873ea2b9e48dc404c1a780cb9fd83e240dc8deea1f3acc6fccc869b4da7c1"
	tests := []struct {
		name    string
		in      string
		want    V3Authorization
		wantErr string // substring; "" means success
	}{
		{"valid", goodAuth, V3Authorization{"ak", []string{"host", "x-acs-date"}, sig}, ""},
		{"other order", "ACS3-HMAC-SHA256 Signature=" + sig + ",SignedHeaders=host,Credential=STS.abc", V3Authorization{"STS.abc", []string{"host"}, sig}, ""},
		{"empty", "", V3Authorization{}, "unsupported algorithm"},
		{"sm3", "ACS3-HMAC-SM3 Credential=ak,SignedHeaders=host,Signature=" + sig, V3Authorization{}, `unsupported algorithm "ACS3-HMAC-SM3"`},
		{"no space", "ACS3-HMAC-SHA256Credential=ak", V3Authorization{}, "unsupported algorithm"},
		{"missing signature", "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host", V3Authorization{}, "Signature is missing"},
		{"missing credential", "ACS3-HMAC-SHA256 SignedHeaders=host,Signature=" + sig, V3Authorization{}, "Credential is missing"},
		{"missing headers", "ACS3-HMAC-SHA256 Credential=ak,Signature=" + sig, V3Authorization{}, "SignedHeaders is missing"},
		{"duplicate", "ACS3-HMAC-SHA256 Credential=ak,Credential=ak,Signature=" + sig, V3Authorization{}, "Credential given twice"},
		{"unknown field", "ACS3-HMAC-SHA256 Credential=ak,Foo=bar,Signature=" + sig, V3Authorization{}, `unknown field "Foo"`},
		{"no equals", "ACS3-HMAC-SHA256 Credential", V3Authorization{}, `field 1 has no "="`},
		{"trailing comma", goodAuth + ",", V3Authorization{}, "more than three fields"},
		{"space after comma", "ACS3-HMAC-SHA256 Credential=ak, SignedHeaders=host,Signature=" + sig, V3Authorization{}, `unknown field " SignedHeaders"`},
		{"empty credential", "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=" + sig, V3Authorization{}, "Credential is empty"},
		{"credential space", "ACS3-HMAC-SHA256 Credential=a k,SignedHeaders=host,Signature=" + sig, V3Authorization{}, "invalid character at byte 1"},
		{"long credential", "ACS3-HMAC-SHA256 Credential=" + strings.Repeat("a", 257) + ",SignedHeaders=host,Signature=" + sig, V3Authorization{}, "longer than 256"},
		{"empty headers", "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=,Signature=" + sig, V3Authorization{}, "SignedHeaders is empty"},
		{"empty header name", "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;;x,Signature=" + sig, V3Authorization{}, "empty name"},
		{"upper-case header", "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=Host,Signature=" + sig, V3Authorization{}, "invalid character"},
		{"unsorted headers", "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=x-acs-date;host,Signature=" + sig, V3Authorization{}, `sorted and unique ("host" after "x-acs-date")`},
		{"repeated header", "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;host,Signature=" + sig, V3Authorization{}, "sorted and unique"},
		{"short signature", "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host,Signature=abc", V3Authorization{}, "64 lower-case hex"},
		{"upper-case signature", "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host,Signature=" + strings.ToUpper(sig), V3Authorization{}, "64 lower-case hex"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseV3Authorization(tc.in)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if got.AccessKeyID != tc.want.AccessKeyID || got.Signature != tc.want.Signature ||
					strings.Join(got.SignedHeaders, ";") != strings.Join(tc.want.SignedHeaders, ";") {
					t.Fatalf("got %+v, want %+v", got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.wantErr)
			}
			if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %q, want ErrIncomplete containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestVerifyV1Errors(t *testing.T) {
	signed := SignV1("GET", []Param{{"Action", "DescribeVpnConnections"}, {"Version", "2016-04-28"}}, "ak", "sk",
		time.Date(2026, 11, 26, 4, 35, 11, 0, time.UTC), "n1")
	without := signed[:len(signed)-1]
	sig := signed[len(signed)-1]
	tests := []struct {
		name    string
		method  string
		params  []Param
		secret  string
		want    error
		wantMsg string
	}{
		{"ok", "GET", signed, "sk", nil, ""},
		{"missing", "GET", without, "sk", ErrIncomplete, "missing"},
		{"twice", "GET", append(append([]Param{}, signed...), sig), "sk", ErrIncomplete, "given 2 times"},
		{"empty", "GET", append(append([]Param{}, without...), Param{"Signature", ""}), "sk", ErrIncomplete, "empty"},
		{"wrong secret", "GET", signed, "sk2", ErrMismatch, ""},
		{"wrong method", "POST", signed, "sk", ErrMismatch, ""},
		{"extra param", "GET", append(append([]Param{}, signed...), Param{"X", ""}), "sk", ErrMismatch, ""},
		{"changed value", "GET", append([]Param{{"Action", "DeleteVpnConnection"}}, signed[1:]...), "sk", ErrMismatch, ""},
	}
	v := NewVerifier(0)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := v.VerifyV1(tc.method, tc.params, tc.secret)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("VerifyV1: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(fmt.Sprint(err), tc.wantMsg) {
				t.Fatalf("VerifyV1 = %v, want %v containing %q", err, tc.want, tc.wantMsg)
			}
		})
	}
}

func TestSignV1(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 35, 11, 0, time.FixedZone("CST", 8*3600))
	in := []Param{
		{"Action", "DownloadVpnConnectionConfig"}, {"Version", "2016-04-28"}, {"Format", "json"},
		{"RegionId", "cn-hangzhou"}, {"VpnConnectionId", "vco-bp1bbi27hojx80nck****"},
		{"Signature", "stale"}, {"SignatureNonce", "stale"},
	}
	orig := append([]Param(nil), in...)
	out := SignV1("POST", in, "testAccessKeyId", "testAccessKeySecret", now, "a0f8b19f49140f1512d2b081e4a7f187")
	// The same request as the WIRE.md V1 vector.
	if got := out[len(out)-1]; got != (Param{"Signature", "mYi8Nw1SrAmcuVhF/JpAeOuPe0s="}) {
		t.Errorf("last param = %v, want the WIRE.md signature", got)
	}
	for i := range orig {
		if in[i] != orig[i] {
			t.Fatalf("SignV1 modified its input")
		}
	}
	count := map[string]int{}
	for _, p := range out {
		count[p.Name]++
	}
	for _, n := range []string{"Signature", "SignatureNonce", "Format", "Timestamp", "AccessKeyId"} {
		if count[n] != 1 {
			t.Errorf("%s appears %d times, want 1", n, count[n])
		}
	}
	// Round trip through the wire form.
	vals, err := url.ParseQuery(V1Query(out))
	if err != nil {
		t.Fatal(err)
	}
	var back []Param
	for k, vs := range vals {
		for _, v := range vs {
			back = append(back, Param{k, v})
		}
	}
	if err := NewVerifier(0).VerifyV1("POST", back, "testAccessKeySecret"); err != nil {
		t.Errorf("VerifyV1 after the wire: %v", err)
	}
	// Format defaults to JSON.
	out = SignV1("GET", []Param{{"Action", "A"}}, "ak", "sk", now, "n")
	if !containsParam(out, Param{"Format", "JSON"}) || !containsParam(out, Param{"Timestamp", "2026-11-26T04:35:11Z"}) {
		t.Errorf("SignV1 without Format = %v, want Format=JSON and a UTC Timestamp", out)
	}
}

func containsParam(ps []Param, p Param) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

func TestSignV3ReproducesVector(t *testing.T) {
	tc := v3Vectors[0]
	req, err := http.NewRequest("POST", "http://127.0.0.1:18080/?RegionId=cn-hangzhou&VpnConnectionId=vco-bp1bbi27hojx80nck%2A%2A%2A%2A", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-acs-action", "DownloadVpnConnectionConfig")
	req.Header.Set("x-acs-version", "2016-04-28")
	req.Header.Set("x-acs-credentials-provider", "static_ak")
	now := time.Date(2026, 11, 26, 4, 35, 9, 0, time.UTC)
	if err := SignV3(req, "testAccessKeyId", tc.secret, now, "93ba4c7e1d5283a3bdc2fb306604ef8c", EmptyBodySHA256); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != tc.authorization {
		t.Errorf("Authorization =\n%s\nwant\n%s", got, tc.authorization)
	}
	// Server side, through HeaderFunc.
	a, err := ParseV3Authorization(req.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	q := []Param{{"RegionId", "cn-hangzhou"}, {"VpnConnectionId", "vco-bp1bbi27hojx80nck****"}}
	if err := NewVerifier(0).VerifyV3("POST", "/", q, HeaderFunc(req), a, EmptyBodySHA256, tc.secret); err != nil {
		t.Errorf("VerifyV3: %v", err)
	}
}

func TestHeaderFunc(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://h:1/", nil)
	req.Header.Add("X-Acs-Multi", " b ")
	req.Header.Add("X-Acs-Multi", "a")
	req.Header.Set("X-Acs-One", " v ")
	h := HeaderFunc(req)
	for name, want := range map[string]string{"host": "h:1", "x-acs-multi": "a,b", "x-acs-one": " v ", "x-acs-none": ""} {
		if got := h(name); got != want {
			t.Errorf("HeaderFunc(%q) = %q, want %q", name, got, want)
		}
	}
}

func v3Request(t testing.TB, secret string, extra map[string]string) (*http.Request, V3Authorization) {
	req, err := http.NewRequest("POST", "http://127.0.0.1:18080/?RegionId=cn-hangzhou", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-acs-action", "DownloadVpnConnectionConfig")
	req.Header.Set("x-acs-version", "2016-04-28")
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	if err := SignV3(req, "ak", secret, time.Unix(1e9, 0), "nonce", EmptyBodySHA256); err != nil {
		t.Fatal(err)
	}
	a, err := ParseV3Authorization(req.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	return req, a
}

func TestVerifyV3Errors(t *testing.T) {
	q := []Param{{"RegionId", "cn-hangzhou"}}
	req, a := v3Request(t, "sk", nil)
	sts, aSTS := v3Request(t, "sk", map[string]string{"x-acs-security-token": "tok"})
	without := func(a V3Authorization, name string) V3Authorization {
		var hs []string
		for _, h := range a.SignedHeaders {
			if h != name {
				hs = append(hs, h)
			}
		}
		a.SignedHeaders = hs
		return a
	}
	tests := []struct {
		name    string
		req     *http.Request
		auth    V3Authorization
		query   []Param
		body    string
		secret  string
		want    error
		wantMsg string
	}{
		{"ok", req, a, q, EmptyBodySHA256, "sk", nil, ""},
		{"ok with sts", sts, aSTS, q, EmptyBodySHA256, "sk", nil, ""},
		{"sts token unsigned", sts, without(aSTS, "x-acs-security-token"), q, EmptyBodySHA256, "sk", ErrIncomplete, "x-acs-security-token"},
		{"nonce unsigned", req, without(a, "x-acs-signature-nonce"), q, EmptyBodySHA256, "sk", ErrIncomplete, "x-acs-signature-nonce"},
		{"date unsigned", req, without(a, "x-acs-date"), q, EmptyBodySHA256, "sk", ErrIncomplete, "x-acs-date"},
		{"action unsigned", req, without(a, "x-acs-action"), q, EmptyBodySHA256, "sk", ErrIncomplete, "x-acs-action"},
		{"body hash differs", req, a, q, strings.Repeat("0", 64), "sk", ErrMismatch, "x-acs-content-sha256"},
		{"wrong secret", req, a, q, EmptyBodySHA256, "sk2", ErrMismatch, ""},
		{"changed query", req, a, []Param{{"RegionId", "cn-beijing"}}, EmptyBodySHA256, "sk", ErrMismatch, ""},
		{"added query", req, a, append([]Param{{"X", ""}}, q...), EmptyBodySHA256, "sk", ErrMismatch, ""},
	}
	v := NewVerifier(0)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := v.VerifyV3("POST", "/", tc.query, HeaderFunc(tc.req), tc.auth, tc.body, tc.secret)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("VerifyV3: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(fmt.Sprint(err), tc.wantMsg) {
				t.Fatalf("VerifyV3 = %v, want %v containing %q", err, tc.want, tc.wantMsg)
			}
		})
	}
}

func randParamList(r *rand.Rand) []Param {
	alphabet := []string{"a", "B", "1", "-", "~", "+", "*", "%", "%7E", " ", "&", "=", "é", ".", "Signature"}
	s := func(max int) string {
		var b strings.Builder
		for range r.IntN(max + 1) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	var ps []Param
	for range r.IntN(20) {
		ps = append(ps, Param{s(4), s(8)})
	}
	return ps
}

// TestVerifierMatchesPlain: the Verifier accepts exactly what the plain
// functions sign, and rejects a one-bit change, for random inputs including
// duplicate names and many secrets (so the bounded cache evicts).
func TestVerifierMatchesPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	v := NewVerifier(8)
	for i := range 3000 {
		secret := fmt.Sprintf("secret-%d", r.IntN(20))
		params := randParamList(r)
		var clean []Param
		for _, p := range params {
			if p.Name != "Signature" {
				clean = append(clean, p)
			}
		}
		sig := V1Sign(secret, V1StringToSign("GET", clean))
		withSig := append(append([]Param{}, clean...), Param{"Signature", sig})
		if err := v.VerifyV1("GET", withSig, secret); err != nil {
			t.Fatalf("case %d: VerifyV1 of a plain signature: %v", i, err)
		}
		bad := []byte(sig)
		bad[r.IntN(len(bad)-1)] ^= 1
		withSig[len(withSig)-1].Value = string(bad)
		if err := v.VerifyV1("GET", withSig, secret); !errors.Is(err, ErrMismatch) {
			t.Fatalf("case %d: VerifyV1 of a changed signature = %v", i, err)
		}

		headers := map[string]string{"host": "h", "x-acs-action": "A", "x-acs-content-sha256": EmptyBodySHA256,
			"x-acs-date": "d", "x-acs-signature-nonce": fmt.Sprint(i), "x-acs-version": " v "}
		signed := []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}
		hf := func(n string) string { return headers[n] }
		a := V3Authorization{"ak", signed, V3Sign(secret, V3StringToSign(V3CanonicalRequest("POST", "/", params, hf, signed, EmptyBodySHA256)))}
		if err := v.VerifyV3("POST", "/", params, hf, a, EmptyBodySHA256, secret); err != nil {
			t.Fatalf("case %d: VerifyV3 of a plain signature: %v", i, err)
		}
		a.Signature = V3Sign(secret+"x", "y")
		if err := v.VerifyV3("POST", "/", params, hf, a, EmptyBodySHA256, secret); !errors.Is(err, ErrMismatch) {
			t.Fatalf("case %d: VerifyV3 of a wrong signature = %v", i, err)
		}
		if n := v.CachedKeys(); n > 8 {
			t.Fatalf("CachedKeys = %d, want <= 8", n)
		}
	}
}

func TestVerifierConcurrent(t *testing.T) {
	v := NewVerifier(4)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				secret := fmt.Sprintf("s%d", (g+i)%6)
				ps := SignV1("GET", []Param{{"Action", "A"}, {"N", fmt.Sprint(i)}}, "ak", secret, time.Unix(0, 0), "n")
				if err := v.VerifyV1("GET", ps, secret); err != nil {
					t.Errorf("goroutine %d case %d: %v", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkVerifyV1(b *testing.B) {
	params := SignV1("GET", []Param{
		{"Action", "DownloadVpnConnectionConfig"}, {"Version", "2016-04-28"}, {"RegionId", "cn-hangzhou"},
		{"VpnConnectionId", "vco-bp1bbi27hojx80nck0001"}, {"SignatureType", ""},
	}, "LTAI5tExampleAccessKey01", "testAccessKeySecret", time.Unix(1.7e9, 0), "a0f8b19f49140f1512d2b081e4a7f187")
	v := NewVerifier(0)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.VerifyV1("GET", params, "testAccessKeySecret"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyV1Plain(b *testing.B) {
	params := SignV1("GET", []Param{
		{"Action", "DownloadVpnConnectionConfig"}, {"Version", "2016-04-28"}, {"RegionId", "cn-hangzhou"},
		{"VpnConnectionId", "vco-bp1bbi27hojx80nck0001"}, {"SignatureType", ""},
	}, "LTAI5tExampleAccessKey01", "testAccessKeySecret", time.Unix(1.7e9, 0), "a0f8b19f49140f1512d2b081e4a7f187")
	sig := params[len(params)-1].Value
	b.ReportAllocs()
	for b.Loop() {
		if !Equal(V1Sign("testAccessKeySecret", V1StringToSign("GET", params)), sig) {
			b.Fatal("mismatch")
		}
	}
}

func BenchmarkVerifyV3(b *testing.B) {
	tc := v3Vectors[0]
	a, err := ParseV3Authorization(tc.authorization)
	if err != nil {
		b.Fatal(err)
	}
	hf := func(n string) string { return tc.headers[n] }
	v := NewVerifier(0)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.VerifyV3("POST", "/", tc.query, hf, a, EmptyBodySHA256, tc.secret); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseV3Authorization(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseV3Authorization(v3Vectors[0].authorization); err != nil {
			b.Fatal(err)
		}
	}
}

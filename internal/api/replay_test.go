package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/store"
)

// signV3Raw builds a V3-signed POST whose x-acs-* headers are exactly hdr
// (several values of a name are sent as several field lines, in the order
// given) and signs them as the V2 SDK's canonicalisation does (each value
// trimmed, the values sorted and joined by ","). It is how a captured request
// looks after an attacker rewrote the header lines without changing what
// the canonicalisation produces.
func signV3Raw(t *testing.T, env *apptest.Env, query string, hdr map[string][]string) *http.Request {
	t.Helper()
	return signV3Lines(env.Endpoint, query, hdr)
}

// signV3Lines is signV3Raw for a server at endpoint with the root key.
func signV3Lines(endpoint, query string, hdr map[string][]string) *http.Request {
	req, err := http.NewRequest(http.MethodPost, "http://"+endpoint+"/?"+query, nil)
	if err != nil {
		panic(err)
	}
	canon := map[string]string{"host": endpoint}
	for k, vs := range hdr {
		req.Header[http.CanonicalHeaderKey(k)] = vs
		t := make([]string, len(vs))
		for i, v := range vs {
			t[i] = strings.TrimSpace(v)
		}
		sort.Strings(t)
		canon[k] = strings.Join(t, ",")
	}
	names := make([]string, 0, len(canon))
	for k := range canon {
		names = append(names, k)
	}
	sort.Strings(names)
	qv, _ := url.ParseQuery(query)
	var q []signature.Param
	for k, vs := range qv {
		for _, v := range vs {
			q = append(q, signature.Param{Name: k, Value: v})
		}
	}
	cr := signature.V3CanonicalRequest(http.MethodPost, "/", q, func(n string) string { return canon[n] }, names, signature.EmptyBodySHA256)
	sig := signature.V3Sign(apptest.AccessKeySecret, signature.V3StringToSign(cr))
	req.Header.Set("Authorization", signature.V3Algorithm+" Credential="+apptest.AccessKeyID+",SignedHeaders="+strings.Join(names, ";")+",Signature="+sig)
	return req
}

// v3Hdr is the x-acs-* header set of an RPC call with nonce n (one value).
func v3Hdr(action, version, n string) map[string][]string {
	return map[string][]string{
		"x-acs-action":          {action},
		"x-acs-version":         {version},
		"x-acs-date":            {time.Now().UTC().Format(signature.V3TimeFormat)},
		"x-acs-signature-nonce": {n},
		"x-acs-content-sha256":  {signature.EmptyBodySHA256},
	}
}

// TestV3ReplayThroughHeaderVariants reproduces the replay of issue #19: the
// V3 canonicalisation trims every Unicode white space around a header value
// and joins repeated header lines, so a captured request replayed with
// "<nonce>\u00a0" (or the lines of a two-line nonce swapped) is signed
// exactly as the original. The replay check must use exactly what was
// signed: every variant is refused, and only the original call creates
// anything.
func TestV3ReplayThroughHeaderVariants(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	acct := env.App.Root.AccountID
	vpcs := func() int {
		_, n, err := env.App.Store.ListVpcs(ctx, store.Scope{AccountID: acct, RegionID: "cn-hangzhou"}, store.VpcFilter{}, store.Page{Number: 1, Size: 50})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	keys := func() int {
		ks, err := env.App.Store.ListAccessKeys(ctx, acct, "")
		if err != nil {
			t.Fatal(err)
		}
		return len(ks)
	}

	// A captured root CreateAccessKey, replayed with a trailing NBSP.
	n0 := nonce()
	hdr := v3Hdr("CreateAccessKey", "2015-05-01", n0)
	if r := do(t, signV3Raw(t, env, "", hdr)); r.Status != 200 {
		t.Fatalf("original CreateAccessKey: %d %s", r.Status, r.Body)
	}
	hdr["x-acs-signature-nonce"] = []string{n0 + "\u00a0"}
	r := do(t, signV3Raw(t, env, "", hdr))
	if r.Status != 400 || r.Err.Code != "InvalidParameter.SignatureNonce" {
		t.Errorf("CreateAccessKey replayed with nonce+NBSP: %d %s %s, want 400 InvalidParameter.SignatureNonce", r.Status, r.Err.Code, r.Err.Message)
	}
	if got := keys(); got != 2 {
		t.Errorf("root has %d AccessKeys after one CreateAccessKey and its replay, want 2", got)
	}

	// A captured CreateVpc and every white-space variant of its nonce.
	n1 := nonce()
	q := "RegionId=cn-hangzhou&CidrBlock=10.0.0.0%2F8"
	orig := v3Hdr("CreateVpc", vpcVersion, n1)
	if r := do(t, signV3Raw(t, env, q, orig)); r.Status != 200 {
		t.Fatalf("original CreateVpc: %d %s", r.Status, r.Body)
	}
	with := func(vs ...string) map[string][]string {
		h := map[string][]string{}
		for k, v := range orig {
			h[k] = v
		}
		h["x-acs-signature-nonce"] = vs
		return h
	}
	for _, tc := range []struct {
		name  string
		nonce []string
		code  string
	}{
		{"exact replay", []string{n1}, "SignatureNonceUsed"},
		{"trailing tab (HTTP white space, stripped)", []string{n1 + "\t"}, "SignatureNonceUsed"},
		{"trailing U+00A0", []string{n1 + "\u00a0"}, "InvalidParameter.SignatureNonce"},
		{"trailing U+0085", []string{n1 + "\u0085"}, "InvalidParameter.SignatureNonce"},
		{"leading U+2003", []string{"\u2003" + n1}, "InvalidParameter.SignatureNonce"},
		{"trailing U+3000", []string{n1 + "\u3000"}, "InvalidParameter.SignatureNonce"},
	} {
		t.Run("CreateVpc nonce "+tc.name, func(t *testing.T) {
			r := do(t, signV3Raw(t, env, q, with(tc.nonce...)))
			if r.Status != 400 || r.Err.Code != tc.code {
				t.Fatalf("got %d %s (%s), want 400 %s", r.Status, r.Err.Code, r.Err.Message, tc.code)
			}
		})
	}
	// A nonce signed as two header lines ("a,b" after canonicalisation)
	// could be replayed as "b" and "a": more than one line is refused, so is
	// a comma inside one.
	a, b := nonce(), nonce()
	for _, tc := range []struct {
		name  string
		nonce []string
		code  string
	}{
		{"two lines", []string{a, b}, "InvalidParameter.Duplicate"},
		{"two lines swapped", []string{b, a}, "InvalidParameter.Duplicate"},
		{"one line with a comma", []string{a + "," + b}, "InvalidParameter.SignatureNonce"},
		{"one line with a space", []string{a + " " + b}, "InvalidParameter.SignatureNonce"},
		{"non-ASCII", []string{"ñonce" + a}, "InvalidParameter.SignatureNonce"},
	} {
		t.Run("CreateVpc nonce "+tc.name, func(t *testing.T) {
			r := do(t, signV3Raw(t, env, q, with(tc.nonce...)))
			if r.Status != 400 || r.Err.Code != tc.code {
				t.Fatalf("got %d %s (%s), want 400 %s", r.Status, r.Err.Code, r.Err.Message, tc.code)
			}
			if !strings.Contains(r.Err.Message, "x-acs-signature-nonce") {
				t.Fatalf("message %q does not name the header", r.Err.Message)
			}
		})
	}
	if got := vpcs(); got != 1 {
		t.Fatalf("%d VPCs after one CreateVpc and its replays, want 1", got)
	}
}

// TestV3SignedFieldsUsedAsSigned: every signed value the server acts on
// (action, version, date, body hash, security token) is used exactly as it
// was signed: a header repeated on several lines is refused (it is signed
// as the joined values, but only one would be used), so is a value with
// white space that canonicalisation removes, and Action/Version given both
// as headers and as query parameters must agree.
func TestV3SignedFieldsUsedAsSigned(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	acct := env.App.Root.AccountID
	q := "RegionId=cn-hangzhou"
	mk := func(name string, vs ...string) map[string][]string {
		h := v3Hdr("DescribeVpcs", vpcVersion, nonce())
		h[name] = vs
		return h
	}
	date := time.Now().UTC().Format(signature.V3TimeFormat)
	for _, tc := range []struct {
		name  string
		query string
		hdr   map[string][]string
		code  string
		msg   string
	}{
		{"two x-acs-action lines", q, mk("x-acs-action", "DescribeVpcs", "CreateVpc"), "InvalidParameter.Duplicate", "x-acs-action"},
		{"x-acs-action with U+00A0", q, mk("x-acs-action", "DescribeVpcs\u00a0"), "InvalidParameter", "x-acs-action"},
		{"two x-acs-version lines", q, mk("x-acs-version", vpcVersion, vpcVersion), "InvalidParameter.Duplicate", "x-acs-version"},
		{"x-acs-version with U+3000", q, mk("x-acs-version", "\u3000"+vpcVersion), "InvalidParameter", "x-acs-version"},
		{"two x-acs-date lines", q, mk("x-acs-date", date, date), "InvalidParameter.Duplicate", "x-acs-date"},
		{"x-acs-date with U+2003", q, mk("x-acs-date", date+"\u2003"), "InvalidParameter", "x-acs-date"},
		{"two x-acs-content-sha256 lines", q, mk("x-acs-content-sha256", signature.EmptyBodySHA256, signature.EmptyBodySHA256), "InvalidParameter.Duplicate", "x-acs-content-sha256"},
		{"two x-acs-security-token lines", q, mk("x-acs-security-token", "a", "b"), "InvalidParameter.Duplicate", "x-acs-security-token"},
		{"query Action disagrees with x-acs-action", q + "&Action=CreateVpc", mk("x-acs-action", "DescribeVpcs"), "InvalidParameter.Duplicate", "Action"},
		{"query Version disagrees with x-acs-version", q + "&Version=2015-05-01", mk("x-acs-version", vpcVersion), "InvalidParameter.Duplicate", "Version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, signV3Raw(t, env, tc.query, tc.hdr))
			if r.Status != 400 || r.Err.Code != tc.code || !strings.Contains(r.Err.Message, tc.msg) {
				t.Fatalf("got %d %s (%s), want 400 %s naming %s", r.Status, r.Err.Code, r.Err.Message, tc.code, tc.msg)
			}
		})
	}
	// A V1 request takes its Action and Version from its signed
	// parameters only, never from (unsigned) x-acs-* headers.
	t.Run("V1 without Action, x-acs-action header", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+env.Endpoint+"/?"+v1Params("GET", p("Version", vpcVersion, "RegionId", "cn-hangzhou", "CidrBlock", "10.0.0.0/8"), apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), nonce()), nil)
		req.Header.Set("x-acs-action", "CreateVpc")
		if r := do(t, req); r.Status != 400 || r.Err.Code != "MissingAction" {
			t.Fatalf("got %d %s (%s), want 400 MissingAction", r.Status, r.Err.Code, r.Err.Message)
		}
	})
	_, n, err := env.App.Store.ListVpcs(ctx, store.Scope{AccountID: acct, RegionID: "cn-hangzhou"}, store.VpcFilter{}, store.Page{Number: 1, Size: 50})
	if err != nil || n != 0 {
		t.Fatalf("%d VPCs (%v), want 0", n, err)
	}
}

// TestV1NonceCharacterSet: V1's SignatureNonce is a signed parameter, used
// as sent; it follows the same character set as V3's nonce header.
func TestV1NonceCharacterSet(t *testing.T) {
	env := apptest.Start(t)
	for _, n := range []string{nonce() + "\u00a0", nonce() + " x", "a,b" + nonce(), "\x01" + nonce(), "é" + nonce()} {
		r := getV1(t, env, v1Params("GET", regionsAction, apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), n))
		if r.Status != 400 || r.Err.Code != "InvalidParameter.SignatureNonce" || !strings.Contains(r.Err.Message, "SignatureNonce") {
			t.Errorf("nonce %q: got %d %s (%s), want 400 InvalidParameter.SignatureNonce", n, r.Status, r.Err.Code, r.Err.Message)
		}
	}
	// What the SDKs send is accepted: 32 hex digits (both Go SDKs), a UUID
	// (Java, Python), digits with a dot (JavaScript's Math.random()).
	for _, n := range []string{nonce(), "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "0.5630197" + nonce()[:8], "abc_DEF~.-+/="} {
		if r := getV1(t, env, v1Params("GET", regionsAction, apptest.AccessKeyID, apptest.AccessKeySecret, time.Now(), n)); r.Status != 200 {
			t.Errorf("nonce %q: %d %s", n, r.Status, r.Body)
		}
	}
}

// FuzzV3SignedOnce: two requests that the V3 canonicalisation signs alike
// (one header's value padded with white space, or split into several field
// lines in any order) are never both accepted: the server acts on what was
// signed, so a captured request cannot be replayed in another spelling.
// Every answer is well-formed.
func FuzzV3SignedOnce(f *testing.F) {
	for _, s := range []struct {
		which       uint8
		suffix      string
		pre, post   []byte
		order       uint8
		replayFirst bool
	}{
		{0, "", nil, []byte{2}, 0, false},          // nonce + U+00A0
		{0, "", []byte{4}, nil, 0, true},           // U+2003 + nonce
		{0, ",x,y", nil, nil, 1, false},            // nonce on three lines
		{0, ",b", nil, nil, 2, true},               // two lines, swapped
		{1, "", nil, []byte{5}, 0, false},          // action + U+3000
		{2, "", []byte{0, 1}, []byte{3}, 0, false}, // version padded
		{3, "", nil, []byte{2}, 0, false},          // date + U+00A0
		{4, "", nil, []byte{6}, 0, false},          // body hash + U+2028
		{1, ",DescribeRegions", nil, nil, 1, false},
	} {
		f.Add(s.which, s.suffix, s.pre, s.post, s.order, s.replayFirst)
	}
	env := apptest.Start(f)
	h := env.App.Handler
	ws := []string{" ", "\t", "\u00a0", "\u0085", "\u2003", "\u3000", "\u2028", "\v", "\f", "\u1680"}
	pad := func(b []byte) string {
		var s strings.Builder
		for _, c := range b {
			s.WriteString(ws[int(c)%len(ws)])
		}
		return s.String()
	}
	names := []string{"x-acs-signature-nonce", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-content-sha256"}
	serve := func(r *http.Request) answer {
		r.RemoteAddr = "192.0.2.1:1234"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return parseAnswer(rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	}
	f.Fuzz(func(t *testing.T, which uint8, suffix string, pre, post []byte, order uint8, replayFirst bool) {
		name := names[int(which)%len(names)]
		base := v3Hdr("DescribeRegions", vpcVersion, nonce())
		v := base[name][0] + suffix
		parts := strings.Split(v, ",")
		sorted := append([]string(nil), parts...)
		sort.Strings(sorted)
		// A: one line holding what the canonicalisation signs.
		a := map[string][]string{}
		for k, vs := range base {
			a[k] = vs
		}
		a[name] = []string{strings.Join(sorted, ",")}
		// B: the same value padded, and split into lines rotated by order.
		b := map[string][]string{}
		for k, vs := range base {
			b[k] = vs
		}
		lines := make([]string, len(parts))
		for i := range parts {
			lines[i] = parts[(i+int(order))%len(parts)]
		}
		lines[0] = pad(pre) + lines[0]
		lines[len(lines)-1] += pad(post)
		b[name] = lines
		canon := func(vs []string) string {
			t := make([]string, len(vs))
			for i, v := range vs {
				t[i] = strings.TrimSpace(v)
			}
			sort.Strings(t)
			return strings.Join(t, ",")
		}
		if canon(a[name]) != canon(b[name]) || strings.ContainsAny(v, "\r\n") {
			return // not two spellings of one signed value
		}
		ra, rb := signV3Lines("vpcvpn.test", "", a), signV3Lines("vpcvpn.test", "", b)
		first, second := ra, rb
		if replayFirst {
			first, second = rb, ra
		}
		a1, a2 := serve(first), serve(second)
		checkWellFormed(t, a1)
		checkWellFormed(t, a2)
		if a1.Status == http.StatusOK && a2.Status == http.StatusOK {
			t.Fatalf("both spellings of %s accepted: %q and %q", name, a[name], b[name])
		}
	})
}

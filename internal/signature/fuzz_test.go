package signature

import (
	"errors"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// fuzzParams decodes a fuzzer string into parameters: pairs separated by
// "\x00", name and value by "\x01", so names and values may hold "&" and "=".
func fuzzParams(s string) []Param {
	var ps []Param
	if s == "" {
		return nil
	}
	for pair := range strings.SplitSeq(s, "\x00") {
		n, v, _ := strings.Cut(pair, "\x01")
		ps = append(ps, Param{n, v})
	}
	return ps
}

func FuzzV1Canonical(f *testing.F) {
	f.Add("POST", "Action\x01DownloadVpnConnectionConfig\x00VpnConnectionId\x01vco-bp1bbi27hojx80nck****\x00SignatureType\x01", "testAccessKeySecret")
	f.Add("GET", "a b\x01c+d\x00~\x01%7E\x00*\x01&=\x00\x01", "")
	f.Add("", "", "s")
	f.Add("GET", "é\x01中\x00Signature\x01x", "k")
	f.Fuzz(func(t *testing.T, method, raw, secret string) {
		var params []Param
		for _, p := range fuzzParams(raw) {
			if p.Name != "Signature" {
				params = append(params, p)
			}
		}
		sts := V1StringToSign(method, params)
		body, ok := strings.CutPrefix(sts, method+"&%2F&")
		if !ok {
			t.Fatalf("string to sign %q lacks the method prefix", sts)
		}
		for i := 0; i < len(body); i++ {
			if c := body[i]; !unreserved(c) && c != '%' {
				t.Fatalf("string to sign has byte %q at %d", c, i)
			}
		}
		sig := V1Sign(secret, sts)
		signed := append(append([]Param{}, params...), Param{"Signature", sig})
		v := NewVerifier(2)
		if err := v.VerifyV1(method, signed, secret); err != nil {
			t.Fatalf("VerifyV1 of a fresh signature: %v", err)
		}
		if err := v.VerifyV1(method, signed, secret+"x"); !errors.Is(err, ErrMismatch) {
			t.Fatalf("VerifyV1 with another secret = %v", err)
		}
		// Through the wire form and back (net/url decoding), unless a name is
		// empty (dropped by the wire form).
		for _, p := range params {
			if p.Name == "" {
				return
			}
		}
		vals, err := url.ParseQuery(V1Query(signed))
		if err != nil {
			t.Fatalf("ParseQuery(V1Query): %v", err)
		}
		var back []Param
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, x := range vals[k] {
				back = append(back, Param{k, x})
			}
		}
		if err := v.VerifyV1(method, back, secret); err != nil {
			t.Fatalf("VerifyV1 after the wire: %v", err)
		}
	})
}

// sdkCanonicalQuery is the V2 SDK's getCanonicalQueryString
// (darabonba-openapi/v2 utils), restated as the oracle for unique names.
func sdkCanonicalQuery(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for _, k := range keys {
		if m[k] != "" {
			s += "&" + k + "=" + url.QueryEscape(m[k])
		} else {
			s += "&" + k + "="
		}
	}
	s = strings.ReplaceAll(s, "+", "%20")
	s = strings.ReplaceAll(s, "*", "%2A")
	s = strings.ReplaceAll(s, "%7E", "~")
	return strings.TrimLeft(s, "&")
}

func FuzzV3Canonical(f *testing.F) {
	f.Add("RegionId\x01cn-hangzhou\x00VpnConnectionId\x01vco-bp1bbi27hojx80nck****", "127.0.0.1:18080", "93ba4c7e1d5283a3bdc2fb306604ef8c", "testAccessKeySecret")
	f.Add("&a\x01\x00b+\x01 \x00%7E\x01~", " h ", "\t", "")
	f.Add("", "", "", "k")
	f.Fuzz(func(t *testing.T, raw, host, nonce, secret string) {
		query := fuzzParams(raw)
		headers := map[string]string{"host": host, "x-acs-action": "A", "x-acs-content-sha256": EmptyBodySHA256,
			"x-acs-date": "2026-11-26T04:35:09Z", "x-acs-signature-nonce": nonce, "x-acs-version": "2016-04-28"}
		signed := []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}
		hf := func(n string) string { return headers[n] }
		cr := V3CanonicalRequest("POST", "/", query, hf, signed, EmptyBodySHA256)
		m := map[string]string{}
		for _, p := range query {
			m[p.Name] = p.Value
		}
		if len(m) == len(query) {
			want := "POST\n/\n" + sdkCanonicalQuery(m) + "\n"
			for _, h := range signed {
				want += h + ":" + strings.TrimSpace(headers[h]) + "\n"
			}
			want += "\n" + strings.Join(signed, ";") + "\n" + EmptyBodySHA256
			if cr != want {
				t.Fatalf("canonical request %q, SDK recipe %q", cr, want)
			}
		}
		a := V3Authorization{"ak", signed, V3Sign(secret, V3StringToSign(cr))}
		v := NewVerifier(2)
		if err := v.VerifyV3("POST", "/", query, hf, a, EmptyBodySHA256, secret); err != nil {
			t.Fatalf("VerifyV3 of a fresh signature: %v", err)
		}
		if err := v.VerifyV3("POST", "/", query, hf, a, EmptyBodySHA256, secret+"x"); !errors.Is(err, ErrMismatch) {
			t.Fatalf("VerifyV3 with another secret = %v", err)
		}
	})
}

func FuzzParseV3Authorization(f *testing.F) {
	f.Add(goodAuth)
	f.Add(v3Vectors[0].authorization)
	f.Add("ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=b;a,Signature=00")
	f.Add("ACS3-HMAC-SHA256 ,,,")
	f.Add("ACS3-HMAC-SM3 Credential=ak")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseV3Authorization(h)
		if err != nil {
			if !errors.Is(err, ErrIncomplete) {
				t.Fatalf("error %v does not wrap ErrIncomplete", err)
			}
			return
		}
		if a.AccessKeyID == "" || len(a.SignedHeaders) == 0 || !isLowerHex(a.Signature, 64) {
			t.Fatalf("accepted %q as %+v", h, a)
		}
		if !sort.StringsAreSorted(a.SignedHeaders) {
			t.Fatalf("accepted unsorted SignedHeaders %q", a.SignedHeaders)
		}
		// Re-formatting in the SDK's order parses to the same value.
		again := V3Algorithm + " Credential=" + a.AccessKeyID + ",SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ",Signature=" + a.Signature
		b, err := ParseV3Authorization(again)
		if err != nil || b.AccessKeyID != a.AccessKeyID || b.Signature != a.Signature || strings.Join(b.SignedHeaders, ";") != strings.Join(a.SignedHeaders, ";") {
			t.Fatalf("re-formatted %q parsed as %+v, %v; first %+v", again, b, err, a)
		}
	})
}

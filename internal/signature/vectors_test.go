package signature

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// The vectors of /work/shared/spec/WIRE.md (matched there by the SDKs' own
// signers) and Alibaba's public V3 documentation example.

func TestV1Vector(t *testing.T) {
	params := []Param{
		{"VpnConnectionId", "vco-bp1bbi27hojx80nck****"},
		{"Action", "DownloadVpnConnectionConfig"},
		{"Format", "json"},
		{"Version", "2016-04-28"},
		{"AccessKeyId", "testAccessKeyId"},
		{"SignatureMethod", "HMAC-SHA1"},
		{"SignatureVersion", "1.0"},
		{"SignatureNonce", "a0f8b19f49140f1512d2b081e4a7f187"},
		{"Timestamp", "2026-11-26T04:35:11Z"},
		{"RegionId", "cn-hangzhou"},
		{"Signature", "ignored"},
	}
	const wantSTS = "POST&%2F&AccessKeyId%3DtestAccessKeyId%26Action%3DDownloadVpnConnectionConfig%26Format%3Djson%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Da0f8b19f49140f1512d2b081e4a7f187%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-26T04%253A35%253A11Z%26Version%3D2016-04-28%26VpnConnectionId%3Dvco-bp1bbi27hojx80nck%252A%252A%252A%252A"
	const wantSig = "mYi8Nw1SrAmcuVhF/JpAeOuPe0s="
	sts := V1StringToSign("POST", params)
	if sts != wantSTS {
		t.Fatalf("V1StringToSign =\n%s\nwant\n%s", sts, wantSTS)
	}
	if got := V1Sign("testAccessKeySecret", sts); got != wantSig {
		t.Fatalf("V1Sign = %s, want %s", got, wantSig)
	}
	params[len(params)-1].Value = wantSig
	if err := NewVerifier(0).VerifyV1("POST", params, "testAccessKeySecret"); err != nil {
		t.Fatalf("VerifyV1: %v", err)
	}
}

type v3Vector struct {
	name          string
	query         []Param
	headers       map[string]string
	authorization string
	secret        string
	canonical     string
	canonicalHash string
	signature     string
}

var v3Vectors = []v3Vector{
	{
		name:  "DownloadVpnConnectionConfig",
		query: []Param{{"VpnConnectionId", "vco-bp1bbi27hojx80nck****"}, {"RegionId", "cn-hangzhou"}},
		headers: map[string]string{
			"host":                       "127.0.0.1:18080",
			"x-acs-action":               "DownloadVpnConnectionConfig",
			"x-acs-content-sha256":       EmptyBodySHA256,
			"x-acs-credentials-provider": "static_ak",
			"x-acs-date":                 "2026-11-26T04:35:09Z",
			"x-acs-signature-nonce":      "93ba4c7e1d5283a3bdc2fb306604ef8c",
			"x-acs-version":              "2016-04-28",
		},
		authorization: "ACS3-HMAC-SHA256 Credential=testAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=a80873ea2b9e48dc404c1a780cb9fd83e240dc8deea1f3acc6fccc869b4da7c1",
		secret:        "testAccessKeySecret",
		canonical: "POST\n/\nRegionId=cn-hangzhou&VpnConnectionId=vco-bp1bbi27hojx80nck%2A%2A%2A%2A\n" +
			"host:127.0.0.1:18080\nx-acs-action:DownloadVpnConnectionConfig\nx-acs-content-sha256:" + EmptyBodySHA256 + "\n" +
			"x-acs-credentials-provider:static_ak\nx-acs-date:2026-11-26T04:35:09Z\nx-acs-signature-nonce:93ba4c7e1d5283a3bdc2fb306604ef8c\nx-acs-version:2016-04-28\n\n" +
			"host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version\n" + EmptyBodySHA256,
		canonicalHash: "33629b3de9378c627711d7b1ec49c927b8e84c0ac23af9bf7df2bbce6c330089",
		signature:     "a80873ea2b9e48dc404c1a780cb9fd83e240dc8deea1f3acc6fccc869b4da7c1",
	},
	{
		name:  "RunInstances documentation example",
		query: []Param{{"ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"}, {"RegionId", "cn-shanghai"}},
		headers: map[string]string{
			"host":                  "ecs.cn-shanghai.aliyuncs.com",
			"x-acs-action":          "RunInstances",
			"x-acs-content-sha256":  EmptyBodySHA256,
			"x-acs-date":            "2023-10-26T10:22:32Z",
			"x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
			"x-acs-version":         "2014-05-26",
		},
		authorization: "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
		secret:        "YourAccessKeySecret",
		canonical: "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n" +
			"host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\nx-acs-content-sha256:" + EmptyBodySHA256 + "\n" +
			"x-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-version:2014-05-26\n\n" +
			"host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n" + EmptyBodySHA256,
		canonicalHash: "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259",
		signature:     "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
	},
}

func TestV3Vectors(t *testing.T) {
	ver := NewVerifier(0)
	for _, tc := range v3Vectors {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseV3Authorization(tc.authorization)
			if err != nil {
				t.Fatalf("ParseV3Authorization: %v", err)
			}
			hf := func(n string) string { return tc.headers[n] }
			cr := V3CanonicalRequest("POST", "/", tc.query, hf, a.SignedHeaders, EmptyBodySHA256)
			if cr != tc.canonical {
				t.Fatalf("V3CanonicalRequest =\n%s\nwant\n%s", cr, tc.canonical)
			}
			sum := sha256.Sum256([]byte(cr))
			if got := hex.EncodeToString(sum[:]); got != tc.canonicalHash {
				t.Errorf("hex SHA-256 of canonical request = %s, want %s", got, tc.canonicalHash)
			}
			sts := V3StringToSign(cr)
			if want := "ACS3-HMAC-SHA256\n" + tc.canonicalHash; sts != want {
				t.Errorf("V3StringToSign = %q, want %q", sts, want)
			}
			if got := V3Sign(tc.secret, sts); got != tc.signature {
				t.Errorf("V3Sign = %s, want %s", got, tc.signature)
			}
			if err := ver.VerifyV3("POST", "/", tc.query, hf, a, EmptyBodySHA256, tc.secret); err != nil {
				t.Errorf("VerifyV3: %v", err)
			}
		})
	}
}

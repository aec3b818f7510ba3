package peerclient

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

const testConfig = `{
	"current": "lab",
	"profiles": [
		{"name": "default", "mode": "AK", "access_key_id": "LTAIdefault", "access_key_secret": "secret-default", "region_id": "cn-beijing"},
		{"name": "lab", "mode": "AK", "access_key_id": "LTAIlab", "access_key_secret": "secret-lab", "region_id": "cn-hangzhou"},
		{"name": "sts", "mode": "StsToken", "access_key_id": "STS.abc", "access_key_secret": "secret-sts", "sts_token": "token-1", "region_id": "cn-shanghai"},
		{"name": "sts-empty", "mode": "StsToken", "access_key_id": "STS.abc", "access_key_secret": "secret-sts"},
		{"name": "ram", "mode": "RamRoleArn", "access_key_id": "LTAIram", "access_key_secret": "secret-ram"},
		{"name": "blank", "mode": "AK"}
	]
}`

func TestLoadCredentials(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(testConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	noCurrent := filepath.Join(dir, "nocurrent.json")
	if err := os.WriteFile(noCurrent, []byte(`{"profiles":[{"name":"default","access_key_id":"LTAIx","access_key_secret":"s"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"profiles":`), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.json")
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		name    string
		opts    CredentialOptions
		want    Credentials
		wantErr string // substring
	}{
		{name: "environment", opts: CredentialOptions{Getenv: env(EnvAccessKeyID, "LTAIenv", EnvAccessKeySecret, "secret-env"), ConfigPath: path},
			want: Credentials{AccessKeyID: "LTAIenv", AccessKeySecret: "secret-env", Source: "environment"}},
		{name: "environment with token and region", opts: CredentialOptions{Getenv: env(EnvAccessKeyID, "STS.env", EnvAccessKeySecret, "s", EnvSecurityToken, "tok", EnvRegion, "cn-qingdao"), ConfigPath: missing},
			want: Credentials{AccessKeyID: "STS.env", AccessKeySecret: "s", SecurityToken: "tok", Region: "cn-qingdao", Source: "environment"}},
		{name: "only the key id in the environment", opts: CredentialOptions{Getenv: env(EnvAccessKeyID, "LTAIenv"), ConfigPath: path},
			wantErr: "set both ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (only one is set)"},
		{name: "current profile", opts: CredentialOptions{Getenv: env(), ConfigPath: path},
			want: Credentials{AccessKeyID: "LTAIlab", AccessKeySecret: "secret-lab", Region: "cn-hangzhou", Source: "profile lab in " + path}},
		{name: "profile from the environment", opts: CredentialOptions{Getenv: env(EnvProfile, "default"), ConfigPath: path},
			want: Credentials{AccessKeyID: "LTAIdefault", AccessKeySecret: "secret-default", Region: "cn-beijing", Source: "profile default in " + path}},
		{name: "--profile wins over the environment", opts: CredentialOptions{Getenv: env(EnvAccessKeyID, "LTAIenv", EnvAccessKeySecret, "x"), ConfigPath: path, Profile: "sts"},
			want: Credentials{AccessKeyID: "STS.abc", AccessKeySecret: "secret-sts", SecurityToken: "token-1", Region: "cn-shanghai", Source: "profile sts in " + path}},
		{name: "no current: default", opts: CredentialOptions{Getenv: env(), ConfigPath: noCurrent},
			want: Credentials{AccessKeyID: "LTAIx", AccessKeySecret: "s", Source: "profile default in " + noCurrent}},
		{name: "StsToken without token", opts: CredentialOptions{Getenv: env(), ConfigPath: path, Profile: "sts-empty"},
			wantErr: "mode StsToken without sts_token"},
		{name: "unsupported mode", opts: CredentialOptions{Getenv: env(), ConfigPath: path, Profile: "ram"},
			wantErr: `mode "RamRoleArn" is not supported by peer-config (only AK and StsToken)`},
		{name: "empty keys", opts: CredentialOptions{Getenv: env(), ConfigPath: path, Profile: "blank"},
			wantErr: "access_key_id or access_key_secret is empty"},
		{name: "unknown profile", opts: CredentialOptions{Getenv: env(), ConfigPath: path, Profile: "prod"},
			wantErr: `profile "prod" is not in ` + path + ` (profiles: [default lab sts sts-empty ram blank])`},
		{name: "nothing anywhere", opts: CredentialOptions{Getenv: env(), ConfigPath: missing},
			wantErr: "no Alibaba Cloud credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or run `aliyun configure`"},
		{name: "--profile without a file", opts: CredentialOptions{Getenv: env(), ConfigPath: missing, Profile: "lab"},
			wantErr: "--profile lab: the aliyun CLI config file " + missing + " does not exist"},
		{name: "broken file", opts: CredentialOptions{Getenv: env(), ConfigPath: bad},
			wantErr: "is not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadCredentials(tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				for _, secret := range []string{"secret-", "token-1"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q carries a secret", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestParseDownload(t *testing.T) {
	t.Parallel()
	inner := `{"Remote":"203.0.113.1","Local":"203.0.113.2","RemoteSubnet":"192.0.2.0/24","LocalSubnet":"198.51.100.0/24",
		"IkeConfig":{"Psk":"k","IkeVersion":"ikev1","IkeMode":"main","IkeEncAlg":"aes","IkeAuthAlg":"md5","IkePfs":"group2","IkeLifetime":86400,"LocalId":"203.0.113.2","RemoteId":"203.0.113.1"},
		"IpsecConfig":{"IpsecEncAlg":"aes","IpsecAuthAlg":"md5","IpsecPfs":"group2","IpsecLifetime":86400}}`
	want := vpn.ConnectionConfig{Remote: "203.0.113.1", Local: "203.0.113.2", RemoteSubnet: "192.0.2.0/24", LocalSubnet: "198.51.100.0/24",
		IkeConfig: &vpn.ViewIkeConfig{Psk: "k", IkeVersion: "ikev1", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "md5", IkePfs: "group2",
			IkeLifetime: 86400, LocalId: "203.0.113.2", RemoteId: "203.0.113.1"},
		IpsecConfig: &vpn.ViewIpsecConfig{IpsecEncAlg: "aes", IpsecAuthAlg: "md5", IpsecPfs: "group2", IpsecLifetime: 86400}}
	for _, tc := range []struct {
		name, in, wantErr string
	}{
		{name: "full answer", in: `{"RequestId":"5F68","VpnConnectionConfig":` + inner + `}`},
		{name: "inner object", in: inner},
		{name: "inner object with trailing newline", in: inner + "\n"},
		{name: "error answer", in: `{"RequestId":"5F68","Code":"Forbidden","Message":"no"}`, wantErr: "has a RequestId but no VpnConnectionConfig"},
		{name: "not JSON", in: `VpnConnectionConfig: {}`, wantErr: "not a JSON object"},
		{name: "a list", in: `[1]`, wantErr: "not a JSON object"},
		{name: "empty object", in: `{}`, wantErr: "no VpnConnectionConfig fields found"},
		{name: "two objects", in: inner + inner, wantErr: "trailing data after the JSON object"},
		{name: "wrong type", in: `{"IkeConfig":{"IkeLifetime":"long"}}`, wantErr: "VpnConnectionConfig does not decode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDownload([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestHint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code     string
		status   int
		protocol string
		want     string
	}{
		{"", 0, "HTTPS", "check --endpoint HOST:PORT and that the server is reachable; a vpcvpn server without TLS needs --insecure"},
		{"", 0, "HTTP", "check --endpoint HOST:PORT and that the server is running (vpcvpn server)"},
		{"InvalidAccessKeyId.NotFound", 404, "HTTP", "check ALIBABA_CLOUD_ACCESS_KEY_ID (or the profile's access_key_id): the server does not know this key or it is disabled"},
		{"SignatureDoesNotMatch", 400, "HTTP", "check ALIBABA_CLOUD_ACCESS_KEY_SECRET (or the profile's access_key_secret)"},
		{"InvalidSecurityToken.Expired", 400, "HTTP", "the STS token is invalid or expired; get a new one (ALIBABA_CLOUD_SECURITY_TOKEN or the StsToken profile)"},
		{"InvalidVpnConnectionInstanceId.NotFound", 404, "HTTP", "check --connection and --region: the connection must exist in that region (DescribeVpnConnections lists them)"},
		{"InvalidRegionId.NotFound", 404, "HTTP", "check --region"},
		{"Forbidden", 403, "HTTP", "the caller needs permission vpc:DownloadVpnConnectionConfig on the connection; ask the account owner to grant it"},
		{"Forbbiden.SubUser", 403, "HTTP", "the caller needs permission vpc:DownloadVpnConnectionConfig on the connection; ask the account owner to grant it"},
		{"Throttling.User", 400, "HTTP", "retry later"},
		{"InternalError", 500, "HTTP", "see the message above"},
	} {
		if got := hint(tc.code, tc.status, tc.protocol); got != tc.want {
			t.Errorf("hint(%q, %d, %s) = %q, want %q", tc.code, tc.status, tc.protocol, got, tc.want)
		}
	}
}

func TestDefaultEndpoint(t *testing.T) {
	t.Parallel()
	if got := DefaultEndpoint("cn-shanghai"); got != "vpc.cn-shanghai.aliyuncs.com" {
		t.Errorf("DefaultEndpoint = %q", got)
	}
}

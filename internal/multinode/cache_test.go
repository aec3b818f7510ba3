package multinode

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
)

// TestCacheInvalidation: every write that can change what a server caches
// (a RAM user's or role session's compiled policies, a resolved AccessKey, a
// download answer) takes effect on the very next request after the write
// was acknowledged: on the server that took the write (SQLite; one
// PostgreSQL node) and on another server of the same database (two
// PostgreSQL nodes, every write on one, every read on the other). Before
// each write the reader has answered the same request several times, so
// whatever it caches is warm.
func TestCacheInvalidation(t *testing.T) {
	c := newCluster(t, "198.18.2.0/24")
	for _, tc := range []struct {
		name   string
		writer func(t *testing.T) (w, r *node)
	}{
		{"SQLite", func(t *testing.T) (*node, *node) {
			n := c.startOn(t, "sqlite", "")
			n.waitReady(t)
			return n, n
		}},
		{"PostgreSQLOneNode", func(t *testing.T) (*node, *node) {
			n := c.startOn(t, "pg1", newDatabase(t))
			n.waitReady(t)
			return n, n
		}},
		{"PostgreSQLTwoNodes", func(t *testing.T) (*node, *node) {
			dsn := newDatabase(t)
			w, r := c.startOn(t, "pgw", dsn), c.startOn(t, "pgr", dsn)
			w.waitReady(t)
			r.waitReady(t)
			return w, r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, r := tc.writer(t)
			testInvalidation(t, w, r)
		})
	}
}

// field returns the string at path (dot-separated keys) of a JSON body.
func field(t testing.TB, body []byte, path string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("no %s in %s", path, body)
		}
		v = m[k]
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%s is %v in %s", path, v, body)
	}
	return s
}

// expect fails unless r has status and, when code is set, that error Code.
func expect(t testing.TB, what string, r response, status int, code string) {
	t.Helper()
	if r.status != status || code != "" && errorCode(r.body) != code {
		t.Fatalf("%s: %d %s; want %d %s", what, r.status, r.body, status, code)
	}
}

func testInvalidation(t *testing.T, w, r *node) {
	root := w.v2(t)
	reg := dara.String(region)
	v := must[*vpc.CreateVpcResponse](t, "CreateVpc")(root.CreateVpc(&vpc.CreateVpcRequest{RegionId: reg, CidrBlock: dara.String("192.168.0.0/16")}))
	sw := must[*vpc.CreateVSwitchResponse](t, "CreateVSwitch")(root.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: reg, VpcId: v.Body.VpcId, ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String("192.168.1.0/24")}))
	g := must[*vpc.CreateVpnGatewayResponse](t, "CreateVpnGateway")(root.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: reg, VpcId: v.Body.VpcId, VSwitchId: sw.Body.VSwitchId, Bandwidth: dara.Int32(10)}))
	cg := must[*vpc.CreateCustomerGatewayResponse](t, "CreateCustomerGateway")(root.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: reg, IpAddress: dara.String("198.51.100.20")}))
	conn := must[*vpc.CreateVpnConnectionResponse](t, "CreateVpnConnection")(root.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{
		RegionId: reg, VpnGatewayId: g.Body.VpnGatewayId, CustomerGatewayId: cg.Body.CustomerGatewayId,
		LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8"), IkeConfig: dara.String(`{"Psk":"cache-psk-1"}`),
	}))
	connID := dara.StringValue(conn.Body.VpnConnectionId)
	cgID := dara.StringValue(cg.Body.CustomerGatewayId)
	account := field(t, w.callAs(t, rootCred, stsVersion, "GetCallerIdentity").body, "AccountId")

	// ram runs a RAM (or STS) action as root on the writer; it must succeed.
	ram := func(action string, params ...string) response {
		t.Helper()
		version := ramVersion
		if action == "AssumeRole" {
			version = stsVersion
		}
		res := w.callAs(t, rootCred, version, action, params...)
		expect(t, action+" on "+w.name, res, 200, "")
		return res
	}
	vpcw := func(action string, params ...string) {
		t.Helper()
		expect(t, action+" on "+w.name, w.callAs(t, rootCred, vpcVersion, action, params...), 200, "")
	}
	download := func(c cred) response {
		t.Helper()
		return r.callAs(t, c, vpcVersion, "DownloadVpnConnectionConfig", "RegionId", region, "VpnConnectionId", connID)
	}
	// warm makes the reader answer c's download a few times (filling its
	// caches) and checks each answer.
	warm := func(what string, c cred, status int, code string) {
		t.Helper()
		for range 3 {
			expect(t, what+" on "+r.name, download(c), status, code)
		}
	}
	newKey := func(user string) cred {
		t.Helper()
		res := ram("CreateAccessKey", "UserName", user)
		return cred{field(t, res.body, "AccessKey.AccessKeyId"), field(t, res.body, "AccessKey.AccessKeySecret"), ""}
	}
	const (
		allow = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["vpc:DownloadVpnConnectionConfig","vpc:DescribeVpnConnection*"],"Resource":"*"}]}`
		deny  = `{"Version":"1","Statement":[{"Effect":"Deny","Action":"vpc:DownloadVpnConnectionConfig","Resource":"*"}]}`
	)

	// Root's download answer, then the answer after a change of the
	// pre-shared key, and of the customer gateway's address.
	warm("root download", rootCred, 200, "")
	vpcw("ModifyVpnConnectionAttribute", "RegionId", region, "VpnConnectionId", connID, "IkeConfig", `{"Psk":"cache-psk-2"}`)
	if res := download(rootCred); res.status != 200 || !strings.Contains(string(res.body), `"Psk":"cache-psk-2"`) {
		t.Fatalf("download after the PSK change: %d %s", res.status, res.body)
	}
	warm("root download", rootCred, 200, "")
	vpcw("ModifyCustomerGatewayAttribute", "RegionId", region, "CustomerGatewayId", cgID, "Name", "renamed")
	if res := download(rootCred); res.status != 200 || !strings.Contains(string(res.body), `"Local":"198.51.100.20"`) {
		t.Fatalf("download after the customer gateway change: %d %s", res.status, res.body)
	}

	ram("CreateUser", "UserName", "dl")
	ram("CreatePolicy", "PolicyName", "dl", "PolicyDocument", allow)
	key := newKey("dl")
	expect(t, "download before any policy", download(key), 403, "")
	warm("download before any policy", key, 403, "")
	deniedCode := errorCode(download(key).body)

	ram("AttachPolicyToUser", "PolicyType", "Custom", "PolicyName", "dl", "UserName", "dl")
	expect(t, "download after attach", download(key), 200, "")
	warm("download with the policy", key, 200, "")

	ram("CreatePolicyVersion", "PolicyName", "dl", "PolicyDocument", deny, "SetAsDefault", "false")
	expect(t, "download after a new non-default version", download(key), 200, "")
	ram("CreatePolicyVersion", "PolicyName", "dl", "PolicyDocument", deny, "SetAsDefault", "true")
	expect(t, "download after a new default version (deny)", download(key), 403, deniedCode)
	warm("download denied", key, 403, deniedCode)
	ram("CreatePolicyVersion", "PolicyName", "dl", "PolicyDocument", allow, "SetAsDefault", "true")
	expect(t, "download after a new default version (allow)", download(key), 200, "")
	warm("download allowed again", key, 200, "")

	ram("DetachPolicyFromUser", "PolicyType", "Custom", "PolicyName", "dl", "UserName", "dl")
	expect(t, "download after detach", download(key), 403, deniedCode)
	warm("download detached", key, 403, deniedCode)
	ram("AttachPolicyToUser", "PolicyType", "System", "PolicyName", "AliyunVPNGatewayReadOnlyAccess", "UserName", "dl")
	expect(t, "download after attaching a system policy", download(key), 200, "")
	warm("download with the system policy", key, 200, "")

	// A policy deleted and created again under its name with other rights.
	ram("DetachPolicyFromUser", "PolicyType", "System", "PolicyName", "AliyunVPNGatewayReadOnlyAccess", "UserName", "dl")
	ram("AttachPolicyToUser", "PolicyType", "Custom", "PolicyName", "dl", "UserName", "dl")
	warm("download with the policy", key, 200, "")
	ram("DetachPolicyFromUser", "PolicyType", "Custom", "PolicyName", "dl", "UserName", "dl")
	ram("DeletePolicy", "PolicyName", "dl")
	ram("CreatePolicy", "PolicyName", "dl", "PolicyDocument", deny)
	ram("AttachPolicyToUser", "PolicyType", "Custom", "PolicyName", "dl", "UserName", "dl")
	expect(t, "download after the policy was replaced", download(key), 403, deniedCode)
	ram("CreatePolicyVersion", "PolicyName", "dl", "PolicyDocument", allow, "SetAsDefault", "true")
	warm("download allowed again", key, 200, "")

	// The key: deactivated, reactivated, deleted.
	ram("UpdateAccessKey", "UserName", "dl", "UserAccessKeyId", key.ak, "Status", "Inactive")
	expect(t, "download with a deactivated key", download(key), 400, "InvalidAccessKeyId.Inactive")
	warm("download with a deactivated key", key, 400, "InvalidAccessKeyId.Inactive")
	ram("UpdateAccessKey", "UserName", "dl", "UserAccessKeyId", key.ak, "Status", "Active")
	expect(t, "download with the key reactivated", download(key), 200, "")
	warm("download with the key reactivated", key, 200, "")
	ram("DeleteAccessKey", "UserName", "dl", "UserAccessKeyId", key.ak)
	expect(t, "download with a deleted key", download(key), 404, "InvalidAccessKeyId.NotFound")

	// The user: renamed (its key and policies go along), then deleted and
	// created again under its name, without policies.
	key = newKey("dl")
	warm("download with a new key", key, 200, "")
	ram("UpdateUser", "UserName", "dl", "NewUserName", "dl2")
	expect(t, "download after the rename", download(key), 200, "")
	ram("DetachPolicyFromUser", "PolicyType", "Custom", "PolicyName", "dl", "UserName", "dl2")
	expect(t, "download after detach from the renamed user", download(key), 403, deniedCode)
	ram("AttachPolicyToUser", "PolicyType", "Custom", "PolicyName", "dl", "UserName", "dl2")
	warm("download as the renamed user", key, 200, "")
	ram("DeleteAccessKey", "UserName", "dl2", "UserAccessKeyId", key.ak)
	ram("DetachPolicyFromUser", "PolicyType", "Custom", "PolicyName", "dl", "UserName", "dl2")
	ram("DeleteUser", "UserName", "dl2")
	ram("CreateUser", "UserName", "dl2")
	key = newKey("dl2")
	expect(t, "download as a new user of the same name", download(key), 403, deniedCode)

	// A role session: its role's attachments, and the role's deletion.
	trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + account + `:root"]}}]}`
	ram("CreateRole", "RoleName", "Downloader", "AssumeRolePolicyDocument", trust)
	ram("AttachPolicyToRole", "PolicyType", "Custom", "PolicyName", "dl", "RoleName", "Downloader")
	as := ram("AssumeRole", "RoleArn", "acs:ram::"+account+":role/downloader", "RoleSessionName", "s1")
	session := cred{field(t, as.body, "Credentials.AccessKeyId"), field(t, as.body, "Credentials.AccessKeySecret"), field(t, as.body, "Credentials.SecurityToken")}
	warm("download as the role session", session, 200, "")
	ram("DetachPolicyFromRole", "PolicyType", "Custom", "PolicyName", "dl", "RoleName", "Downloader")
	expect(t, "download as the session after detach from the role", download(session), 403, "Forbidden")
	ram("AttachPolicyToRole", "PolicyType", "Custom", "PolicyName", "dl", "RoleName", "Downloader")
	warm("download as the role session", session, 200, "")
	ram("DetachPolicyFromRole", "PolicyType", "Custom", "PolicyName", "dl", "RoleName", "Downloader")
	ram("DeleteRole", "RoleName", "Downloader")
	if res := download(session); res.status == 200 {
		t.Fatalf("download as a session of a deleted role: %d %s", res.status, res.body)
	}

	// The connection itself: deleted on the writer, gone on the reader.
	warm("root download", rootCred, 200, "")
	vpcw("DeleteVpnConnection", "RegionId", region, "VpnConnectionId", connID)
	expect(t, "download of a deleted connection", download(rootCred), 404, "")
}

package peertest

import (
	"fmt"
	"testing"

	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
)

// AgentPolicy is the least-privilege RAM policy of a gateway agent for one
// gateway (README "A least-privilege user for a gateway agent").
func AgentPolicy(region, gatewayID string) string {
	return fmt.Sprintf(`{"Version":"1","Statement":[{"Effect":"Allow","Action":["vpc:DownloadVpnGatewayAgentConfig",`+
		`"vpc:ReportVpnGatewayAgentStatus"],"Resource":"acs:vpc:%s:*:vpngateway/%s"}]}`, region, gatewayID)
}

// CreateAgentUser creates RAM user name (through the RAM API with client c,
// the account's root) with AgentPolicy for gateway gatewayID attached, and
// returns a new AccessKey of the user. Errors are fatal.
func CreateAgentUser(t testing.TB, c *vpc.Client, name, gatewayID string) (id, secret string) {
	t.Helper()
	const ram = "2015-05-01"
	_, err := CallVersion(c, ram, "CreateUser", map[string]string{"UserName": name})
	must(t, err, "CreateUser "+name)
	policy := "agent-" + name
	_, err = CallVersion(c, ram, "CreatePolicy", map[string]string{"PolicyName": policy, "PolicyDocument": AgentPolicy(Region, gatewayID)})
	must(t, err, "CreatePolicy "+policy)
	_, err = CallVersion(c, ram, "AttachPolicyToUser", map[string]string{"PolicyType": "Custom", "PolicyName": policy, "UserName": name})
	must(t, err, "AttachPolicyToUser")
	body, err := CallVersion(c, ram, "CreateAccessKey", map[string]string{"UserName": name})
	must(t, err, "CreateAccessKey")
	ak, _ := body["AccessKey"].(map[string]any)
	id, _ = ak["AccessKeyId"].(string)
	secret, _ = ak["AccessKeySecret"].(string)
	if id == "" || secret == "" {
		t.Fatalf("CreateAccessKey answered %v", body)
	}
	return id, secret
}

package api_test

import (
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/apptest"
)

// TestCompatDeleteVpcForceDelete: DeleteVpc's ForceDelete (V2 SDK model
// field) is a boolean (else InvalidForceDelete.Malformed, nothing deleted);
// true does not remove vSwitches (Alibaba's forced delete only removes
// IPv4/IPv6 gateways) and the refusal says so; on a VPC without dependants
// it deletes.
func TestCompatDeleteVpcForceDelete(t *testing.T) {
	env := apptest.Start(t)
	c := env.RootV2(t)
	region := dara.String("cn-hangzhou")
	v, err := c.CreateVpc(&vpc.CreateVpcRequest{RegionId: region, CidrBlock: dara.String("192.168.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	id := dara.StringValue(v.Body.VpcId)
	sw, err := c.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: region, VpcId: v.Body.VpcId, ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String("192.168.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = agentCall(c, "DeleteVpc", map[string]string{"RegionId": "cn-hangzhou", "VpcId": id, "ForceDelete": "yes"})
	wantCode(t, "ForceDelete=yes", err, "InvalidForceDelete.Malformed", 400)
	_, err = c.DeleteVpc(&vpc.DeleteVpcRequest{RegionId: region, VpcId: v.Body.VpcId, ForceDelete: dara.Bool(true)})
	wantCode(t, "ForceDelete=true with a vSwitch", err, "DependencyViolation.VSwitch", 400)
	if _, _, body := sdkError(err); !strings.Contains(body, "ForceDelete does not remove vSwitches or VPN gateways") {
		t.Fatalf("refusal %s does not explain ForceDelete", body)
	}
	if _, err := c.DescribeVSwitchAttributes(&vpc.DescribeVSwitchAttributesRequest{RegionId: region, VSwitchId: sw.Body.VSwitchId}); err != nil {
		t.Fatalf("vSwitch after a refused forced delete: %v", err)
	}
	if _, err := c.DeleteVSwitch(&vpc.DeleteVSwitchRequest{RegionId: region, VSwitchId: sw.Body.VSwitchId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteVpc(&vpc.DeleteVpcRequest{RegionId: region, VpcId: v.Body.VpcId, ForceDelete: dara.Bool(true)}); err != nil {
		t.Fatalf("forced delete of an empty VPC: %v", err)
	}
	_, err = c.DescribeVpcAttribute(&vpc.DescribeVpcAttributeRequest{RegionId: region, VpcId: v.Body.VpcId})
	wantCode(t, "after delete", err, "InvalidVpcId.NotFound", 404)
}

package vpn

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCreateVpc(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		want Vpc
		code string
	}{
		{"defaults", Params{"RegionId": "cn-hangzhou"}, Vpc{RegionID: "cn-hangzhou", CidrBlock: "172.16.0.0/12", Status: "Available"}, ""},
		{"given", Params{"RegionId": "cn-beijing", "CidrBlock": "10.0.0.0/8", "VpcName": "v", "Description": "d"},
			Vpc{RegionID: "cn-beijing", CidrBlock: "10.0.0.0/8", VpcName: "v", Description: "d", Status: "Available"}, ""},
		{"prefix 28", Params{"RegionId": "cn-hangzhou", "CidrBlock": "192.168.0.0/28"}, Vpc{RegionID: "cn-hangzhou", CidrBlock: "192.168.0.0/28", Status: "Available"}, ""},
		{"missing region", Params{}, Vpc{}, "MissingRegionId"},
		{"prefix 7", Params{"RegionId": "cn-hangzhou", "CidrBlock": "10.0.0.0/7"}, Vpc{}, "InvalidCidrBlock.Malformed"},
		{"prefix 29", Params{"RegionId": "cn-hangzhou", "CidrBlock": "192.168.0.0/29"}, Vpc{}, "InvalidCidrBlock.Malformed"},
		{"host bits", Params{"RegionId": "cn-hangzhou", "CidrBlock": "10.0.0.1/8"}, Vpc{}, "InvalidCidrBlock.Malformed"},
		{"name too long", Params{"RegionId": "cn-hangzhou", "VpcName": strings.Repeat("n", 129)}, Vpc{}, "InvalidVpcName.Malformed"},
		{"name url", Params{"RegionId": "cn-hangzhou", "VpcName": "https://x"}, Vpc{}, "InvalidVpcName.Malformed"},
		{"description too long", Params{"RegionId": "cn-hangzhou", "Description": strings.Repeat("d", 257)}, Vpc{}, "InvalidDescription.Malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCreateVpc(tt.p)
			wantCode(t, err, tt.code)
			if err == nil {
				if diff := cmp.Diff(tt.want, got.Vpc); diff != "" {
					t.Fatal(diff)
				}
			}
		})
	}
}

func TestParseCreateVSwitch(t *testing.T) {
	base := Params{"RegionId": "cn-hangzhou", "VpcId": "vpc-1", "ZoneId": "cn-hangzhou-h", "CidrBlock": "172.16.1.0/24"}
	got, err := ParseCreateVSwitch(with(base, Params{"VSwitchName": "sw"}))
	if err != nil {
		t.Fatal(err)
	}
	want := VSwitch{RegionID: "cn-hangzhou", VpcID: "vpc-1", ZoneID: "cn-hangzhou-h", CidrBlock: "172.16.1.0/24", VSwitchName: "sw", Status: "Available"}
	if diff := cmp.Diff(want, got.VSwitch); diff != "" {
		t.Fatal(diff)
	}
	tests := []struct {
		name string
		ch   Params
		code string
	}{
		{"missing vpc", Params{"VpcId": del}, "MissingVpcId"},
		{"bad vpc", Params{"VpcId": "vsw-1"}, "InvalidVpcId.NotFound"},
		{"missing zone", Params{"ZoneId": del}, "MissingZoneId"},
		{"zone of other region", Params{"ZoneId": "cn-shanghai-a"}, "InvalidZoneId.NotFound"},
		{"missing cidr", Params{"CidrBlock": del}, "MissingCidrBlock"},
		{"prefix 15", Params{"CidrBlock": "172.16.0.0/15"}, "InvalidCidrBlock.Malformed"},
		{"prefix 30", Params{"CidrBlock": "172.16.1.0/30"}, "InvalidCidrBlock.Malformed"},
		{"bad name", Params{"VSwitchName": "http://"}, "InvalidVSwitchName.Malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCreateVSwitch(with(base, tt.ch))
			wantCode(t, err, tt.code)
		})
	}
}

func TestValidateVSwitchCidr(t *testing.T) {
	vpc := Vpc{CidrBlock: "172.16.0.0/12"}
	siblings := []VSwitch{{VSwitchID: "vsw-a", CidrBlock: "172.16.1.0/24"}}
	tests := []struct {
		name, cidr, code string
	}{
		{"inside", "172.16.2.0/24", ""},
		{"whole vpc", "172.16.0.0/16", "InvalidVSwitchCidr.Overlapped"},
		{"outside", "10.0.0.0/24", "InvalidVSwitchCidr.NotInVpc"},
		{"bigger than vpc", "172.0.0.0/8", "InvalidVSwitchCidr.NotInVpc"},
		{"overlap", "172.16.1.128/25", "InvalidVSwitchCidr.Overlapped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, ValidateVSwitchCidr(VSwitch{VSwitchID: "vsw-new", CidrBlock: tt.cidr}, vpc, siblings), tt.code)
		})
	}
}

func TestParseCreateVpnGateway(t *testing.T) {
	base := Params{"RegionId": "cn-hangzhou", "VpcId": "vpc-1", "Bandwidth": "10"}
	got, err := ParseCreateVpnGateway(base)
	if err != nil {
		t.Fatal(err)
	}
	want := Gateway{RegionID: "cn-hangzhou", VpcID: "vpc-1", Bandwidth: 10, EnableIpsec: true, NetworkType: "public", VpnType: "Normal", InstanceChargeType: "POSTPAY"}
	if diff := cmp.Diff(want, got.Gateway); diff != "" {
		t.Fatal(diff)
	}
	got, err = ParseCreateVpnGateway(with(base, Params{"VSwitchId": "vsw-a", "DisasterRecoveryVSwitchId": "vsw-b", "EnableIpsec": "false",
		"EnableSsl": "true", "NetworkType": "private", "VpnType": "NationalStandard", "InstanceChargeType": "PREPAY", "Name": "g", "ClientToken": "c"}))
	if err != nil {
		t.Fatal(err)
	}
	want = Gateway{RegionID: "cn-hangzhou", VpcID: "vpc-1", VSwitchID: "vsw-a", DisasterRecoveryVSwitchID: "vsw-b", Name: "g", Bandwidth: 10,
		EnableSsl: true, SslConnections: 5, NetworkType: "private", VpnType: "NationalStandard", InstanceChargeType: "PREPAY"}
	if diff := cmp.Diff(want, got.Gateway); diff != "" || got.ClientToken != "c" || !got.Gateway.DualTunnel() {
		t.Fatal(diff)
	}
	// SslConnections: with SSL-VPN one of the documented counts, ignored
	// without.
	for _, tc := range []struct {
		p    Params
		want int64
		code string
	}{
		{Params{"EnableSsl": "true", "SslConnections": "50"}, 50, ""},
		{Params{"EnableSsl": "false", "SslConnections": "50"}, 0, ""},
		{Params{"EnableSsl": "true", "SslConnections": "7"}, 0, "InvalidSslConnections.Malformed"},
		{Params{"ResourceGroupId": "rg-acfmx", "Tag.1.Key": "k", "Tag.1.Value": "v"}, 0, ""},
		{Params{"ResourceGroupId": "group"}, 0, "InvalidResourceGroupId.Malformed"},
	} {
		got, err := ParseCreateVpnGateway(with(base, tc.p))
		wantCode(t, err, tc.code)
		if err == nil && got.Gateway.SslConnections != tc.want {
			t.Fatalf("%v: SslConnections %d, want %d", tc.p, got.Gateway.SslConnections, tc.want)
		}
	}
	for _, bw := range Bandwidths() {
		if _, err := ParseCreateVpnGateway(with(base, Params{"Bandwidth": itoa(bw)})); err != nil {
			t.Fatalf("bandwidth %d: %v", bw, err)
		}
	}
	tests := []struct {
		name string
		ch   Params
		code string
	}{
		{"missing bandwidth", Params{"Bandwidth": del}, "MissingBandwidth"},
		{"bandwidth 15", Params{"Bandwidth": "15"}, "InvalidBandwidth.Malformed"},
		{"bandwidth text", Params{"Bandwidth": "10M"}, "InvalidBandwidth.Malformed"},
		{"missing vpc", Params{"VpcId": del}, "MissingVpcId"},
		{"bad vswitch", Params{"VSwitchId": "vpc-1"}, "InvalidVSwitchId.NotFound"},
		{"dr without vswitch", Params{"DisasterRecoveryVSwitchId": "vsw-b"}, "InvalidDisasterRecoveryVSwitchId.Malformed"},
		{"dr same vswitch", Params{"VSwitchId": "vsw-b", "DisasterRecoveryVSwitchId": "vsw-b"}, "InvalidDisasterRecoveryVSwitchId.Malformed"},
		{"bad ipsec flag", Params{"EnableIpsec": "yes"}, "InvalidEnableIpsec.Malformed"},
		{"bad network type", Params{"NetworkType": "Public"}, "InvalidNetworkType.Malformed"},
		{"bad vpn type", Params{"VpnType": "normal"}, "InvalidVpnType.Malformed"},
		{"bad charge type", Params{"InstanceChargeType": "FREE"}, "InvalidInstanceChargeType.Malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCreateVpnGateway(with(base, tt.ch))
			wantCode(t, err, tt.code)
		})
	}
}

func itoa(n int64) string { return render(jsonNumber(n)) }

func TestParseCreateCustomerGateway(t *testing.T) {
	base := Params{"RegionId": "cn-hangzhou", "IpAddress": "47.1.2.3"}
	got, err := ParseCreateCustomerGateway(with(base, Params{"Asn": "65000", "AuthKey": "k", "Name": "n", "Description": "d", "Tags.1.Key": "a"}))
	if err != nil {
		t.Fatal(err)
	}
	want := CustomerGateway{RegionID: "cn-hangzhou", IPAddress: "47.1.2.3", Asn: 65000, AuthKey: "k", Name: "n", Description: "d", Tags: []Tag{{Key: "a"}}}
	if diff := cmp.Diff(want, got.CustomerGateway); diff != "" {
		t.Fatal(diff)
	}
	tests := []struct {
		name string
		ch   Params
		code string
	}{
		{"asn max", Params{"Asn": "4294967295"}, ""},
		{"asn 1", Params{"Asn": "1"}, ""},
		{"asn empty means none", Params{"Asn": ""}, ""},
		{"missing ip", Params{"IpAddress": del}, "MissingIpAddress"},
		{"cgnat ip", Params{"IpAddress": "100.64.0.1"}, "InvalidIpAddress.WrongFormat"},
		{"zero net ip", Params{"IpAddress": "0.0.0.1"}, "InvalidIpAddress.WrongFormat"},
		{"asn 0", Params{"Asn": "0"}, "InvalidAsn.Malformed"},
		{"asn 45104", Params{"Asn": "45104"}, "InvalidAsn.Malformed"},
		{"asn too big", Params{"Asn": "4294967296"}, "InvalidAsn.Malformed"},
		{"asn leading zero", Params{"Asn": "065000"}, "InvalidAsn.Malformed"},
		{"asn plus", Params{"Asn": "+65000"}, "InvalidAsn.Malformed"},
		{"asn text", Params{"Asn": "AS65000"}, "InvalidAsn.Malformed"},
		{"auth key space", Params{"AuthKey": "a b"}, "InvalidAuthKey.Malformed"},
		{"auth key empty", Params{"AuthKey": ""}, "InvalidAuthKey.Malformed"},
		{"auth key long", Params{"AuthKey": strings.Repeat("k", 65)}, "InvalidAuthKey.Malformed"},
		{"name long", Params{"Name": strings.Repeat("n", 101)}, "InvalidName.Malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCreateCustomerGateway(with(base, tt.ch))
			wantCode(t, err, tt.code)
		})
	}
}

func TestParseModifyCustomerGateway(t *testing.T) {
	cur := CustomerGateway{CustomerGatewayID: "cgw-1", IPAddress: "47.1.2.3", Asn: 65000, Name: "old", Description: "keep", AuthKey: "k1"}
	got, _, err := ParseModifyCustomerGateway(Params{"Name": "new", "AuthKey": "k2"}, cur)
	if err != nil {
		t.Fatal(err)
	}
	want := cur
	want.Name, want.AuthKey = "new", "k2"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
	_, _, err = ParseModifyCustomerGateway(Params{"Description": "https://x"}, cur)
	wantCode(t, err, "InvalidDescription.Malformed")
	_, _, err = ParseModifyCustomerGateway(Params{"AuthKey": ""}, cur)
	wantCode(t, err, "InvalidAuthKey.Malformed")
}

func TestParseDescribe(t *testing.T) {
	got, err := ParseDescribe("DescribeVpnConnections", Params{"RegionId": "cn-hangzhou", "VpnGatewayId": "vpn-1", "CustomerGatewayId": "cgw-1",
		"VpnConnectionId": "vco-1", "PageNumber": "2", "PageSize": "5", "Tag.1.Key": "k"})
	if err != nil {
		t.Fatal(err)
	}
	want := Filter{RegionID: "cn-hangzhou", Page: Page{2, 5}, IDs: []string{"vco-1"}, VpnGatewayID: "vpn-1", CustomerGatewayID: "cgw-1", Tags: []Tag{{Key: "k"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
	got, err = ParseDescribe("DescribeVpcs", Params{"RegionId": "cn-hangzhou", "VpcId": "vpc-a, vpc-b", "VpcName": "n"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Filter{RegionID: "cn-hangzhou", Page: Page{1, 10}, IDs: []string{"vpc-a", "vpc-b"}, Name: "n"}, got); diff != "" {
		t.Fatal(diff)
	}
	got, err = ParseDescribe("DescribeVSwitches", Params{"RegionId": "cn-hangzhou", "VpcId": "vpc-a", "ZoneId": "cn-hangzhou-h", "VSwitchName": "s"})
	if err != nil || got.VpcID != "vpc-a" || got.ZoneID != "cn-hangzhou-h" || got.Name != "s" {
		t.Fatalf("%+v %v", got, err)
	}
	tests := []struct {
		name, action string
		p            Params
		code         string
	}{
		{"missing region", "DescribeVpcs", Params{}, "MissingRegionId"},
		{"bad page", "DescribeVSwitches", Params{"RegionId": "cn-hangzhou", "PageSize": "100"}, "InvalidPageSize.Malformed"},
		{"21 vpc ids", "DescribeVpcs", Params{"RegionId": "cn-hangzhou", "VpcId": strings.Repeat("vpc-a,", 20) + "vpc-b"}, "InvalidVpcId.Malformed"},
		{"bad status", "DescribeVpnGateways", Params{"RegionId": "cn-hangzhou", "Status": "Active"}, "InvalidStatus.Malformed"},
		{"good status", "DescribeVpnGateways", Params{"RegionId": "cn-hangzhou", "Status": "active"}, ""},
		{"cgws", "DescribeCustomerGateways", Params{"RegionId": "cn-hangzhou", "CustomerGatewayId": "cgw-x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDescribe(tt.action, tt.p)
			wantCode(t, err, tt.code)
		})
	}
}

package sqlite

import (
	"time"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

func vpcFixture() vpn.Vpc {
	return vpn.Vpc{AccountID: "1000000000000001", RegionID: "cn-hangzhou", VpcID: "vpc-old", VpcName: "old", Description: "",
		CidrBlock: "10.0.0.0/8", Status: "Available", CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// Client calls the VPC API with V1-signed GET requests (for set-up and for
// the CreateVpnConnection load).
type Client struct {
	Endpoint        string
	AccessKeyID     string
	AccessKeySecret string
	HTTP            *http.Client
}

// Request returns a signed request for action with params (Version is
// APIVersion; Format JSON).
func (c *Client) Request(ctx context.Context, now time.Time, action string, params []signature.Param) (*http.Request, error) {
	ps := append([]signature.Param{{Name: "Action", Value: action}, {Name: "Version", Value: APIVersion}}, params...)
	signed := signature.SignV1(http.MethodGet, ps, c.AccessKeyID, c.AccessKeySecret, now, newNonce())
	return http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.Endpoint+"/?"+signature.V1Query(signed), nil)
}

// Call sends one action and decodes its JSON answer into out.
func (c *Client) Call(ctx context.Context, action string, params []signature.Param, out any) error {
	a, err := Fetch(ctx, c.HTTP, func(ctx context.Context, now time.Time) (*http.Request, error) {
		return c.Request(ctx, now, action, params)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	if err := json.Unmarshal(a.Body, out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", action, err)
	}
	return nil
}

// Creates is the CreateVpnConnection load: connections on pairs of VPN
// gateways and customer gateways made by Prepare through the API, one new
// pair per request, so that no request fails on the one-connection-per-pair
// rule.
type Creates struct {
	Client   *Client
	Region   string
	Gateways []string
	Customer []string
	next     atomic.Int64
}

// Capacity is how many connections the prepared pairs allow.
func (c *Creates) Capacity() int { return len(c.Gateways) * len(c.Customer) }

// PrepareCreates creates, through the API, gateways VPCs each with a VPN
// gateway (Bandwidth 10) and customers customer gateways (addresses in
// 10.0.0.0/8 from offset on). Every VPN gateway takes an address of the
// server's gateway address pool.
func PrepareCreates(ctx context.Context, c *Client, region string, gateways, customers, offset, concurrency int) (*Creates, error) {
	cr := &Creates{Client: c, Region: region, Gateways: make([]string, gateways), Customer: make([]string, customers)}
	rg := signature.Param{Name: "RegionId", Value: region}
	err := parallel(ctx, gateways, concurrency, func(i int) error {
		var vpc struct{ VpcId string }
		if err := c.Call(ctx, "CreateVpc", []signature.Param{rg, {Name: "VpcName", Value: "bench-create-" + strconv.Itoa(i)}}, &vpc); err != nil {
			return err
		}
		var gw struct{ VpnGatewayId string }
		if err := c.Call(ctx, "CreateVpnGateway", []signature.Param{rg, {Name: "VpcId", Value: vpc.VpcId}, {Name: "Bandwidth", Value: "10"}}, &gw); err != nil {
			return err
		}
		cr.Gateways[i] = gw.VpnGatewayId
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = parallel(ctx, customers, concurrency, func(i int) error {
		var cg struct{ CustomerGatewayId string }
		if err := c.Call(ctx, "CreateCustomerGateway", []signature.Param{rg, {Name: "IpAddress", Value: cgwAddress(offset + i)}}, &cg); err != nil {
			return err
		}
		cr.Customer[i] = cg.CustomerGatewayId
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cr, nil
}

// NewRequest is a RequestFunc creating the connection of the next free pair.
func (c *Creates) NewRequest(ctx context.Context, now time.Time) (*http.Request, error) {
	i := int(c.next.Add(1) - 1)
	if i >= c.Capacity() {
		return nil, fmt.Errorf("all %d gateway/customer gateway pairs are used; prepare more", c.Capacity())
	}
	g, cg := i%len(c.Gateways), i/len(c.Gateways)
	return c.Client.Request(ctx, now, "CreateVpnConnection", []signature.Param{
		{Name: "RegionId", Value: c.Region},
		{Name: "VpnGatewayId", Value: c.Gateways[g]},
		{Name: "CustomerGatewayId", Value: c.Customer[cg]},
		{Name: "LocalSubnet", Value: "10.0.0.0/24"},
		{Name: "RemoteSubnet", Value: "172.16." + strconv.Itoa(cg%256) + ".0/24"},
		{Name: "Name", Value: "bench-" + strconv.Itoa(i)},
	})
}

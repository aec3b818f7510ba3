package peerclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"

	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// Target is where DownloadVpnConnectionConfig is sent.
type Target struct {
	// Endpoint is HOST:PORT of a vpcvpn server; "" means Alibaba Cloud,
	// vpc.{Region}.aliyuncs.com over HTTPS.
	Endpoint string
	// Insecure sends plain HTTP to Endpoint (the aliyun CLI's --insecure).
	Insecure bool
	Region   string
}

// DefaultEndpoint is Alibaba Cloud's regional VPC endpoint.
func DefaultEndpoint(region string) string { return "vpc." + region + ".aliyuncs.com" }

// Download calls DownloadVpnConnectionConfig for connection id through the
// official V2 SDK, signed with creds, and returns the answer's
// VpnConnectionConfig. API errors come back as *APIError.
func Download(creds Credentials, t Target, id string) (vpn.ConnectionConfig, error) {
	endpoint, protocol := t.Endpoint, "HTTPS"
	if endpoint == "" {
		endpoint = DefaultEndpoint(t.Region)
	}
	if t.Insecure {
		protocol = "HTTP"
	}
	cfg := &openapiutil.Config{
		AccessKeyId:     dara.String(creds.AccessKeyID),
		AccessKeySecret: dara.String(creds.AccessKeySecret),
		Endpoint:        dara.String(endpoint),
		Protocol:        dara.String(protocol),
		RegionId:        dara.String(t.Region),
		ConnectTimeout:  dara.Int(10000),
		ReadTimeout:     dara.Int(30000),
		UserAgent:       dara.String("vpcvpn-peer-config"),
	}
	if creds.SecurityToken != "" {
		cfg.SecurityToken = dara.String(creds.SecurityToken)
	}
	c, err := vpc.NewClient(cfg)
	if err != nil {
		return vpn.ConnectionConfig{}, fmt.Errorf("creating the VPC SDK client: %w", err)
	}
	resp, err := c.DownloadVpnConnectionConfig(&vpc.DownloadVpnConnectionConfigRequest{
		RegionId: dara.String(t.Region), VpnConnectionId: dara.String(id)})
	if err != nil {
		return vpn.ConnectionConfig{}, apiError(err, endpoint, protocol)
	}
	if resp.Body == nil || resp.Body.VpnConnectionConfig == nil {
		return vpn.ConnectionConfig{}, fmt.Errorf("DownloadVpnConnectionConfig answered without VpnConnectionConfig")
	}
	// The SDK model's json tags are the wire names.
	b, err := json.Marshal(resp.Body.VpnConnectionConfig)
	if err != nil {
		return vpn.ConnectionConfig{}, err
	}
	var out vpn.ConnectionConfig
	if err := json.Unmarshal(b, &out); err != nil {
		return vpn.ConnectionConfig{}, fmt.Errorf("decoding VpnConnectionConfig: %w", err)
	}
	return out, nil
}

// APIError is an error answer of the API (or a transport failure, Code "").
type APIError struct {
	Code       string
	Status     int
	Message    string
	RequestID  string
	Endpoint   string
	Hint       string // what to do next
	underlying error
}

func (e *APIError) Error() string {
	var b strings.Builder
	if e.Code != "" {
		fmt.Fprintf(&b, "DownloadVpnConnectionConfig at %s failed: %s (HTTP %d): %s", e.Endpoint, e.Code, e.Status, e.Message)
		if e.RequestID != "" {
			fmt.Fprintf(&b, " [RequestId %s]", e.RequestID)
		}
	} else {
		fmt.Fprintf(&b, "DownloadVpnConnectionConfig at %s failed: %s", e.Endpoint, e.Message)
	}
	if e.Hint != "" {
		b.WriteString("\n  next: " + e.Hint)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.underlying }

// apiError turns an SDK error into an *APIError with a hint.
func apiError(err error, endpoint, protocol string) error {
	e := &APIError{Endpoint: strings.ToLower(protocol) + "://" + endpoint, underlying: err, Message: err.Error()}
	var se *tea.SDKError
	var de *dara.SDKError
	var be dara.BaseError
	switch {
	case errors.As(err, &de):
		e.Code, e.Status, e.Message = dara.StringValue(de.Code), dara.IntValue(de.StatusCode), dara.StringValue(de.Message)
	case errors.As(err, &se):
		e.Code, e.Status, e.Message = tea.StringValue(se.Code), tea.IntValue(se.StatusCode), tea.StringValue(se.Message)
		// Message is "code: N, <message> request id: <id>"; the answer body in Data has them apart.
		var body struct{ Message, RequestId string }
		if json.Unmarshal([]byte(tea.StringValue(se.Data)), &body) == nil && body.Message != "" {
			e.Message, e.RequestID = body.Message, body.RequestId
		}
	case errors.As(err, &be):
		e.Code = dara.StringValue(be.GetCode())
		if re, ok := be.(dara.ResponseError); ok {
			e.Status = dara.IntValue(re.GetStatusCode())
			if d := re.GetData(); d != nil {
				if m, ok := d["Message"].(string); ok {
					e.Message = m
				}
				if id, ok := d["RequestId"].(string); ok {
					e.RequestID = id
				}
			}
		}
		if m, ok := be.(interface{ GetMessage() *string }); ok && dara.StringValue(m.GetMessage()) != "" {
			e.Message = dara.StringValue(m.GetMessage())
		}
		if r, ok := be.(interface{ GetRequestId() *string }); ok && dara.StringValue(r.GetRequestId()) != "" {
			e.RequestID = dara.StringValue(r.GetRequestId())
		}
	}
	e.Message = strings.TrimSpace(e.Message)
	e.Hint = hint(e.Code, e.Status, protocol)
	return e
}

func hint(code string, status int, protocol string) string {
	switch {
	case code == "":
		if protocol == "HTTPS" {
			return "check --endpoint HOST:PORT and that the server is reachable; a vpcvpn server without TLS needs --insecure"
		}
		return "check --endpoint HOST:PORT and that the server is running (vpcvpn server)"
	case strings.HasPrefix(code, "InvalidAccessKeyId"):
		return "check " + EnvAccessKeyID + " (or the profile's access_key_id): the server does not know this key or it is disabled"
	case code == "SignatureDoesNotMatch" || code == "IncompleteSignature":
		return "check " + EnvAccessKeySecret + " (or the profile's access_key_secret)"
	case strings.HasPrefix(code, "InvalidSecurityToken"):
		return "the STS token is invalid or expired; get a new one (" + EnvSecurityToken + " or the StsToken profile)"
	case strings.HasPrefix(code, "InvalidVpnConnectionInstanceId"):
		return "check --connection and --region: the connection must exist in that region (DescribeVpnConnections lists them)"
	case strings.HasPrefix(code, "InvalidRegionId") || strings.HasPrefix(code, "UnsupportedRegion"):
		return "check --region"
	case strings.HasPrefix(code, "Forbidden") || status == 403:
		return "the caller needs permission vpc:DownloadVpnConnectionConfig on the connection; ask the account owner to grant it"
	case code == "Throttling" || strings.HasPrefix(code, "Throttling"):
		return "retry later"
	}
	return "see the message above"
}

// ParseDownload reads a saved DownloadVpnConnectionConfig answer in JSON:
// either the whole answer {"RequestId": ..., "VpnConnectionConfig": {...}}
// (as `aliyun vpc DownloadVpnConnectionConfig` prints it) or just the
// VpnConnectionConfig object. Text that is neither is an error that says so.
func ParseDownload(data []byte) (vpn.ConnectionConfig, error) {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&top); err != nil {
		return vpn.ConnectionConfig{}, fmt.Errorf("not a JSON object: %v (want the JSON answer of DownloadVpnConnectionConfig)", err)
	}
	if dec.More() {
		return vpn.ConnectionConfig{}, errors.New("trailing data after the JSON object")
	}
	inner := data
	if raw, ok := top["VpnConnectionConfig"]; ok {
		inner = raw
	} else if _, ok := top["RequestId"]; ok {
		return vpn.ConnectionConfig{}, errors.New("the answer has a RequestId but no VpnConnectionConfig; is it an error answer?")
	}
	var cfg vpn.ConnectionConfig
	if err := json.Unmarshal(inner, &cfg); err != nil {
		return vpn.ConnectionConfig{}, fmt.Errorf("VpnConnectionConfig does not decode: %v", err)
	}
	if cfg.IkeConfig == nil && cfg.TunnelsConfig == nil && cfg.LocalSubnet == "" && cfg.RemoteSubnet == "" {
		return vpn.ConnectionConfig{}, errors.New("no VpnConnectionConfig fields found (LocalSubnet, IkeConfig, TunnelsConfig ...); want the JSON answer of DownloadVpnConnectionConfig")
	}
	return cfg, nil
}

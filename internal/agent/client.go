package agent

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/signature"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
)

// Client is the agent's API client: V1-signed (HMAC-SHA1) POST requests with
// a form body to a vpcvpn server, as the SDKs send them.
type Client struct {
	// Endpoint is HOST:PORT.
	Endpoint string
	// Insecure uses plain HTTP; otherwise HTTPS, verified against the
	// system roots or CAFile.
	Insecure bool
	CAFile   string
	Region   string
	// Credentials: an AccessKey (and an STS SecurityToken or "").
	AccessKeyID, AccessKeySecret, SecurityToken string
	UserAgent                                   string

	http *http.Client
}

// APIError is an error answer of the API.
type APIError struct {
	Action    string
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s: %s (HTTP %d): %s", e.Action, e.Code, e.Status, e.Message)
	if e.RequestID != "" {
		s += " [RequestId " + e.RequestID + "]"
	}
	return s
}

// Permanent reports whether retrying cannot help without an operator:
// unknown or disabled key, wrong secret, no permission, unknown gateway or
// region, a request the server refuses.
func (e *APIError) Permanent() bool {
	switch {
	case e.Status == http.StatusForbidden, strings.HasPrefix(e.Code, "InvalidAccessKeyId"), e.Code == "SignatureDoesNotMatch",
		e.Code == "IncompleteSignature", strings.HasPrefix(e.Code, "InvalidSecurityToken"),
		strings.HasPrefix(e.Code, "InvalidVpnGatewayInstanceId"), strings.HasPrefix(e.Code, "InvalidRegionId"),
		e.Code == "InvalidAction.NotFound":
		return true
	}
	return false
}

// Init prepares the HTTP client (TLS roots from CAFile).
func (c *Client) Init() error {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4
	if !c.Insecure {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if c.CAFile != "" {
			pem, err := os.ReadFile(c.CAFile)
			if err != nil {
				return fmt.Errorf("--ca-file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return fmt.Errorf("--ca-file %s holds no PEM certificate", c.CAFile)
			}
			cfg.RootCAs = pool
		}
		tr.TLSClientConfig = cfg
	}
	// No client-wide timeout: each call has its own (the long-poll is
	// longer than the others).
	c.http = &http.Client{Transport: tr}
	return nil
}

func (c *Client) url() string {
	if c.Insecure {
		return "http://" + c.Endpoint + "/"
	}
	return "https://" + c.Endpoint + "/"
}

// call sends action with params and decodes the JSON answer into out.
func (c *Client) call(ctx context.Context, timeout time.Duration, action string, params []signature.Param, out any) error {
	ps := append([]signature.Param{{Name: "Action", Value: action}, {Name: "Version", Value: "2016-04-28"},
		{Name: "RegionId", Value: c.Region}}, params...)
	if c.SecurityToken != "" {
		ps = append(ps, signature.Param{Name: "SecurityToken", Value: c.SecurityToken})
	}
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return err
	}
	signed := signature.SignV1("POST", ps, c.AccessKeyID, c.AccessKeySecret, time.Now(), hex.EncodeToString(nonce[:]))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(), strings.NewReader(signature.V1Query(signed)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s at %s: %w", action, c.url(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s at %s: reading the answer: %w", action, c.url(), err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Code, Message, RequestId string }
		if json.Unmarshal(body, &e) != nil || e.Code == "" {
			return &APIError{Action: action, Status: resp.StatusCode, Code: "HTTP" + strconv.Itoa(resp.StatusCode), Message: clipText(string(body), 200)}
		}
		return &APIError{Action: action, Status: resp.StatusCode, Code: e.Code, Message: e.Message, RequestID: e.RequestId}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s at %s: the answer is not the expected JSON: %w", action, c.url(), err)
	}
	return nil
}

// clipText bounds the server's text quoted in an error (apierror.Clip: cut
// on a rune boundary).
func clipText(s string, n int) string { return apierror.Clip(s, n) }

// DesiredState calls DownloadVpnGatewayAgentConfig: with has, the agent's
// generation gen is sent and the server may wait up to wait for a change.
func (c *Client) DesiredState(ctx context.Context, gateway string, gen int64, has bool, wait time.Duration) (*vpn.AgentConfig, error) {
	ps := []signature.Param{{Name: "VpnGatewayId", Value: gateway}}
	if has {
		ps = append(ps, signature.Param{Name: "Generation", Value: strconv.FormatInt(gen, 10)},
			signature.Param{Name: "WaitSeconds", Value: strconv.Itoa(int(wait / time.Second))})
	}
	var out vpn.AgentConfig
	if err := c.call(ctx, wait+30*time.Second, "DownloadVpnGatewayAgentConfig", ps, &out); err != nil {
		return nil, err
	}
	if out.VpnGatewayId != gateway {
		return nil, errors.New("DownloadVpnGatewayAgentConfig answered another gateway's state")
	}
	return &out, nil
}

// Report is one ReportVpnGatewayAgentStatus request.
type Report struct {
	Gateway    string
	InstanceID string
	Sequence   int64
	Version    string
	Hostname   string
	Generation int64
	Tunnels    []vpn.AgentTunnelReport
	LogLines   []vpn.AgentLogLine
}

// maxChunk bounds one Tunnels.N / LogLines.N value (the API takes 32 KiB).
const maxChunk = 30 << 10

// maxReportBody bounds the encoded form body of a report (the API takes 1
// MiB).
const maxReportBody = 900 << 10

// Send calls ReportVpnGatewayAgentStatus.
func (c *Client) Send(ctx context.Context, r *Report) error {
	ps := []signature.Param{{Name: "VpnGatewayId", Value: r.Gateway}, {Name: "AgentInstanceId", Value: r.InstanceID},
		{Name: "Sequence", Value: strconv.FormatInt(r.Sequence, 10)}, {Name: "AgentVersion", Value: r.Version},
		{Name: "Hostname", Value: r.Hostname}, {Name: "Generation", Value: strconv.FormatInt(r.Generation, 10)}}
	ts, err := chunks(r.Tunnels)
	if err != nil {
		return err
	}
	for i, v := range ts {
		ps = append(ps, signature.Param{Name: "Tunnels." + strconv.Itoa(i+1), Value: v})
	}
	ls, err := chunks(r.LogLines)
	if err != nil {
		return err
	}
	for i, v := range ls {
		ps = append(ps, signature.Param{Name: "LogLines." + strconv.Itoa(i+1), Value: v})
	}
	var out vpn.AgentReportAnswer
	return c.call(ctx, 30*time.Second, "ReportVpnGatewayAgentStatus", ps, &out)
}

// chunks encodes items as JSON arrays of at most maxChunk bytes each.
func chunks[T any](items []T) ([]string, error) {
	var out []string
	var cur []byte
	for _, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return nil, err
		}
		if len(cur) > 0 && len(cur)+1+len(b)+1 > maxChunk {
			out = append(out, string(append(cur, ']')))
			cur = nil
		}
		if len(cur) == 0 {
			cur = append(cur, '[')
		} else {
			cur = append(cur, ',')
		}
		cur = append(cur, b...)
	}
	if len(cur) > 0 {
		out = append(out, string(append(cur, ']')))
	}
	return out, nil
}

// encodedSize is the size of an item once in a form body (JSON,
// percent-encoded).
func encodedSize(v any) int {
	b, _ := json.Marshal(v)
	return len(signature.V1Query([]signature.Param{{Name: "x", Value: string(b)}})) + 1
}

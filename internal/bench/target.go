package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// APIVersion is the VPC API version the generator calls.
const APIVersion = "2016-04-28"

// Signature schemes the generator can sign with.
const (
	SigV1 = "v1" // HMAC-SHA1 RPC signature, GET with every parameter in the query
	SigV3 = "v3" // ACS3-HMAC-SHA256, POST / with an empty body
)

// Download describes the DownloadVpnConnectionConfig call the generator
// repeats. Every request it builds is signed afresh: a new random
// SignatureNonce and the current time, as a real client does.
type Download struct {
	Endpoint        string // host:port, no scheme
	AccessKeyID     string
	AccessKeySecret string
	Region          string
	ConnectionID    string
	// ConnectionIDs, when set, replaces ConnectionID: each request asks for
	// one of them chosen uniformly at random (a store-wide load rather than
	// one hot connection).
	ConnectionIDs []string
	Signature     string // SigV1 (default) or SigV3
	Format        string // "" or "JSON" (default) or "XML"; V1 only
}

// Validate reports what is missing or wrong, as a message for the operator.
func (d Download) Validate() error {
	switch {
	case d.Endpoint == "":
		return errors.New("the endpoint is empty: give --endpoint HOST:PORT")
	case strings.Contains(d.Endpoint, "://"):
		return fmt.Errorf("endpoint %q: give HOST:PORT without a scheme", d.Endpoint)
	case d.AccessKeyID == "" || d.AccessKeySecret == "":
		return errors.New("no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET or give --access-key-id and --access-key-secret")
	case d.Region == "":
		return errors.New("the region is empty: give --region")
	case d.ConnectionID == "" && len(d.ConnectionIDs) == 0:
		return errors.New("no connection: give --connection vco-... (vpcvpn bench seed prints some) or --connections-file")
	}
	switch d.Signature {
	case "", SigV1, SigV3:
	default:
		return fmt.Errorf("signature %q: use v1 or v3", d.Signature)
	}
	switch strings.ToUpper(d.Format) {
	case "", "JSON", "XML":
	default:
		return fmt.Errorf("format %q: use JSON or XML", d.Format)
	}
	return nil
}

// newNonce returns 32 random hex characters, as the SDKs send.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// connection is the id the next request asks for.
func (d Download) connection() string {
	if len(d.ConnectionIDs) > 0 {
		return d.ConnectionIDs[mrand.IntN(len(d.ConnectionIDs))]
	}
	return d.ConnectionID
}

// NewRequest returns a freshly signed request for now.
func (d Download) NewRequest(ctx context.Context, now time.Time) (*http.Request, error) {
	if d.Signature == SigV3 {
		return d.newV3(ctx, now)
	}
	params := []signature.Param{
		{Name: "Action", Value: "DownloadVpnConnectionConfig"},
		{Name: "Version", Value: APIVersion},
		{Name: "RegionId", Value: d.Region},
		{Name: "VpnConnectionId", Value: d.connection()},
	}
	if d.Format != "" {
		params = append(params, signature.Param{Name: "Format", Value: d.Format})
	}
	signed := signature.SignV1(http.MethodGet, params, d.AccessKeyID, d.AccessKeySecret, now, newNonce())
	return http.NewRequestWithContext(ctx, http.MethodGet, "http://"+d.Endpoint+"/?"+signature.V1Query(signed), nil)
}

func (d Download) newV3(ctx context.Context, now time.Time) (*http.Request, error) {
	q := signature.V1Query([]signature.Param{{Name: "RegionId", Value: d.Region}, {Name: "VpnConnectionId", Value: d.connection()}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+d.Endpoint+"/?"+q, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("x-acs-action", "DownloadVpnConnectionConfig")
	req.Header.Set("x-acs-version", APIVersion)
	req.Header.Set("x-acs-credentials-provider", "static_ak")
	if err := signature.SignV3(req, d.AccessKeyID, d.AccessKeySecret, now, newNonce(), signature.EmptyBodySHA256); err != nil {
		return nil, err
	}
	return req, nil
}

// Answer is one complete HTTP answer.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Fetch sends one request built by newReq and returns the whole answer. It
// fails unless the status is 200.
func Fetch(ctx context.Context, client *http.Client, newReq RequestFunc) (Answer, error) {
	req, err := newReq(ctx, time.Now())
	if err != nil {
		return Answer{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Answer{}, err
	}
	a := Answer{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if resp.StatusCode != http.StatusOK {
		return a, fmt.Errorf("HTTP %d: %s", resp.StatusCode, clip(string(body), 300))
	}
	return a, nil
}

// clip bounds text quoted in an error (apierror.Clip: cut on a rune
// boundary).
func clip(s string, n int) string { return apierror.Clip(s, n) }

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/vpcvpn/vpcvpn/internal/action"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/logging"
	"github.com/vpcvpn/vpcvpn/internal/nonce"
	"github.com/vpcvpn/vpcvpn/internal/signature"
)

type staticCreds struct{}

func (staticCreds) Resolve(context.Context, string, string) (iam.Principal, string, error) {
	return iam.Principal{Kind: iam.PrincipalRoot, AccountID: "1000000000000001"}, "secret", nil
}

// TestPanicAnswersInternalError: a handler panic is answered as a
// well-formed InternalError (500) with a RequestId, not a dropped connection.
func TestPanicAnswersInternalError(t *testing.T) {
	srv := NewServer(Config{
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth:    NewAuthenticator(staticCreds{}, nonce.New(nonce.Options{})),
		Actions: []Action{{Version: "2016-04-28", Name: "Boom", Meta: action.Meta{RAM: "vpc:Boom", Class: action.Read}, Handle: func(context.Context, *Call) (any, error) { panic("boom") }}},
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	q := signature.V1Query(signature.SignV1("GET", []signature.Param{{Name: "Action", Value: "Boom"}, {Name: "Version", Value: "2016-04-28"}}, "ak", "secret", time.Now(), "n1"))
	resp, err := http.Get(ts.URL + "/?" + q)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ RequestId, Code string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 500 || body.Code != "InternalError" || len(body.RequestId) != 36 {
		t.Fatalf("%d %+v", resp.StatusCode, body)
	}
}

type captureLog struct{ actions []string }

func (c *captureLog) RequestEnabled() bool { return true }
func (c *captureLog) LogRequest(r *logging.Request) {
	c.actions = append(c.actions, r.Action+" "+r.Code)
}

type captureAudit struct{ actions []string }

func (c *captureAudit) Record(call *Call, status int, code string, _ time.Time, _ time.Duration) {
	c.actions = append(c.actions, call.Action+" "+call.Version+" "+code)
}

// TestUnknownActionIsNamed: the request log and the audit trail name the
// action a client asked for even when the server does not know it (or its
// version), so that an operator sees what a tool tried to call.
func TestUnknownActionIsNamed(t *testing.T) {
	rl, au := &captureLog{}, &captureAudit{}
	srv := NewServer(Config{
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Auth:       NewAuthenticator(staticCreds{}, nonce.New(nonce.Options{})),
		RequestLog: rl,
		Audit:      au,
		Actions:    []Action{{Version: "2016-04-28", Name: "Known", Meta: action.Meta{RAM: "vpc:Known", Class: action.Read}, Handle: func(context.Context, *Call) (any, error) { return nil, nil }}},
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	for _, q := range []string{"Action=DescribeVpcAttribute&Version=2016-04-28", "Action=Known&Version=2099-01-01"} {
		resp, err := http.Get(ts.URL + "/?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	wantLog := []string{"DescribeVpcAttribute InvalidAction.NotFound", "Known InvalidVersion"}
	wantAudit := []string{"DescribeVpcAttribute 2016-04-28 InvalidAction.NotFound", "Known 2099-01-01 InvalidVersion"}
	if !slices.Equal(rl.actions, wantLog) || !slices.Equal(au.actions, wantAudit) {
		t.Fatalf("log %q audit %q, want %q and %q", rl.actions, au.actions, wantLog, wantAudit)
	}
}

// TestUnknownActionNamesPrincipal: a signed request for an action the server
// does not know is authenticated before it is answered, so the access log
// names its principal; the answer stays 404 InvalidAction.NotFound, also
// when the request is unsigned or its signature is wrong.
func TestUnknownActionNamesPrincipal(t *testing.T) {
	var logged bytes.Buffer
	srv := NewServer(Config{
		Logger:  slog.New(slog.NewTextHandler(&logged, nil)),
		Auth:    NewAuthenticator(staticCreds{}, nonce.New(nonce.Options{})),
		Actions: []Action{{Version: "2016-04-28", Name: "Known", Meta: action.Meta{RAM: "vpc:Known", Class: action.Read}, Handle: func(context.Context, *Call) (any, error) { return nil, nil }}},
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	signed := func(secret, n string) string {
		return signature.V1Query(signature.SignV1("GET", []signature.Param{{Name: "Action", Value: "DescribeNothing"}, {Name: "Version", Value: "2016-04-28"}}, "ak", secret, time.Now(), n))
	}
	for _, c := range []struct{ query, principal string }{
		{signed("secret", "u1"), `principal=acs:ram::1000000000000001:root`},
		{"Action=DescribeNothing&Version=2016-04-28", `principal=""`},
		{signed("wrong", "u2"), `principal=""`},
	} {
		logged.Reset()
		resp, err := http.Get(ts.URL + "/?" + c.query)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Code string }
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 404 || body.Code != "InvalidAction.NotFound" {
			t.Fatalf("%s: %d %q, want 404 InvalidAction.NotFound", c.query, resp.StatusCode, body.Code)
		}
		if line := logged.String(); !strings.Contains(line, "action=DescribeNothing "+c.principal+" status=404") {
			t.Fatalf("%s: log %q lacks %s", c.query, line, c.principal)
		}
	}
}

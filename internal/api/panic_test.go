package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/iam"
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
		Actions: []Action{{Version: "2016-04-28", Name: "Boom", Handle: func(context.Context, *Call) (any, error) { panic("boom") }}},
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

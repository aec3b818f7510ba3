package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/action"
	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/nonce"
	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// errNoDatabase stands for a driver's error that Config.Unavailable
// recognises (postgres.Unavailable: a refused connection, a statement the
// database did not answer in time).
var errNoDatabase = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

// TestDatabaseUnavailable: a request that fails with an error
// Config.Unavailable recognises is answered ServiceUnavailable (503,
// Retry-After: 1), saying that the request was not carried out for an
// action that does not write and that a change may or may not have been
// made for one that writes, and logged as an error; any other error stays
// InternalError.
func TestDatabaseUnavailable(t *testing.T) {
	var logs bytes.Buffer
	act := func(name string, class action.Class, err error) Action {
		return Action{Version: "2016-04-28", Name: name, Meta: action.Meta{RAM: "vpc:" + name, Class: class},
			Handle: func(context.Context, *Call) (any, error) { return nil, err }}
	}
	srv := NewServer(Config{
		Logger:      slog.New(slog.NewTextHandler(&logs, nil)),
		Auth:        NewAuthenticator(staticCreds{}, nonce.New(nonce.Options{})),
		Unavailable: func(err error) bool { return errors.Is(err, errNoDatabase) },
		Actions: []Action{
			act("DescribeThing", action.Read, fmt.Errorf("read: %w", errNoDatabase)),
			act("ListThings", action.List, errNoDatabase),
			act("ModifyThing", action.Write, errNoDatabase),
			act("Broken", action.Read, errors.New("a bug")),
		},
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	nonces := 0
	call := func(name string) (int, http.Header, map[string]string) {
		t.Helper()
		nonces++
		q := signature.V1Query(signature.SignV1("GET", []signature.Param{{Name: "Action", Value: name}, {Name: "Version", Value: "2016-04-28"}},
			"ak", "secret", time.Now(), fmt.Sprintf("nonce-%d", nonces)))
		resp, err := http.Get(ts.URL + "/?" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header, body
	}
	for name, msg := range map[string]string{
		"DescribeThing": apierror.UnavailableUnchangedMessage, // a read changed nothing
		"ListThings":    apierror.UnavailableUnchangedMessage,
		"ModifyThing":   apierror.UnavailableMessage, // a write may have been committed
	} {
		status, h, body := call(name)
		if status != 503 || body["Code"] != "ServiceUnavailable" || body["Message"] != msg || h.Get("Retry-After") != "1" || h.Get("x-acs-retry-after") != "1000" {
			t.Errorf("%s: %d %v %v", name, status, h, body)
		}
	}
	if status, _, body := call("Broken"); status != 500 || body["Code"] != "InternalError" {
		t.Errorf("Broken: %d %v", status, body)
	}
	if got := strings.Count(logs.String(), "database unavailable, answered ServiceUnavailable"); got != 3 {
		t.Errorf("%d database-unavailable log lines, want 3:\n%s", got, logs.String())
	}
}

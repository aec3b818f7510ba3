package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/app"
	"github.com/vpcvpn/vpcvpn/internal/bench"
	"github.com/vpcvpn/vpcvpn/internal/logging"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/store"
	"github.com/vpcvpn/vpcvpn/internal/vpn"
	"github.com/vpcvpn/vpcvpn/internal/wire"
)

// Credentials of the benchmark servers' root account.
const (
	benchAK     = "LTAIbenchAccessKey0001"
	benchSecret = "benchAccessKeySecret0123456789"
)

// benchApp opens the production wiring (app.Open: SQLite, answer cache,
// in-memory nonces, metrics; logging at Info to io.Discard as a server logs
// at Info) on a temporary store seeded with a few connections, and returns
// it with one single- and one dual-tunnel connection id.
func benchApp(b *testing.B) (*app.App, string, string) {
	b.Helper()
	// The server's log (internal/logging, as `vpcvpn server` builds it)
	// into io.Discard: the request line is formatted, not written.
	out := logging.New(io.Discard, "text", slog.LevelInfo)
	b.Cleanup(func() { out.Close() })
	a, err := app.Open(context.Background(), app.Options{DataDir: b.TempDir(), Logger: out.Logger, RequestLog: out,
		RootAccessKeyID: benchAK, RootAccessKeySecret: benchSecret})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	res, err := bench.Seed{AccountID: a.Root.AccountID, Connections: 8, PerGateway: 4, DualEvery: 2}.Run(context.Background(), a.Store)
	if err != nil {
		b.Fatal(err)
	}
	return a, res.Single[0], res.DualIDs[0]
}

// BenchmarkDownloadHandler is DownloadVpnConnectionConfig end to end in
// process: freshly signed requests (built before the timer starts, one per
// iteration, each with its own nonce) through the server's http.Handler into
// a recorder. It measures what the server does per request above net/http:
// parsing, signature check, nonce, dispatch, the (cached) answer, encoding,
// metrics and the log call.
func BenchmarkDownloadHandler(b *testing.B) {
	a, single, dual := benchApp(b)
	for _, tc := range []struct {
		name, id, sig, format string
	}{
		{"v1-json-single", single, bench.SigV1, ""},
		{"v1-json-dual", dual, bench.SigV1, ""},
		{"v1-xml-dual", dual, bench.SigV1, "XML"},
		{"v3-json-dual", dual, bench.SigV3, ""},
	} {
		b.Run(tc.name, func(b *testing.B) {
			d := bench.Download{Endpoint: "127.0.0.1:8080", AccessKeyID: benchAK, AccessKeySecret: benchSecret,
				Region: "cn-hangzhou", ConnectionID: tc.id, Signature: tc.sig, Format: tc.format}
			reqs := make([]*http.Request, b.N)
			now := time.Now()
			for i := range reqs {
				r, err := d.NewRequest(context.Background(), now)
				if err != nil {
					b.Fatal(err)
				}
				r.RemoteAddr = "127.0.0.1:40000"
				r.RequestURI = r.URL.RequestURI()
				reqs[i] = r
			}
			// Warm the answer cache with one more request.
			warm, _ := d.NewRequest(context.Background(), now)
			warm.RemoteAddr = "127.0.0.1:40000"
			rec := httptest.NewRecorder()
			a.Handler.ServeHTTP(rec, warm)
			if rec.Code != http.StatusOK {
				b.Fatalf("warm-up: %d %s", rec.Code, rec.Body)
			}
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				clear(w.h)
				w.code = 0
				a.Handler.ServeHTTP(w, reqs[i])
				if w.code != http.StatusOK {
					b.Fatalf("request %d: status %d", i, w.code)
				}
			}
		})
	}
}

// discardWriter is the cheapest http.ResponseWriter: the benchmark should
// measure the handler, not a recorder's buffering.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

// BenchmarkEncodeDownload encodes the download answer of a single- and a
// dual-tunnel connection as the server does on a cache miss (wire.EncodeBody,
// which the cache is filled with; the server encodes other answers with the
// same wire.Encode).
func BenchmarkEncodeDownload(b *testing.B) {
	a, single, dual := benchApp(b)
	ctx := context.Background()
	for _, id := range []struct{ name, id string }{{"single", single}, {"dual", dual}} {
		c, err := a.Store.GetConnection(ctx, store.Scope{RegionID: "cn-hangzhou"}, id.id)
		if err != nil {
			b.Fatal(err)
		}
		sc := store.Scope{AccountID: c.AccountID, RegionID: c.RegionID}
		gw, err := a.Store.GetGateway(ctx, sc, c.VpnGatewayID)
		if err != nil {
			b.Fatal(err)
		}
		cgws := map[string]vpn.CustomerGateway{}
		for _, cid := range append([]string{c.CustomerGatewayID}, tunnelCgws(c)...) {
			if cid == "" {
				continue
			}
			cg, err := a.Store.GetCustomerGateway(ctx, sc, cid)
			if err != nil {
				b.Fatal(err)
			}
			cgws[cid] = cg
		}
		body := &service.DownloadVpnConnectionConfigResponse{VpnConnectionConfig: vpn.CustomerView(c, gw, cgws)}
		for _, format := range []wire.Format{wire.JSON, wire.XML} {
			b.Run(id.name+"-"+strings.ToLower(format.String()), func(b *testing.B) {
				out, err := wire.EncodeBody("DownloadVpnConnectionConfig", format, body)
				if err != nil || !strings.Contains(string(out.Body), c.VpnConnectionID[:0]+"VpnConnectionConfig") {
					b.Fatalf("encode: %v %s", err, out.Body)
				}
				b.SetBytes(int64(len(out.Body)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := wire.EncodeBody("DownloadVpnConnectionConfig", format, body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func tunnelCgws(c vpn.Connection) []string {
	var out []string
	for _, t := range c.Tunnels {
		out = append(out, t.CustomerGatewayID)
	}
	return out
}

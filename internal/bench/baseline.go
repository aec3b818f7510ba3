package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Baseline is the minimal net/http server vpcvpn is compared with: it
// answers every request, whatever it asks, with the same status 200, headers
// and body bytes (those of a real answer), doing no other work. It is what
// net/http and the load generator cost on their own.
type Baseline struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// baselineHandler writes the fixed answer.
type baselineHandler struct {
	header map[string][]string
	body   []byte
}

func (h *baselineHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	dst := w.Header()
	for k, v := range h.header {
		dst[k] = v
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(h.body)
}

// NewBaselineHandler returns the Baseline's handler: every request is answered
// with 200, Content-Type contentType (none when empty), X-Acs-Request-Id
// requestID (none when empty), Content-Length and exactly body.
func NewBaselineHandler(body []byte, contentType, requestID string) http.Handler {
	h := &baselineHandler{header: map[string][]string{"Content-Length": {strconv.Itoa(len(body))}}, body: body}
	if contentType != "" {
		h.header["Content-Type"] = []string{contentType}
	}
	if requestID != "" {
		h.header["X-Acs-Request-Id"] = []string{requestID}
	}
	return h
}

// StartBaseline starts a Baseline answering with a on addr ("127.0.0.1:0"
// picks a free port). The headers it repeats are a's Content-Type and
// X-Acs-Request-Id.
func StartBaseline(addr string, a Answer) (*Baseline, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("baseline server: listen on %s: %w", addr, err)
	}
	b := &Baseline{
		srv: &http.Server{
			Handler:           NewBaselineHandler(a.Body, a.Header.Get("Content-Type"), a.Header.Get("X-Acs-Request-Id")),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
		},
		ln:   ln,
		done: make(chan error, 1),
	}
	go func() { b.done <- b.srv.Serve(ln) }()
	return b, nil
}

// Endpoint is the host:port the Baseline listens on.
func (b *Baseline) Endpoint() string { return b.ln.Addr().String() }

// Close stops the Baseline.
func (b *Baseline) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := b.srv.Shutdown(ctx)
	if serr := <-b.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

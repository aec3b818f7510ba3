package httpfront

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// start serves h on a loopback listener until the test ends.
func start(t *testing.T, h http.Handler, configure ...func(*Server)) (string, *Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h}
	for _, f := range configure {
		f(s)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return ln.Addr().String(), s
}

// echo answers with what it saw of the request.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "%s %s %s host=%s q=%s ua=%s body=%s", r.Method, r.URL.Path, r.Proto, r.Host, r.URL.RawQuery, r.UserAgent(), b)
})

// rawExchange writes req on a fresh connection and returns every answer
// read until the server closes it, and whether it did.
func rawExchange(t *testing.T, addr, req string, n int) ([]*http.Response, [][]byte, bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var resps []*http.Response
	var bodies [][]byte
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("answer %d body: %v", i, err)
		}
		resps, bodies = append(resps, resp), append(bodies, b)
	}
	_, err = br.ReadByte()
	closed := err == io.EOF
	if err == nil {
		t.Fatalf("unexpected bytes after %d answers", n)
	}
	return resps, bodies, closed
}

func TestKeepAliveWithNetHTTPClient(t *testing.T) {
	addr, _ := start(t, echo)
	var conns atomic.Int32
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if !i.Reused {
			conns.Add(1)
		}
	}}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	for i := range 20 {
		var req *http.Request
		if i%2 == 0 {
			req, _ = http.NewRequest("GET", "http://"+addr+"/?Action=DescribeVpcs&i="+strconv.Itoa(i), nil)
		} else {
			req, _ = http.NewRequest("POST", "http://"+addr+"/", strings.NewReader("Action=X&i="+strconv.Itoa(i)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("User-Agent", "tester/1")
		req = req.WithContext(httptrace.WithClientTrace(context.Background(), trace))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var want string
		if i%2 == 0 {
			want = fmt.Sprintf("GET / HTTP/1.1 host=%s q=Action=DescribeVpcs&i=%d ua=tester/1 body=", addr, i)
		} else {
			want = fmt.Sprintf("POST / HTTP/1.1 host=%s q= ua=tester/1 body=Action=X&i=%d", addr, i)
		}
		if resp.StatusCode != 200 || string(b) != want {
			t.Fatalf("request %d: %d %q, want 200 %q", i, resp.StatusCode, b, want)
		}
		if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(want)) {
			t.Fatalf("Content-Length %q, want %d", got, len(want))
		}
		if resp.Header.Get("Date") == "" {
			t.Fatal("no Date field")
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 20 sequential requests, want 1 (keep-alive)", n)
	}
}

func TestPipelinedRequests(t *testing.T) {
	addr, _ := start(t, echo)
	req := "GET /?a=1 HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"\r\n" + // a stray CRLF after a body is skipped
		"GET /?a=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	resps, bodies, closed := rawExchange(t, addr, req, 3)
	want := []string{"GET / HTTP/1.1 host=x q=a=1 ua= body=", "POST / HTTP/1.1 host=x q= ua= body=hello", "GET / HTTP/1.1 host=x q=a=3 ua= body="}
	for i := range want {
		if string(bodies[i]) != want[i] {
			t.Errorf("answer %d: %q, want %q", i, bodies[i], want[i])
		}
	}
	if !closed || !resps[2].Close {
		t.Errorf("after Connection: close: closed=%v, answer's Connection: close %v", closed, resps[2].Close)
	}
}

func TestRefusedRequests(t *testing.T) {
	addr, _ := start(t, echo, func(s *Server) { s.MaxHeaderBytes = 1024 })
	for _, tc := range []struct {
		req    string
		status int
		reason string
	}{
		{"GET / HTTP/1.1\r\n\r\n", 400, "missing required Host header"},
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "too many Host headers"},
		{"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "unsupported protocol version HTTP/2.0"},
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411, "chunked request bodies are not accepted: send the body with a Content-Length"},
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "unsupported Transfer-Encoding"},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400, "repeated Content-Length header"},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n folded\r\n\r\n", 400, "obsolete line folding is not accepted"},
		{"GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417, "unsupported Expect value"},
		{"GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400, "malformed request target"},
		{"GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + strings.Repeat("p", 2000) + "\r\n\r\n", 431, "request header fields too large"},
		{"GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + strings.Repeat("p", 2000), 431, "request header fields too large"},
		{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400, "malformed request line"},
	} {
		resps, bodies, closed := rawExchange(t, addr, tc.req, 1)
		want := fmt.Sprintf("%d %s: %s", tc.status, http.StatusText(tc.status), tc.reason)
		if resps[0].StatusCode != tc.status || string(bodies[0]) != want || !closed {
			t.Errorf("%.60q: %d %q closed=%v, want %d %q and the connection closed", tc.req, resps[0].StatusCode, bodies[0], closed, tc.status, want)
		}
	}
}

func TestHTTP10(t *testing.T) {
	addr, _ := start(t, echo)
	resps, bodies, closed := rawExchange(t, addr, "GET /?x HTTP/1.0\r\n\r\n", 1)
	if string(bodies[0]) != "GET / HTTP/1.0 host= q=x ua= body=" || !closed || !resps[0].Close {
		t.Errorf("HTTP/1.0: %q closed=%v Connection: close %v", bodies[0], closed, resps[0].Close)
	}
	resps, _, closed = rawExchange(t, addr, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n", 2)
	if resps[0].Header.Get("Connection") != "keep-alive" || !closed {
		t.Errorf("HTTP/1.0 keep-alive: Connection=%q closed=%v", resps[0].Header.Get("Connection"), closed)
	}
}

func TestExpectContinue(t *testing.T) {
	addr, _ := start(t, echo)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("first line %q (%v), want 100 Continue", line, err)
	}
	if l, _ := br.ReadString('\n'); l != "\r\n" {
		t.Fatalf("100 Continue not followed by an empty line: %q", l)
	}
	io.WriteString(c, "body")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "POST / HTTP/1.1 host=x q= ua= body=body" {
		t.Fatalf("answer %q", b)
	}
}

func TestUnreadBody(t *testing.T) {
	ignore := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ignored") })
	addr, _ := start(t, ignore)
	small := "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
	_, bodies, closed := rawExchange(t, addr, small+small+"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3)
	if string(bodies[2]) != "ignored" || !closed {
		t.Errorf("after unread small bodies: %q closed=%v", bodies[2], closed)
	}
	// Beyond maxDiscard the connection is closed after the answer.
	big := fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", maxDiscard+1)
	_, bodies, closed = rawExchange(t, addr, big, 1)
	if string(bodies[0]) != "ignored" || !closed {
		t.Errorf("unread big body: %q closed=%v, want the answer and the connection closed", bodies[0], closed)
	}
}

func TestAnswerFraming(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), maxBufferedAnswer/16+100)
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(big) })
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "part1,")
		w.(http.Flusher).Flush()
		io.WriteString(w, "part2")
	})
	mux.HandleFunc("/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		if _, err := io.WriteString(w, "12345678"); !errors.Is(err, http.ErrContentLength) {
			t.Errorf("write beyond Content-Length: %v", err)
		}
		io.WriteString(w, "12345")
	})
	mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "12345")
	})
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrBodyNotAllowed) {
			t.Errorf("write after 204: %v", err)
		}
	})
	mux.HandleFunc("/sniff", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html><body>hi</body></html>") })
	mux.HandleFunc("/inject", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Value", "a\r\nSet-Cookie: evil=1")
		w.Header()["Bad Name"] = []string{"x"}
		io.WriteString(w, "ok")
	})
	addr, _ := start(t, mux)
	client := &http.Client{}
	get := func(method, path string) (*http.Response, []byte, error) {
		req, _ := http.NewRequest(method, "http://"+addr+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	resp, b, err := get("GET", "/big")
	if err != nil || !bytes.Equal(b, big) || resp.TransferEncoding == nil || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("big: err=%v len=%d TE=%v, want %d bytes chunked", err, len(b), resp.TransferEncoding, len(big))
	}
	resp, b, err = get("GET", "/flush")
	if err != nil || string(b) != "part1,part2" || len(resp.TransferEncoding) == 0 {
		t.Errorf("flush: %q %v TE=%v", b, err, resp.TransferEncoding)
	}
	resp, b, err = get("GET", "/declared")
	if err != nil || string(b) != "12345" || resp.ContentLength != 5 {
		t.Errorf("declared: %q %v CL=%d", b, err, resp.ContentLength)
	}
	if _, _, err = get("GET", "/short"); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short answer: err=%v, want the client to see a truncated body", err)
	}
	resp, b, err = get("GET", "/nocontent")
	if err != nil || resp.StatusCode != 204 || len(b) != 0 || resp.Header.Get("Content-Length") != "" {
		t.Errorf("204: %d %q CL=%q %v", resp.StatusCode, b, resp.Header.Get("Content-Length"), err)
	}
	resp, b, err = get("HEAD", "/sniff")
	if err != nil || len(b) != 0 || resp.ContentLength != 28 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("HEAD: %q CL=%d type=%q %v", b, resp.ContentLength, resp.Header.Get("Content-Type"), err)
	}
	resp, _, err = get("GET", "/inject")
	if err != nil || resp.Header.Get("X-Value") != "a  Set-Cookie: evil=1" || resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("Bad Name") != "" {
		t.Errorf("header injection: X-Value=%q Set-Cookie=%q %v", resp.Header.Get("X-Value"), resp.Header.Get("Set-Cookie"), err)
	}
	// HTTP/1.0 cannot be chunked: a long answer ends with the connection.
	resps, bodies, closed := rawExchange(t, addr, "GET /big HTTP/1.0\r\n\r\n", 1)
	if !bytes.Equal(bodies[0], big) || !closed || resps[0].ContentLength != -1 {
		t.Errorf("HTTP/1.0 long answer: %d bytes closed=%v CL=%d", len(bodies[0]), closed, resps[0].ContentLength)
	}
}

func TestPanicClosesOnlyThatConnection(t *testing.T) {
	var logged bytes.Buffer
	var mu sync.Mutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		io.WriteString(w, "fine")
	})
	addr, _ := start(t, h, func(s *Server) {
		s.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil))
	})
	c, _ := net.Dial("tcp", addr)
	defer c.Close()
	io.WriteString(c, "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("after a panic: read %d, %v; want the connection closed without an answer", n, err)
	}
	_, bodies, _ := rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1)
	if string(bodies[0]) != "fine" {
		t.Fatalf("next connection: %q", bodies[0])
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "panic=boom") {
		t.Fatalf("panic not logged: %s", logged.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestTimeouts(t *testing.T) {
	addr, _ := start(t, echo, func(s *Server) {
		s.IdleTimeout = 300 * time.Millisecond
		s.ReadTimeout = 300 * time.Millisecond
	})
	for _, tc := range []struct{ name, send string }{
		{"idle keep-alive connection", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"header sent slowly", "GET / HTTP/1.1\r\nHo"},
		{"body never sent", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab"},
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, tc.send)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = io.ReadAll(c) // answers (if any) then EOF when the server gives up
		if err != nil {
			t.Errorf("%s: %v, want the server to close the connection", tc.name, err)
		}
		c.Close()
	}
}

func TestShutdownDrains(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		io.WriteString(w, "done "+r.URL.Path)
	})
	addr, s := start(t, h)
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	// An idle keep-alive connection, answered once.
	io.WriteString(idle, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(idle)
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("first: %v", err)
	} else {
		io.ReadAll(resp.Body)
	}
	busy, _ := net.Dial("tcp", addr)
	defer busy.Close()
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-entered
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	_ = idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("idle connection during shutdown: %v, want EOF", err)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}
	close(release)
	_ = busy.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(busy), nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "done /slow" || !resp.Close {
		t.Errorf("in-flight answer %q Connection: close %v", b, resp.Close)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("new connection accepted after Shutdown")
	}
}

func TestTLS(t *testing.T) {
	cert := selfSigned(t)
	var sawTLS atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawTLS.Store(r.TLS != nil && r.TLS.HandshakeComplete)
		io.WriteString(w, "secure")
	})
	addr, _ := start(t, h, func(s *Server) { s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}} })
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "secure" || resp.Proto != "HTTP/1.1" || !sawTLS.Load() || resp.TLS.NegotiatedProtocol != "http/1.1" {
		t.Fatalf("TLS: %q proto=%s alpn=%q handler saw TLS=%v", b, resp.Proto, resp.TLS.NegotiatedProtocol, sawTLS.Load())
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// TestRefusalSurvivesUnreadInput: a client still sending an oversized header
// when the front refuses it gets the 431 answer, not a reset: the front
// half-closes and drains what the client sends before closing, as net/http
// does. Go's client writes the whole request before it reads, so without
// the drain its write fails with "connection reset by peer".
func TestRefusalSurvivesUnreadInput(t *testing.T) {
	addr, _ := start(t, echo, func(s *Server) { s.MaxHeaderBytes = 1024 })
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, MaxResponseHeaderBytes: 1 << 20}}
	pad := strings.Repeat("p", 4<<20) // far more than the socket buffers hold
	for i := range 20 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
		req.Header.Set("X-Pad", pad)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("attempt %d: reading the refusal's body: %v", i, err)
		}
		if want := "431 Request Header Fields Too Large: request header fields too large"; resp.StatusCode != 431 || string(body) != want {
			t.Fatalf("attempt %d: %d %q, want 431 %q", i, resp.StatusCode, body, want)
		}
	}
}

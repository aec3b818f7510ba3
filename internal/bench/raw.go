package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// rawConn is the lean client of Load.Raw: one keep-alive HTTP/1.1
// connection on which a worker writes each request's bytes itself and
// reads the answer (status line, headers, a Content-Length body) without
// net/http's transport. net/http's client hands every request between
// three goroutines (the caller, the connection's writer and reader), which
// cost the generator about as much CPU per request as the server under
// test spends; on a machine where the generator and the server share the
// cores that is CPU the server does not get, and scheduling delay in every
// measured latency.
type rawConn struct {
	c    net.Conn
	br   *bufio.Reader
	wbuf []byte
}

// errUnsupported marks answers the raw client cannot read.
var errUnsupported = errors.New("raw client: answer without Content-Length (chunked) is not supported")

// do sends req on the connection (dialling addr first if needed) and reads
// the whole answer into buf (what does not fit is counted, not kept).
// It returns the status and the body length. On any error the connection
// is closed; the next do dials again.
func (rc *rawConn) do(req *http.Request, buf []byte) (status, n int, err error) {
	if req.Body != nil && req.ContentLength != 0 {
		return 0, 0, errors.New("raw client: request bodies are not supported")
	}
	if rc.c == nil {
		c, err := net.DialTimeout("tcp", req.URL.Host, 10*time.Second)
		if err != nil {
			return 0, 0, err
		}
		rc.c = c
		if rc.br == nil {
			rc.br = bufio.NewReaderSize(c, 16<<10)
		} else {
			rc.br.Reset(c)
		}
	}
	status, n, err = rc.roundTrip(req, buf)
	if err != nil {
		rc.close()
	}
	return status, n, err
}

func (rc *rawConn) close() {
	if rc.c != nil {
		rc.c.Close()
		rc.c = nil
	}
}

func (rc *rawConn) roundTrip(req *http.Request, buf []byte) (status, n int, err error) {
	w := append(rc.wbuf[:0], req.Method...)
	w = append(w, ' ')
	w = append(w, req.URL.RequestURI()...)
	w = append(w, " HTTP/1.1\r\nHost: "...)
	w = append(w, req.URL.Host...)
	w = append(w, "\r\nUser-Agent: vpcvpn-bench\r\n"...)
	if req.Method == http.MethodPost {
		w = append(w, "Content-Length: 0\r\n"...)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			w = append(w, k...)
			w = append(w, ": "...)
			w = append(w, v...)
			w = append(w, "\r\n"...)
		}
	}
	w = append(w, "\r\n"...)
	rc.wbuf = w
	_ = rc.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := rc.c.Write(w); err != nil {
		return 0, 0, err
	}
	line, err := rc.readLine()
	if err != nil {
		return 0, 0, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, 0, fmt.Errorf("raw client: malformed status line %q", clip(string(line), 100))
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, fmt.Errorf("raw client: malformed status line %q", clip(string(line), 100))
	}
	length, closeAfter := -1, false
	for {
		line, err := rc.readLine()
		if err != nil {
			return 0, 0, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, 0, fmt.Errorf("raw client: malformed header line %q", clip(string(line), 100))
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.Atoi(string(value))
			if err != nil || length < 0 {
				return 0, 0, fmt.Errorf("raw client: bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, 0, errUnsupported
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			closeAfter = true
		}
	}
	if length < 0 {
		return 0, 0, errUnsupported
	}
	for n < length {
		var m int
		if n < len(buf) {
			m, err = rc.br.Read(buf[n:min(length, len(buf))])
		} else {
			var scratch [4096]byte
			m, err = rc.br.Read(scratch[:min(length-n, len(scratch))])
		}
		n += m
		if err != nil {
			return 0, 0, err
		}
	}
	if closeAfter {
		rc.close()
	}
	return status, n, nil
}

// readLine reads one CRLF-terminated line without its terminator.
func (rc *rawConn) readLine() ([]byte, error) {
	line, err := rc.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("raw client: header line longer than 16 KB")
		}
		return nil, err
	}
	return bytes.TrimSuffix(line[:len(line)-1], []byte("\r")), nil
}

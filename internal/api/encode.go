package api

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"sync"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/wire"
)

const (
	contentJSON = "application/json;charset=utf-8"
	contentXML  = "text/xml;charset=utf-8"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// NewRequestID returns a new RequestId (for callers of the service layer
// other than this server, such as the web console).
func NewRequestID() string { return newRequestID() }

// newRequestID returns a random UUID (version 4) in upper case, as Alibaba's
// RequestIds look.
func newRequestID() string {
	const hexUpper = "0123456789ABCDEF"
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexUpper[c>>4], hexUpper[c&0x0f]
		j += 2
	}
	return string(out[:])
}

// errorBody is the wire shape of an error.
type errorBody struct {
	XMLName            xml.Name                     `json:"-" xml:"Error"`
	RequestID          string                       `json:"RequestId" xml:"RequestId"`
	HostID             string                       `json:"HostId" xml:"HostId"`
	Code               string                       `json:"Code" xml:"Code"`
	Message            string                       `json:"Message" xml:"Message"`
	Recommend          string                       `json:"Recommend" xml:"Recommend"`
	AccessDeniedDetail *apierror.AccessDeniedDetail `json:"AccessDeniedDetail,omitempty" xml:"AccessDeniedDetail,omitempty"`
}

// writeError writes e in the requested format.
func writeError(w http.ResponseWriter, f wire.Format, requestID, host string, e *apierror.Error) {
	rec := e.Recommend
	if rec == "" {
		rec = recommend(e)
	}
	body := errorBody{RequestID: requestID, HostID: host, Code: e.Code, Message: e.Message, Recommend: rec, AccessDeniedDetail: e.AccessDenied}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	h := w.Header()
	for k, v := range e.Headers {
		h.Set(k, v)
	}
	if f == wire.XML {
		buf.WriteString(wire.XMLHeader)
		_ = xml.NewEncoder(buf).Encode(body)
		h.Set("Content-Type", contentXML)
	} else {
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(body)
		buf.Truncate(buf.Len() - 1)
		h.Set("Content-Type", contentJSON)
	}
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("x-acs-request-id", requestID)
	w.WriteHeader(e.Status)
	_, _ = w.Write(buf.Bytes())
}

// recommend is the default hint for an error: what the caller should do next.
func recommend(e *apierror.Error) string {
	switch {
	case e.Status == http.StatusInternalServerError:
		return "Retry the request; if it keeps failing, report the RequestId to the operator of this endpoint."
	case e.Status == http.StatusServiceUnavailable || e.Code == "Throttling.User" || e.Code == "Throttling":
		return "Retry later with exponential backoff."
	case e.Status == http.StatusForbidden:
		return "Ask the account owner to grant the action on the resource (see AccessDeniedDetail), then retry."
	case e.Code == "SignatureDoesNotMatch":
		return "Check the AccessKeySecret and that the client signs exactly the parameters it sends."
	default:
		return "Check the Code and Message, fix the request and retry."
	}
}

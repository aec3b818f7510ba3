package api

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/signature"
)

// Limits on what a request may carry. They keep one request's cost bounded.
const (
	maxParams     = 1000
	maxValueBytes = 32 << 10 // one parameter value
	maxNameBytes  = 256
)

// param is one name/value pair as sent.
type param = signature.Param

// parseParams decodes an application/x-www-form-urlencoded string (a raw query
// or a form body) strictly: bad percent-encoding or invalid UTF-8 is
// InvalidParameter.Encoding, a name without '=' is a parameter with an empty
// value (the V1 SDK sends an empty SignatureType=), and names must be
// non-empty. Appends to dst.
func parseParams(dst []param, raw string) ([]param, error) {
	if cap(dst)-len(dst) == 0 && raw != "" {
		dst = append(make([]param, 0, len(dst)+min(strings.Count(raw, "&")+1, maxParams+1)), dst...)
	}
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		if len(dst) >= maxParams {
			return nil, apierror.Newf("InvalidParameter.TooMany", "The request carries more than %d parameters.", maxParams)
		}
		name, value, err := signature.DecodePair(kv)
		if err != nil {
			k, _, _ := strings.Cut(kv, "=")
			return nil, apierror.Newf("InvalidParameter.Encoding", "Parameter %q is not correctly percent-encoded (use %%XX escapes of UTF-8 bytes).", clip(strings.ToValidUTF8(k, "?")))
		}
		if name == "" {
			return nil, apierror.Newf("InvalidParameter", "A parameter has an empty name.")
		}
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			return nil, apierror.Newf("InvalidParameter.Encoding", "Parameter %q is not valid UTF-8.", clip(strings.ToValidUTF8(name, "?")))
		}
		if strings.IndexByte(name, 0) >= 0 || strings.IndexByte(value, 0) >= 0 {
			return nil, apierror.Newf("InvalidParameter", "Parameter %q contains a NUL character.", clip(strings.ReplaceAll(name, "\x00", "?")))
		}
		if len(name) > maxNameBytes {
			return nil, apierror.Newf("InvalidParameter.TooLong", "A parameter name is longer than %d bytes.", maxNameBytes)
		}
		if len(value) > maxValueBytes {
			return nil, apierror.Newf("InvalidParameter.TooLong", "The value of parameter %q is longer than %d bytes.", clip(name), maxValueBytes)
		}
		dst = append(dst, param{Name: name, Value: value})
	}
	return dst, nil
}

// toMap folds params into a map; the same name twice with different values is
// refused (InvalidParameter.Duplicate), with the same value it is one
// parameter (and ps is compacted to hold it once, in place, so the signature
// is computed over what the map holds).
func toMap(ps []param) (map[string]string, []param, error) {
	return toMapInto(make(map[string]string, len(ps)), ps)
}

// toMapInto is toMap into the empty map m.
func toMapInto(m map[string]string, ps []param) (map[string]string, []param, error) {
	out := ps[:0]
	for _, p := range ps {
		if old, ok := m[p.Name]; ok && old != p.Value {
			return nil, nil, apierror.Newf("InvalidParameter.Duplicate", "Parameter %q is given more than once with different values.", clip(p.Name))
		}
		if _, ok := m[p.Name]; ok {
			continue
		}
		m[p.Name] = p.Value
		out = append(out, p)
	}
	return m, out, nil
}

// clip shortens s for an error message (apierror.Clip).
func clip(s string) string { return apierror.Clip(s, 64) }

// paramMaps recycles the parameter maps of finished requests: a map is
// the largest allocation of a request's parsing. A map is returned only by
// serveAPI after the request is answered, logged and audited; handlers and
// sinks must not keep Call.Params beyond the call (api.AuditSink says so).
var paramMaps = sync.Pool{New: func() any { return make(map[string]string, 16) }}

// maxPooledParams: maps (and a request's parameter arrays) that held more
// parameters are left to the garbage collector rather than kept at their
// size: a request with a thousand parameters should not make every later one
// hold and clear its arrays.
const maxPooledParams = 64

func putParamMap(m map[string]string) {
	if m == nil || len(m) > maxPooledParams {
		return
	}
	clear(m)
	paramMaps.Put(m)
}

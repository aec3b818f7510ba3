package api

import (
	"fmt"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/wire"
)

// TestPutRequest: a pooled request keeps only its parameter array, emptied
// and with every string of the request it served dropped; arrays longer than
// maxPooledParams are not kept.
func TestPutRequest(t *testing.T) {
	rq := &request{host: "h", status: 400, code: "C"}
	rq.call.Action, rq.call.RequestID, rq.call.Format = "DescribeVpcs", "R", wire.XML
	rq.line.RequestID = "R"
	rq.params = append(make([]param, 0, 8), param{Name: "Action", Value: "DescribeVpcs"}, param{Name: "Format", Value: "XML"})
	// toMapInto compacts in place: entries past len may still hold strings.
	rq.params = rq.params[:1]
	arr := rq.params[:cap(rq.params)]
	putRequest(rq)
	if len(rq.params) != 0 || cap(rq.params) != 8 || &rq.params[:1][0] != &arr[0] {
		t.Fatalf("params array not kept: len %d cap %d", len(rq.params), cap(rq.params))
	}
	for i, p := range arr {
		if p != (param{}) {
			t.Fatalf("params[%d] = %+v after putRequest, want zero", i, p)
		}
	}
	if fmt.Sprint(*rq) != fmt.Sprint(request{params: rq.params}) {
		t.Fatalf("request not reset: %+v", *rq)
	}

	big := &request{params: make([]param, maxPooledParams+1)}
	putRequest(big)
	if big.params != nil {
		t.Fatalf("an array of %d params was kept", maxPooledParams+1)
	}
	edge := &request{params: make([]param, 0, maxPooledParams)}
	putRequest(edge)
	if cap(edge.params) != maxPooledParams {
		t.Fatalf("an array of %d params was dropped", maxPooledParams)
	}
}

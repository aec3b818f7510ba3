package vpn

import (
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// TestIndexesAndNumbersCanonical: list indexes (Tag.N, ResourceId.N,
// TunnelOptionsSpecification.N), ASNs, route priorities and NextToken are
// read by wirenum.Int like every other number: "+1", "01", " 1" and "1e0"
// are refused with the parameter's code, "1" is read.
func TestIndexesAndNumbersCanonical(t *testing.T) {
	base := func(kv ...string) Params {
		p := Params{"RegionId": "cn-hangzhou"}
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
		return p
	}
	for _, bad := range []string{"+1", "01", " 1", "1e0", "0x1"} {
		if _, err := ParseDescribe("DescribeVpcs", base("Tag."+bad+".Key", "k")); !apierror.HasCode(err, "InvalidParameter") {
			t.Errorf("Tag.%s.Key: %v, want InvalidParameter", bad, err)
		}
		if _, err := ParseListTagResources(base("ResourceType", "VPC", "ResourceId."+bad, "vpc-1")); !apierror.HasCode(err, "InvalidParameter") {
			t.Errorf("ResourceId.%s: %v, want InvalidParameter", bad, err)
		}
		if _, err := ParseListTagResources(base("ResourceType", "VPC", "ResourceId.1", "vpc-1", "NextToken", bad)); !apierror.HasCode(err, "InvalidNextToken.Malformed") {
			t.Errorf("NextToken %s: %v, want InvalidNextToken.Malformed", bad, err)
		}
		if _, err := ParseAsn(bad); !apierror.HasCode(err, "InvalidAsn.Malformed") {
			t.Errorf("Asn %s: %v, want InvalidAsn.Malformed", bad, err)
		}
		if _, err := routePriority(Params{"Priority": bad}, "Priority"); !apierror.HasCode(err, "InvalidPriority.Malformed") {
			t.Errorf("Priority %s: %v, want InvalidPriority.Malformed", bad, err)
		}
	}
	for _, bad := range []string{"+65000", "065000"} {
		if _, err := ParseAsn(bad); !apierror.HasCode(err, "InvalidAsn.Malformed") {
			t.Errorf("Asn %s: %v, want InvalidAsn.Malformed", bad, err)
		}
	}
	if f, err := ParseDescribe("DescribeVpcs", base("Tag.1.Key", "k")); err != nil || len(f.Tags) != 1 || f.Tags[0].Key != "k" {
		t.Errorf("Tag.1.Key: %+v %v", f.Tags, err)
	}
	if n, err := ParseAsn("65000"); err != nil || n != 65000 {
		t.Errorf("Asn 65000: %d %v", n, err)
	}
	if n, err := routePriority(Params{"Priority": "7"}, "Priority"); err != nil || n != 7 {
		t.Errorf("Priority 7: %d %v", n, err)
	}
	if r, err := ParseListTagResources(base("ResourceType", "VPC", "ResourceId.1", "vpc-1", "NextToken", "20")); err != nil || r.Offset != 20 {
		t.Errorf("NextToken 20: %+v %v", r, err)
	}
}

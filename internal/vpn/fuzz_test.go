package vpn

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// checkWireError fails unless err is nil or a wire error whose code is in the
// table (or a Missing code) with a bounded message.
func checkWireError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	e, ok := apierror.As(err)
	if !ok {
		t.Fatalf("not a wire error: %v", err)
	}
	if _, ok := apierror.Table[e.Code]; !ok && !strings.HasPrefix(e.Code, "Missing") {
		t.Fatalf("code %q not in the table (%s)", e.Code, e.Message)
	}
	if len(e.Message) > 1000 || !utf8.ValidString(e.Message) {
		t.Fatalf("message too long or not UTF-8: %d bytes", len(e.Message))
	}
}

// FuzzParseIkeConfig feeds one string to the four JSON config parsers. Every
// answer is a table error or a patch; an accepted IkeConfig/IpsecConfig,
// applied to the defaults, re-rendered and parsed again gives the same values.
func FuzzParseIkeConfig(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"Psk":"abc","IkeLifetime":"86400"}`, `{"IkeEncAlg":"aes","IkeLifetime":1e3}`,
		`{"IpsecPfs":"disabled","IpsecLifetime":0}`, `{"EnableBgp":"true","LocalAsn":65000,"TunnelCidr":"169.254.1.0/30","LocalBgpIp":"169.254.1.1"}`,
		`{"enable":true,"sip":"1.2.3.4","dip":"5.6.7.8","interval":3,"retry":3,"policy":"revoke_route"}`, `{"a":1} x`, `{"Psk":null}`,
	} {
		f.Add(s)
	}
	f.Add(`{"Psk":"secretPsk01","Psk":"secretPsk02"}`)
	f.Add(`{"Psk":"secretPsk01"`)
	f.Add(`{"Psk":12345678901x}`)
	f.Fuzz(func(t *testing.T, s string) {
		ike, err := ParseIkeConfig(s)
		checkWireError(t, err)
		// A refusal never repeats a pre-shared key given in the value
		// (issue #19): whatever follows "Psk": up to the next quote or
		// comma, when it cannot be a word of a message (10 characters
		// or more, letters and digits mixed).
		if e, ok := apierror.As(err); ok {
			for _, part := range strings.Split(s, `"Psk":`)[1:] {
				v := strings.TrimLeft(part, ` "`)
				if i := strings.IndexAny(v, `",}`); i >= 0 {
					v = v[:i]
				}
				if len(v) >= 10 && strings.ContainsAny(v, "0123456789") && strings.IndexFunc(v, unicode.IsLetter) >= 0 && strings.Contains(e.Message, v) {
					t.Fatalf("message %q repeats the Psk %q", e.Message, v)
				}
			}
		}
		if err == nil {
			c := DefaultIke()
			ike.Apply(&c)
			again, err := ParseIkeConfig(mustJSON(ikeMap(c)))
			if err != nil {
				t.Fatalf("re-parse of %+v: %v", c, err)
			}
			c2 := DefaultIke()
			again.Apply(&c2)
			if c != c2 {
				t.Fatalf("round trip: %s", cmp.Diff(c, c2))
			}
		}
		ipsec, err := ParseIpsecConfig(s)
		checkWireError(t, err)
		if err == nil {
			c := DefaultIpsec()
			ipsec.Apply(&c)
			again, err := ParseIpsecConfig(mustJSON(ipsecMap(c)))
			if err != nil {
				t.Fatalf("re-parse of %+v: %v", c, err)
			}
			c2 := DefaultIpsec()
			again.Apply(&c2)
			if c != c2 {
				t.Fatalf("round trip: %s", cmp.Diff(c, c2))
			}
		}
		_, err = ParseBgpConfig(s)
		checkWireError(t, err)
		_, err = ParseHealthCheckConfig(s)
		checkWireError(t, err)
	})
}

// FuzzTunnelOptions reads "name=value" lines as extra parameters of a
// dual-tunnel CreateVpnConnection (a name starting with a digit is short for
// TunnelOptionsSpecification.<name>, which keeps mutations productive). An accepted request has a master and a
// slave tunnel, and re-rendering it with CreateParams parses to the same
// connection.
func FuzzTunnelOptions(f *testing.F) {
	for _, s := range []string{
		"",
		"TunnelOptionsSpecification.1.Role=slave\nTunnelOptionsSpecification.2.Role=master",
		"TunnelOptionsSpecification.1.TunnelIkeConfig.IkeLifetime=600\nTunnelOptionsSpecification.2.TunnelIpsecConfig.IpsecPfs=group24",
		"EnableTunnelsBgp=true\nTunnelOptionsSpecification.1.TunnelBgpConfig.TunnelCidr=169.254.1.0/30\nTunnelOptionsSpecification.1.TunnelBgpConfig.LocalBgpIp=169.254.1.1",
		"TunnelOptionsSpecification.3.Role=master",
		"TunnelOptionsSpecification.1.EnableDpd=false\nTunnelOptionsSpecification.2.EnableNatTraversal=true",
		"IkeConfig={}",
		"1.TunnelIkeConfig.IkeEncAlg=aes192\n2.TunnelIpsecConfig.IpsecLifetime=0\n2.Role=slave",
		"1.TunnelBgpConfig.LocalAsn=65000\n1.TunnelIkeConfig.RemoteId=peer@example.com\n2.EnableDpd=false",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := with(dualBase, nil)
		for _, line := range strings.Split(s, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				if k != "" && k[0] >= '0' && k[0] <= '9' {
					k = tosPrefix + "." + k
				}
				p[k] = v
			}
		}
		r, err := ParseCreateVpnConnection(p)
		checkWireError(t, err)
		if err != nil {
			return
		}
		c := r.Connection
		if len(c.Tunnels) != 2 || c.Tunnels[0].Role != "master" || c.Tunnels[1].Role != "slave" {
			t.Fatalf("tunnels %+v", c.Tunnels)
		}
		again, err := ParseCreateVpnConnection(CreateParams(c))
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		c.ClientToken, c.Tags = "", nil
		again.Connection.ClientToken, again.Connection.Tags = "", nil
		if diff := cmp.Diff(c, again.Connection); diff != "" {
			t.Fatalf("round trip: %s", diff)
		}
	})
}

// FuzzCIDRList: an accepted list has 1-10 non-overlapping canonical IPv4
// blocks and its canonical form parses to itself.
func FuzzCIDRList(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "10.0.0.0/8,192.168.0.0/16", " 10.0.0.0/8 , 172.16.0.0/12", "0.0.0.0/0",
		"10.0.0.1/8", "::/0", "10.0.0.0/8,10.1.0.0/16", "", ",", "1.2.3.4/32"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := ParseCIDRList("LocalSubnet", s)
		checkWireError(t, err)
		if err != nil {
			return
		}
		if len(list) < 1 || len(list) > MaxSubnets {
			t.Fatalf("%d blocks", len(list))
		}
		for i, a := range list {
			if !a.Addr().Is4() || a.Masked() != a {
				t.Fatalf("block %v", a)
			}
			for _, b := range list[i+1:] {
				if a.Overlaps(b) {
					t.Fatalf("%v overlaps %v", a, b)
				}
			}
		}
		canon := FormatCIDRList(list)
		again, err := ParseCIDRList("LocalSubnet", canon)
		if err != nil || FormatCIDRList(again) != canon {
			t.Fatalf("canonical %q: %v", canon, err)
		}
	})
}

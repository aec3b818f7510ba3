package vpn

import (
	"strings"
	"testing"
)

func TestParseSubnets(t *testing.T) {
	tests := []struct {
		name, local, remote   string
		wantLocal, wantRemote string
		code                  string
	}{
		{"simple", "192.168.0.0/16", "10.0.0.0/8", "192.168.0.0/16", "10.0.0.0/8", ""},
		{"list trimmed", "192.168.1.0/24, 192.168.2.0/24", " 10.0.0.0/8 ", "192.168.1.0/24,192.168.2.0/24", "10.0.0.0/8", ""},
		{"full tunnel local", "0.0.0.0/0", "10.0.0.0/8", "0.0.0.0/0", "10.0.0.0/8", ""},
		{"full tunnel both", "0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0", ""},
		{"ten entries", "10.0.0.0/24,10.0.1.0/24,10.0.2.0/24,10.0.3.0/24,10.0.4.0/24,10.0.5.0/24,10.0.6.0/24,10.0.7.0/24,10.0.8.0/24,10.0.9.0/24", "172.16.0.0/12",
			"10.0.0.0/24,10.0.1.0/24,10.0.2.0/24,10.0.3.0/24,10.0.4.0/24,10.0.5.0/24,10.0.6.0/24,10.0.7.0/24,10.0.8.0/24,10.0.9.0/24", "172.16.0.0/12", ""},
		{"eleven entries", "10.0.0.0/24,10.0.1.0/24,10.0.2.0/24,10.0.3.0/24,10.0.4.0/24,10.0.5.0/24,10.0.6.0/24,10.0.7.0/24,10.0.8.0/24,10.0.9.0/24,10.0.10.0/24", "172.16.0.0/12", "", "", "InvalidLocalSubnet.Malformed"},
		{"host bits", "192.168.1.1/16", "10.0.0.0/8", "", "", "InvalidLocalSubnet.Malformed"},
		{"ipv6", "fd00::/8", "10.0.0.0/8", "", "", "InvalidLocalSubnet.Malformed"},
		{"no prefix", "192.168.0.0", "10.0.0.0/8", "", "", "InvalidLocalSubnet.Malformed"},
		{"prefix 33", "192.168.0.0/33", "10.0.0.0/8", "", "", "InvalidLocalSubnet.Malformed"},
		{"leading zero", "192.168.01.0/24", "10.0.0.0/8", "", "", "InvalidLocalSubnet.Malformed"},
		{"empty entry", "192.168.0.0/24,", "10.0.0.0/8", "", "", "InvalidLocalSubnet.Malformed"},
		{"remote bad", "192.168.0.0/16", "10.0.0.1/8", "", "", "InvalidRemoteSubnet.Malformed"},
		{"overlap within local", "192.168.0.0/16,192.168.1.0/24", "10.0.0.0/8", "", "", "InvalidLocalSubnet.Overlapped"},
		{"duplicate within remote", "192.168.0.0/16", "10.0.0.0/8,10.0.0.0/8", "", "", "InvalidRemoteSubnet.Overlapped"},
		{"default route with others", "0.0.0.0/0,10.0.0.0/8", "172.16.0.0/12", "", "", "InvalidLocalSubnet.Overlapped"},
		{"sides overlap", "10.1.0.0/16", "10.0.0.0/8", "", "", "InvalidSubnet.Overlapped"},
		{"sides equal", "10.0.0.0/8", "10.0.0.0/8", "", "", "InvalidSubnet.Overlapped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, r, err := ParseSubnets(tt.local, tt.remote)
			wantCode(t, err, tt.code)
			if l != tt.wantLocal || r != tt.wantRemote {
				t.Fatalf("got %q %q, want %q %q", l, r, tt.wantLocal, tt.wantRemote)
			}
		})
	}
}

func TestParseCIDRMessageNamesNetwork(t *testing.T) {
	_, err := ParseCIDR("CidrBlock", "10.1.2.3/8")
	e := wantCode(t, err, "InvalidCidrBlock.Malformed")
	if !strings.Contains(e.Message, `"10.1.2.3/8"`) || !strings.Contains(e.Message, "10.0.0.0/8") {
		t.Fatalf("message %q", e.Message)
	}
}

func TestParseCustomerGatewayIP(t *testing.T) {
	tests := []struct {
		in, want, code string
	}{
		{"47.100.1.2", "47.100.1.2", ""},
		{"10.0.0.1", "10.0.0.1", ""},
		{"100.63.255.255", "100.63.255.255", ""},
		{"100.128.0.0", "100.128.0.0", ""},
		{"0.1.2.3", "", "InvalidIpAddress.WrongFormat"},
		{"100.64.0.1", "", "InvalidIpAddress.WrongFormat"},
		{"100.127.255.255", "", "InvalidIpAddress.WrongFormat"},
		{"127.0.0.1", "", "InvalidIpAddress.WrongFormat"},
		{"169.254.1.1", "", "InvalidIpAddress.WrongFormat"},
		{"224.0.0.1", "", "InvalidIpAddress.WrongFormat"},
		{"239.255.255.255", "", "InvalidIpAddress.WrongFormat"},
		{"255.255.255.255", "", "InvalidIpAddress.WrongFormat"},
		{"::1", "", "InvalidIpAddress.WrongFormat"},
		{"1.2.3", "", "InvalidIpAddress.WrongFormat"},
		{"1.2.3.4/32", "", "InvalidIpAddress.WrongFormat"},
		{"", "", "InvalidIpAddress.WrongFormat"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCustomerGatewayIP(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Fatalf("got %q", got)
			}
		})
	}
}

func TestTunnelCidrAndPeer(t *testing.T) {
	for _, bad := range []string{"169.254.0.0/29", "169.254.0.1/30", "10.0.0.0/30", "169.255.0.0/30", "x"} {
		_, err := ParseTunnelCidr("BgpConfig", "BgpConfig.TunnelCidr", bad)
		wantCode(t, err, "InvalidBgpConfig.TunnelCidr")
	}
	if p, err := ParseTunnelCidr("BgpConfig", "BgpConfig.TunnelCidr", "169.254.10.4/30"); err != nil || p.String() != "169.254.10.4/30" {
		t.Fatalf("%v %v", p, err)
	}
	tests := []struct{ cidr, ip, want string }{
		{"169.254.10.4/30", "169.254.10.5", "169.254.10.6"},
		{"169.254.10.4/30", "169.254.10.6", "169.254.10.5"},
		{"169.254.10.4/30", "169.254.10.4", ""},
		{"169.254.10.4/30", "169.254.10.7", ""},
		{"169.254.10.4/29", "169.254.10.5", ""},
		{"bad", "169.254.10.5", ""},
	}
	for _, tt := range tests {
		got, ok := PeerBgpAddr(tt.cidr, tt.ip)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("PeerBgpAddr(%s, %s) = %q %v", tt.cidr, tt.ip, got, ok)
		}
	}
}

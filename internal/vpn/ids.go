package vpn

import (
	"crypto/rand"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// Resource id prefixes, as Alibaba spells them.
const (
	PrefixVpc             = "vpc"
	PrefixVSwitch         = "vsw"
	PrefixVpnGateway      = "vpn"
	PrefixCustomerGateway = "cgw"
	PrefixVpnConnection   = "vco"
	PrefixTunnel          = "tun"
)

// idSuffixLen is the length of the random part of a new id.
const idSuffixLen = 21

// maxIDLen bounds ids read from requests (Alibaba's ids are shorter).
const maxIDLen = 64

const base36 = "0123456789abcdefghijklmnopqrstuvwxyz"

// NewID returns prefix + "-" + 21 lowercase base36 characters drawn from
// crypto/rand without modulo bias (about 108 bits of randomness). It panics if
// the system random source fails, which the runtime treats as fatal anyway.
func NewID(prefix string) string {
	b := make([]byte, 0, len(prefix)+1+idSuffixLen)
	b = append(b, prefix...)
	b = append(b, '-')
	return string(appendRandom(b, base36, idSuffixLen))
}

// appendRandom appends n characters of alphabet (len <= 256) chosen uniformly
// with crypto/rand, rejecting bytes that would bias the choice.
func appendRandom(dst []byte, alphabet string, n int) []byte {
	limit := 256 - 256%len(alphabet)
	var buf [64]byte
	for n > 0 {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("vpn: crypto/rand failed: " + err.Error())
		}
		for _, c := range buf {
			if int(c) >= limit {
				continue
			}
			dst = append(dst, alphabet[int(c)%len(alphabet)])
			n--
			if n == 0 {
				break
			}
		}
	}
	return dst
}

// notFoundCode maps an id prefix to the resource's NotFound code.
var notFoundCode = map[string]string{
	PrefixVpc:             "InvalidVpcId.NotFound",
	PrefixVSwitch:         "InvalidVSwitchId.NotFound",
	PrefixVpnGateway:      "InvalidVpnGatewayInstanceId.NotFound",
	PrefixCustomerGateway: "InvalidCustomerGatewayInstanceId.NotFound",
	PrefixVpnConnection:   "InvalidVpnConnectionInstanceId.NotFound",
	PrefixTunnel:          "InvalidTunnelId.NotFound",
	PrefixRouteTable:      "InvalidRouteTableId.NotFound",
}

// NotFound returns the NotFound error of the resource whose ids start with
// prefix (one of the Prefix* constants).
func NotFound(prefix string) *apierror.Error {
	return apierror.New(notFoundCode[prefix])
}

// NotFoundCode is the NotFound code of the resource whose ids start with
// prefix: the one a malformed id answers here and the one the service
// answers when the store finds no such record.
func NotFoundCode(prefix string) string { return notFoundCode[prefix] }

// ValidID reports whether id looks like an id of the given prefix: prefix,
// "-", then 1 to 64 lowercase letters and digits in total length.
func ValidID(prefix, id string) bool {
	rest, ok := strings.CutPrefix(id, prefix+"-")
	if !ok || rest == "" || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// RequiredID reads the required id parameter name. Absent -> Missing{name};
// malformed (wrong prefix, characters outside [a-z0-9], too long) -> the
// resource's NotFound code, as Alibaba answers: a malformed id names nothing.
func RequiredID(p Params, name, prefix string) (string, error) {
	v, err := p.required(name)
	if err != nil {
		return "", err
	}
	if !ValidID(prefix, v) {
		return "", NotFound(prefix)
	}
	return v, nil
}

// optionalID is RequiredID for an optional parameter; "" when absent.
func optionalID(p Params, name, prefix string) (string, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return "", nil
	}
	if !ValidID(prefix, v) {
		return "", NotFound(prefix)
	}
	return v, nil
}

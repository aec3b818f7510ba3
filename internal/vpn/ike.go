package vpn

import (
	"encoding/json"
	"errors"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
	"github.com/vpcvpn/vpcvpn/internal/jsonkeys"
	"github.com/vpcvpn/vpcvpn/internal/wirenum"
)

// Valid values of the IkeConfig / IpsecConfig keys (API.md). sm3 and sm4 pass
// the syntax check here; ValidateConnection allows them only on
// NationalStandard gateways.
var (
	ikeVersions = []string{"ikev1", "ikev2"}
	ikeModes    = []string{"main", "aggressive"}
	encAlgs     = []string{"aes", "aes192", "aes256", "des", "3des", "sm4"}
	authAlgs    = []string{"md5", "sha1", "sha256", "sha384", "sha512", "sm3"}
	ikePfsVals  = []string{"group1", "group2", "group5", "group14", "group24"}
	ipsecPfs    = []string{"disabled", "group1", "group2", "group5", "group14", "group24"}
	hcPolicies  = []string{"revoke_route", "reserve_route"}
)

// Defaults of IkeConfig / IpsecConfig / BgpConfig / HealthCheckConfig.
const (
	DefaultLifetime       = 86400
	MaxLifetime           = 86400
	DefaultGatewayAsn     = 45104
	MaxAsn                = 4294967295
	DefaultPskLen         = 16
	MaxPskLen             = 100
	MaxIdentityLen        = 100
	DefaultHealthInterval = 3
	DefaultHealthRetry    = 3
)

// DefaultIke is phase 1 with every context-free default applied (Psk, LocalID
// and RemoteID need the gateways: see ApplyConnectionDefaults).
func DefaultIke() IkeConfig {
	return IkeConfig{IkeVersion: "ikev1", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "md5", IkePfs: "group2", IkeLifetime: DefaultLifetime}
}

// DefaultIpsec is phase 2 with every default applied.
func DefaultIpsec() IpsecConfig {
	return IpsecConfig{IpsecEncAlg: "aes", IpsecAuthAlg: "md5", IpsecPfs: "group2", IpsecLifetime: DefaultLifetime}
}

// pskSpecials are the non-alphanumeric characters a Psk may contain.
const pskSpecials = "~!`@#$%^&*()_-+={}[]\\|;:\",.<>/?"

// ValidPsk reports whether s is 1-100 characters of letters, digits and
// pskSpecials (so no spaces, no quotes other than ").
func ValidPsk(s string) bool {
	if len(s) < 1 || len(s) > MaxPskLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune(pskSpecials, rune(c)) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// validIdentity: 1-100 printable ASCII characters without spaces (an IP
// address, an FQDN, a user FQDN...).
func validIdentity(s string) bool {
	return len(s) >= 1 && len(s) <= MaxIdentityLen && isPrintableASCII(s)
}

// RandomPsk returns a DefaultPskLen-character pre-shared key of letters and
// digits from crypto/rand.
func RandomPsk() string {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	return string(appendRandom(make([]byte, 0, DefaultPskLen), alnum, DefaultPskLen))
}

// fields is one configuration object: from a JSON string parameter (values
// are string, json.Number, bool or nil) or from flattened parameters (values
// are strings). where is the parameter name prefix used in messages, e.g.
// "IkeConfig" or "TunnelOptionsSpecification.1.TunnelIkeConfig"; section is
// the code segment, e.g. "IkeConfig" or "TunnelIkeConfig".
type fields struct {
	section string
	where   string
	m       map[string]any
}

// decodeJSONObject parses the JSON string parameter name. An empty value is
// an empty object. The value must be one JSON object (anything else is
// Invalid{name}.Malformed); numbers are kept as json.Number.
//
// Decision: unknown keys are refused (Invalid{name}.UnknownKey), so that a
// misspelt key such as "IkeEncAlgo" cannot silently fall back to a default;
// a key given twice is refused (Invalid{name}.DuplicateKey: encoding/json
// would keep the last, e.g. the second of two Psk); JSON null counts as an
// absent key. With foldCase (HealthCheckConfig) keys are compared ignoring
// case: Terraform sends its keys lower-case, as documented, on create and
// capitalised ("Enable", "Dip") on modify, and Alibaba takes both; one key
// given twice in different cases is a duplicate too. Messages never repeat
// the value: it may hold a Psk.
func decodeJSONObject(name, s string, known []string, foldCase bool) (fields, error) {
	f := fields{section: name, where: name, m: map[string]any{}}
	if strings.TrimSpace(s) == "" {
		return f, nil
	}
	if err := uniqueKeys(name, s); err != nil {
		return f, err
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return f, malformedJSON(name, s, "it must be a JSON object")
	}
	if strings.TrimSpace(s[dec.InputOffset():]) != "" {
		return f, malformedJSON(name, s, "it has data after the JSON object")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]string{}
	for _, k := range keys {
		i := slices.IndexFunc(known, func(kk string) bool { return kk == k || foldCase && strings.EqualFold(kk, k) })
		if i < 0 {
			return f, apierror.Invalid("Invalid"+name+".UnknownKey",
				"The key %s in %s is not supported; the supported keys are %s.", shown(k), name, strings.Join(known, ", "))
		}
		canon := known[i]
		if prev, dup := seen[canon]; dup {
			return f, apierror.Invalid("Invalid"+codeName(name)+".DuplicateKey",
				"The keys %s.%s and %s.%s are the same key; give it once.", name, prev, name, k)
		}
		seen[canon] = k
		if m[k] != nil {
			f.m[canon] = m[k]
		}
	}
	return f, nil
}

func (f fields) bad(key string, v any, why string) *apierror.Error {
	if secretKey(key) {
		// A secret is never repeated: its length only.
		return apierror.Invalid("Invalid"+f.section+"."+key,
			"The specified %s.%s (%d characters) is not valid: %s.", f.where, key, utf8.RuneCountInString(render(v)), why)
	}
	return apierror.Invalid("Invalid"+f.section+"."+key,
		"The specified %s.%s %s is not valid: %s.", f.where, key, shown(render(v)), why)
}

// secretKey reports whether a configuration key holds a secret.
func secretKey(key string) bool { return key == "Psk" || key == "AuthKey" }

// malformedJSON is Invalid{name}.Malformed for a JSON configuration
// parameter, without its value (which may hold a Psk): its length only.
func malformedJSON(name, value, why string) *apierror.Error {
	return apierror.Invalid("Invalid"+codeName(name)+".Malformed",
		"The specified %s (%d characters) is not valid: %s.", name, utf8.RuneCountInString(value), why)
}

// uniqueKeys refuses a JSON parameter that gives a key twice
// (Invalid{name}.DuplicateKey) or is not JSON (Invalid{name}.Malformed).
func uniqueKeys(name, s string) error {
	err := jsonkeys.Unique([]byte(s))
	var de *jsonkeys.DuplicateError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return apierror.Invalid("Invalid"+codeName(name)+".DuplicateKey",
			"The key %s is given more than once; give each key once.", jsonkeys.Name(name, de))
	}
	return malformedJSON(name, s, "it is not valid JSON")
}

// render shows a decoded value as the client wrote it.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// str reads a string key; ok is false when the key is absent.
func (f fields) str(key string) (string, bool, error) {
	v, ok := f.m[key]
	if !ok {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", true, f.bad(key, v, "it must be a string")
	}
	return s, true, nil
}

// enum reads a string key that must be one of vals.
func (f fields) enum(key string, vals []string) (*string, error) {
	s, ok, err := f.str(key)
	if !ok || err != nil {
		return nil, err
	}
	if !slices.Contains(vals, s) {
		return nil, f.bad(key, s, "valid values are "+strings.Join(vals, ", "))
	}
	return &s, nil
}

// num reads an integer key given as a JSON number or a numeric string, within
// [lo, hi]. Either is canonical decimal (wirenum.Int): the string "+86400"
// or "086400" is refused like PageSize=+10.
func (f fields) num(key string, lo, hi int64) (*int64, error) {
	v, ok := f.m[key]
	if !ok {
		return nil, nil
	}
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return nil, f.bad(key, v, "it must be an integer")
	}
	n, ok := wirenum.Int(s)
	if !ok {
		return nil, f.bad(key, v, "it must be an integer from "+strconv.FormatInt(lo, 10)+" to "+strconv.FormatInt(hi, 10))
	}
	if n < lo || n > hi {
		return nil, f.bad(key, v, "it must be from "+strconv.FormatInt(lo, 10)+" to "+strconv.FormatInt(hi, 10))
	}
	return &n, nil
}

// boolean reads a JSON boolean or the strings "true"/"false".
func (f fields) boolean(key string) (*bool, error) {
	v, ok := f.m[key]
	if !ok {
		return nil, nil
	}
	switch x := v.(type) {
	case bool:
		return &x, nil
	case string:
		if x == "true" || x == "false" {
			b := x == "true"
			return &b, nil
		}
	}
	return nil, f.bad(key, v, `it must be true or false`)
}

// ipv4 reads a dotted-quad IPv4 address key.
func (f fields) ipv4(key string) (*string, error) {
	s, ok, err := f.str(key)
	if !ok || err != nil {
		return nil, err
	}
	a, perr := netip.ParseAddr(s)
	if perr != nil || !a.Is4() {
		return nil, f.bad(key, s, "it must be an IPv4 address")
	}
	out := a.String()
	return &out, nil
}

// IkePatch is a partial IkeConfig: nil fields are left unchanged by Apply.
type IkePatch struct {
	Psk, IkeVersion, IkeMode, IkeEncAlg, IkeAuthAlg, IkePfs, LocalID, RemoteID *string
	IkeLifetime                                                                *int64
}

// IpsecPatch is a partial IpsecConfig.
type IpsecPatch struct {
	IpsecEncAlg, IpsecAuthAlg, IpsecPfs *string
	IpsecLifetime                       *int64
}

// BgpPatch is a partial BgpConfig. EnableBgp is nil for a tunnel, whose BGP
// switch is the connection's EnableTunnelsBgp.
type BgpPatch struct {
	EnableBgp              *bool
	LocalAsn               *int64
	TunnelCidr, LocalBgpIP *string
}

// HealthCheckPatch is a partial HealthCheckConfig.
type HealthCheckPatch struct {
	Enable           *bool
	Sip, Dip, Policy *string
	Interval, Retry  *int64
}

var (
	ikeKeys    = []string{"Psk", "IkeVersion", "IkeMode", "IkeEncAlg", "IkeAuthAlg", "IkePfs", "IkeLifetime", "LocalId", "RemoteId"}
	ipsecKeys  = []string{"IpsecEncAlg", "IpsecAuthAlg", "IpsecPfs", "IpsecLifetime"}
	bgpKeys    = []string{"EnableBgp", "LocalAsn", "TunnelCidr", "LocalBgpIp"}
	tunBgpKeys = []string{"LocalAsn", "TunnelCidr", "LocalBgpIp"}
	// Alibaba spells the HealthCheckConfig keys in lower case.
	healthKeys = []string{"enable", "sip", "dip", "interval", "retry", "policy"}
)

func (f fields) ike() (IkePatch, error) {
	var p IkePatch
	var err error
	if s, ok, e := f.str("Psk"); e != nil {
		return p, e
	} else if ok {
		if !ValidPsk(s) {
			// Never repeat a key in a message: only its length.
			return p, apierror.Invalid("Invalid"+f.section+".Psk",
				"The specified %s.Psk (%d characters) is not valid: use 1-%d letters, digits or %s, no spaces.", f.where, len(s), MaxPskLen, pskSpecials)
		}
		p.Psk = &s
	}
	if p.IkeVersion, err = f.enum("IkeVersion", ikeVersions); err != nil {
		return p, err
	}
	if p.IkeMode, err = f.enum("IkeMode", ikeModes); err != nil {
		return p, err
	}
	if p.IkeEncAlg, err = f.enum("IkeEncAlg", encAlgs); err != nil {
		return p, err
	}
	if p.IkeAuthAlg, err = f.enum("IkeAuthAlg", authAlgs); err != nil {
		return p, err
	}
	if p.IkePfs, err = f.enum("IkePfs", ikePfsVals); err != nil {
		return p, err
	}
	if p.IkeLifetime, err = f.num("IkeLifetime", 0, MaxLifetime); err != nil {
		return p, err
	}
	for _, k := range []string{"LocalId", "RemoteId"} {
		s, ok, e := f.str(k)
		if e != nil {
			return p, e
		}
		if !ok {
			continue
		}
		if !validIdentity(s) {
			return p, f.bad(k, s, "it must be 1-100 printable characters without spaces")
		}
		if k == "LocalId" {
			p.LocalID = &s
		} else {
			p.RemoteID = &s
		}
	}
	return p, nil
}

func (f fields) ipsec() (IpsecPatch, error) {
	var p IpsecPatch
	var err error
	if p.IpsecEncAlg, err = f.enum("IpsecEncAlg", encAlgs); err != nil {
		return p, err
	}
	if p.IpsecAuthAlg, err = f.enum("IpsecAuthAlg", authAlgs); err != nil {
		return p, err
	}
	if p.IpsecPfs, err = f.enum("IpsecPfs", ipsecPfs); err != nil {
		return p, err
	}
	p.IpsecLifetime, err = f.num("IpsecLifetime", 0, MaxLifetime)
	return p, err
}

func (f fields) bgp() (BgpPatch, error) {
	var p BgpPatch
	var err error
	if p.EnableBgp, err = f.boolean("EnableBgp"); err != nil {
		return p, err
	}
	if p.LocalAsn, err = f.num("LocalAsn", 1, MaxAsn); err != nil {
		return p, err
	}
	if s, ok, e := f.str("TunnelCidr"); e != nil {
		return p, e
	} else if ok {
		pfx, e := ParseTunnelCidr(f.section, f.where+".TunnelCidr", s)
		if e != nil {
			return p, e
		}
		c := pfx.String()
		p.TunnelCidr = &c
	}
	p.LocalBgpIP, err = f.ipv4("LocalBgpIp")
	return p, err
}

func (f fields) health() (HealthCheckPatch, error) {
	var p HealthCheckPatch
	var err error
	if p.Enable, err = f.boolean("enable"); err != nil {
		return p, err
	}
	if p.Sip, err = f.ipv4("sip"); err != nil {
		return p, err
	}
	if p.Dip, err = f.ipv4("dip"); err != nil {
		return p, err
	}
	if p.Interval, err = f.num("interval", 1, 3600); err != nil {
		return p, err
	}
	if p.Retry, err = f.num("retry", 1, 100); err != nil {
		return p, err
	}
	p.Policy, err = f.enum("policy", hcPolicies)
	return p, err
}

// ParseIkeConfig parses the IkeConfig JSON string parameter (numbers as JSON
// numbers or numeric strings; unknown keys refused). Errors are
// InvalidIkeConfig.Malformed, InvalidIkeConfig.UnknownKey or
// InvalidIkeConfig.{Key}.
func ParseIkeConfig(s string) (IkePatch, error) {
	f, err := decodeJSONObject("IkeConfig", s, ikeKeys, false)
	if err != nil {
		return IkePatch{}, err
	}
	return f.ike()
}

// ParseIpsecConfig parses the IpsecConfig JSON string parameter.
func ParseIpsecConfig(s string) (IpsecPatch, error) {
	f, err := decodeJSONObject("IpsecConfig", s, ipsecKeys, false)
	if err != nil {
		return IpsecPatch{}, err
	}
	return f.ipsec()
}

// ParseBgpConfig parses the BgpConfig JSON string parameter (EnableBgp as a
// JSON boolean or "true"/"false"; LocalAsn 1-4294967295; TunnelCidr a /30 in
// 169.254.0.0/16; LocalBgpIp an IPv4 address, checked against TunnelCidr by
// ValidateConnection).
func ParseBgpConfig(s string) (BgpPatch, error) {
	f, err := decodeJSONObject("BgpConfig", s, bgpKeys, false)
	if err != nil {
		return BgpPatch{}, err
	}
	return f.bgp()
}

// ParseHealthCheckConfig parses the HealthCheckConfig JSON string parameter
// (keys enable, sip, dip, interval 1-3600, retry 1-100, policy revoke_route or
// reserve_route).
func ParseHealthCheckConfig(s string) (HealthCheckPatch, error) {
	f, err := decodeJSONObject("HealthCheckConfig", s, healthKeys, true)
	if err != nil {
		return HealthCheckPatch{}, err
	}
	return f.health()
}

// Apply sets the given fields of c.
func (p IkePatch) Apply(c *IkeConfig) {
	set(&c.Psk, p.Psk)
	set(&c.IkeVersion, p.IkeVersion)
	set(&c.IkeMode, p.IkeMode)
	set(&c.IkeEncAlg, p.IkeEncAlg)
	set(&c.IkeAuthAlg, p.IkeAuthAlg)
	set(&c.IkePfs, p.IkePfs)
	set(&c.IkeLifetime, p.IkeLifetime)
	set(&c.LocalID, p.LocalID)
	set(&c.RemoteID, p.RemoteID)
}

// Apply sets the given fields of c.
func (p IpsecPatch) Apply(c *IpsecConfig) {
	set(&c.IpsecEncAlg, p.IpsecEncAlg)
	set(&c.IpsecAuthAlg, p.IpsecAuthAlg)
	set(&c.IpsecPfs, p.IpsecPfs)
	set(&c.IpsecLifetime, p.IpsecLifetime)
}

// Apply sets the given fields of c.
func (p BgpPatch) Apply(c *BgpConfig) {
	set(&c.EnableBgp, p.EnableBgp)
	set(&c.LocalAsn, p.LocalAsn)
	set(&c.TunnelCidr, p.TunnelCidr)
	set(&c.LocalBgpIP, p.LocalBgpIP)
}

// Apply sets the given fields of c.
func (p HealthCheckPatch) Apply(c *HealthCheckConfig) {
	set(&c.Enable, p.Enable)
	set(&c.Sip, p.Sip)
	set(&c.Dip, p.Dip)
	set(&c.Interval, p.Interval)
	set(&c.Retry, p.Retry)
	set(&c.Policy, p.Policy)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

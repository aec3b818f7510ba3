package authz

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Condition keys with a typed field in Request. Keys are case-insensitive.
const (
	KeySourceIP        = "acs:SourceIp"
	KeySecureTransport = "acs:SecureTransport"
	KeyCurrentTime     = "acs:CurrentTime"
)

// Condition operators. A Condition block is {Operator: {Key: Values}}; it holds
// when every operator's every key holds (AND). A key with a list of values holds
// when the request's value matches any of them (OR); for the negated operators
// (StringNotEquals, StringNotEqualsIgnoreCase, StringNotLike, NotIpAddress,
// NumericNotEquals, DateNotEquals) it holds when the value matches none.
//
// When the request has no value for a key (an Extra key that is absent, an
// invalid SourceIP, a zero CurrentTime, or an Extra value that does not parse
// as the operator's type), a positive operator does not hold and a negated
// operator holds, as in RAM and AWS IAM.
const (
	OpStringEquals              = "StringEquals"
	OpStringNotEquals           = "StringNotEquals"
	OpStringEqualsIgnoreCase    = "StringEqualsIgnoreCase"
	OpStringNotEqualsIgnoreCase = "StringNotEqualsIgnoreCase"
	OpStringLike                = "StringLike"
	OpStringNotLike             = "StringNotLike"
	OpIPAddress                 = "IpAddress"
	OpNotIPAddress              = "NotIpAddress"
	OpBool                      = "Bool"
	OpDateEquals                = "DateEquals"
	OpDateNotEquals             = "DateNotEquals"
	OpDateLessThan              = "DateLessThan"
	OpDateLessThanEquals        = "DateLessThanEquals"
	OpDateGreaterThan           = "DateGreaterThan"
	OpDateGreaterThanEquals     = "DateGreaterThanEquals"
	OpNumericEquals             = "NumericEquals"
	OpNumericNotEquals          = "NumericNotEquals"
	OpNumericLessThan           = "NumericLessThan"
	OpNumericLessThanEquals     = "NumericLessThanEquals"
	OpNumericGreaterThan        = "NumericGreaterThan"
	OpNumericGreaterThanEquals  = "NumericGreaterThanEquals"
)

type valueType int

const (
	typeString valueType = iota
	typeIP
	typeBool
	typeDate
	typeNumber
)

// compareOp says how a request value is compared with one policy value.
type compareOp int

const (
	cmpEqual compareOp = iota
	cmpEqualFold
	cmpLike
	cmpLess
	cmpLessEqual
	cmpGreater
	cmpGreaterEqual
	cmpInPrefix
)

type operator struct {
	typ    valueType
	cmp    compareOp
	negate bool
}

// operatorByName returns the operator called name (case-sensitive, as RAM).
// It is a switch rather than a package-level map so nothing can modify it.
func operatorByName(name string) (operator, bool) {
	switch name {
	case OpStringEquals:
		return operator{typeString, cmpEqual, false}, true
	case OpStringNotEquals:
		return operator{typeString, cmpEqual, true}, true
	case OpStringEqualsIgnoreCase:
		return operator{typeString, cmpEqualFold, false}, true
	case OpStringNotEqualsIgnoreCase:
		return operator{typeString, cmpEqualFold, true}, true
	case OpStringLike:
		return operator{typeString, cmpLike, false}, true
	case OpStringNotLike:
		return operator{typeString, cmpLike, true}, true
	case OpIPAddress:
		return operator{typeIP, cmpInPrefix, false}, true
	case OpNotIPAddress:
		return operator{typeIP, cmpInPrefix, true}, true
	case OpBool:
		return operator{typeBool, cmpEqual, false}, true
	case OpDateEquals:
		return operator{typeDate, cmpEqual, false}, true
	case OpDateNotEquals:
		return operator{typeDate, cmpEqual, true}, true
	case OpDateLessThan:
		return operator{typeDate, cmpLess, false}, true
	case OpDateLessThanEquals:
		return operator{typeDate, cmpLessEqual, false}, true
	case OpDateGreaterThan:
		return operator{typeDate, cmpGreater, false}, true
	case OpDateGreaterThanEquals:
		return operator{typeDate, cmpGreaterEqual, false}, true
	case OpNumericEquals:
		return operator{typeNumber, cmpEqual, false}, true
	case OpNumericNotEquals:
		return operator{typeNumber, cmpEqual, true}, true
	case OpNumericLessThan:
		return operator{typeNumber, cmpLess, false}, true
	case OpNumericLessThanEquals:
		return operator{typeNumber, cmpLessEqual, false}, true
	case OpNumericGreaterThan:
		return operator{typeNumber, cmpGreater, false}, true
	case OpNumericGreaterThanEquals:
		return operator{typeNumber, cmpGreaterEqual, false}, true
	}
	return operator{}, false
}

// operatorNames lists every operator name, for error hints.
func operatorNames() []string {
	return []string{
		OpStringEquals,
		OpStringNotEquals,
		OpStringEqualsIgnoreCase,
		OpStringNotEqualsIgnoreCase,
		OpStringLike,
		OpStringNotLike,
		OpIPAddress,
		OpNotIPAddress,
		OpBool,
		OpDateEquals,
		OpDateNotEquals,
		OpDateLessThan,
		OpDateLessThanEquals,
		OpDateGreaterThan,
		OpDateGreaterThanEquals,
		OpNumericEquals,
		OpNumericNotEquals,
		OpNumericLessThan,
		OpNumericLessThanEquals,
		OpNumericGreaterThan,
		OpNumericGreaterThanEquals,
	}
}

// keyKind says where a condition key's value comes from.
type keyKind int

const (
	keyExtra keyKind = iota
	keySourceIP
	keySecureTransport
	keyCurrentTime
)

// condition is one (operator, key) pair with its precompiled values.
type condition struct {
	op      operator
	key     string // as written in the document, for Extra lookups
	kind    keyKind
	strs    []string       // typeString (patterns for cmpLike)
	ips     []netip.Prefix // typeIP
	bools   []bool         // typeBool
	times   []time.Time    // typeDate
	numbers []float64      // typeNumber
}

func parseConditions(raw json.RawMessage) ([]condition, error) {
	ops, err := objectFields(raw, false)
	if err != nil {
		return nil, fmt.Errorf("must be an object of {Operator: {Key: value}}: %v", err)
	}
	var out []condition
	for _, o := range ops {
		op, ok := operatorByName(o.key)
		if !ok {
			return nil, unknownOperator(o.key)
		}
		keys, err := objectFields(o.val, false)
		if err != nil {
			return nil, fmt.Errorf("%s must be an object of {Key: value}: %v", o.key, err)
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("%s has no keys", o.key)
		}
		for _, k := range keys {
			c, err := parseCondition(op, k.key, k.val)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", o.key, err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func unknownOperator(name string) error {
	for _, known := range operatorNames() {
		if strings.EqualFold(known, name) {
			return fmt.Errorf("unknown operator %q (operator names are case-sensitive: did you mean %q?)", name, known)
		}
	}
	return fmt.Errorf("unknown operator %q", name)
}

func parseCondition(op operator, key string, raw json.RawMessage) (condition, error) {
	c := condition{op: op, key: key}
	if strings.TrimSpace(key) == "" {
		return c, errors.New("condition key must not be empty")
	}
	switch {
	case strings.EqualFold(key, KeySourceIP):
		c.kind = keySourceIP
		if op.typ != typeIP && op.typ != typeString {
			return c, fmt.Errorf("%s takes IpAddress, NotIpAddress or String operators", KeySourceIP)
		}
	case strings.EqualFold(key, KeySecureTransport):
		c.kind = keySecureTransport
		if op.typ != typeBool && op.typ != typeString {
			return c, fmt.Errorf("%s takes the Bool or String operators", KeySecureTransport)
		}
	case strings.EqualFold(key, KeyCurrentTime):
		c.kind = keyCurrentTime
		if op.typ != typeDate && op.typ != typeString {
			return c, fmt.Errorf("%s takes Date or String operators", KeyCurrentTime)
		}
	}
	vals, err := conditionValues(raw)
	if err != nil {
		return c, fmt.Errorf("%s: %v", key, err)
	}
	for i, v := range vals {
		if err := c.add(v); err != nil {
			if len(vals) > 1 {
				return c, fmt.Errorf("%s[%d]: %v", key, i, err)
			}
			return c, fmt.Errorf("%s: %v", key, err)
		}
	}
	return c, nil
}

// add appends one policy value, converted to the operator's type.
func (c *condition) add(v string) error {
	switch c.op.typ {
	case typeString:
		c.strs = append(c.strs, v)
	case typeIP:
		p, err := parsePrefix(v)
		if err != nil {
			return err
		}
		c.ips = append(c.ips, p)
	case typeBool:
		b, ok := parseBool(v)
		if !ok {
			return fmt.Errorf(`%q is not "true" or "false"`, v)
		}
		c.bools = append(c.bools, b)
	case typeDate:
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return fmt.Errorf(`%q is not an RFC 3339 time such as "2026-01-02T15:04:05Z" or "2026-01-02T23:04:05+08:00"`, v)
		}
		c.times = append(c.times, t)
	case typeNumber:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(n) {
			return fmt.Errorf("%q is not a number", v)
		}
		c.numbers = append(c.numbers, n)
	}
	return nil
}

// parsePrefix accepts a CIDR ("10.0.0.0/8") or a single address ("10.1.2.3",
// treated as /32 or /128). IPv4-mapped IPv6 forms are reduced to IPv4 so that
// "::ffff:10.0.0.0/104" and "10.0.0.0/8" mean the same.
func parsePrefix(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil || p.Addr().Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block", v)
		}
		if a := p.Addr(); a.Is4In6() {
			if p.Bits() < 96 {
				return netip.Prefix{}, fmt.Errorf("%q: an IPv4-mapped prefix must be at least /96", v)
			}
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block", v)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func parseBool(v string) (value, ok bool) {
	switch {
	case strings.EqualFold(v, "true"):
		return true, true
	case strings.EqualFold(v, "false"):
		return false, true
	}
	return false, false
}

// conditionValues decodes a condition value: a string, boolean or number, or
// a non-empty list of them; booleans and numbers are kept as their JSON text.
func conditionValues(raw json.RawMessage) ([]string, error) {
	if firstByte(raw) == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, errors.New("values must be a value or a list of values")
		}
		if len(list) == 0 {
			return nil, errors.New("values must not be an empty list")
		}
		out := make([]string, len(list))
		for i, item := range list {
			v, err := scalar(item)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %v", i, err)
			}
			out[i] = v
		}
		return out, nil
	}
	v, err := scalar(raw)
	if err != nil {
		return nil, err
	}
	return []string{v}, nil
}

func scalar(raw json.RawMessage) (string, error) {
	switch b := firstByte(raw); {
	case b == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case b == 't' || b == 'f' || b == '-' || ('0' <= b && b <= '9'):
		var t bool
		if json.Unmarshal(raw, &t) == nil {
			return strconv.FormatBool(t), nil
		}
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", err
		}
		return n.String(), nil
	}
	return "", fmt.Errorf("a value must be a string, boolean or number, got %s", raw)
}

// holds evaluates the condition against r. It does not allocate, except for
// String operators on acs:SourceIp and acs:CurrentTime, which format the value.
func (c *condition) holds(r *Request) bool {
	var m bool
	switch c.op.typ {
	case typeString:
		v, ok := r.stringValue(c.kind, c.key)
		if !ok {
			return c.op.negate
		}
		m = c.matchString(v)
	case typeIP:
		a, ok := r.ipValue(c.kind, c.key)
		if !ok {
			return c.op.negate
		}
		for _, p := range c.ips {
			if p.Contains(a) {
				m = true
				break
			}
		}
	case typeBool:
		b, ok := r.boolValue(c.kind, c.key)
		if !ok {
			return c.op.negate
		}
		for _, want := range c.bools {
			if b == want {
				m = true
				break
			}
		}
	case typeDate:
		t, ok := r.timeValue(c.kind, c.key)
		if !ok {
			return c.op.negate
		}
		for _, want := range c.times {
			if compareWith(c.op.cmp, t.Compare(want)) {
				m = true
				break
			}
		}
	case typeNumber:
		n, ok := r.numberValue(c.key)
		if !ok {
			return c.op.negate
		}
		for _, want := range c.numbers {
			if compareWith(c.op.cmp, cmpFloat(n, want)) {
				m = true
				break
			}
		}
	}
	return m != c.op.negate
}

func (c *condition) matchString(v string) bool {
	for _, want := range c.strs {
		switch c.op.cmp {
		case cmpEqual:
			if v == want {
				return true
			}
		case cmpEqualFold:
			if equalFold(want, v) {
				return true
			}
		case cmpLike:
			if Match(want, v) {
				return true
			}
		}
	}
	return false
}

// compareWith turns a three-way comparison of request value against policy
// value into the operator's answer.
func compareWith(op compareOp, c int) bool {
	switch op {
	case cmpEqual:
		return c == 0
	case cmpLess:
		return c < 0
	case cmpLessEqual:
		return c <= 0
	case cmpGreater:
		return c > 0
	case cmpGreaterEqual:
		return c >= 0
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

package authz

import (
	"errors"
	"strings"
	"testing"
)

// doc wraps statement objects into a policy document.
func doc(statements ...string) string {
	return `{"Version":"1","Statement":[` + strings.Join(statements, ",") + `]}`
}

const allowAll = `{"Effect":"Allow","Action":"*","Resource":"*"}`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string // exact Error() text
	}{
		{"not json", `{"Version":`, "policy document is not a valid JSON object: unexpected end of JSON input"},
		{"empty", ``, "policy document is not a valid JSON object: unexpected end of JSON input"},
		{"bad token", `{"Version":"1",]`, "policy document is not a valid JSON object: invalid character ']' looking for beginning of object key string"},
		{"not an object", `[]`, "policy document is not a valid JSON object: not an object"},
		{"trailing data", `{"Version":"1","Statement":[` + allowAll + `]} {}`, "policy document is not a valid JSON object: unexpected data after the object"},
		{"invalid utf8", "{\"Version\":\"1\xff\"}", "policy document is not valid UTF-8"},
		{"too long", `{"Version":"1","Statement":[` + allowAll + `]}` + strings.Repeat(" ", MaxDocumentLength), "policy document is longer than 6144 characters"},
		{"unknown top field", `{"Version":"1","Statement":[` + allowAll + `],"Id":"x"}`, `unknown field "Id" (known: Version, Statement)`},
		{"top field case", `{"version":"1","Statement":[` + allowAll + `]}`, `unknown field "version" (field names are case-sensitive: did you mean "Version"?)`},
		{"duplicate top field", `{"Version":"1","Version":"1","Statement":[` + allowAll + `]}`, `policy document is not a valid JSON object: field "Version" appears more than once`},
		{"missing version", `{"Statement":[` + allowAll + `]}`, `Version is missing; use "Version":"1"`},
		{"wrong version", `{"Version":"2012-10-17","Statement":[` + allowAll + `]}`, `Version must be "1", got "2012-10-17"`},
		{"numeric version", `{"Version":1,"Statement":[` + allowAll + `]}`, `Version must be "1", got 1`},
		{"missing statement", `{"Version":"1"}`, "Statement is missing"},
		{"statement string", `{"Version":"1","Statement":"x"}`, "Statement must be a list of statement objects"},
		{"statement empty", `{"Version":"1","Statement":[]}`, "Statement must hold at least one statement"},
		{"statement item not object", doc(`"x"`), `Statement[0]: a statement must be a JSON object: not an object`},
		{"effect bad", doc(allowAll, allowAll, `{"Effect":"allow!","Action":"*","Resource":"*"}`), `Statement[2]: Effect must be "Allow" or "Deny", got "allow!"`},
		{"effect lowercase", doc(`{"Effect":"allow","Action":"*","Resource":"*"}`), `Statement[0]: Effect must be "Allow" or "Deny", got "allow"`},
		{"effect not string", doc(`{"Effect":true,"Action":"*","Resource":"*"}`), `Statement[0]: Effect must be "Allow" or "Deny", got true`},
		{"effect missing", doc(`{"Action":"*","Resource":"*"}`), `Statement[0]: Effect is missing; use "Allow" or "Deny"`},
		{"duplicate effect", doc(`{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}`), `Statement[0]: a statement must be a JSON object: field "Effect" appears more than once`},
		{"unknown statement field", doc(`{"Sid":"a","Effect":"Allow","Action":"*","Resource":"*"}`), `Statement[0]: unknown field "Sid" (known: Effect, Action, NotAction, Resource, NotResource, Condition)`},
		{"statement field case", doc(`{"Effect":"Allow","action":"*","Resource":"*"}`), `Statement[0]: unknown field "action" (field names are case-sensitive: did you mean "Action"?)`},
		{"principal refused", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), `Statement[0]: unknown field "Principal" (known: Effect, Action, NotAction, Resource, NotResource, Condition)`},
		{"action missing", doc(`{"Effect":"Allow","Resource":"*"}`), `Statement[0]: Action (or NotAction) is missing`},
		{"action and notaction", doc(`{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}`), `Statement[0]: Action and NotAction cannot both be given`},
		{"action empty list", doc(`{"Effect":"Allow","Action":[],"Resource":"*"}`), `Statement[0]: Action must not be an empty list`},
		{"action number", doc(`{"Effect":"Allow","Action":5,"Resource":"*"}`), `Statement[0]: Action must be a string or a list of strings, got 5`},
		{"action list number", doc(`{"Effect":"Allow","Action":["vpc:A",5],"Resource":"*"}`), `Statement[0]: Action[1] must be a string, got 5`},
		{"action no colon", doc(`{"Effect":"Allow","Action":["vpc:A","vpc-Describe"],"Resource":"*"}`), `Statement[0]: Action[1] "vpc-Describe" must be "*" or look like product:Name (e.g. "vpc:DescribeVpnGateways"), with * and ? as wildcards`},
		{"action empty name", doc(`{"Effect":"Allow","Action":"vpc:","Resource":"*"}`), `Statement[0]: Action[0] "vpc:" must be "*" or look like product:Name (e.g. "vpc:DescribeVpnGateways"), with * and ? as wildcards`},
		{"action empty product", doc(`{"Effect":"Allow","Action":":Describe","Resource":"*"}`), `Statement[0]: Action[0] ":Describe" must be "*" or look like product:Name (e.g. "vpc:DescribeVpnGateways"), with * and ? as wildcards`},
		{"action two colons", doc(`{"Effect":"Allow","Action":"vpc:a:b","Resource":"*"}`), `Statement[0]: Action[0] "vpc:a:b" must be "*" or look like product:Name (e.g. "vpc:DescribeVpnGateways"), with * and ? as wildcards`},
		{"action space", doc(`{"Effect":"Allow","Action":"vpc:Describe Vpcs","Resource":"*"}`), `Statement[0]: Action[0] "vpc:Describe Vpcs" must be "*" or look like product:Name (e.g. "vpc:DescribeVpnGateways"), with * and ? as wildcards`},
		{"action empty", doc(`{"Effect":"Allow","Action":"","Resource":"*"}`), `Statement[0]: Action[0] "" must be "*" or look like product:Name (e.g. "vpc:DescribeVpnGateways"), with * and ? as wildcards`},
		{"notaction bad", doc(`{"Effect":"Allow","NotAction":"x","Resource":"*"}`), `Statement[0]: NotAction[0] "x" must be "*" or look like product:Name (e.g. "vpc:DescribeVpnGateways"), with * and ? as wildcards`},
		{"resource missing", doc(`{"Effect":"Allow","Action":"*"}`), `Statement[0]: Resource (or NotResource) is missing`},
		{"resource and notresource", doc(`{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}`), `Statement[0]: Resource and NotResource cannot both be given`},
		{"resource not arn", doc(`{"Effect":"Allow","Action":"*","Resource":"vpc:*"}`), `Statement[0]: Resource[0] "vpc:*" must be "*" or an ARN starting with "acs:" (e.g. "acs:vpc:*:*:vpnconnection/*")`},
		{"resource control char", doc(`{"Effect":"Allow","Action":"*","Resource":"acs:vpc:\n"}`), `Statement[0]: Resource[0] "acs:vpc:\n" must be "*" or an ARN starting with "acs:" (e.g. "acs:vpc:*:*:vpnconnection/*")`},
		{"notresource bad", doc(`{"Effect":"Allow","Action":"*","NotResource":["*","x"]}`), `Statement[0]: NotResource[1] "x" must be "*" or an ARN starting with "acs:" (e.g. "acs:vpc:*:*:vpnconnection/*")`},
		{"resource null", doc(`{"Effect":"Allow","Action":"*","Resource":null}`), `Statement[0]: Resource must be a string or a list of strings, got null`},
		{"condition not object", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}`), `Statement[0]: Condition: must be an object of {Operator: {Key: value}}: not an object`},
		{"condition unknown operator", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringMatches":{"a:b":"c"}}}`), `Statement[0]: Condition: unknown operator "StringMatches"`},
		{"condition operator case", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"stringequals":{"a:b":"c"}}}`), `Statement[0]: Condition: unknown operator "stringequals" (operator names are case-sensitive: did you mean "StringEquals"?)`},
		{"condition operator no keys", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{}}}`), `Statement[0]: Condition: StringEquals has no keys`},
		{"condition operator not object", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}}`), `Statement[0]: Condition: StringEquals must be an object of {Key: value}: not an object`},
		{"condition duplicate key", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":"c","a:b":"d"}}}`), `Statement[0]: Condition: StringEquals must be an object of {Key: value}: field "a:b" appears more than once`},
		{"condition empty key", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"":"c"}}}`), `Statement[0]: Condition: StringEquals: condition key must not be empty`},
		{"condition empty values", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":[]}}}`), `Statement[0]: Condition: StringEquals: a:b: values must not be an empty list`},
		{"condition object value", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":{}}}}`), `Statement[0]: Condition: StringEquals: a:b: a value must be a string, boolean or number, got {}`},
		{"condition null in list", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":["x",null]}}}`), `Statement[0]: Condition: StringEquals: a:b: [1]: a value must be a string, boolean or number, got null`},
		{"bad ip", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.300"}}}`), `Statement[0]: Condition: IpAddress: acs:SourceIp: "10.0.0.300" is not an IP address or CIDR block`},
		{"bad cidr in list", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","10.0.0.0/33"]}}}`), `Statement[0]: Condition: IpAddress: acs:SourceIp[1]: "10.0.0.0/33" is not an IP address or CIDR block`},
		{"ip with zone", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"fe80::1%eth0"}}}`), `Statement[0]: Condition: IpAddress: acs:SourceIp: "fe80::1%eth0" is not an IP address or CIDR block`},
		{"mapped prefix too short", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"::ffff:10.0.0.0/64"}}}`), `Statement[0]: Condition: IpAddress: acs:SourceIp: "::ffff:10.0.0.0/64": an IPv4-mapped prefix must be at least /96`},
		{"bad bool", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"yes"}}}`), `Statement[0]: Condition: Bool: acs:SecureTransport: "yes" is not "true" or "false"`},
		{"bad date", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"2026-01-02"}}}`), `Statement[0]: Condition: DateLessThan: acs:CurrentTime: "2026-01-02" is not an RFC 3339 time such as "2026-01-02T15:04:05Z" or "2026-01-02T23:04:05+08:00"`},
		{"bad number", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"x:n":"ten"}}}`), `Statement[0]: Condition: NumericLessThan: x:n: "ten" is not a number`},
		{"nan number", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"x:n":"NaN"}}}`), `Statement[0]: Condition: NumericEquals: x:n: "NaN" is not a number`},
		{"ip operator on time key", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:CurrentTime":"10.0.0.1"}}}`), `Statement[0]: Condition: IpAddress: acs:CurrentTime takes Date or String operators`},
		{"date operator on ip key", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"acs:sourceip":"2026-01-02T00:00:00Z"}}}`), `Statement[0]: Condition: DateLessThan: acs:SourceIp takes IpAddress, NotIpAddress or String operators`},
		{"ip operator on bool key", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"ACS:SECURETRANSPORT":"10.0.0.1"}}}`), `Statement[0]: Condition: NotIpAddress: acs:SecureTransport takes the Bool or String operators`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.doc)
			if err == nil {
				t.Fatalf("Parse succeeded (%d statements), want error %q", p.Statements(), tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestParseErrorPath(t *testing.T) {
	_, err := Parse(doc(allowAll, `{"Effect":"Maybe","Action":"*","Resource":"*"}`))
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	if pe.Path != "Statement[1]" || pe.Msg != `Effect must be "Allow" or "Deny", got "Maybe"` {
		t.Errorf("ParseError = %+v", *pe)
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name       string
		doc        string
		statements int
	}{
		{"minimal", doc(allowAll), 1},
		{"statement object", `{"Version":"1","Statement":` + allowAll + `}`, 1},
		{"whitespace around", " \n{\"Version\" : \"1\", \"Statement\" : [ " + allowAll + " ] }\n ", 1},
		{"lists", doc(`{"Effect":"Deny","Action":["vpc:Describe*","vpc:Get?pn"],"Resource":["acs:vpc:*:*:vpnconnection/*","acs:vpc:cn-hangzhou:*:*"]}`), 1},
		{"not forms", doc(`{"Effect":"Allow","NotAction":"ram:*","NotResource":"acs:ram:*"}`), 1},
		{"wildcard product", doc(`{"Effect":"Allow","Action":"*:Describe*","Resource":"*"}`), 1},
		{"underscore and dash", doc(`{"Effect":"Allow","Action":"log-service:Get_Logs","Resource":"*"}`), 1},
		{"exact max length", padTo(doc(allowAll), MaxDocumentLength), 1},
		{"max length in multibyte characters", padRunes(doc(allowAll), MaxDocumentLength), 1},
		{"all condition operators", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
			"StringEquals":{"acs:UserId":"1"},"StringNotEquals":{"acs:UserId":["2","3"]},
			"StringEqualsIgnoreCase":{"x:a":"A"},"StringNotEqualsIgnoreCase":{"x:a":"B"},
			"StringLike":{"x:a":"a*"},"StringNotLike":{"x:a":"b*"},
			"IpAddress":{"acs:SourceIp":["10.0.0.0/8","192.0.2.1","2001:db8::/32"]},"NotIpAddress":{"acs:SourceIp":"10.9.0.0/16"},
			"Bool":{"acs:SecureTransport":true},
			"DateEquals":{"x:t":"2026-01-01T00:00:00Z"},"DateNotEquals":{"x:t":"2026-01-02T00:00:00Z"},
			"DateLessThan":{"acs:CurrentTime":"2027-01-01T00:00:00+08:00"},"DateLessThanEquals":{"acs:CurrentTime":"2027-01-01T00:00:00Z"},
			"DateGreaterThan":{"acs:CurrentTime":"2020-01-01T00:00:00.5Z"},"DateGreaterThanEquals":{"acs:CurrentTime":"2020-01-01T00:00:00Z"},
			"NumericEquals":{"x:n":1},"NumericNotEquals":{"x:n":"2"},"NumericLessThan":{"x:n":1.5e3},
			"NumericLessThanEquals":{"x:n":-1},"NumericGreaterThan":{"x:n":"0"},"NumericGreaterThanEquals":{"x:n":0}}}`), 1},
		{"string ops on typed keys", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"acs:SourceIp":"10.0.0.1","acs:SecureTransport":"true","acs:CurrentTime":"2026-01-01T00:00:00Z"}}}`), 1},
		{"three statements", doc(allowAll, allowAll, allowAll), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.doc)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.Statements() != tt.statements {
				t.Errorf("Statements() = %d, want %d", p.Statements(), tt.statements)
			}
			if p.Document() != tt.doc {
				t.Errorf("Document() does not return the input")
			}
		})
	}
}

// padTo appends spaces to a JSON document until it is n characters long.
func padTo(d string, n int) string { return d + strings.Repeat(" ", n-len(d)) }

// padRunes makes a document of exactly n characters (more than n bytes) by
// padding a condition value with a 3-byte character.
func padRunes(d string, n int) string {
	base := doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"x:y":""}}}`)
	fill := n - len(base)
	out := strings.Replace(base, `"x:y":""`, `"x:y":"`+strings.Repeat("\u20ac", fill)+`"`, 1)
	return out
}

func TestParseLengthLimit(t *testing.T) {
	over := padRunes("", MaxDocumentLength+1)
	if _, err := Parse(over); err == nil || err.Error() != "policy document is longer than 6144 characters" {
		t.Errorf("Parse(6145 characters) error = %v", err)
	}
}

func TestParseLowercasesActions(t *testing.T) {
	p, err := Parse(doc(`{"Effect":"Allow","Action":["VPC:DescribeVpnGateways","vpc:Get*"],"Resource":"acs:vpc:*:*:VpnGateway/*"}`))
	if err != nil {
		t.Fatal(err)
	}
	st := p.statements[0]
	if st.actions[0].text != "vpc:describevpngateways" || st.actions[1].text != "vpc:get*" {
		t.Errorf("actions = %q, %q; want lowercased", st.actions[0].text, st.actions[1].text)
	}
	if st.resources[0].text != "acs:vpc:*:*:VpnGateway/*" {
		t.Errorf("resource = %q; want unchanged", st.resources[0].text)
	}
}

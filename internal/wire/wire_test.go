package wire

import (
	"bytes"
	"encoding/xml"
	"go/build"
	"strings"
	"testing"
)

func TestParseFormat(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Format
		ok   bool
	}{
		{"", JSON, true}, {"JSON", JSON, true}, {"json", JSON, true}, {"jSoN", JSON, true},
		{"XML", XML, true}, {"xml", XML, true}, {"Xml", XML, true},
		{"YAML", JSON, false}, {"JSON'--", JSON, false}, {" XML", JSON, false}, {"XMLX", JSON, false},
	} {
		if got, ok := ParseFormat(c.in); got != c.want || ok != c.ok {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	if JSON.String() != "JSON" || XML.String() != "XML" {
		t.Errorf("String: %s %s", JSON, XML)
	}
}

type body struct {
	XMLName xml.Name `json:"-" xml:"X"`
	A       string   `json:"A" xml:"A"`
}

// TestEncodeSplice: an encoded body with the RequestId spliced in, in both
// formats, empty answers included: the exact bytes the server writes.
func TestEncodeSplice(t *testing.T) {
	for _, c := range []struct {
		name string
		f    Format
		body any
		want string
	}{
		{"json", JSON, &body{A: "<&>"}, `{"RequestId":"R","A":"<&>"}`},
		{"json empty", JSON, nil, `{"RequestId":"R"}`},
		{"xml", XML, &body{A: "<&>"}, XMLHeader + `<ActResponse><RequestId>R</RequestId><A>&lt;&amp;&gt;</A></ActResponse>`},
		{"xml empty", XML, nil, XMLHeader + `<ActResponse><RequestId>R</RequestId></ActResponse>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := EncodeBody("Act", c.f, c.body)
			if err != nil || e.Format != c.f {
				t.Fatalf("EncodeBody = %+v, %v", e, err)
			}
			var out bytes.Buffer
			Splice(&out, e.Body, c.f, "ActResponse", "R")
			if out.String() != c.want {
				t.Fatalf("got  %s\nwant %s", out.String(), c.want)
			}
		})
	}
}

// TestStandardLibraryOnly: wire is the leaf both the HTTP layer and the
// service encode answers with; it imports neither (nor anything else of
// vpcvpn), so the cache's owner never depends on the HTTP layer to encode.
func TestStandardLibraryOnly(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkg.Imports) == 0 {
		t.Fatal("import list not read")
	}
	for _, imp := range pkg.Imports {
		if strings.Contains(imp, ".") {
			t.Errorf("internal/wire imports %s", imp)
		}
	}
}

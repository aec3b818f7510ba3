package vpn

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The official V2 SDK's response models are the reference for every answer
// shape. This test reads them from the module cache (the module is in
// go.mod; `go mod download github.com/alibabacloud-go/vpc-20160428/v6`
// fetches it) and checks that every JSON field of our answer types exists in
// the model under the same name with the same JSON kind (string, number,
// boolean, object, array), recursively.

const sdkModule = "github.com/alibabacloud-go/vpc-20160428/v6@v6.12.8"

func sdkClientDir(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		cache = filepath.Join(build.Default.GOPATH, "pkg", "mod")
	}
	dir := filepath.Join(cache, filepath.FromSlash(sdkModule), "client")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("SDK models not found (%v); run: go mod download %s", err, strings.Replace(sdkModule, "@", "@", 1))
	}
	return dir
}

// sdkStructs maps type name -> JSON field name -> Go type expression.
func sdkStructs(t *testing.T, dir string, files []string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, filepath.Join(dir, f), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok {
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				fields := map[string]string{}
				for _, fl := range st.Fields.List {
					if fl.Tag == nil {
						continue
					}
					tag := reflect.StructTag(strings.Trim(fl.Tag.Value, "`"))
					name, _, _ := strings.Cut(tag.Get("json"), ",")
					fields[name] = exprString(fl.Type)
				}
				out[ts.Name.Name] = fields
			}
		}
	}
	return out
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.StarExpr:
		return "*" + exprString(x.X)
	case *ast.ArrayType:
		return "[]" + exprString(x.Elt)
	}
	return "?"
}

func jsonKindOfSDK(expr string) (kind, elem string) {
	expr = strings.TrimPrefix(expr, "*")
	if strings.HasPrefix(expr, "[]") {
		return "array", strings.TrimPrefix(strings.TrimPrefix(expr, "[]"), "*")
	}
	switch expr {
	case "string":
		return "string", ""
	case "int32", "int64", "float64", "int":
		return "number", ""
	case "bool":
		return "boolean", ""
	}
	return "object", expr
}

func jsonKindOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		return "array"
	}
	return "object"
}

// jsonFields lists the JSON fields of struct type t, embedded structs
// flattened, fields tagged "-" skipped.
func jsonFields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Anonymous {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == "-" {
			continue
		}
		out = append(out, f)
	}
	return out
}

func compareShape(t *testing.T, path string, ours reflect.Type, sdk string, models map[string]map[string]string) {
	t.Helper()
	for ours.Kind() == reflect.Pointer {
		ours = ours.Elem()
	}
	fields, ok := models[sdk]
	if !ok {
		t.Errorf("%s: SDK type %s not found", path, sdk)
		return
	}
	for _, f := range jsonFields(ours) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		expr, ok := fields[name]
		if !ok && vpcvpnExtensionFields[name] {
			continue
		}
		if !ok {
			t.Errorf("%s.%s: not in SDK model %s", path, name, sdk)
			continue
		}
		kind, elem := jsonKindOfSDK(expr)
		if got := jsonKindOf(f.Type); got != kind {
			t.Errorf("%s.%s: ours is a JSON %s, SDK %s has %s (%s)", path, name, got, sdk, kind, expr)
			continue
		}
		switch kind {
		case "object":
			compareShape(t, path+"."+name, f.Type, elem, models)
		case "array":
			et := f.Type.Elem()
			ek, _ := jsonKindOfSDK(elem)
			if jsonKindOf(et) != ek {
				t.Errorf("%s.%s[]: ours %s, SDK %s", path, name, jsonKindOf(et), elem)
			} else if ek == "object" {
				compareShape(t, path+"."+name+"[]", et, elem, models)
			}
		}
	}
}

// vpcvpnExtensionFields are the documented vpcvpn additions to Alibaba's
// answers (docs/API.md); SDKs ignore fields their models lack.
var vpcvpnExtensionFields = map[string]bool{
	"GatewayAgent": true, // DescribeVpnGateway(s): the gateway agent's connection
}

func TestShapesMatchSDKModels(t *testing.T) {
	dir := sdkClientDir(t)
	models := sdkStructs(t, dir, []string{
		"describe_regions_response_body_model.go", "create_vpc_response_body_model.go", "describe_vpcs_response_body_model.go",
		"create_vswitch_response_body_model.go", "describe_vswitches_response_body_model.go",
		"create_vpn_gateway_response_body_model.go", "describe_vpn_gateway_response_body_model.go", "describe_vpn_gateways_response_body_model.go",
		"create_customer_gateway_response_body_model.go", "modify_customer_gateway_attribute_response_body_model.go",
		"describe_customer_gateway_response_body_model.go", "describe_customer_gateways_response_body_model.go",
		"create_vpn_connection_response_body_model.go", "describe_vpn_connection_response_body_model.go",
		"describe_vpn_connections_response_body_model.go", "modify_vpn_connection_attribute_response_body_model.go",
		"download_vpn_connection_config_response_body_model.go", "describe_vpn_connection_logs_response_body_model.go",
		"describe_vpc_attribute_response_body_model.go", "describe_vswitch_attributes_response_body_model.go",
		"describe_route_table_list_response_body_model.go", "list_tag_resources_response_body_model.go",
		"modify_vpn_gateway_attribute_response_body_model.go", "describe_vpn_gateway_available_zones_response_body_model.go",
		"create_vpn_route_entry_response_body_model.go", "create_vpn_pbr_route_entry_response_body_model.go",
		"describe_vpn_route_entries_response_body_model.go", "describe_vpn_pbr_route_entries_response_body_model.go",
		"modify_tunnel_attribute_response_body_model.go",
	})
	cases := []struct {
		ours any
		sdk  string
	}{
		{DescribeRegionsResponse{}, "DescribeRegionsResponseBody"},
		{CreateVpcResponse{}, "CreateVpcResponseBody"},
		{DescribeVpcsResponse{}, "DescribeVpcsResponseBody"},
		{CreateVSwitchResponse{}, "CreateVSwitchResponseBody"},
		{DescribeVSwitchesResponse{}, "DescribeVSwitchesResponseBody"},
		{CreateVpnGatewayResponse{}, "CreateVpnGatewayResponseBody"},
		{VpnGatewayItem{}, "DescribeVpnGatewayResponseBody"},
		{DescribeVpnGatewaysResponse{}, "DescribeVpnGatewaysResponseBody"},
		{CreateCustomerGatewayResponse{}, "CreateCustomerGatewayResponseBody"},
		{ModifyCustomerGatewayAttributeResponse{}, "ModifyCustomerGatewayAttributeResponseBody"},
		{CustomerGatewayItem{}, "DescribeCustomerGatewayResponseBody"},
		{DescribeCustomerGatewaysResponse{}, "DescribeCustomerGatewaysResponseBody"},
		{CreateVpnConnectionResponse{}, "CreateVpnConnectionResponseBody"},
		{VpnConnectionItem{}, "DescribeVpnConnectionResponseBody"},
		{DescribeVpnConnectionsResponse{}, "DescribeVpnConnectionsResponseBody"},
		{ModifyVpnConnectionAttributeResponse{}, "ModifyVpnConnectionAttributeResponseBody"},
		{ConnectionConfig{}, "DownloadVpnConnectionConfigResponseBodyVpnConnectionConfig"},
		{DescribeVpnConnectionLogsResponse{}, "DescribeVpnConnectionLogsResponseBody"},
		{DescribeVpcAttributeResponse{}, "DescribeVpcAttributeResponseBody"},
		{DescribeVSwitchAttributesResponse{}, "DescribeVSwitchAttributesResponseBody"},
		{DescribeRouteTableListResponse{}, "DescribeRouteTableListResponseBody"},
		{ListTagResourcesResponse{}, "ListTagResourcesResponseBody"},
		{ModifyVpnGatewayAttributeResponse{}, "ModifyVpnGatewayAttributeResponseBody"},
		{DescribeVpnGatewayAvailableZonesResponse{}, "DescribeVpnGatewayAvailableZonesResponseBody"},
		{CreateVpnRouteEntryResponse{}, "CreateVpnRouteEntryResponseBody"},
		{CreateVpnPbrRouteEntryResponse{}, "CreateVpnPbrRouteEntryResponseBody"},
		{DescribeVpnRouteEntriesResponse{}, "DescribeVpnRouteEntriesResponseBody"},
		{DescribeVpnPbrRouteEntriesResponse{}, "DescribeVpnPbrRouteEntriesResponseBody"},
		{ModifyTunnelAttributeResponse{}, "ModifyTunnelAttributeResponseBody"},
	}
	for _, c := range cases {
		t.Run(c.sdk, func(t *testing.T) {
			compareShape(t, reflect.TypeOf(c.ours).Name(), reflect.TypeOf(c.ours), c.sdk, models)
		})
	}
}

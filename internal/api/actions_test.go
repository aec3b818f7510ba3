package api

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/action"
	"github.com/vpcvpn/vpcvpn/internal/audit"
)

// TestActionMetadata: every action of the dispatch table has its RAM
// action name and a class, RAM's writes (only they) change credentials, and
// the classes of actions whose class matters to throttling and the audit
// trail are the expected ones. A new action without metadata fails here.
func TestActionMetadata(t *testing.T) {
	prefix := map[string]string{VersionVPC: "vpc:", VersionRAM: "ram:", VersionSTS: "sts:", VersionActionTrail: "actiontrail:"}
	all := append(Actions(nil), LookupEventsAction(nil))
	for _, a := range all {
		if lack := a.checkMeta(); lack != "" {
			t.Errorf("%s/%s has no %s", a.Version, a.Name, lack)
		}
		if want := prefix[a.Version] + a.Name; a.RAM != want {
			t.Errorf("%s/%s: RAM action %q, want %q", a.Version, a.Name, a.RAM, want)
		}
		if want := a.Version == VersionRAM && a.Class == action.Write; a.ChangesCredentials != want {
			t.Errorf("%s/%s: ChangesCredentials %v, want %v", a.Version, a.Name, a.ChangesCredentials, want)
		}
		switch {
		case strings.HasPrefix(a.Name, "Download"):
			if a.Class != action.SecretRead {
				t.Errorf("%s: class %v, want secret-read", a.Name, a.Class)
			}
		case strings.HasPrefix(a.Name, "Describe"), strings.HasPrefix(a.Name, "Get"), strings.HasPrefix(a.Name, "List"), strings.HasPrefix(a.Name, "Lookup"):
			if !a.Class.Reads() || a.Class == action.SecretRead {
				t.Errorf("%s: class %v, want read or list", a.Name, a.Class)
			}
		default:
			if a.Class != action.Write {
				t.Errorf("%s: class %v, want write", a.Name, a.Class)
			}
		}
	}
	classes := map[string]action.Class{}
	for _, a := range all {
		classes[a.Name] = a.Class
	}
	for name, want := range map[string]action.Class{
		"DownloadVpnConnectionConfig": action.SecretRead, "DownloadVpnConnectionDeviceConfig": action.SecretRead,
		"DownloadVpnGatewayAgentConfig": action.SecretRead, "ReportVpnGatewayAgentStatus": action.Write,
		"DescribeVpnGatewayAgentStatus": action.Read, "DescribeVpnConnectionLogs": action.List,
		"DescribeVpnConnection": action.Read, "DescribeVpnConnections": action.List, "DescribeRegions": action.Read,
		"ListUsers": action.List, "GetCallerIdentity": action.Read, "CreateVpnConnection": action.Write,
		"ModifyVpnConnectionAttribute": action.Write, "DeleteVpc": action.Write, "AssumeRole": action.Write,
		"LookupEvents": action.List,
	} {
		if classes[name] != want {
			t.Errorf("%s: class %v, want %v", name, classes[name], want)
		}
	}
}

// TestNewServerNeedsMetadata: a signed action without metadata is refused
// when the server is built.
func TestNewServerNeedsMetadata(t *testing.T) {
	for _, tc := range []struct {
		name string
		meta action.Meta
	}{
		{"no RAM name", action.Meta{Class: action.Read}},
		{"another action's RAM name", action.Meta{RAM: "vpc:Other", Class: action.Read}},
		{"no class", action.Meta{RAM: "vpc:Ping"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if v, _ := recover().(string); !strings.Contains(v, "in the dispatch table") {
					t.Fatalf("recovered %q, want a dispatch table panic", v)
				}
			}()
			NewServer(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: NewAuthenticator(staticCreds{}, nil),
				Actions: []Action{{Version: VersionVPC, Name: "Ping", Meta: tc.meta, Handle: func(context.Context, *Call) (any, error) { return nil, nil }}}})
		})
	}
}

// TestActionTrailVersion: LookupEvents' entry answers the version the
// audit trail parses and records.
func TestActionTrailVersion(t *testing.T) {
	if a := LookupEventsAction(nil); a.Version != audit.Version || a.RAM != "actiontrail:LookupEvents" {
		t.Fatalf("LookupEvents %s %s, want %s actiontrail:LookupEvents", a.Version, a.RAM, audit.Version)
	}
}

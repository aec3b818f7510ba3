package service

import (
	"net/netip"

	"github.com/vpcvpn/vpcvpn/internal/iam"
)

// Request is one authenticated API call as the use cases see it.
type Request struct {
	RequestID       string
	Action          string
	Version         string
	Params          map[string]string // query and form merged, signature parameters included
	Principal       iam.Principal
	SourceIP        netip.Addr
	SecureTransport bool
	UserAgent       string
	// Resource is set by a use case to the ARN it acted on (logs, audit).
	Resource string
	// Origin is where the call came from: "" for the API, OriginConsole for
	// the web console (internal/web), which the audit trail records as
	// eventType ConsoleOperation.
	Origin string
}

// OriginConsole marks a Request made by the web console.
const OriginConsole = "console"

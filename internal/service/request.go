package service

import (
	"github.com/vpcvpn/vpcvpn/internal/action"
	"net/netip"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/cachegen"
	"github.com/vpcvpn/vpcvpn/internal/iam"
	"github.com/vpcvpn/vpcvpn/internal/wire"
)

// Request is one authenticated API call as the use cases see it.
type Request struct {
	RequestID string
	Action    string
	Version   string
	// Meta is the action's metadata from the dispatch table (its RAM
	// action name, its class).
	Meta   action.Meta
	Params map[string]string // query and form merged, signature parameters included
	// Format is the encoding the caller wants its answer in: the API
	// parses it from the Format parameter, the console from the file it
	// offers. A use case that answers encoded bytes (*wire.Encoded)
	// encodes them in Format; no use case reads Params["Format"].
	Format          wire.Format
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
	// Parker, when set, lets a handler that waits (the agent long-poll)
	// give the request's admission slot back meanwhile.
	Parker Parker
	// Fresh is the caller's account's cache generations as read after the
	// request arrived (internal/cachegen): the API reads them with the
	// signature nonce. When not read, the service reads them where a cache
	// needs them.
	Fresh cachegen.Snapshot

	// policies is the caller's policy set, loaded by PolicyAuthorizer at
	// the request's first decision and reused by the next ones: a
	// principal's policies are read and evaluated once per request, not
	// once per item of a list.
	policies *policySet
}

// Parker gives a request's admission slot (the server's in-flight limit)
// back while its handler waits.
type Parker interface {
	// Park gives the slot back for a wait of up to wait (and makes the
	// connection's deadlines allow it); the function it returns takes the
	// request back in and must be called once before the handler returns.
	Park(wait time.Duration) (resume func())
}

// OriginConsole marks a Request made by the web console.
const OriginConsole = "console"

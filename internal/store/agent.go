package store

import (
	"context"
	"time"
)

// AgentStore holds what the gateway agents (vpcvpn gateway-agent) tell the
// control plane and what they need from it: the generation of each VPN
// gateway's desired state, the last report of each gateway's agent, the
// status of every tunnel, and charon's log lines per connection.
//
// Rules the backends enforce inside their transactions:
//   - CreateConnection, UpdateConnection and DeleteConnection increase the
//     generation of the connection's gateway in the same transaction, so a
//     reader that sees a new generation sees the write that caused it.
//   - DeleteConnection deletes the connection's tunnel statuses and log
//     lines; DeleteGateway deletes the gateway's agent record and
//     generation.
//   - PutAgentStatus and AppendConnectionLogs ignore entries whose
//     connection does not exist or is not a connection of the reporting
//     gateway, so an agent can neither write for another gateway nor bring
//     back the status of a connection deleted while its report was on the
//     way.
type AgentStore interface {
	// GatewayGeneration returns the generation of the gateway's desired
	// state: 0 until one of its connections is first written.
	GatewayGeneration(ctx context.Context, gatewayID string) (int64, error)
	// ChangedGateways returns the gateways whose generation changed at or
	// after since (by the writer's clock), with their generations.
	ChangedGateways(ctx context.Context, since time.Time) ([]GatewayGeneration, error)

	// PutAgentStatus writes the agent record of a.GatewayID and upserts the
	// given tunnel statuses (see the rules above) in one transaction.
	PutAgentStatus(ctx context.Context, a AgentRecord, tunnels []TunnelStatus) error
	// UpdateAgentHeartbeats writes, in one transaction, what changed only
	// in counters and report times since PutAgentStatus wrote many
	// gateways' agents and tunnels: for each entry the agent record's
	// Sequence, Version, Hostname, Generation and LastReport when the
	// stored record is of the same gateway, account and InstanceID and
	// neither of a later Sequence nor reported later; then the counters and ReportedAt of those of its
	// tunnels that are stored for the gateway and not reported later.
	// Nothing is inserted (a deleted gateway or connection stays deleted)
	// and no state is changed. gone lists the entries whose agent record
	// was not updated.
	UpdateAgentHeartbeats(ctx context.Context, batch []AgentStatus) (gone []string, err error)
	// GetAgents returns the agent records of the given gateways that have
	// one (any order).
	GetAgents(ctx context.Context, gatewayIDs []string) ([]AgentRecord, error)
	// ListTunnelStatus returns the stored tunnel statuses of the given
	// connections (any order).
	ListTunnelStatus(ctx context.Context, connectionIDs []string) ([]TunnelStatus, error)

	// AppendConnectionLogs stores the lines (see the rules above) and keeps
	// at most maxPerConnection lines per connection (the oldest go). It
	// returns how many lines were stored.
	AppendConnectionLogs(ctx context.Context, gatewayID string, lines []LogLine, maxPerConnection int) (int, error)
	// ListConnectionLogs returns the lines of a connection (of one tunnel
	// when q.TunnelID is set) logged in [q.From, q.To], oldest first (ties
	// in order of arrival), the page q.Page.
	ListConnectionLogs(ctx context.Context, q LogQuery) ([]LogLine, error)
	// PurgeConnectionLogs deletes the lines logged before before and returns
	// how many it deleted.
	PurgeConnectionLogs(ctx context.Context, before time.Time) (int64, error)
}

// GatewayGeneration is the generation of one gateway's desired state.
type GatewayGeneration struct {
	GatewayID  string
	Generation int64
}

// AgentStatus is one gateway's part of UpdateAgentHeartbeats.
type AgentStatus struct {
	Agent   AgentRecord
	Tunnels []TunnelStatus
}

// AgentRecord is what the store keeps of a gateway's agent: the last report
// written (a node may keep later ones in memory, see internal/service).
type AgentRecord struct {
	GatewayID  string
	AccountID  string
	RegionID   string
	InstanceID string // random per agent process
	Sequence   int64  // of the report within the instance
	Version    string // the agent's version
	Hostname   string
	Generation int64 // the desired-state generation the agent applies
	LastReport time.Time
}

// TunnelStatus is one tunnel as its agent last reported it. TunnelID is ""
// for the one tunnel of a single-tunnel connection.
type TunnelStatus struct {
	ConnectionID  string
	TunnelID      string
	Status        string // ike_sa_not_established, ike_sa_established, ipsec_sa_not_established, ipsec_sa_established
	IkeSaState    string // charon's IKE_SA state (ESTABLISHED, CONNECTING, ...), "" without one
	ChildSaState  string // charon's CHILD_SA state (INSTALLED, ...), "" without one
	EstablishedAt time.Time
	BytesIn       int64
	BytesOut      int64
	PacketsIn     int64
	PacketsOut    int64
	LastError     string
	LastErrorAt   time.Time
	ReportedAt    time.Time
	IkeSaUniqueID string // charon's unique id of the IKE_SA, "" without one
}

// LogLine is one of charon's log lines for a connection.
type LogLine struct {
	ConnectionID string
	TunnelID     string
	Time         time.Time
	Text         string
}

// LogQuery selects log lines of one connection.
type LogQuery struct {
	ConnectionID string
	TunnelID     string // "" for every tunnel
	From, To     time.Time
	Page         Page
}

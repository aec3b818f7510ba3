-- 0006: what the gateway agents (vpcvpn gateway-agent) need and report: the
-- generation of each VPN gateway's desired state (bumped with every write to
-- one of its connections), the last report written of each gateway's agent,
-- the status of every tunnel, and charon's log lines per connection. Times
-- are Unix nanoseconds.
CREATE TABLE vpn_gateway_generations (
	gateway_id TEXT PRIMARY KEY,
	generation INTEGER NOT NULL,
	changed_at INTEGER NOT NULL
);
CREATE INDEX vpn_gateway_generations_changed ON vpn_gateway_generations (changed_at);

CREATE TABLE vpn_gateway_agents (
	gateway_id  TEXT PRIMARY KEY,
	account_id  TEXT NOT NULL,
	region_id   TEXT NOT NULL,
	instance_id TEXT NOT NULL,
	report_seq  INTEGER NOT NULL,
	version     TEXT NOT NULL,
	hostname    TEXT NOT NULL,
	generation  INTEGER NOT NULL,
	last_report INTEGER NOT NULL
);

-- tunnel_id is '' for the tunnel of a single-tunnel connection.
CREATE TABLE vpn_tunnel_status (
	connection_id  TEXT NOT NULL,
	tunnel_id      TEXT NOT NULL,
	gateway_id     TEXT NOT NULL,
	status         TEXT NOT NULL,
	ike_state      TEXT NOT NULL,
	child_state    TEXT NOT NULL,
	established_at INTEGER NOT NULL,
	bytes_in       INTEGER NOT NULL,
	bytes_out      INTEGER NOT NULL,
	packets_in     INTEGER NOT NULL,
	packets_out    INTEGER NOT NULL,
	last_error     TEXT NOT NULL,
	last_error_at  INTEGER NOT NULL,
	reported_at    INTEGER NOT NULL,
	ike_unique_id  TEXT NOT NULL,
	PRIMARY KEY (connection_id, tunnel_id)
);

CREATE TABLE vpn_connection_logs (
	log_id INTEGER PRIMARY KEY AUTOINCREMENT,
	connection_id TEXT NOT NULL,
	tunnel_id     TEXT NOT NULL,
	logged_at     INTEGER NOT NULL,
	line          TEXT NOT NULL
);
CREATE INDEX vpn_connection_logs_connection ON vpn_connection_logs (connection_id, logged_at, log_id);
CREATE INDEX vpn_connection_logs_id ON vpn_connection_logs (connection_id, log_id);
CREATE INDEX vpn_connection_logs_time ON vpn_connection_logs (logged_at);

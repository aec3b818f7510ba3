-- 0001: accounts, access keys, VPCs, vSwitches, gateways, customer gateways,
-- connections with tunnels, tags and ClientTokens. Times are Unix nanoseconds.
CREATE TABLE accounts (
	account_id TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE access_keys (
	access_key_id TEXT PRIMARY KEY,
	account_id    TEXT NOT NULL REFERENCES accounts (account_id),
	user_name     TEXT NOT NULL,
	status        TEXT NOT NULL,
	secret_sealed TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);
CREATE INDEX access_keys_owner ON access_keys (account_id, user_name, created_at);

CREATE TABLE vpcs (
	vpc_id      TEXT PRIMARY KEY,
	account_id  TEXT NOT NULL,
	region_id   TEXT NOT NULL,
	vpc_name    TEXT NOT NULL,
	description TEXT NOT NULL,
	cidr_block  TEXT NOT NULL,
	status      TEXT NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX vpcs_scope ON vpcs (account_id, region_id, created_at, vpc_id);

CREATE TABLE vswitches (
	vswitch_id   TEXT PRIMARY KEY,
	account_id   TEXT NOT NULL,
	region_id    TEXT NOT NULL,
	vpc_id       TEXT NOT NULL REFERENCES vpcs (vpc_id),
	zone_id      TEXT NOT NULL,
	cidr_block   TEXT NOT NULL,
	vswitch_name TEXT NOT NULL,
	description  TEXT NOT NULL,
	status       TEXT NOT NULL,
	created_at   INTEGER NOT NULL
);
CREATE INDEX vswitches_scope ON vswitches (account_id, region_id, created_at, vswitch_id);
CREATE INDEX vswitches_vpc ON vswitches (vpc_id);

CREATE TABLE vpn_gateways (
	gateway_id           TEXT PRIMARY KEY,
	account_id           TEXT NOT NULL,
	region_id            TEXT NOT NULL,
	vpc_id               TEXT NOT NULL UNIQUE REFERENCES vpcs (vpc_id),
	vswitch_id           TEXT NOT NULL,
	dr_vswitch_id        TEXT NOT NULL,
	name                 TEXT NOT NULL,
	description          TEXT NOT NULL,
	internet_ip          TEXT NOT NULL,
	dr_internet_ip       TEXT NOT NULL,
	bandwidth            INTEGER NOT NULL,
	enable_ipsec         INTEGER NOT NULL,
	enable_ssl           INTEGER NOT NULL,
	network_type         TEXT NOT NULL,
	vpn_type             TEXT NOT NULL,
	instance_charge_type TEXT NOT NULL,
	status               TEXT NOT NULL,
	business_status      TEXT NOT NULL,
	order_id             TEXT NOT NULL,
	created_at           INTEGER NOT NULL
);
CREATE INDEX vpn_gateways_scope ON vpn_gateways (account_id, region_id, created_at, gateway_id);
CREATE INDEX vpn_gateways_vswitch ON vpn_gateways (vswitch_id);
CREATE INDEX vpn_gateways_dr_vswitch ON vpn_gateways (dr_vswitch_id);

-- Every address handed out, once: the last line of defence of allocation.
CREATE TABLE gateway_addresses (
	address    TEXT PRIMARY KEY,
	gateway_id TEXT NOT NULL REFERENCES vpn_gateways (gateway_id)
);
CREATE INDEX gateway_addresses_gateway ON gateway_addresses (gateway_id);

CREATE TABLE customer_gateways (
	customer_gateway_id TEXT PRIMARY KEY,
	account_id          TEXT NOT NULL,
	region_id           TEXT NOT NULL,
	name                TEXT NOT NULL,
	description         TEXT NOT NULL,
	ip_address          TEXT NOT NULL,
	asn                 INTEGER NOT NULL,
	auth_key            TEXT NOT NULL,
	created_at          INTEGER NOT NULL,
	UNIQUE (account_id, region_id, ip_address)
);
CREATE INDEX customer_gateways_scope ON customer_gateways (account_id, region_id, created_at, customer_gateway_id);

-- Sub-configurations are JSON; the pre-shared key is never in them but sealed
-- in psk_sealed (additional data: the connection or tunnel id).
CREATE TABLE vpn_connections (
	connection_id        TEXT PRIMARY KEY,
	account_id           TEXT NOT NULL,
	region_id            TEXT NOT NULL,
	gateway_id           TEXT NOT NULL REFERENCES vpn_gateways (gateway_id),
	customer_gateway_id  TEXT NOT NULL,
	name                 TEXT NOT NULL,
	local_subnet         TEXT NOT NULL,
	remote_subnet        TEXT NOT NULL,
	effect_immediately   INTEGER NOT NULL,
	enable_dpd           INTEGER NOT NULL,
	enable_nat_traversal INTEGER NOT NULL,
	auto_config_route    INTEGER NOT NULL,
	enable_tunnels_bgp   INTEGER NOT NULL,
	ike_config           TEXT NOT NULL,
	psk_sealed           TEXT NOT NULL,
	ipsec_config         TEXT NOT NULL,
	bgp_config           TEXT NOT NULL,
	health_check         TEXT NOT NULL,
	status               TEXT NOT NULL,
	state                TEXT NOT NULL,
	client_token         TEXT NOT NULL,
	created_at           INTEGER NOT NULL,
	version              INTEGER NOT NULL
);
CREATE INDEX vpn_connections_scope ON vpn_connections (account_id, region_id, created_at, connection_id);
CREATE INDEX vpn_connections_gateway ON vpn_connections (gateway_id);

CREATE TABLE vpn_tunnels (
	tunnel_id            TEXT PRIMARY KEY,
	connection_id        TEXT NOT NULL REFERENCES vpn_connections (connection_id),
	position             INTEGER NOT NULL,
	role                 TEXT NOT NULL,
	customer_gateway_id  TEXT NOT NULL,
	enable_dpd           INTEGER NOT NULL,
	enable_nat_traversal INTEGER NOT NULL,
	ike_config           TEXT NOT NULL,
	psk_sealed           TEXT NOT NULL,
	ipsec_config         TEXT NOT NULL,
	bgp_config           TEXT NOT NULL,
	status               TEXT NOT NULL,
	state                TEXT NOT NULL,
	UNIQUE (connection_id, position)
);

-- One connection per (gateway, customer gateway) pair.
CREATE TABLE connection_pairs (
	gateway_id          TEXT NOT NULL REFERENCES vpn_gateways (gateway_id),
	customer_gateway_id TEXT NOT NULL REFERENCES customer_gateways (customer_gateway_id),
	connection_id       TEXT NOT NULL REFERENCES vpn_connections (connection_id),
	PRIMARY KEY (gateway_id, customer_gateway_id)
);
CREATE INDEX connection_pairs_connection ON connection_pairs (connection_id);
CREATE INDEX connection_pairs_customer_gateway ON connection_pairs (customer_gateway_id);

CREATE TABLE tags (
	resource_id TEXT NOT NULL,
	position    INTEGER NOT NULL,
	tag_key     TEXT NOT NULL,
	tag_value   TEXT NOT NULL,
	PRIMARY KEY (resource_id, position)
);

CREATE TABLE client_tokens (
	account_id   TEXT NOT NULL,
	action       TEXT NOT NULL,
	token        TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	resource_id  TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (account_id, action, token)
);

-- 0007: destination-based (dbr) and policy-based (pbr) routes of VPN
-- gateways. next_hop is an IPsec connection of the gateway; route_source is
-- '' for destination-based routes.
CREATE TABLE vpn_route_entries (
	gateway_id   TEXT NOT NULL REFERENCES vpn_gateways (gateway_id),
	route_type   TEXT NOT NULL,
	route_source TEXT NOT NULL,
	route_dest   TEXT NOT NULL,
	next_hop     TEXT NOT NULL REFERENCES vpn_connections (connection_id),
	account_id   TEXT NOT NULL,
	region_id    TEXT NOT NULL,
	weight       BIGINT NOT NULL,
	priority     BIGINT NOT NULL,
	published    BOOLEAN NOT NULL,
	description  TEXT NOT NULL,
	created_at   BIGINT NOT NULL,
	PRIMARY KEY (gateway_id, route_type, route_source, route_dest, next_hop)
);
CREATE INDEX vpn_route_entries_next_hop ON vpn_route_entries (next_hop);

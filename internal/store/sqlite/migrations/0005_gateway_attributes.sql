-- 0005: a VPN gateway's AutoPropagate flag and its SSL-VPN connection count
-- (CreateVpnGateway's SslConnections: 5 for gateways created with SSL-VPN
-- before it was stored, 0 without SSL-VPN).
ALTER TABLE vpn_gateways ADD COLUMN auto_propagate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE vpn_gateways ADD COLUMN ssl_connections INTEGER NOT NULL DEFAULT 0;
UPDATE vpn_gateways SET ssl_connections = 5 WHERE enable_ssl;

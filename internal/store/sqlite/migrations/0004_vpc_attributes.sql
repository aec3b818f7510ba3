-- 0004: every VPC gets its vRouter and System route table ids (existing VPCs
-- get ids derived from their own: vpc-X -> vrt-X, vtb-X), and every resource
-- a resource group ('' = the account's default group, whose id the server
-- derives from the account id).
ALTER TABLE vpcs ADD COLUMN vrouter_id TEXT NOT NULL DEFAULT '';
ALTER TABLE vpcs ADD COLUMN route_table_id TEXT NOT NULL DEFAULT '';
UPDATE vpcs SET vrouter_id = 'vrt-' || substr(vpc_id, 5), route_table_id = 'vtb-' || substr(vpc_id, 5);
CREATE UNIQUE INDEX vpcs_route_table ON vpcs (route_table_id);
CREATE UNIQUE INDEX vpcs_vrouter ON vpcs (vrouter_id);

ALTER TABLE vpcs ADD COLUMN resource_group_id TEXT NOT NULL DEFAULT '';
ALTER TABLE vswitches ADD COLUMN resource_group_id TEXT NOT NULL DEFAULT '';
ALTER TABLE vpn_gateways ADD COLUMN resource_group_id TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_gateways ADD COLUMN resource_group_id TEXT NOT NULL DEFAULT '';
ALTER TABLE vpn_connections ADD COLUMN resource_group_id TEXT NOT NULL DEFAULT '';

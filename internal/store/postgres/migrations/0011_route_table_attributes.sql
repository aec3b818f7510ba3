-- 0011: a VPC's System route table has a name and a description
-- (ModifyRouteTableAttributes), '' until set.
ALTER TABLE vpcs ADD COLUMN route_table_name TEXT NOT NULL DEFAULT '';
ALTER TABLE vpcs ADD COLUMN route_table_description TEXT NOT NULL DEFAULT '';

-- 0003: RAM users, custom policies with their versions, roles, and the
-- policies attached to users and roles. Times are Unix nanoseconds.
CREATE TABLE ram_users (
	account_id   TEXT NOT NULL REFERENCES accounts (account_id),
	user_name    TEXT NOT NULL,
	user_id      TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	email        TEXT NOT NULL,
	mobile_phone TEXT NOT NULL,
	comments     TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	PRIMARY KEY (account_id, user_name)
);

CREATE TABLE ram_policies (
	account_id      TEXT NOT NULL REFERENCES accounts (account_id),
	policy_name     TEXT NOT NULL,
	description     TEXT NOT NULL,
	default_version TEXT NOT NULL,
	last_version    INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	PRIMARY KEY (account_id, policy_name)
);

CREATE TABLE ram_policy_versions (
	account_id  TEXT NOT NULL,
	policy_name TEXT NOT NULL,
	version_num INTEGER NOT NULL,
	document    TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (account_id, policy_name, version_num),
	FOREIGN KEY (account_id, policy_name) REFERENCES ram_policies (account_id, policy_name)
);

-- role_key is the lower-case role name: role names are unique ignoring case.
CREATE TABLE ram_roles (
	account_id           TEXT NOT NULL REFERENCES accounts (account_id),
	role_key             TEXT NOT NULL,
	role_name            TEXT NOT NULL,
	role_id              TEXT NOT NULL UNIQUE,
	description          TEXT NOT NULL,
	trust_document       TEXT NOT NULL,
	max_session_duration INTEGER NOT NULL,
	created_at           INTEGER NOT NULL,
	updated_at           INTEGER NOT NULL,
	PRIMARY KEY (account_id, role_key)
);

-- principal_name is the user name, or the role_key of a role.
CREATE TABLE ram_attachments (
	account_id     TEXT NOT NULL,
	principal_type TEXT NOT NULL,
	principal_name TEXT NOT NULL,
	policy_type    TEXT NOT NULL,
	policy_name    TEXT NOT NULL,
	attached_at    INTEGER NOT NULL,
	PRIMARY KEY (account_id, principal_type, principal_name, policy_type, policy_name)
);
CREATE INDEX ram_attachments_policy ON ram_attachments (account_id, policy_type, policy_name);

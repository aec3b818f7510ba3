-- 0002: signature nonces shared by all servers on the database.
CREATE TABLE nonces (
	nonce_key  TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL
);
CREATE INDEX nonces_expires ON nonces (expires_at);

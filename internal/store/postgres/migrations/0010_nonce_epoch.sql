-- 0010: the nonce store's epoch (claims.go). Nonce claims are committed
-- asynchronously (synchronous_commit = off on the claiming connections): a
-- crash of PostgreSQL may forget the last claims. This table is UNLOGGED, so
-- PostgreSQL empties it in every crash recovery (and it is empty on a promoted
-- replica); the first claim after that writes the time it found it empty, and
-- requests signed before that time are refused, whatever claims were lost.
CREATE UNLOGGED TABLE nonce_epoch (
	id SMALLINT PRIMARY KEY,
	started_at BIGINT NOT NULL
);

-- 0012: nonces are claimed by a digest of their key (claims.go: the first 16
-- bytes of the key's SHA-256, as a UUID) instead of the key's hex text (106
-- characters for a V1 request). Every request inserts one row at a random
-- place of the primary key's index; with 16-byte keys that index is about a
-- fifth of the size, so much more of it stays in PostgreSQL's buffers, and
-- comparisons are memcmp instead of text collation. The claims recorded so far
-- are carried over (the same digest of the same key), so a nonce used before
-- the upgrade is still refused after it. Nodes still running an older binary
-- fail their claims from here on (the nonces table is gone): they answer
-- errors, never a replay, until they are replaced (DEPLOYMENT.md). The lock
-- makes their claims wait for the copy (none is left behind) and then fail.
LOCK TABLE nonces IN ACCESS EXCLUSIVE MODE;
CREATE TABLE nonce_digests (
	digest     UUID PRIMARY KEY,
	expires_at BIGINT NOT NULL
);
INSERT INTO nonce_digests (digest, expires_at)
	SELECT encode(substring(sha256(decode(nonce_key, 'hex')) FROM 1 FOR 16), 'hex')::uuid, expires_at FROM nonces
	ON CONFLICT (digest) DO UPDATE SET expires_at = GREATEST(nonce_digests.expires_at, excluded.expires_at);
CREATE INDEX nonce_digests_expires ON nonce_digests (expires_at);
DROP TABLE nonces;

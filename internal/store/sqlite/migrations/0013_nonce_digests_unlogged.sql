-- 0013: PostgreSQL only (its nonce_digests table becomes UNLOGGED); a single
-- SQLite node keeps its nonces in memory. Nothing to do here.
SELECT 1;

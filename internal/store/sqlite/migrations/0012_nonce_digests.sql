-- 0012: PostgreSQL only (nonces claimed by a digest of their key); a single
-- SQLite node keeps its nonces in memory. Nothing to do here.
SELECT 1;

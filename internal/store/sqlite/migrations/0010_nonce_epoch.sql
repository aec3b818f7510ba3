-- 0010: PostgreSQL only (nonce_epoch, for nonce claims committed
-- asynchronously); a single SQLite node keeps its nonces in memory and refuses
-- requests signed before it started. Nothing to do here.
SELECT 1;

-- 0009: revoked console sessions (internal/web). Signing out of the web
-- console records the session's id here until the session would have
-- expired; every console request of any server checks it, so a copy of the
-- cookie taken before sign-out is refused. Rows past expires_at (Unix
-- nanoseconds) are purged.
CREATE TABLE console_revocations (
	session_id TEXT PRIMARY KEY,
	expires_at BIGINT NOT NULL
);
CREATE INDEX console_revocations_expires ON console_revocations (expires_at);

-- 0008: cache generations (internal/cachegen). Every write that can change
-- what a server caches (credentials and policies, download answers) raises
-- its account's counter of that class in the same transaction; servers
-- compare the counters with those their cached entries were filled under.
-- A class's counter is the sum over its shards (rows), so that unrelated
-- writes of one account do not all update the same row.
CREATE TABLE cache_generations (
	account_id TEXT NOT NULL,
	class      INTEGER NOT NULL,
	shard      INTEGER NOT NULL,
	generation BIGINT NOT NULL,
	PRIMARY KEY (account_id, class, shard)
);

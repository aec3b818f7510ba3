-- 0013: nonce_digests becomes UNLOGGED. Every signed request inserts a row at
-- a random place of its primary key's index; logged, each of those writes
-- went to the WAL, and the first write to a page after each checkpoint wrote
-- the whole page there. The claims are already guarded by the UNLOGGED
-- nonce_epoch (0010): a crash recovery, which now empties this table too,
-- empties the epoch as well, and every node then refuses the requests signed
-- before the new epoch, whose claims are gone either way. A clean shutdown
-- keeps the table; a promoted replica starts with both tables empty, as it
-- already started with an empty epoch. The claims recorded so far are carried
-- over, and the table keeps its name, columns and indexes, so nodes still
-- running the previous binary keep claiming through it (their claims wait for
-- the copy, under the lock).
LOCK TABLE nonce_digests IN ACCESS EXCLUSIVE MODE;
CREATE UNLOGGED TABLE nonce_digests_new (
	digest     UUID NOT NULL,
	expires_at BIGINT NOT NULL,
	CONSTRAINT nonce_digests_new_pkey PRIMARY KEY (digest)
);
INSERT INTO nonce_digests_new (digest, expires_at) SELECT digest, expires_at FROM nonce_digests;
DROP TABLE nonce_digests;
ALTER TABLE nonce_digests_new RENAME TO nonce_digests;
ALTER INDEX nonce_digests_new_pkey RENAME TO nonce_digests_pkey;
CREATE INDEX nonce_digests_expires ON nonce_digests (expires_at);

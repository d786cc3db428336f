-- 0011_audit_index: the audit log's two indexes become tables that the
-- store fills a batch at a time.
--
-- An index is written with its table, so each of the two cost every
-- commit that appended an entry one more page in the WAL, written and
-- synced with it: with the head and the log's own page, four pages for a
-- write that itself touches a few — a sixth of SQLite's write throughput.
-- The tables below hold the same keys, (unit_id, actor_id, seq) and
-- (record_type, record_id, seq), but are written only once the log has
-- grown by a batch of entries since they were last written (the store's
-- auditIndexBatch), in the transaction that makes it so, for the whole
-- batch in key order: each page they touch is written once a batch, not
-- once a commit.
--
-- audit_head.indexed is the newest entry they hold. A reader uses them for
-- the entries up to it and reads the newer ones, at most a batch, from the
-- log itself (sqlstore's FindAuditEntries). Both are derived from the log:
-- the chain and the head, which audit verify checks, are as they were.
CREATE TABLE audit_unit_index (
	unit_id  INTEGER NOT NULL,
	actor_id INTEGER NOT NULL,
	seq      INTEGER NOT NULL,
	PRIMARY KEY (unit_id, actor_id, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE audit_record_index (
	record_type TEXT NOT NULL,
	record_id   INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	PRIMARY KEY (record_type, record_id, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO audit_unit_index (unit_id, actor_id, seq)
	SELECT unit_id, actor_id, seq FROM audit_log ORDER BY unit_id, actor_id, seq;
INSERT INTO audit_record_index (record_type, record_id, seq)
	SELECT record_type, record_id, seq FROM audit_log ORDER BY record_type, record_id, seq;
ALTER TABLE audit_head ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;
UPDATE audit_head SET indexed = (SELECT COALESCE(MAX(seq), 0) FROM audit_log) WHERE id = 1;
DROP INDEX audit_log_unit_actor;
DROP INDEX audit_log_record;

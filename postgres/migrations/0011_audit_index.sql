-- 0011_audit_index: on SQLite, the audit log's two indexes become tables
-- that the store fills a batch at a time, since each index cost every
-- commit a page of its own in the WAL (see SQLite's 0011). PostgreSQL logs
-- an index insert as a small record rather than a page, and keeps its
-- indexes: nothing changes here.
SELECT 1;

-- 0001_platform: the records the whole platform stands on — the unit tree,
-- users and their sessions and API tokens, and the hash-chained audit log.
--
-- Why it looks like this:
-- * Tables are STRICT so that SQLite refuses a value of the wrong type, as
--   PostgreSQL does; times are TEXT in UTC, fixed width with microseconds
--   (2006-01-02T15:04:05.000000Z), so that text order is time order.
-- * IDs are AUTOINCREMENT: they are never reused, because unit paths embed
--   them and the audit log names records long after they are gone.
-- * A unit's path is its materialized path ("/1/4/9/"). It holds the unit's
--   own ID, so it is written just after the insert, in the same transaction;
--   hence it may be NULL for that moment. The unique index on it answers a
--   subtree as one range: path >= '/1/4/' AND path < '/1/40'.

CREATE TABLE units (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	parent_id INTEGER REFERENCES units (id),
	name_en   TEXT NOT NULL DEFAULT '',
	name_ko   TEXT NOT NULL DEFAULT '',
	name_zh   TEXT NOT NULL DEFAULT '',
	time_zone TEXT NOT NULL,
	path      TEXT,
	depth     INTEGER NOT NULL CHECK (depth >= 0),
	created   TEXT NOT NULL,
	updated   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX units_path ON units (path);
CREATE INDEX units_parent_id ON units (parent_id);

-- The five roles are the domain's (kinbridge.Roles); the check keeps a
-- mistyped role out even when the data comes from outside the service.
CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	role          TEXT NOT NULL CHECK (role IN ('administrator', 'supervisor', 'officer', 'call_coordinator', 'viewer')),
	unit_id       INTEGER NOT NULL REFERENCES units (id),
	password_hash TEXT NOT NULL,
	lang          TEXT NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	created       TEXT NOT NULL,
	updated       TEXT NOT NULL
) STRICT;
CREATE INDEX users_unit_id ON users (unit_id);

-- Only the SHA-256 of a session token is kept: a copy of the database opens
-- no session. Deleting a user ends their sessions.
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created    TEXT NOT NULL,
	last_seen  TEXT NOT NULL,
	addr       TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE api_tokens (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name      TEXT NOT NULL,
	hash      TEXT NOT NULL UNIQUE,
	created   TEXT NOT NULL,
	last_used TEXT,
	revoked   TEXT
) STRICT;
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

-- The audit log has no foreign keys on purpose: it outlives the records it
-- names. seq is given by the service (head + 1), never by the database, since
-- it is part of each entry's hash. detail is the exact JSON text that was
-- hashed. at never goes back as seq goes on: the service stamps no entry
-- earlier than the one before it.
--
-- Each index costs every audited write one more page in the WAL, written
-- and synced at commit, so there are two, for what readers ask: the entries
-- of a unit — the scope of every supervisor's view — and of an actor among
-- them (unit_id, actor_id); the entries of a record, "who saw this person"
-- (record_type, record_id). A time range needs none: since at follows seq,
-- it is a range of seq, which a binary search on the primary key finds. An
-- actor's entries across the whole tree are read newest first, as those of
-- an actor name are.
CREATE TABLE audit_log (
	seq         INTEGER PRIMARY KEY,
	at          TEXT NOT NULL,
	actor_id    INTEGER NOT NULL DEFAULT 0,
	actor_name  TEXT NOT NULL DEFAULT '',
	unit_id     INTEGER NOT NULL DEFAULT 0,
	action      TEXT NOT NULL,
	record_type TEXT NOT NULL DEFAULT '',
	record_id   INTEGER NOT NULL DEFAULT 0,
	addr        TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT '{}',
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_unit_actor ON audit_log (unit_id, actor_id);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id);

-- The head names the newest entry. Without it, deleting the newest entries
-- (or appending forged ones) would leave a chain that still verifies; with
-- it, the verifier sees that the log and its head disagree. An append moves
-- the head only from the entry's predecessor (its seq and hash): that is how
-- a writer that built on a stale head finds out. at is the newest entry's
-- time (NULL while the log is empty), for the next append to stamp no
-- earlier. The row exists from the start, so that there is always a head to
-- move.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL,
	at   TEXT
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

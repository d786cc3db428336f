-- 0004_welfare: welfare visits, visit plans and case officers; problems with
-- their history and escalations; users' notifications, e-mail addresses and
-- the outbox of mail.
--
-- Why it looks like this:
-- * Scope is a unit's path range, as in 0002: the store selects the scope's
--   units with "unit_id IN (SELECT id FROM units WHERE path >= ? AND path
--   < ?)", and every index below that serves a scope starts with a unit id.
-- * household_last_visit holds each household's latest visit, moved forward
--   by every visit recorded (never back, for a visit written down late), so
--   that the due visits are computed from one row per household instead of
--   from the whole history of visits.
-- * A problem's status, priority, referral and closing are tied together by
--   CHECKs: a referred problem names the unit it waits for and nothing else
--   does; a problem is closed (closed_at) exactly when it is resolved or
--   given up. version counts changes: the store writes a problem only over
--   the version it read (optimistic locking).
-- * The indexes over active problems are partial (WHERE status IN the three
--   active statuses): closed problems pile up for ever, and the queues,
--   "my work", the dashboards and the escalation job look at active ones
--   only. The store writes that condition with the very same text, which is
--   how SQLite knows to use a partial index.
-- * problem_escalations is unique by (problem_id, level) among the open
--   ones: the database, not only the job, makes sure a problem reaches each
--   level once, however many job runners race. notifications are unique by (user_id, key) and
--   outbox_mail by key for the same reason: a job that runs twice, or after
--   a crash, notifies and mails once.
-- * problem_events is the problem's history: append-only, enforced by
--   triggers, as status_events are.

CREATE TABLE visits (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	household_id INTEGER NOT NULL REFERENCES households (id),
	unit_id      INTEGER NOT NULL REFERENCES units (id),
	at           TEXT NOT NULL,
	purpose      TEXT NOT NULL DEFAULT '',
	notes        TEXT NOT NULL DEFAULT '',
	-- NULL for the command line.
	recorded_by  INTEGER REFERENCES users (id),
	created      TEXT NOT NULL
) STRICT;
CREATE INDEX visits_household_at ON visits (household_id, at);
CREATE INDEX visits_unit_at ON visits (unit_id, at);

CREATE TABLE visit_officers (
	visit_id INTEGER NOT NULL REFERENCES visits (id),
	user_id  INTEGER NOT NULL REFERENCES users (id),
	PRIMARY KEY (visit_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX visit_officers_user ON visit_officers (user_id, visit_id);

CREATE TABLE visit_persons (
	visit_id  INTEGER NOT NULL REFERENCES visits (id),
	person_id INTEGER NOT NULL REFERENCES persons (id),
	PRIMARY KEY (visit_id, person_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE household_last_visit (
	household_id INTEGER PRIMARY KEY REFERENCES households (id),
	at           TEXT NOT NULL
) STRICT;

CREATE TABLE visit_plans (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	unit_id      INTEGER NOT NULL REFERENCES units (id),
	programme_id INTEGER NOT NULL REFERENCES programmes (id),
	every_days   INTEGER NOT NULL CHECK (every_days BETWEEN 1 AND 366),
	active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created      TEXT NOT NULL,
	updated      TEXT NOT NULL,
	UNIQUE (unit_id, programme_id)
) STRICT;

-- A household has at most one case officer.
CREATE TABLE household_officers (
	household_id INTEGER PRIMARY KEY REFERENCES households (id),
	user_id      INTEGER NOT NULL REFERENCES users (id)
) STRICT;
CREATE INDEX household_officers_user ON household_officers (user_id);

CREATE TABLE problems (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	household_id       INTEGER NOT NULL REFERENCES households (id),
	person_id          INTEGER REFERENCES persons (id),
	programme_id       INTEGER REFERENCES programmes (id),
	visit_id           INTEGER REFERENCES visits (id),
	unit_id            INTEGER NOT NULL REFERENCES units (id),
	category           TEXT NOT NULL CHECK (category <> ''),
	description        TEXT NOT NULL,
	priority           TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
	status             TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'referred', 'resolved', 'cannot_resolve')),
	assignee_id        INTEGER REFERENCES users (id),
	due_at             TEXT NOT NULL,
	referral_unit_id   INTEGER REFERENCES units (id),
	referral_from      TEXT NOT NULL DEFAULT '' CHECK (referral_from IN ('', 'open', 'in_progress')),
	reason             TEXT NOT NULL DEFAULT '',
	escalation_level   INTEGER NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
	next_escalation_at TEXT,
	closed_at          TEXT,
	created            TEXT NOT NULL,
	updated            TEXT NOT NULL,
	version            INTEGER NOT NULL CHECK (version >= 1),
	CHECK ((status = 'referred') = (referral_unit_id IS NOT NULL)),
	CHECK ((status = 'referred') = (referral_from <> '')),
	CHECK ((status IN ('resolved', 'cannot_resolve')) = (closed_at IS NOT NULL)),
	CHECK (status IN ('open', 'in_progress', 'referred') OR next_escalation_at IS NULL)
) STRICT;
-- A unit's queue and dashboard: its active problems by due date.
CREATE INDEX problems_unit_active ON problems (unit_id, due_at, category, status, escalation_level)
	WHERE status IN ('open', 'in_progress', 'referred');
-- Every problem of a unit, for lists of closed ones.
CREATE INDEX problems_unit ON problems (unit_id, status);
-- A unit's incoming referrals.
CREATE INDEX problems_referral ON problems (referral_unit_id, status) WHERE referral_unit_id IS NOT NULL;
-- "My work" and the digest.
CREATE INDEX problems_assignee_active ON problems (assignee_id, due_at)
	WHERE status IN ('open', 'in_progress', 'referred');
CREATE INDEX problems_household ON problems (household_id);
-- The escalation job: only problems that will escalate have a time.
CREATE INDEX problems_next_escalation ON problems (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
-- The dashboard's resolutions of the week and of 90 days.
CREATE INDEX problems_closed ON problems (unit_id, closed_at, status, category, created) WHERE closed_at IS NOT NULL;
-- The dashboard of a large subtree (a region's, the whole tree's), which
-- counts most active problems: read in the order of its GROUP BY, so that
-- SQLite aggregates as it scans instead of sorting them all first; and
-- the resolutions in the order of their time to resolve, so that the
-- median is read off half-way instead of sorting them. PostgreSQL hashes
-- and sorts fast enough to need neither (its migration has no such
-- indexes). The store picks them (INDEXED BY) only for scopes of many
-- units: for an office, the unit's own range of problems_unit_active and
-- problems_closed is far smaller.
CREATE INDEX problems_active_category ON problems (category, status, unit_id, due_at, escalation_level)
	WHERE status IN ('open', 'in_progress', 'referred');
CREATE INDEX problems_resolve_days ON problems (julianday(closed_at) - julianday(created), closed_at, unit_id)
	WHERE status = 'resolved';

-- actor_id is NULL for the system (the jobs, the command line); unit_id is
-- the other unit of a referral, or the unit an escalation reached.
CREATE TABLE problem_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	problem_id  INTEGER NOT NULL REFERENCES problems (id),
	at          TEXT NOT NULL,
	actor_id    INTEGER REFERENCES users (id),
	actor_name  TEXT NOT NULL DEFAULT '',
	kind        TEXT NOT NULL CHECK (kind IN ('created', 'escalated', 'start', 'resolve', 'give_up', 'reopen', 'assign',
		'comment', 'refer', 'accept', 'send_back')),
	from_status TEXT NOT NULL DEFAULT '' CHECK (from_status IN ('', 'open', 'in_progress', 'referred', 'resolved', 'cannot_resolve')),
	to_status   TEXT NOT NULL CHECK (to_status IN ('open', 'in_progress', 'referred', 'resolved', 'cannot_resolve')),
	unit_id     INTEGER REFERENCES units (id),
	assignee_id INTEGER REFERENCES users (id),
	note        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX problem_events_problem ON problem_events (problem_id, id);

CREATE TRIGGER problem_events_no_update BEFORE UPDATE ON problem_events
BEGIN
	SELECT RAISE(ABORT, 'problem events are append-only');
END;
CREATE TRIGGER problem_events_no_delete BEFORE DELETE ON problem_events
BEGIN
	SELECT RAISE(ABORT, 'problem events are append-only');
END;

CREATE TABLE problem_escalations (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	problem_id INTEGER NOT NULL REFERENCES problems (id),
	level      INTEGER NOT NULL CHECK (level >= 1),
	unit_id    INTEGER NOT NULL REFERENCES units (id),
	at         TEXT NOT NULL,
	cleared_at TEXT
) STRICT;
-- A problem reaches each level once while its escalations are open: the
-- key is unique among the open ones. Reopening a problem, or another unit
-- accepting it, clears them and starts the count again, so that the new
-- deadline can escalate in its turn; the cleared rows stay as history.
CREATE UNIQUE INDEX problem_escalations_level ON problem_escalations (problem_id, level) WHERE cleared_at IS NULL;
CREATE INDEX problem_escalations_problem ON problem_escalations (problem_id, level);
-- A unit's open escalations, oldest first.
CREATE INDEX problem_escalations_open ON problem_escalations (unit_id, at) WHERE cleared_at IS NULL;

-- args is a JSON object of strings.
CREATE TABLE notifications (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	kind       TEXT NOT NULL CHECK (kind IN ('assigned', 'referred', 'referral_accepted', 'referral_returned', 'escalated', 'digest')),
	key        TEXT NOT NULL,
	problem_id INTEGER REFERENCES problems (id),
	text       TEXT NOT NULL,
	args       TEXT NOT NULL DEFAULT '{}',
	created    TEXT NOT NULL,
	read_at    TEXT,
	UNIQUE (user_id, key)
) STRICT;
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE read_at IS NULL;

CREATE TABLE user_emails (
	user_id INTEGER PRIMARY KEY REFERENCES users (id),
	email   TEXT NOT NULL CHECK (email <> '')
) STRICT;

CREATE TABLE outbox_mail (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	key        TEXT NOT NULL UNIQUE,
	to_addr    TEXT NOT NULL,
	subject    TEXT NOT NULL,
	body       TEXT NOT NULL,
	created    TEXT NOT NULL,
	claimed_at TEXT,
	sent_at    TEXT,
	error      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX outbox_mail_unclaimed ON outbox_mail (id) WHERE claimed_at IS NULL;

-- 0006_calls: family calls — offices' hours and call rooms, duty rosters
-- with their exceptions and the officers' home-call areas, households' call
-- settings, calls and the claims that keep them from clashing, weekly plans
-- and calendar feed tokens; the calls held in directive evidence.
--
-- Why it looks like this:
-- * call_claims is what keeps two calls from using the same officer, room,
--   household day or quota seat, under any number of concurrent bookings:
--   a booked call holds one row per thing it uses (kinbridge.CallClaimKeys)
--   and its key is the primary key, so the database refuses the second
--   claim whatever the code did before. The store claims with INSERT … ON
--   CONFLICT DO NOTHING and compares what came back, so that a taken key is
--   an answer, not an error that would abort a PostgreSQL transaction.
--   Cancelling a call deletes its claims (the call stays, as history);
--   deleting a call deletes them too (ON DELETE CASCADE).
-- * A retried booking is recognised by (created_by, idempotency_key), unique
--   among the calls that have a key (a partial index: most have none).
-- * Calls are read by office, household, officer (day sheets, timelines,
--   the week view, the feed) and plan, each by start: an index each.
-- * Household settings keep their lists (windows, preferred times, places,
--   relatives) as JSON: they are read and written whole, with the household,
--   and never searched by their content.
-- * A roster exception's officer_id is 0 for the whole office (a holiday),
--   not NULL, so that the unique index also refuses a second holiday of the
--   same office, day and half (NULLs would all be distinct); it has no
--   foreign key for that reason.
-- * Call rooms are never deleted, only made inactive: calls refer to them.
-- * The notifications of calls cancelled with their office's calls are two new
--   kinds.
-- * calls_held is the directive evidence's new count, in the reports and in
--   the roll-up counters like the others.

CREATE TABLE call_offices (
	unit_id         INTEGER PRIMARY KEY REFERENCES units (id),
	morning_start   INTEGER NOT NULL CHECK (morning_start BETWEEN 0 AND 1440),
	morning_end     INTEGER NOT NULL CHECK (morning_end BETWEEN 0 AND 1440),
	afternoon_start INTEGER NOT NULL CHECK (afternoon_start BETWEEN 0 AND 1440),
	afternoon_end   INTEGER NOT NULL CHECK (afternoon_end BETWEEN 0 AND 1440),
	updated         TEXT NOT NULL
) STRICT;

CREATE TABLE call_rooms (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	unit_id INTEGER NOT NULL REFERENCES call_offices (unit_id),
	name    TEXT NOT NULL CHECK (name <> ''),
	active  INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	UNIQUE (unit_id, name)
) STRICT;

-- One template row per officer, weekday and half-day.
CREATE TABLE call_roster (
	officer_id INTEGER NOT NULL REFERENCES users (id),
	unit_id    INTEGER NOT NULL REFERENCES units (id),
	weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
	half       INTEGER NOT NULL CHECK (half IN (0, 1)),
	kind       TEXT NOT NULL CHECK (kind IN ('office', 'home', 'off')),
	PRIMARY KEY (officer_id, weekday, half)
) STRICT, WITHOUT ROWID;
CREATE INDEX call_roster_unit ON call_roster (unit_id, officer_id);

CREATE TABLE call_roster_exceptions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	unit_id    INTEGER NOT NULL REFERENCES units (id),
	-- 0: every officer of the office.
	officer_id INTEGER NOT NULL DEFAULT 0,
	day        TEXT NOT NULL CHECK (length(day) = 10),
	half       INTEGER NOT NULL CHECK (half IN (0, 1)),
	kind       TEXT NOT NULL CHECK (kind IN ('office', 'home', 'off')),
	reason     TEXT NOT NULL DEFAULT '',
	created_by INTEGER REFERENCES users (id),
	created    TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX call_roster_exceptions_key ON call_roster_exceptions (unit_id, officer_id, day, half);
CREATE INDEX call_roster_exceptions_day ON call_roster_exceptions (unit_id, day);

CREATE TABLE call_officer_areas (
	user_id INTEGER PRIMARY KEY REFERENCES users (id),
	area    TEXT NOT NULL CHECK (area <> '')
) STRICT;

CREATE TABLE household_call_settings (
	household_id INTEGER PRIMARY KEY REFERENCES households (id),
	programme_id INTEGER REFERENCES programmes (id),
	area         TEXT NOT NULL DEFAULT '',
	places       TEXT NOT NULL DEFAULT '[]',
	windows      TEXT NOT NULL DEFAULT '[]',
	preferred    TEXT NOT NULL DEFAULT '[]',
	relative_ids TEXT NOT NULL DEFAULT '[]',
	updated      TEXT NOT NULL
) STRICT;

CREATE TABLE call_plans (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	unit_id    INTEGER NOT NULL REFERENCES units (id),
	week_start TEXT NOT NULL CHECK (length(week_start) = 10),
	status     TEXT NOT NULL CHECK (status IN ('draft', 'booked', 'dropped')),
	instance   TEXT NOT NULL DEFAULT '{}',
	result     TEXT NOT NULL DEFAULT '{}',
	summary    TEXT NOT NULL DEFAULT '{}',
	created_by INTEGER REFERENCES users (id),
	created    TEXT NOT NULL,
	booked_at  TEXT
) STRICT;
CREATE INDEX call_plans_unit ON call_plans (unit_id, id);

CREATE TABLE calls (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	household_id    INTEGER NOT NULL REFERENCES households (id),
	unit_id         INTEGER NOT NULL REFERENCES units (id),
	-- NULL only for a home call of a policy without supervision.
	officer_id      INTEGER REFERENCES users (id),
	room_id         INTEGER REFERENCES call_rooms (id),
	place           TEXT NOT NULL CHECK (place IN ('office', 'home')),
	start_at        TEXT NOT NULL,
	end_at          TEXT NOT NULL,
	block_end_at    TEXT NOT NULL,
	week            TEXT NOT NULL,
	day             TEXT NOT NULL CHECK (length(day) = 10),
	relative_ids    TEXT NOT NULL DEFAULT '[]',
	status          TEXT NOT NULL CHECK (status IN ('booked', 'held', 'no_show', 'officer_missing', 'cancelled')),
	note            TEXT NOT NULL DEFAULT '',
	reason          TEXT NOT NULL DEFAULT '',
	plan_id         INTEGER REFERENCES call_plans (id),
	idempotency_key TEXT NOT NULL DEFAULT '',
	sequence        INTEGER NOT NULL DEFAULT 0,
	version         INTEGER NOT NULL CHECK (version >= 1),
	created_by      INTEGER REFERENCES users (id),
	created         TEXT NOT NULL,
	updated         TEXT NOT NULL,
	CHECK (end_at > start_at AND block_end_at >= end_at),
	CHECK ((place = 'office') = (room_id IS NOT NULL))
) STRICT;
CREATE INDEX calls_unit_start ON calls (unit_id, start_at);
CREATE INDEX calls_household_start ON calls (household_id, start_at);
CREATE INDEX calls_officer_start ON calls (officer_id, start_at) WHERE officer_id IS NOT NULL;
CREATE INDEX calls_plan ON calls (plan_id) WHERE plan_id IS NOT NULL;
CREATE UNIQUE INDEX calls_idempotency ON calls (created_by, idempotency_key) WHERE idempotency_key <> '';

CREATE TABLE call_claims (
	key     TEXT PRIMARY KEY,
	call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX call_claims_call ON call_claims (call_id);

CREATE TABLE calendar_tokens (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users (id),
	hash    TEXT NOT NULL UNIQUE,
	created TEXT NOT NULL,
	revoked TEXT
) STRICT;
CREATE INDEX calendar_tokens_user ON calendar_tokens (user_id, id);

ALTER TABLE reports ADD COLUMN calls_held INTEGER NOT NULL DEFAULT 0;
ALTER TABLE directive_counts ADD COLUMN calls_held INTEGER NOT NULL DEFAULT 0;

-- The calls' notification kinds: the table built again with the wider
-- CHECK, as 0005 did.
CREATE TABLE notifications_new (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	kind       TEXT NOT NULL CHECK (kind IN ('assigned', 'referred', 'referral_accepted', 'referral_returned', 'escalated', 'digest',
		'directive', 'directive_due', 'directive_overdue', 'directive_weekly', 'report_submitted', 'report_accepted', 'report_returned',
		'call_cancelled', 'office_calls_cancelled')),
	key        TEXT NOT NULL,
	problem_id INTEGER REFERENCES problems (id),
	text       TEXT NOT NULL,
	args       TEXT NOT NULL DEFAULT '{}',
	created    TEXT NOT NULL,
	read_at    TEXT,
	UNIQUE (user_id, key)
) STRICT;
INSERT INTO notifications_new (id, user_id, kind, key, problem_id, text, args, created, read_at)
	SELECT id, user_id, kind, key, problem_id, text, args, created, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE read_at IS NULL;

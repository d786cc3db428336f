-- 0007_departures: the departure list — requests of a person or a whole
-- household with the facts of their members, versioned priority policies,
-- crossings with per-day capacities, residents' codes; departures allocated
-- and done in directive evidence.
--
-- Why it looks like this:
-- * One live (waiting or allocated) request per household and per person,
--   whatever the code did before, is kept by two partial unique indexes: a
--   whole household's request on its household_id (person_id IS NULL), and
--   every member's row on person_id while its live flag is set. The store
--   keeps the flag equal to the request's status in the same statement
--   batch that changes the status; a request is never stored as "missed".
-- * A person's own request also names the person's household: the request's
--   scope is the household's unit, like every record of the registry.
-- * The facts the registry lacks (illness, disability, a child separated
--   from its parents abroad) are per member, on the member rows.
-- * A policy's rules are JSON (departure.Policy): read and written whole,
--   never searched; versions are unique, and at most one is adopted (a
--   partial unique index).
-- * A crossing's day capacity overrides its daily capacity on that day.
-- * Residents' codes are stored as SHA-256 hashes, like API tokens.
-- * departures_allocated and departures_done are the directive evidence's
--   new counts, in the reports and in the roll-up counters like the others.

CREATE TABLE crossings (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	name           TEXT NOT NULL UNIQUE CHECK (name <> ''),
	open           INTEGER NOT NULL DEFAULT 0 CHECK (open IN (0, 1)),
	daily_capacity INTEGER NOT NULL CHECK (daily_capacity >= 0),
	created        TEXT NOT NULL,
	updated        TEXT NOT NULL
) STRICT;

CREATE TABLE crossing_days (
	crossing_id INTEGER NOT NULL REFERENCES crossings (id),
	day         TEXT NOT NULL CHECK (length(day) = 10),
	capacity    INTEGER NOT NULL CHECK (capacity >= 0),
	PRIMARY KEY (crossing_id, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE departure_policies (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	version      INTEGER NOT NULL UNIQUE CHECK (version >= 1),
	status       TEXT NOT NULL CHECK (status IN ('draft', 'adopted', 'retired')),
	rules        TEXT NOT NULL,
	programme_id INTEGER REFERENCES programmes (id),
	missed_rule  TEXT NOT NULL CHECK (missed_rule IN ('keep_place', 'to_end')),
	created_by   INTEGER REFERENCES users (id),
	created      TEXT NOT NULL,
	updated      TEXT NOT NULL,
	adopted_by   INTEGER REFERENCES users (id),
	adopted_at   TEXT
) STRICT;
CREATE UNIQUE INDEX departure_policies_adopted ON departure_policies (status) WHERE status = 'adopted';

CREATE TABLE departure_requests (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	household_id    INTEGER NOT NULL REFERENCES households (id),
	-- NULL: the whole household.
	person_id       INTEGER REFERENCES persons (id),
	destination     TEXT NOT NULL CHECK (destination <> ''),
	travel_docs     TEXT NOT NULL CHECK (travel_docs IN ('none', 'applied', 'ready')),
	registered_at   TEXT NOT NULL,
	notes           TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL CHECK (status IN ('waiting', 'allocated', 'departed', 'withdrawn')),
	crossing_id     INTEGER REFERENCES crossings (id),
	day             TEXT,
	allocation_note TEXT NOT NULL DEFAULT '',
	allocated_at    TEXT,
	departed_at     TEXT,
	reason          TEXT NOT NULL DEFAULT '',
	missed          INTEGER NOT NULL DEFAULT 0,
	version         INTEGER NOT NULL CHECK (version >= 1),
	created_by      INTEGER REFERENCES users (id),
	created         TEXT NOT NULL,
	updated         TEXT NOT NULL,
	CHECK (status <> 'allocated' OR (crossing_id IS NOT NULL AND day IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX departure_requests_live_household ON departure_requests (household_id)
	WHERE person_id IS NULL AND status IN ('waiting', 'allocated');
CREATE INDEX departure_requests_household ON departure_requests (household_id, id);
CREATE INDEX departure_requests_status ON departure_requests (status, id);
CREATE INDEX departure_requests_crossing_day ON departure_requests (crossing_id, day) WHERE crossing_id IS NOT NULL;
CREATE INDEX departure_requests_allocated_at ON departure_requests (allocated_at) WHERE allocated_at IS NOT NULL;
CREATE INDEX departure_requests_departed_at ON departure_requests (departed_at) WHERE departed_at IS NOT NULL;

CREATE TABLE departure_members (
	request_id      INTEGER NOT NULL REFERENCES departure_requests (id),
	person_id       INTEGER NOT NULL REFERENCES persons (id),
	position        INTEGER NOT NULL,
	illness         INTEGER NOT NULL DEFAULT 0 CHECK (illness IN (0, 1)),
	disability      INTEGER NOT NULL DEFAULT 0 CHECK (disability IN (0, 1)),
	child_separated INTEGER NOT NULL DEFAULT 0 CHECK (child_separated IN (0, 1)),
	live            INTEGER NOT NULL CHECK (live IN (0, 1)),
	PRIMARY KEY (request_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX departure_members_live ON departure_members (person_id) WHERE live = 1;
CREATE INDEX departure_members_person ON departure_members (person_id);

CREATE TABLE resident_codes (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	request_id INTEGER NOT NULL REFERENCES departure_requests (id),
	hash       TEXT NOT NULL UNIQUE,
	created_by INTEGER REFERENCES users (id),
	created    TEXT NOT NULL,
	revoked    TEXT
) STRICT;
CREATE INDEX resident_codes_request ON resident_codes (request_id, id);

ALTER TABLE reports ADD COLUMN departures_allocated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN departures_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE directive_counts ADD COLUMN departures_allocated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE directive_counts ADD COLUMN departures_done INTEGER NOT NULL DEFAULT 0;

-- The departures' notification kinds: the table built again with the wider
-- CHECK, as 0005 and 0006 did.
CREATE TABLE notifications_new (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	kind       TEXT NOT NULL CHECK (kind IN ('assigned', 'referred', 'referral_accepted', 'referral_returned', 'escalated', 'digest',
		'directive', 'directive_due', 'directive_overdue', 'directive_weekly', 'report_submitted', 'report_accepted', 'report_returned',
		'call_cancelled', 'office_calls_cancelled', 'departure_allocated', 'departure_over')),
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

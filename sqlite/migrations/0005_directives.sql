-- 0005_directives: directives and their versions, the assignments of each
-- addressed unit, the roll-up counters, reports with their evidence, and
-- attachments; the notification kinds of directives.
--
-- Why it looks like this:
-- * A directive row is one version. series_id is the first version's id,
--   root_id the series at the top of the cascade, parent_id the series a
--   derived directive passes on. The version in force of a series is its
--   one row with status 'issued'; the lists read the latest version of each
--   series, which is the one row not 'superseded' (directives_latest).
--   addressees and actions are JSON text: what the issuer chose, as chosen.
-- * assignments holds one row per addressed unit and version. live says it
--   is the version in force's: the partial unique index on (series_id,
--   unit_id) WHERE live is what makes "at most one live assignment per
--   directive and unit" a fact of the database, whatever the code does.
--   version counts changes for optimistic locking.
-- * directive_counts are the roll-up's counters: for every unit on the path
--   of an assignment's unit (the unit itself and each ancestor), how many
--   live assignments of each version of the cascade are in each state, and
--   the evidence totals of the latest reports of those not passed on. The
--   store changes them in the transaction that changes an assignment, so a
--   roll-up reads a handful of rows instead of counting a subtree. They are
--   keyed (root_id, unit_id, …): a roll-up reads one unit and its children.
--   The store adds signed deltas with an upsert, so n has no CHECK (n >= 0):
--   the engines check a row's CHECKs before they find its conflict, and a
--   delta of -1 would fail one. A unit moved in the tree takes its
--   subtree's counts from its old ancestors to its new ones (MoveUnit).
-- * A report's evidence is kept twice: the JSON snapshot as submitted, and
--   its counts in columns, which the counters add up.
-- * Attachments name their owner (a directive or a report) by type and id,
--   without a foreign key: the bytes live in the attachment store.
-- * The partial indexes say WHERE live with the very text the store uses,
--   which is how SQLite knows to use them.

CREATE TABLE directives (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	series_id         INTEGER NOT NULL,
	version           INTEGER NOT NULL CHECK (version >= 1),
	parent_id         INTEGER,
	root_id           INTEGER NOT NULL,
	issuer_unit_id    INTEGER NOT NULL REFERENCES units (id),
	title             TEXT NOT NULL CHECK (title <> ''),
	body              TEXT NOT NULL DEFAULT '',
	due_at            TEXT NOT NULL,
	addressees        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(addressees)),
	actions           TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(actions)),
	status            TEXT NOT NULL CHECK (status IN ('issued', 'superseded', 'withdrawn')),
	note              TEXT NOT NULL DEFAULT '',
	issued_at         TEXT NOT NULL,
	-- NULL for the command line.
	issued_by         INTEGER REFERENCES users (id),
	issued_by_name    TEXT NOT NULL DEFAULT '',
	reminded_at       TEXT,
	overdue_notice_at TEXT
) STRICT;
CREATE UNIQUE INDEX directives_series_version ON directives (series_id, version);
-- The outbox, the derived directives and the cascade, latest versions only.
CREATE INDEX directives_issuer ON directives (issuer_unit_id, id) WHERE status <> 'superseded';
CREATE INDEX directives_parent ON directives (parent_id, id) WHERE status <> 'superseded';
CREATE INDEX directives_root ON directives (root_id, id) WHERE status <> 'superseded';
-- The jobs: versions in force whose reminder or overdue notice is not sent,
-- newest first (by id, the lists' order, so that no sort tempts SQLite into
-- scanning the table instead); they are few, and due_at is checked on each.
CREATE INDEX directives_unreminded ON directives (id) WHERE status = 'issued' AND reminded_at IS NULL;
CREATE INDEX directives_unnoticed ON directives (id) WHERE status = 'issued' AND overdue_notice_at IS NULL;

CREATE TABLE reports (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	assignment_id      INTEGER NOT NULL REFERENCES assignments (id),
	directive_id       INTEGER NOT NULL REFERENCES directives (id),
	unit_id            INTEGER NOT NULL REFERENCES units (id),
	narrative          TEXT NOT NULL,
	evidence           TEXT NOT NULL CHECK (json_valid(evidence)),
	households         INTEGER NOT NULL DEFAULT 0,
	households_visited INTEGER NOT NULL DEFAULT 0,
	visits             INTEGER NOT NULL DEFAULT 0,
	problems_raised    INTEGER NOT NULL DEFAULT 0,
	problems_resolved  INTEGER NOT NULL DEFAULT 0,
	problems_open      INTEGER NOT NULL DEFAULT 0,
	problems_escalated INTEGER NOT NULL DEFAULT 0,
	status_events      INTEGER NOT NULL DEFAULT 0,
	submitted_at       TEXT NOT NULL,
	submitted_by       INTEGER REFERENCES users (id),
	submitter_name     TEXT NOT NULL DEFAULT '',
	review             TEXT NOT NULL DEFAULT '' CHECK (review IN ('', 'accepted', 'returned')),
	review_note        TEXT NOT NULL DEFAULT '',
	reviewed_at        TEXT,
	reviewed_by        INTEGER REFERENCES users (id),
	reviewer_name      TEXT NOT NULL DEFAULT '',
	CHECK ((review = '') = (reviewed_at IS NULL))
) STRICT;
CREATE INDEX reports_assignment ON reports (assignment_id, id);

CREATE TABLE assignments (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	directive_id    INTEGER NOT NULL REFERENCES directives (id),
	series_id       INTEGER NOT NULL,
	root_id         INTEGER NOT NULL,
	unit_id         INTEGER NOT NULL REFERENCES units (id),
	state           TEXT NOT NULL CHECK (state IN ('delivered', 'acknowledged', 'reported', 'accepted', 'returned')),
	live            INTEGER NOT NULL CHECK (live IN (0, 1)),
	due_at          TEXT NOT NULL,
	delivered_at    TEXT NOT NULL,
	acknowledged_at TEXT,
	reported_at     TEXT,
	reviewed_at     TEXT,
	report_id       INTEGER REFERENCES reports (id),
	cascaded        INTEGER NOT NULL DEFAULT 0 CHECK (cascaded IN (0, 1)),
	version         INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
	CHECK (state = 'delivered' OR acknowledged_at IS NOT NULL),
	CHECK (state NOT IN ('reported', 'accepted', 'returned') OR report_id IS NOT NULL)
) STRICT;
-- One live assignment per series and unit; FindLiveAssignment.
CREATE UNIQUE INDEX assignments_live ON assignments (series_id, unit_id) WHERE live;
-- A version's assignments, dead ones too (its page, KillAssignments).
CREATE INDEX assignments_directive ON assignments (directive_id, unit_id);
-- A cascade's live assignments, soonest due first: the roll-up's overdue list.
CREATE INDEX assignments_root_due ON assignments (root_id, due_at) WHERE live;
-- A unit's live assignments (inbox), and a subtree's overdue ones (digest).
CREATE INDEX assignments_unit_due ON assignments (unit_id, due_at) WHERE live;

CREATE TABLE directive_counts (
	root_id            INTEGER NOT NULL,
	unit_id            INTEGER NOT NULL,
	directive_id       INTEGER NOT NULL,
	state              TEXT NOT NULL CHECK (state IN ('delivered', 'acknowledged', 'reported', 'accepted', 'returned')),
	n                  INTEGER NOT NULL,
	households         INTEGER NOT NULL DEFAULT 0,
	households_visited INTEGER NOT NULL DEFAULT 0,
	visits             INTEGER NOT NULL DEFAULT 0,
	problems_raised    INTEGER NOT NULL DEFAULT 0,
	problems_resolved  INTEGER NOT NULL DEFAULT 0,
	problems_open      INTEGER NOT NULL DEFAULT 0,
	problems_escalated INTEGER NOT NULL DEFAULT 0,
	status_events      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (root_id, unit_id, directive_id, state)
) STRICT, WITHOUT ROWID;

CREATE TABLE attachments (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	owner_type   TEXT NOT NULL CHECK (owner_type IN ('directive', 'report')),
	owner_id     INTEGER NOT NULL,
	name         TEXT NOT NULL CHECK (name <> ''),
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL CHECK (size >= 0),
	sha256       TEXT NOT NULL,
	key          TEXT NOT NULL UNIQUE,
	created      TEXT NOT NULL
) STRICT;
CREATE INDEX attachments_owner ON attachments (owner_type, owner_id, id);

-- Addressees by a level of the tree: units at a depth within a subtree.
CREATE INDEX units_depth_path ON units (depth, path);
-- Evidence: the status events a subtree's units recorded in a period.
CREATE INDEX status_events_unit_recorded ON status_events (unit_id, recorded);
-- Evidence: problems raised and resolved in a period.
CREATE INDEX problems_created ON problems (created);

-- The directives' notification kinds. SQLite cannot change a CHECK, so the
-- table is built again with the wider one, its rows copied and its
-- indexes made anew; nothing refers to it.
CREATE TABLE notifications_new (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	kind       TEXT NOT NULL CHECK (kind IN ('assigned', 'referred', 'referral_accepted', 'referral_returned', 'escalated', 'digest',
		'directive', 'directive_due', 'directive_overdue', 'directive_weekly', 'report_submitted', 'report_accepted', 'report_returned')),
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

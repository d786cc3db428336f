-- 0002_registry: the registry — programmes, households, persons (residents
-- and relatives abroad), their documents and programme memberships, the
-- links between relatives and members, the status history, the search
-- terms and the possible-duplicate flags.
--
-- Why it looks like this:
-- * STRICT tables, TEXT times in UTC, AUTOINCREMENT ids, as in 0001: ids are
--   never reused, since the audit log names records long after a change.
-- * persons.unit_id is the unit of the person's household, copied so that
--   scope filters need no join through households; the store keeps it in
--   step whenever a household changes unit or a person moves (UpdateHousehold,
--   UpdatePersonState). person_terms.unit_id is copied the same way, so that
--   a search is answered from the term index alone.
-- * Scope is a unit's path range (units_path, 0001). Registry queries select
--   the scope's units with a subquery on that range, "unit_id IN (SELECT id
--   FROM units WHERE path >= ? AND path < ?)", rather than joining units row
--   by row: the subquery is evaluated once into a small set (≤ a few thousand
--   units), and every registry index that starts with unit_id, or carries it
--   (person_terms), is then filtered without touching units again.
-- * Birth dates and event dates are TEXT: a birth date may be a year alone
--   ("1961"), and an event's date is a calendar day in the unit's time zone,
--   not an instant.
-- * Status events are append-only, enforced here by triggers: the history is
--   never overwritten, whatever the code above does. The current status is
--   derived from them by the domain and kept in persons for the filters.
-- * person_terms is the search index, and is one B-tree: a WITHOUT ROWID
--   table keyed by (term, unit_id, person_id), so that an exact or a prefix
--   lookup (term >= ? AND term < ?, the bound computed by the store, never
--   LIKE) is one range of the table itself, with the scope's units and the
--   weight at hand. An import writes some eighteen terms per person; a
--   second B-tree by person (for edits) cost a third more per term, so a
--   person's terms are listed in persons.terms instead, and the store finds
--   their rows by key. No foreign key, for the same reason: it is a derived
--   index written only by the store, in the same transaction as its person.
-- * duplicate_flags keep each pair once per reason, the lower id first.

CREATE TABLE programmes (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	code        TEXT NOT NULL,
	name_en     TEXT NOT NULL DEFAULT '',
	name_ko     TEXT NOT NULL DEFAULT '',
	name_zh     TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	settings    TEXT NOT NULL DEFAULT '{}',
	created     TEXT NOT NULL,
	updated     TEXT NOT NULL
) STRICT;
-- Imports look codes up without regard to case, so "P1" and "p1" are one code.
CREATE UNIQUE INDEX programmes_code ON programmes (lower(code));

-- languages is a JSON array of strings: a language name may hold any
-- character, so no separator would be safe.
CREATE TABLE households (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	unit_id   INTEGER NOT NULL REFERENCES units (id),
	address   TEXT NOT NULL,
	phone     TEXT NOT NULL DEFAULT '',
	languages TEXT NOT NULL DEFAULT '[]',
	notes     TEXT NOT NULL DEFAULT '',
	created   TEXT NOT NULL,
	updated   TEXT NOT NULL
) STRICT;
CREATE INDEX households_unit_id ON households (unit_id);

CREATE TABLE persons (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	kind            TEXT NOT NULL CHECK (kind IN ('resident', 'relative_abroad')),
	household_id    INTEGER NOT NULL REFERENCES households (id),
	unit_id         INTEGER NOT NULL REFERENCES units (id),
	relationship    TEXT NOT NULL DEFAULT '' CHECK (relationship IN
		('', 'head', 'spouse', 'child', 'parent', 'sibling', 'grandchild', 'grandparent', 'in_law', 'other')),
	name_native     TEXT NOT NULL DEFAULT '',
	name_second     TEXT NOT NULL DEFAULT '',
	name_latin      TEXT NOT NULL DEFAULT '',
	birth_date      TEXT NOT NULL DEFAULT '' CHECK (length(birth_date) IN (0, 4, 10)),
	sex             TEXT NOT NULL DEFAULT '' CHECK (sex IN ('', 'f', 'm', 'x')),
	nationality     TEXT NOT NULL DEFAULT '',
	phone           TEXT NOT NULL DEFAULT '',
	notes           TEXT NOT NULL DEFAULT '',
	country         TEXT NOT NULL DEFAULT '',
	city            TEXT NOT NULL DEFAULT '',
	contact_channel TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL DEFAULT 'present'
		CHECK (status IN ('present', 'abroad', 'departed', 'deceased', 'merged')),
	address         TEXT NOT NULL DEFAULT '',
	merged_into     INTEGER REFERENCES persons (id),
	-- The person's search terms, one a line: the keys of their rows in
	-- person_terms, which is ordered by term and has no index by person.
	terms           TEXT NOT NULL DEFAULT '',
	created         TEXT NOT NULL,
	updated         TEXT NOT NULL,
	CHECK (name_native <> '' OR name_second <> '' OR name_latin <> ''),
	CHECK ((status = 'merged') = (merged_into IS NOT NULL))
) STRICT;
CREATE INDEX persons_household_id ON persons (household_id);
CREATE INDEX persons_unit_status ON persons (unit_id, status);

-- pos keeps the documents in the order they were given.
CREATE TABLE person_documents (
	person_id INTEGER NOT NULL REFERENCES persons (id),
	pos       INTEGER NOT NULL,
	kind      TEXT NOT NULL,
	number    TEXT NOT NULL,
	PRIMARY KEY (person_id, pos)
) STRICT, WITHOUT ROWID;

CREATE TABLE person_programmes (
	person_id    INTEGER NOT NULL REFERENCES persons (id),
	programme_id INTEGER NOT NULL REFERENCES programmes (id),
	PRIMARY KEY (person_id, programme_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX person_programmes_programme ON person_programmes (programme_id, person_id);

-- relationship is what the relative is to the member ("child": the
-- relative is the member's child).
CREATE TABLE relative_links (
	relative_id  INTEGER NOT NULL REFERENCES persons (id),
	member_id    INTEGER NOT NULL REFERENCES persons (id),
	relationship TEXT NOT NULL CHECK (relationship IN
		('spouse', 'child', 'parent', 'sibling', 'grandchild', 'grandparent', 'in_law', 'other')),
	PRIMARY KEY (relative_id, member_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX relative_links_member_id ON relative_links (member_id);

-- household_id and unit_id are where the person lived when it happened.
-- recorded_by is NULL for the command line.
CREATE TABLE status_events (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	person_id       INTEGER NOT NULL REFERENCES persons (id),
	household_id    INTEGER NOT NULL REFERENCES households (id),
	unit_id         INTEGER NOT NULL REFERENCES units (id),
	kind            TEXT NOT NULL CHECK (kind IN ('moved', 'left_country', 'returned', 'departed', 'died')),
	date            TEXT NOT NULL CHECK (length(date) = 10),
	to_household_id INTEGER REFERENCES households (id),
	to_address      TEXT NOT NULL DEFAULT '',
	note            TEXT NOT NULL DEFAULT '',
	recorded        TEXT NOT NULL,
	recorded_by     INTEGER REFERENCES users (id),
	recorder_name   TEXT NOT NULL DEFAULT '',
	-- A move has exactly one destination; nothing else has one.
	CHECK ((kind = 'moved') = ((to_household_id IS NOT NULL) <> (to_address <> ''))),
	CHECK (kind = 'moved' OR (to_household_id IS NULL AND to_address = ''))
) STRICT;
CREATE INDEX status_events_person_id ON status_events (person_id, id);
CREATE INDEX status_events_household_id ON status_events (household_id);
CREATE INDEX status_events_to_household_id ON status_events (to_household_id) WHERE to_household_id IS NOT NULL;

CREATE TRIGGER status_events_no_update BEFORE UPDATE ON status_events
BEGIN
	SELECT RAISE(ABORT, 'status events are append-only');
END;
CREATE TRIGGER status_events_no_delete BEFORE DELETE ON status_events
BEGIN
	SELECT RAISE(ABORT, 'status events are append-only');
END;

CREATE TABLE person_terms (
	term      TEXT NOT NULL,
	unit_id   INTEGER NOT NULL,
	person_id INTEGER NOT NULL,
	weight    INTEGER NOT NULL,
	PRIMARY KEY (term, unit_id, person_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE duplicate_flags (
	person_id INTEGER NOT NULL REFERENCES persons (id),
	other_id  INTEGER NOT NULL REFERENCES persons (id),
	reason    TEXT NOT NULL CHECK (reason IN ('name_birth_year', 'document', 'phone')),
	created   TEXT NOT NULL,
	PRIMARY KEY (person_id, other_id, reason),
	CHECK (person_id < other_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX duplicate_flags_other_id ON duplicate_flags (other_id);

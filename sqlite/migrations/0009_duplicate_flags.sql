-- 0009_duplicate_flags: duplicate flags are a derived index, as the search
-- terms are: the store writes them, from the persons' duplicate keys in
-- person_terms, in the same transaction as the persons they name, and
-- persons are never deleted (a merged one stays, marked merged). Their
-- foreign keys checked nothing the store does not, and cost an import most
-- of its time flagging: a lookup of both persons for each of some two
-- million flags, and, since an immediate foreign key may abort a
-- multi-row INSERT, a statement journal holding a copy of every page the
-- INSERT changes. The table is made again without them.
CREATE TABLE duplicate_flags_new (
	person_id INTEGER NOT NULL,
	other_id  INTEGER NOT NULL,
	reason    TEXT NOT NULL CHECK (reason IN ('name_birth_year', 'document', 'phone')),
	created   TEXT NOT NULL,
	PRIMARY KEY (person_id, other_id, reason),
	CHECK (person_id < other_id)
) STRICT, WITHOUT ROWID;
INSERT INTO duplicate_flags_new (person_id, other_id, reason, created)
	SELECT person_id, other_id, reason, created FROM duplicate_flags ORDER BY person_id, other_id, reason;
DROP TABLE duplicate_flags;
ALTER TABLE duplicate_flags_new RENAME TO duplicate_flags;
CREATE INDEX duplicate_flags_other_id ON duplicate_flags (other_id);

-- 0009_duplicate_flags: duplicate flags are a derived index, as the search
-- terms are: the store writes them, from the persons' duplicate keys in
-- person_terms, in the same transaction as the persons they name, and
-- persons are never deleted (a merged one stays, marked merged). Their
-- foreign keys checked nothing the store does not, and cost an import a
-- lookup of both persons for each of some two million flags.
ALTER TABLE duplicate_flags
	DROP CONSTRAINT duplicate_flags_person_id_fkey,
	DROP CONSTRAINT duplicate_flags_other_id_fkey;

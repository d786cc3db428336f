-- 0010_call_setup_version: a booking, and every list of free slots, reads
-- what an office's rules stand on — the unit, its hours and rooms, its
-- officers, their roster, leave and areas, the programmes' call policies —
-- which someone changes now and then, while bookings come many a second.
-- The service keeps what it read in memory, with the version of the set-up
-- it read it at; this row is that version, moved on in the same transaction
-- as any change to those tables, by the triggers below, whatever code made
-- it. A transaction that reads the version it holds uses what it kept; one
-- that reads another reads the records again.
CREATE TABLE call_setup_version (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version BIGINT NOT NULL
);
INSERT INTO call_setup_version (id, version) VALUES (1, 1);

-- Once a statement, however many rows it changed.
CREATE FUNCTION bump_call_setup_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
	RETURN NULL;
END
$$;
CREATE TRIGGER units_call_setup AFTER INSERT OR UPDATE OR DELETE ON units
	FOR EACH STATEMENT EXECUTE FUNCTION bump_call_setup_version();
CREATE TRIGGER users_call_setup AFTER INSERT OR UPDATE OR DELETE ON users
	FOR EACH STATEMENT EXECUTE FUNCTION bump_call_setup_version();
CREATE TRIGGER programmes_call_setup AFTER INSERT OR UPDATE OR DELETE ON programmes
	FOR EACH STATEMENT EXECUTE FUNCTION bump_call_setup_version();
CREATE TRIGGER call_offices_call_setup AFTER INSERT OR UPDATE OR DELETE ON call_offices
	FOR EACH STATEMENT EXECUTE FUNCTION bump_call_setup_version();
CREATE TRIGGER call_rooms_call_setup AFTER INSERT OR UPDATE OR DELETE ON call_rooms
	FOR EACH STATEMENT EXECUTE FUNCTION bump_call_setup_version();
CREATE TRIGGER call_roster_call_setup AFTER INSERT OR UPDATE OR DELETE ON call_roster
	FOR EACH STATEMENT EXECUTE FUNCTION bump_call_setup_version();
CREATE TRIGGER call_roster_exceptions_call_setup AFTER INSERT OR UPDATE OR DELETE ON call_roster_exceptions
	FOR EACH STATEMENT EXECUTE FUNCTION bump_call_setup_version();
CREATE TRIGGER call_officer_areas_call_setup AFTER INSERT OR UPDATE OR DELETE ON call_officer_areas
	FOR EACH STATEMENT EXECUTE FUNCTION bump_call_setup_version();

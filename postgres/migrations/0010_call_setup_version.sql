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
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['units', 'users', 'programmes', 'call_offices', 'call_rooms', 'call_roster',
		'call_roster_exceptions', 'call_officer_areas']
	LOOP
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
			FOR EACH STATEMENT EXECUTE FUNCTION bump_call_setup_version()', t || '_call_setup', t);
	END LOOP;
END
$$;

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
	version INTEGER NOT NULL
) STRICT;
INSERT INTO call_setup_version (id, version) VALUES (1, 1);
CREATE TRIGGER units_insert_call_setup AFTER INSERT ON units
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER units_update_call_setup AFTER UPDATE ON units
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER units_delete_call_setup AFTER DELETE ON units
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER users_insert_call_setup AFTER INSERT ON users
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER users_update_call_setup AFTER UPDATE ON users
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER users_delete_call_setup AFTER DELETE ON users
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER programmes_insert_call_setup AFTER INSERT ON programmes
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER programmes_update_call_setup AFTER UPDATE ON programmes
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER programmes_delete_call_setup AFTER DELETE ON programmes
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_offices_insert_call_setup AFTER INSERT ON call_offices
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_offices_update_call_setup AFTER UPDATE ON call_offices
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_offices_delete_call_setup AFTER DELETE ON call_offices
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_rooms_insert_call_setup AFTER INSERT ON call_rooms
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_rooms_update_call_setup AFTER UPDATE ON call_rooms
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_rooms_delete_call_setup AFTER DELETE ON call_rooms
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_roster_insert_call_setup AFTER INSERT ON call_roster
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_roster_update_call_setup AFTER UPDATE ON call_roster
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_roster_delete_call_setup AFTER DELETE ON call_roster
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_roster_exceptions_insert_call_setup AFTER INSERT ON call_roster_exceptions
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_roster_exceptions_update_call_setup AFTER UPDATE ON call_roster_exceptions
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_roster_exceptions_delete_call_setup AFTER DELETE ON call_roster_exceptions
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_officer_areas_insert_call_setup AFTER INSERT ON call_officer_areas
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_officer_areas_update_call_setup AFTER UPDATE ON call_officer_areas
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER call_officer_areas_delete_call_setup AFTER DELETE ON call_officer_areas
BEGIN
	UPDATE call_setup_version SET version = version + 1 WHERE id = 1;
END;

-- 0012_call_plan_data: a weekly plan's instance, result and list of short
-- households move to a table of their own, and call_plans keeps what a list
-- of plans shows.
--
-- A nation's plan holds hundreds of megabytes of instance and result, and
-- its summary tens more of short households. SQLite keeps a large value in
-- a chain of overflow pages, and reads a column after one by walking the
-- chain: listing three plans read a gigabyte, for a few numbers each. The
-- summary now holds the count of short households (short_count); the list
-- is in call_plan_data.short, read with the plan itself.
CREATE TABLE call_plan_data (
	plan_id  INTEGER PRIMARY KEY REFERENCES call_plans (id),
	instance TEXT NOT NULL DEFAULT '{}',
	result   TEXT NOT NULL DEFAULT '{}',
	short    TEXT NOT NULL DEFAULT '[]'
) STRICT;
INSERT INTO call_plan_data (plan_id, instance, result, short)
	SELECT id, instance, result, COALESCE(json_extract(summary, '$.short'), '[]') FROM call_plans ORDER BY id;
UPDATE call_plans SET summary = json_set(json_remove(summary, '$.short'), '$.short_count', json_array_length(summary, '$.short'));
ALTER TABLE call_plans DROP COLUMN instance;
ALTER TABLE call_plans DROP COLUMN result;

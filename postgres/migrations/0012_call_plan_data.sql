-- 0012_call_plan_data: a weekly plan's instance, result and list of short
-- households move to a table of their own, and call_plans keeps what a list
-- of plans shows: a nation's plan holds hundreds of megabytes of the first
-- two and tens of the last, and a list shows a few numbers of each plan.
-- The summary now holds the count of short households (short_count).
CREATE TABLE call_plan_data (
	plan_id  BIGINT PRIMARY KEY REFERENCES call_plans (id),
	instance JSON NOT NULL DEFAULT '{}',
	result   JSON NOT NULL DEFAULT '{}',
	short    JSON NOT NULL DEFAULT '[]'
);
INSERT INTO call_plan_data (plan_id, instance, result, short)
	SELECT id, instance, result, CASE json_typeof(summary->'short') WHEN 'array' THEN summary->'short' ELSE '[]'::json END
	FROM call_plans;
UPDATE call_plans SET summary = ((summary::jsonb - 'short') || jsonb_build_object('short_count',
	CASE json_typeof(summary->'short') WHEN 'array' THEN json_array_length(summary->'short') ELSE 0 END))::json;
ALTER TABLE call_plans DROP COLUMN instance, DROP COLUMN result;

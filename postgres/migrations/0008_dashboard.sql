-- 0008_dashboard: the welfare dashboard of the whole tree counts the week's
-- closed problems, and the 90 days' resolutions with their median time to
-- resolve, of every unit. With no unit to seek, problems_closed (unit first)
-- is read whole; this index reads the range of time alone, and holds what
-- the counts and the median read (created), so that the table is not.
CREATE INDEX problems_closed_at ON problems (closed_at, status, category, created) WHERE closed_at IS NOT NULL;
-- And the active problems in the order of the dashboard's GROUP BY, as on
-- SQLite (0004_welfare): of every unit, some 40,000 at nation size, which
-- PostgreSQL then aggregates as it reads instead of hashing them.
CREATE INDEX problems_active_category ON problems (category, status, unit_id, due_at, escalation_level)
	WHERE status IN ('open', 'in_progress', 'referred');

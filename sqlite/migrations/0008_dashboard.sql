-- 0008_dashboard: the welfare dashboard of the whole tree counts the week's
-- closed problems, and the 90 days' resolutions with their median time to
-- resolve, of every unit. With no unit to seek, problems_closed (unit first)
-- is read whole; this index reads the range of time alone, and holds what
-- the counts and the median read (created), so that the table is not.
CREATE INDEX problems_closed_at ON problems (closed_at, status, category, created) WHERE closed_at IS NOT NULL;

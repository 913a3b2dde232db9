-- What a run reports beyond its counts, for readers and tests: the source values an open vocabulary
-- took as `other` (per table.column, the words and how often), and its quarantine reasons grouped
-- by kind with a few examples (etl/quarantine_report.py).
ALTER TABLE etl_runs ADD COLUMN notes JSON;

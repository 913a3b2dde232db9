-- Rows of {table} identified only by name (file imports' {prefix} ids with no {strong}) whose
-- {match} is that of exactly one row identified by {strong}, in the warehouse or in this run:
-- each becomes that row (docs/linking.md). Two or more such rows: ambiguous, nothing resolves.
-- Identifiers come from etl/load.py's fixed RESOLUTIONS, never from a source.
CREATE OR REPLACE TEMP TABLE _resolved AS
WITH candidates AS (
    SELECT {id_col}, {match}, {strong} FROM {table} WHERE starts_with({id_col}, '{prefix}')
    UNION ALL
    SELECT {id_col}, {match}, {strong} FROM stage_{table} WHERE starts_with({id_col}, '{prefix}')
),
strong AS (
    SELECT {match}, min({id_col}) AS resolved_id
    FROM candidates
    WHERE {strong} IS NOT NULL
    GROUP BY ALL
    HAVING count(DISTINCT {id_col}) = 1
)
SELECT DISTINCT c.{id_col} AS weak_id, s.resolved_id
FROM candidates c
JOIN strong s USING ({match})
WHERE c.{strong} IS NULL AND c.{id_col} <> s.resolved_id

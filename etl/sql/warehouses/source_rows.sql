-- One row per source in a warehouse: who published it, whether it is synthetic, and how many rows
-- of each fact table it holds (for `storewatch warehouses`).
WITH complaint_rows AS (
    SELECT source_id, count(*) AS n FROM complaints GROUP BY source_id
),
penalty_rows AS (
    SELECT source_id, count(*) AS n FROM penalties GROUP BY source_id
),
store_rows AS (
    SELECT source_id, count(*) AS n FROM merchants GROUP BY source_id
),
final AS (
    SELECT s.source_id, s.name, s.publisher, s.is_synthetic, s.as_of,
           coalesce(c.n, 0) AS complaints, coalesce(p.n, 0) AS penalties, coalesce(m.n, 0) AS stores
    FROM sources s
    LEFT JOIN complaint_rows c USING (source_id)
    LEFT JOIN penalty_rows p USING (source_id)
    LEFT JOIN store_rows m USING (source_id)
)
SELECT * FROM final ORDER BY source_id

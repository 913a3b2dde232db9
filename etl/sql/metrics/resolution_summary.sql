-- resolution_summary: grouping x group (as in resolution_curves).
-- Medians and the 90th percentile are the first day the curve (or its band) is at or below
-- 0.5 / 0.1; NULL when it never gets there. Below 25 complaints (min_records): too_few_records.
-- median_first_response_hours: over the complaints with a first response. Only groups with
-- complaints from sources publishing close dates have a row (resolution_curves).
-- reads: resolution_curves, complaints, merchant_tiers
CREATE OR REPLACE TABLE resolution_summary AS
WITH curve AS (
    SELECT grouping, group_value,
           CAST(sum(resolved + competing + censored) AS BIGINT) AS complaints,
           CAST(sum(censored) AS BIGINT) AS still_open,
           CAST(sum(resolved) AS BIGINT) AS resolved,
           CAST(sum(competing) AS BIGINT) AS competing,
           min(day) FILTER (WHERE survival <= 0.5) AS median_days,
           min(day) FILTER (WHERE ci_low <= 0.5) AS median_low,
           min(day) FILTER (WHERE ci_high <= 0.5) AS median_high,
           min(day) FILTER (WHERE survival <= 0.1) AS p90_days,
           coalesce(max(cumulative_resolved) FILTER (WHERE day <= 7), 0) AS share_resolved_7d,
           coalesce(max(cumulative_resolved) FILTER (WHERE day <= 30), 0) AS share_resolved_30d
    FROM resolution_curves
    GROUP BY ALL
),
response AS (
    SELECT CASE WHEN grouping(c.merchant_id) = 0 THEN 'merchant'
                WHEN grouping(t.size_tier) = 0 THEN 'size_tier'
                WHEN grouping(c.category) = 0 THEN 'category'
                WHEN grouping(c.platform) = 0 THEN 'platform'
                ELSE 'all' END AS grouping,
           coalesce(c.merchant_id, t.size_tier, c.category, c.platform, 'all') AS group_value,
           median(date_diff('second', c.filed_at, c.first_response_at) / 3600.0) AS median_first_response_hours,
           count(c.first_response_at) AS responses
    FROM complaints c
    LEFT JOIN merchant_tiers t USING (merchant_id)
    WHERE c.first_response_at IS NOT NULL
    GROUP BY GROUPING SETS ((), (t.size_tier), (c.category), (c.platform), (c.merchant_id))
)
SELECT curve.*, response.median_first_response_hours, coalesce(response.responses, 0) AS responses,
       curve.complaints < min_records() AS too_few_records
FROM curve
LEFT JOIN response USING (grouping, group_value)
ORDER BY grouping, group_value;

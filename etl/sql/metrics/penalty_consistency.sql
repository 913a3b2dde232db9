-- penalty_consistency: violation type x size tier (the store's current tier).
-- Penalties decided in the 24 months ending at the store's as_of (merchant_tiers.as_of).
-- sanction_rate = 1000 * penalties / complaints of the violation's matching category
-- (violation_types.matching_category) filed against stores of that tier in the same 24 months. Severity on the ordinal sanction_scale
-- (1 warning .. 7 closure); share_severe = fine (5) or worse. fines_per_1000_orders = total fines
-- / orders of the tier's stores with known orders over the 24 months, x 1000. Fewer than 25
-- penalties (min_records): too_few_records.
-- reads: penalties, merchant_tiers, sanction_scale, complaints, violation_types
CREATE OR REPLACE TABLE penalty_consistency AS
WITH recent AS (
    SELECT p.*, t.size_tier, sc.severity
    FROM penalties p
    JOIN merchant_tiers t USING (merchant_id)
    JOIN sanction_scale sc USING (sanction_type)
    WHERE p.decided_at > t.as_of - INTERVAL (long_window_months()) MONTH
),
matching AS (
    SELECT v.violation_type, t.size_tier, count(*) AS matching_complaints
    FROM complaints c
    JOIN merchant_tiers t USING (merchant_id)
    JOIN violation_types v ON v.matching_category = c.category
    WHERE c.filed_at > t.as_of - INTERVAL (long_window_months()) MONTH
    GROUP BY ALL
),
tier_orders AS (
    SELECT size_tier, sum(orders_24m) AS orders_24m FROM merchant_tiers GROUP BY size_tier
),
severity AS (
    SELECT violation_type, size_tier, map_from_entries(list({'k': sanction_type, 'v': n} ORDER BY sanction_type))
               AS severity_counts
    FROM (SELECT violation_type, size_tier, sanction_type, count(*) AS n FROM recent GROUP BY ALL)
    GROUP BY ALL
),
summary AS (
    SELECT violation_type, size_tier, count(*) AS penalties,
           avg(severity) AS mean_severity,
           avg(CASE WHEN severity = 1 THEN 1.0 ELSE 0.0 END) AS share_warning_only,
           avg(CASE WHEN severity >= 5 THEN 1.0 ELSE 0.0 END) AS share_severe,
           median(points) AS median_points,
           median(fine_amount) AS median_fine,
           sum(fine_amount) AS total_fines
    FROM recent GROUP BY ALL
)
SELECT s.violation_type, s.size_tier, s.penalties, coalesce(m.matching_complaints, 0) AS matching_complaints,
       1000.0 * s.penalties / nullif(m.matching_complaints, 0) AS sanction_rate,
       s.mean_severity, s.share_warning_only, s.share_severe, s.median_points, s.median_fine,
       s.total_fines, 1000.0 * s.total_fines / nullif(o.orders_24m, 0) AS fines_per_1000_orders,
       sv.severity_counts,
       s.penalties < min_records() AS too_few_records
FROM summary s
LEFT JOIN matching m USING (violation_type, size_tier)
LEFT JOIN tier_orders o USING (size_tier)
LEFT JOIN severity sv USING (violation_type, size_tier)
ORDER BY s.violation_type, s.size_tier;

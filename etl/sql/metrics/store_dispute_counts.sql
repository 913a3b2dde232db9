-- store_dispute_counts: one row per store; the counts behind dispute rates and funnel plots.
-- Dispute = complaint escalated to platform arbitration (platform_intervened). Complaints filed in
-- the 12 months ending at as_of (short_window_months); orders over the same months
-- (merchant_tiers.orders_12m; NULL = unknown).
-- reads: merchant_tiers, sources, complaints
CREATE OR REPLACE TABLE store_dispute_counts AS
SELECT t.merchant_id, t.platform, t.size_tier, t.orders_12m,
       count(c.merchant_id) AS complaints_12m,
       count(c.merchant_id) FILTER (WHERE c.platform_intervened) AS disputes_12m,
       count(c.merchant_id) FILTER (WHERE c.status = 'resolved') AS resolved_12m,
       count(c.merchant_id) FILTER (WHERE c.status = 'open') AS open_12m
FROM merchant_tiers t
JOIN sources s ON s.source_id = t.source_id
LEFT JOIN complaints c ON c.merchant_id = t.merchant_id AND c.filed_at > s.as_of - INTERVAL (short_window_months()) MONTH
GROUP BY ALL;

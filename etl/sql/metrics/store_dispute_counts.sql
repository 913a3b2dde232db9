-- store_dispute_counts: one row per store; the counts behind dispute rates and funnel plots.
-- Dispute = complaint escalated to platform arbitration (platform_intervened). Complaints filed in
-- the 12 months ending at the store's as_of (merchant_tiers.as_of, short_window_months); orders over
-- the same months (merchant_tiers.orders_12m; NULL = unknown).
-- reads: merchant_tiers, complaints
CREATE OR REPLACE TABLE store_dispute_counts AS
SELECT t.merchant_id, t.platform, t.size_tier, t.orders_12m,
       count(c.merchant_id) AS complaints_12m,
       count(c.merchant_id) FILTER (WHERE c.platform_intervened) AS disputes_12m,
       count(c.merchant_id) FILTER (WHERE c.status = 'resolved') AS resolved_12m,
       count(c.merchant_id) FILTER (WHERE c.status = 'open') AS open_12m,
       t.as_of
FROM merchant_tiers t
LEFT JOIN complaints c ON c.merchant_id = t.merchant_id AND c.filed_at > t.as_of - INTERVAL (short_window_months()) MONTH
GROUP BY ALL;

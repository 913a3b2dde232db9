-- merchant_scorecard: one row per store.
-- Window: complaints filed in the 12 months ending at the store's as_of (merchant_tiers.as_of, via
-- store_dispute_counts); penalties decided in the 24 months.
-- dispute_rate = 1000 * disputes_12m / orders_12m with the 95 % Wilson interval (closed form);
--   NULL with rate_available = false when orders are unknown.
-- shrunk_rate: empirical Bayes, posterior mean (x + a) / (n + a + b) under the platform x size tier
--   prior of dispute_rate_priors.
-- too_few_records: fewer than 25 orders (or, orders unknown, fewer than 25 complaints); such stores
--   get no peer percentile and no funnel position.
-- peer_percentile: 100 * percent_rank of shrunk_rate within platform x store category x size tier
--   (100 = highest rate), among stores with enough records.
-- funnel_position: the raw rate against the platform's funnel limits at the store's own orders.
-- Resolution figures (km_*) come from resolution_summary over the store's complaints from sources
--   publishing close dates, NULL below 25 complaints.
-- Basis (store_basis): disputes, share_escalated and dispute rates are NULL (not 0) where no source
--   records escalation on the store's platform, penalties where no source publishing penalties
--   covers it, entity_reopened_after_closure where its entity or store dates are unknown;
--   not_available_en / _zh say why, one sentence per missing fact.
-- reads: store_dispute_counts, dispute_rate_priors, funnel_parameters, resolution_summary, merchants, sources, penalties, entities, store_basis
CREATE OR REPLACE TABLE merchant_scorecard AS
WITH counts AS (
    SELECT d.*, m.name, m.name_normalised, m.category, m.entity_id, m.source_id, m.opened_on, m.closed_on,
           s.is_synthetic
    FROM store_dispute_counts d
    JOIN merchants m USING (merchant_id)
    JOIN sources s ON s.source_id = m.source_id
),
rates AS (
    SELECT c.*,
           c.orders_12m IS NOT NULL AND c.orders_12m > 0 AND coalesce(b.escalation_available, false) AS rate_available,
           least(c.disputes_12m, c.orders_12m) / nullif(c.orders_12m, 0) AS p,
           CAST(c.orders_12m AS DOUBLE) AS n,
           CASE WHEN c.orders_12m IS NULL THEN c.complaints_12m < min_records()
                ELSE c.orders_12m < min_records() END
               AS too_few_records,
           pr.prior_mean, pr.prior_size, f.p0, f.tau2 AS funnel_tau2
    FROM counts c
    LEFT JOIN dispute_rate_priors pr USING (platform, size_tier)
    LEFT JOIN funnel_parameters f USING (platform)
    LEFT JOIN store_basis b USING (merchant_id)
),
penalties_24m AS (
    SELECT merchant_id, CAST(sum(n) AS BIGINT) AS penalties_24m, map_from_entries(list({'k': sanction_type, 'v': n})) AS by_type
    FROM (
        SELECT p.merchant_id, p.sanction_type, count(*) AS n
        FROM penalties p
        JOIN store_dispute_counts d USING (merchant_id)
        WHERE p.decided_at > d.as_of - INTERVAL (long_window_months()) MONTH
        GROUP BY ALL
    )
    GROUP BY merchant_id
),
scored AS (
    SELECT r.*,
           CASE WHEN rate_available THEN wilson_low(p, n) END AS wilson_low,
           CASE WHEN rate_available THEN wilson_high(p, n) END AS wilson_high,
           CASE WHEN rate_available THEN
               (least(disputes_12m, orders_12m) + prior_mean * prior_size) / (n + prior_size) END AS shrunk
    FROM rates r
),
funnel AS (
    SELECT merchant_id,
           CASE WHEN NOT rate_available OR too_few_records OR p0 IS NULL THEN 'not_applicable'
                WHEN p > greatest(funnel_bound(p0, funnel_tau2, n, z998()),
                                  binom_quantile(0.999, n, p0) / n) THEN 'above_998'
                WHEN p > greatest(funnel_bound(p0, funnel_tau2, n, z95()),
                                  binom_quantile(0.975, n, p0) / n) THEN 'above_95'
                WHEN p < least(funnel_bound(p0, funnel_tau2, n, -z998()),
                               binom_quantile(0.001, n, p0) / n) THEN 'below_998'
                WHEN p < least(funnel_bound(p0, funnel_tau2, n, -z95()),
                               binom_quantile(0.025, n, p0) / n) THEN 'below_95'
                ELSE 'inside' END AS funnel_position
    FROM scored
)
SELECT s.merchant_id, s.name, s.name_normalised, s.platform, s.category, s.entity_id,
       e.name AS entity_name, s.size_tier, s.source_id, s.is_synthetic, s.opened_on, s.closed_on,
       s.orders_12m, s.complaints_12m, CASE WHEN b.escalation_available THEN s.disputes_12m END AS disputes_12m,
       CASE WHEN s.rate_available THEN 1000 * s.p END AS dispute_rate, 1000 * s.wilson_low AS dispute_rate_low, 1000 * s.wilson_high AS dispute_rate_high,
       1000 * s.shrunk AS shrunk_rate, s.rate_available, s.too_few_records,
       CASE WHEN b.escalation_available THEN s.disputes_12m / nullif(s.complaints_12m, 0) END AS share_escalated,
       s.resolved_12m / nullif(s.complaints_12m, 0) AS share_resolved,
       s.open_12m / nullif(s.complaints_12m, 0) AS share_open,
       CASE WHEN NOT r.too_few_records THEN r.median_days END AS km_median_days,
       CASE WHEN NOT r.too_few_records THEN r.p90_days END AS km_p90_days,
       r.median_first_response_hours,
       CASE WHEN b.penalties_available THEN coalesce(pen.penalties_24m, 0) END AS penalties_24m,
       CASE WHEN b.penalties_available THEN coalesce(pen.by_type, MAP {}::MAP(VARCHAR, BIGINT)) END
           AS penalties_24m_by_type,
       CASE WHEN s.rate_available AND NOT s.too_few_records THEN
           100 * percent_rank() OVER (
               PARTITION BY s.platform, s.category, s.size_tier,
                            s.rate_available AND NOT s.too_few_records
               ORDER BY s.shrunk) END AS peer_percentile,
       f.funnel_position,
       CASE WHEN b.entity_available AND b.store_dates_available THEN coalesce(es.reopened_after_closure, false) END
           AS entity_reopened_after_closure,
       s.as_of,
       b.trading_status, b.entity_available, b.escalation_available, b.penalties_available,
       b.close_dates_available,
       nullif(concat_ws('; ', b.orders_not_available_en, b.escalation_not_available_en, b.penalties_not_available_en,
                        b.entity_not_available_en, b.store_dates_not_available_en, b.close_dates_not_available_en), '')
           AS not_available_en,
       nullif(concat_ws('；', b.orders_not_available_zh, b.escalation_not_available_zh, b.penalties_not_available_zh,
                        b.entity_not_available_zh, b.store_dates_not_available_zh, b.close_dates_not_available_zh), '')
           AS not_available_zh
FROM scored s
JOIN funnel f USING (merchant_id)
LEFT JOIN entities e ON e.entity_id = s.entity_id
LEFT JOIN store_basis b ON b.merchant_id = s.merchant_id
LEFT JOIN resolution_summary r ON r.grouping = 'merchant' AND r.group_value = s.merchant_id
LEFT JOIN penalties_24m pen ON pen.merchant_id = s.merchant_id
LEFT JOIN (
    -- an entity reopened after a closure: one of its stores opened after another one closed
    SELECT DISTINCT a.entity_id, true AS reopened_after_closure
    FROM merchants a JOIN merchants b ON a.entity_id = b.entity_id AND a.merchant_id <> b.merchant_id
    WHERE a.closed_on IS NOT NULL AND b.opened_on > a.closed_on
) es ON es.entity_id = s.entity_id
ORDER BY s.merchant_id;

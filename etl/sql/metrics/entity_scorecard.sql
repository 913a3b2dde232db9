-- entity_scorecard: one row per legal entity (all its stores on every platform).
-- Counts as in merchant_scorecard (12-month complaints and disputes, 24-month penalties);
-- dispute_rate and its 95 % Wilson interval over the stores whose orders are known.
-- repeat_offender: 2+ penalties spread over 2+ stores, or any penalty on a store opened after
--   another of the entity's stores was closed.
-- reopened_after_closure: one of its stores opened after another one of its stores closed;
--   reopened_pairs lists them (closed store, store opened afterwards).
-- Basis (store_basis): open_stores, closed_stores, reopened_after_closure and reopened_pairs need store dates
--   (NULL when no store of the entity has a source publishing them); penalties_total and
--   repeat_offender need penalties (NULL when no source publishing penalties covers its stores);
--   not_available_en / _zh say why.
-- reads: merchants, merchant_scorecard, penalties, entities, store_basis
CREATE OR REPLACE TABLE entity_scorecard AS
WITH stores AS (
    SELECT m.entity_id, m.merchant_id, m.opened_on, m.closed_on, s.orders_12m, s.complaints_12m,
           s.disputes_12m, s.penalties_24m, b.store_dates_available, b.penalties_available,
           b.store_dates_not_available_en, b.store_dates_not_available_zh,
           b.penalties_not_available_en, b.penalties_not_available_zh
    FROM merchants m JOIN merchant_scorecard s USING (merchant_id) JOIN store_basis b USING (merchant_id)
    WHERE m.entity_id IS NOT NULL
),
reopenings AS (
    SELECT a.entity_id, list({'closed_merchant_id': a.merchant_id, 'closed_on': a.closed_on,
                              'reopened_merchant_id': b.merchant_id, 'reopened_on': b.opened_on}
                             ORDER BY a.closed_on, b.opened_on) AS reopened_pairs,
           list(DISTINCT b.merchant_id) AS reopened_stores
    FROM stores a JOIN stores b ON a.entity_id = b.entity_id AND a.merchant_id <> b.merchant_id
    WHERE a.closed_on IS NOT NULL AND b.opened_on > a.closed_on
    GROUP BY a.entity_id
),
penalised AS (
    SELECT p.entity_id, count(*) AS penalties_total, count(DISTINCT p.merchant_id) AS penalised_stores,
           count(*) FILTER (WHERE list_contains(r.reopened_stores, p.merchant_id)) AS penalties_after_reopening
    FROM penalties p
    LEFT JOIN reopenings r USING (entity_id)
    WHERE p.entity_id IS NOT NULL
    GROUP BY p.entity_id
),
totals AS (
    SELECT entity_id, count(*) AS stores,
           CASE WHEN bool_or(store_dates_available) THEN
               count(*) FILTER (WHERE closed_on IS NULL AND store_dates_available) END AS open_stores,
           CASE WHEN bool_or(store_dates_available) OR bool_or(closed_on IS NOT NULL) THEN
               count(*) FILTER (WHERE closed_on IS NOT NULL) END AS closed_stores,
           CAST(sum(complaints_12m) AS BIGINT) AS complaints_12m,
           CAST(sum(disputes_12m) AS BIGINT) AS disputes_12m,
           CAST(sum(orders_12m) AS BIGINT) AS orders_12m,
           CAST(sum(least(disputes_12m, orders_12m)) FILTER (WHERE orders_12m > 0) AS DOUBLE) AS rated_disputes,
           CAST(sum(penalties_24m) AS BIGINT) AS penalties_24m,
           bool_or(store_dates_available) AS store_dates_available,
           bool_or(penalties_available) AS penalties_available,
           CASE WHEN NOT bool_or(store_dates_available) THEN min(store_dates_not_available_en) END AS dates_en,
           CASE WHEN NOT bool_or(store_dates_available) THEN min(store_dates_not_available_zh) END AS dates_zh,
           CASE WHEN NOT bool_or(penalties_available) THEN min(penalties_not_available_en) END AS penalties_en,
           CASE WHEN NOT bool_or(penalties_available) THEN min(penalties_not_available_zh) END AS penalties_zh
    FROM stores GROUP BY entity_id
),
rated AS (
    SELECT t.*, CAST(nullif(t.orders_12m, 0) AS DOUBLE) AS n, t.rated_disputes / nullif(t.orders_12m, 0) AS p
    FROM totals t
)
SELECT e.entity_id, e.name AS entity_name, e.registration_number, r.stores, r.open_stores, r.closed_stores,
       r.complaints_12m, r.disputes_12m, r.orders_12m,
       1000 * r.p AS dispute_rate,
       1000 * wilson_low(r.p, r.n) AS dispute_rate_low,
       1000 * wilson_high(r.p, r.n) AS dispute_rate_high,
       r.penalties_24m,
       CASE WHEN r.penalties_available THEN coalesce(pe.penalties_total, 0) END AS penalties_total,
       CASE WHEN r.penalties_available THEN
           coalesce(pe.penalties_total >= 2 AND pe.penalised_stores >= 2, false)
           OR coalesce(pe.penalties_after_reopening > 0, false) END AS repeat_offender,
       CASE WHEN r.store_dates_available THEN ro.entity_id IS NOT NULL END AS reopened_after_closure,
       ro.reopened_pairs,
       r.store_dates_available, r.penalties_available,
       nullif(concat_ws('; ', r.dates_en, r.penalties_en), '') AS not_available_en,
       nullif(concat_ws('；', r.dates_zh, r.penalties_zh), '') AS not_available_zh
FROM entities e
JOIN rated r USING (entity_id)
LEFT JOIN penalised pe USING (entity_id)
LEFT JOIN reopenings ro USING (entity_id)
ORDER BY e.entity_id;

-- merchant_tiers: one row per store.
-- as_of: the store's own end of the windows, the latest as_of of the sources of its complaints,
--   penalties and monthly volumes (a store whose register came from one file and complaints from
--   another is measured up to the facts it has); a store with none of these: its register's as_of;
--   a source without as_of: the latest as_of of any source, so no store drops out.
-- Size tier per platform from an independent size measure, never from complaint counts:
--   size_measure = mean monthly orders over the months the store traded (orders > 0) in the 24
--   months ending at the store's as_of (merchant_volume): the store's size while it traded, so a
--   store closed by a sanction, or opened late, is not made 'small' by the months it was shut
--   (that would tie the tier to the very sanctions being compared). Without monthly orders: the
--   store's own size_measure/size_basis.
--   Rank within platform x size_basis (ties broken by merchant_id): share_below = (rank - 1) / n;
--   small < 0.50 <= mid < 0.90 <= large < 0.99 <= top. No measure at all: tier 'unknown'.
-- Also materialises orders_12m / orders_24m (NULL when orders are unknown) for the rate tables.
-- reads: sources, merchants, merchant_volume, complaints, penalties
CREATE OR REPLACE TABLE merchant_tiers AS
WITH fact_sources AS (
    SELECT DISTINCT merchant_id, source_id FROM complaints
    UNION SELECT DISTINCT merchant_id, source_id FROM penalties
    UNION SELECT DISTINCT merchant_id, source_id FROM merchant_volume
),
fact_as_of AS (
    SELECT f.merchant_id, max(s.as_of) AS as_of
    FROM fact_sources f JOIN sources s USING (source_id)
    GROUP BY f.merchant_id
),
store_windows AS (
    SELECT m.merchant_id,
           coalesce(f.as_of, s.as_of, (SELECT max(as_of) FROM sources)) AS as_of
    FROM merchants m
    LEFT JOIN fact_as_of f USING (merchant_id)
    LEFT JOIN sources s ON s.source_id = m.source_id
),
windows AS (
    SELECT merchant_id, as_of,
           CAST(date_trunc('month', as_of) - INTERVAL (short_window_months() - 1) MONTH AS DATE) AS orders_from_12m,
           CAST(date_trunc('month', as_of) - INTERVAL (long_window_months() - 1) MONTH AS DATE) AS orders_from_24m
    FROM store_windows
),
volume AS (
    SELECT v.merchant_id,
           sum(v.orders) FILTER (WHERE v.period >= w.orders_from_12m) AS orders_12m,
           sum(v.orders) FILTER (WHERE v.period >= w.orders_from_24m) AS orders_24m,
           count(v.orders) AS months_with_orders,
           avg(v.orders) FILTER (WHERE v.period >= w.orders_from_24m AND v.orders > 0) AS mean_monthly_orders
    FROM merchant_volume v
    JOIN windows w USING (merchant_id)
    WHERE v.period <= w.as_of
    GROUP BY v.merchant_id
),
measured AS (
    SELECT m.merchant_id, m.platform, m.source_id, w.as_of,
           CASE WHEN vol.months_with_orders > 0 THEN coalesce(vol.mean_monthly_orders, 0)
                ELSE m.size_measure END AS size_measure,
           CASE WHEN vol.months_with_orders > 0 THEN 'orders'
                WHEN m.size_measure IS NOT NULL THEN m.size_basis END AS size_basis,
           CASE WHEN vol.months_with_orders > 0 THEN coalesce(vol.orders_12m, 0) END AS orders_12m,
           CASE WHEN vol.months_with_orders > 0 THEN coalesce(vol.orders_24m, 0) END AS orders_24m
    FROM merchants m
    JOIN windows w USING (merchant_id)
    LEFT JOIN volume vol USING (merchant_id)
),
ranked AS (
    SELECT *,
           CASE WHEN size_measure IS NOT NULL THEN
               (row_number() OVER (PARTITION BY platform, size_basis ORDER BY size_measure, merchant_id) - 1)
               / count(*) OVER (PARTITION BY platform, size_basis)
           END AS share_below
    FROM measured
)
SELECT merchant_id, platform, size_measure, size_basis,
       CASE WHEN share_below IS NULL THEN 'unknown'
            WHEN share_below < 0.50 THEN 'small'
            WHEN share_below < 0.90 THEN 'mid'
            WHEN share_below < 0.99 THEN 'large'
            ELSE 'top' END AS size_tier,
       share_below AS size_share_below,
       orders_12m, orders_24m, source_id, as_of
FROM ranked;

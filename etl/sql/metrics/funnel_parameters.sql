-- funnel_parameters: one row per platform; the centre and spread of its funnel plot.
-- Funnel plot (Spiegelhalter 2005) around the platform-wide rate p0 = sum(disputes) / sum(orders)
-- over stores with at least 25 orders (min_records):
--   arcsine scale y = asin(sqrt(x / n)), target asin(sqrt(p0)), s = 1 / (2 sqrt(n));
--   z = (y - target) / s winsorised at its 10th / 90th percentiles, phi = mean(z^2);
--   tau2 = max(0, (k phi - (k - 1)) / (sum w - sum w^2 / sum w)), w = 1 / s^2 (additive random effect).
-- reads: store_dispute_counts
CREATE OR REPLACE TABLE funnel_parameters AS
WITH eligible AS (
    SELECT platform, orders_12m AS n, least(disputes_12m, orders_12m) AS x
    FROM store_dispute_counts
    WHERE orders_12m >= min_records()
),
target AS (
    SELECT platform, sum(x) / sum(n) AS p0, count(*) AS stores, max(n) AS max_orders
    FROM eligible GROUP BY platform
),
scored AS (
    SELECT e.platform, e.n, 4.0 * e.n AS w,
           (asin(sqrt(e.x / e.n)) - asin(sqrt(t.p0))) * 2 * sqrt(e.n) AS z
    FROM eligible e JOIN target t USING (platform)
),
cuts AS (
    SELECT platform, quantile_cont(z, 0.1) AS z10, quantile_cont(z, 0.9) AS z90 FROM scored GROUP BY platform
),
dispersion AS (
    SELECT s.platform, avg(pow(least(greatest(s.z, c.z10), c.z90), 2)) AS phi,
           sum(s.w) AS sum_w, sum(s.w * s.w) AS sum_w2, count(*) AS k
    FROM scored s JOIN cuts c USING (platform)
    GROUP BY s.platform
)
SELECT t.platform, t.p0, t.stores, t.max_orders, d.phi,
       CASE WHEN d.k * d.phi > d.k - 1
            THEN (d.k * d.phi - (d.k - 1)) / (d.sum_w - d.sum_w2 / d.sum_w) ELSE 0 END AS tau2
FROM target t JOIN dispersion d USING (platform);

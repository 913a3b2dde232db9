-- store_dispute_counts: store; funnel_parameters: platform; funnel_limits: platform x order volume.
-- Dispute = complaint escalated to platform arbitration (platform_intervened), filed in the 12
-- months ending at as_of; orders over the same months (merchant_tiers.orders_12m; NULL = unknown).
-- Funnel plot (Spiegelhalter 2005) around the platform-wide rate p0 = sum(disputes) / sum(orders)
-- over stores with at least 25 orders:
--   arcsine scale y = asin(sqrt(x / n)), target asin(sqrt(p0)), s = 1 / (2 sqrt(n));
--   z = (y - target) / s winsorised at its 10th / 90th percentiles, phi = mean(z^2);
--   tau2 = max(0, (k phi - (k - 1)) / (sum w - sum w^2 / sum w)), w = 1 / s^2 (additive random effect);
--   limits target +- z_a sqrt(s^2 + tau2), back-transformed with sin^2, for z_a = 1.96 and 3.09;
--   widened, where counts are small, to the exact binomial quantiles of Binomial(n, p0).
CREATE OR REPLACE TABLE store_dispute_counts AS
SELECT t.merchant_id, t.platform, t.size_tier, t.orders_12m,
       count(c.merchant_id) AS complaints_12m,
       count(c.merchant_id) FILTER (WHERE c.platform_intervened) AS disputes_12m,
       count(c.merchant_id) FILTER (WHERE c.status = 'resolved') AS resolved_12m,
       count(c.merchant_id) FILTER (WHERE c.status = 'open') AS open_12m
FROM merchant_tiers t
JOIN sources s ON s.source_id = t.source_id
LEFT JOIN complaints c ON c.merchant_id = t.merchant_id AND c.filed_at > s.as_of - INTERVAL 12 MONTH
GROUP BY ALL;

CREATE OR REPLACE TEMP MACRO funnel_bound(p0, tau2, n, z) AS
    pow(sin(least(pi() / 2, greatest(0, asin(sqrt(p0)) + z * sqrt(1 / (4 * n) + tau2)))), 2);

CREATE OR REPLACE TABLE funnel_parameters AS
WITH eligible AS (
    SELECT platform, orders_12m AS n, least(disputes_12m, orders_12m) AS x
    FROM store_dispute_counts
    WHERE orders_12m >= 25
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

CREATE OR REPLACE TABLE funnel_limits AS
WITH grid AS (
    SELECT p.*, round(25 * pow(greatest(p.max_orders, 26) / 25.0, i / 199.0)) AS orders
    FROM funnel_parameters p, range(200) r(i)
),
bounds AS (
    SELECT platform, orders, p0, phi, tau2,
           funnel_bound(p0, tau2, orders, -1.959963984540054) AS adj_lower_95,
           funnel_bound(p0, tau2, orders, 1.959963984540054) AS adj_upper_95,
           funnel_bound(p0, tau2, orders, -3.090232306167813) AS adj_lower_998,
           funnel_bound(p0, tau2, orders, 3.090232306167813) AS adj_upper_998,
           binom_quantile(0.025, orders, p0) / orders AS exact_lower_95,
           binom_quantile(0.975, orders, p0) / orders AS exact_upper_95,
           binom_quantile(0.001, orders, p0) / orders AS exact_lower_998,
           binom_quantile(0.999, orders, p0) / orders AS exact_upper_998
    FROM (SELECT DISTINCT platform, orders, p0, phi, tau2 FROM grid)
)
SELECT platform, orders, 1000 * p0 AS expected_rate,
       1000 * least(adj_lower_95, exact_lower_95) AS lower_95,
       1000 * greatest(adj_upper_95, exact_upper_95) AS upper_95,
       1000 * least(adj_lower_998, exact_lower_998) AS lower_998,
       1000 * greatest(adj_upper_998, exact_upper_998) AS upper_998,
       phi, tau2
FROM bounds
ORDER BY platform, orders;

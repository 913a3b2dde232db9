-- funnel_limits: platform x order volume (200 grid points from min_records orders up to the
-- platform's largest store).
-- Limits target +- z_a sqrt(s^2 + tau2) around funnel_parameters' p0, back-transformed with sin^2
-- (funnel_bound), for z_a = z95 and z998; widened, where counts are small, to the exact binomial
-- quantiles of Binomial(n, p0). Rates per 1,000 orders.
-- reads: funnel_parameters
CREATE OR REPLACE TABLE funnel_limits AS
WITH grid AS (
    SELECT p.*,
           round(min_records() * pow(greatest(p.max_orders, min_records() + 1) / CAST(min_records() AS DOUBLE),
                                     i / 199.0)) AS orders
    FROM funnel_parameters p, range(200) r(i)
),
bounds AS (
    SELECT platform, orders, p0, phi, tau2,
           funnel_bound(p0, tau2, orders, -z95()) AS adj_lower_95,
           funnel_bound(p0, tau2, orders, z95()) AS adj_upper_95,
           funnel_bound(p0, tau2, orders, -z998()) AS adj_lower_998,
           funnel_bound(p0, tau2, orders, z998()) AS adj_upper_998,
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

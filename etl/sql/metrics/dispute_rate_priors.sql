-- dispute_rate_priors: platform x size tier; the beta-binomial prior that merchant_scorecard's
-- shrunk_rate pulls each store's dispute rate towards (empirical Bayes).
-- Fitted by the method of moments over the stores with known orders: m = sum x / sum n;
-- tau2 = (sum n (x/n - m)^2 - (k - 1) m (1 - m)) / (sum n - sum n^2 / sum n); a + b = m (1 - m) / tau2 - 1.
-- reads: store_dispute_counts
CREATE OR REPLACE TABLE dispute_rate_priors AS
WITH stores AS (
    SELECT platform, size_tier, orders_12m AS n, least(disputes_12m, orders_12m) AS x
    FROM store_dispute_counts WHERE orders_12m > 0
),
pooled AS (
    SELECT platform, size_tier, sum(x) / sum(n) AS m, count(*) AS k, sum(n) AS sum_n, sum(n * n) AS sum_n2
    FROM stores GROUP BY ALL
),
moments AS (
    SELECT p.platform, p.size_tier, p.m, p.k,
           (sum(s.n * pow(s.x / s.n - p.m, 2)) - (p.k - 1) * p.m * (1 - p.m))
               / nullif(p.sum_n - p.sum_n2 / p.sum_n, 0) AS tau2
    FROM pooled p JOIN stores s USING (platform, size_tier)
    GROUP BY p.platform, p.size_tier, p.m, p.k, p.sum_n, p.sum_n2
)
SELECT platform, size_tier, m AS prior_mean, k AS stores, greatest(tau2, 0) AS tau2,
       -- no detectable heterogeneity: a (practically) infinite prior sample, every store gets m
       CASE WHEN tau2 > 0 AND m > 0 THEN greatest(m * (1 - m) / tau2 - 1, 1e-6) ELSE 1e12 END AS prior_size
FROM moments;

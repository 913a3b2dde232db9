-- Constants and formulas the metric files share, each written once. etl/metrics.py runs this file
-- first; the macros are TEMP (they live on the build connection only), so the published warehouse
-- holds tables alone. metric_parameters publishes the constants that readers need.

-- Two-sided standard normal quantiles: z95 for 95 % intervals (upper 2.5 % point), z998 for
-- 99.8 % (upper 0.1 % point), the funnel plot's two pairs of limits.
CREATE OR REPLACE TEMP MACRO z95() AS 1.959963984540054;
CREATE OR REPLACE TEMP MACRO z998() AS 3.090232306167813;

-- Fewer records than this (orders, complaints or penalties, as each table says) are too few to
-- judge: a rate, a median or a comparison on fewer would mostly show noise.
CREATE OR REPLACE TEMP MACRO min_records() AS 25;

-- Windows, in months, ending at the source's as_of. Short: complaints, disputes and the orders
-- behind dispute rates. Long: penalties (rarer, so a longer window), the complaints and orders they
-- are set against, and the size measure behind size tiers.
CREATE OR REPLACE TEMP MACRO short_window_months() AS 12;
CREATE OR REPLACE TEMP MACRO long_window_months() AS 24;

-- 95 % Wilson score interval of a proportion p out of n (closed form), clamped to [0, 1]: at p = 0
-- or 1 the two terms cancel only up to rounding (-2e-16, 1.0000000000000002 without the clamp).
CREATE OR REPLACE TEMP MACRO wilson_low(p, n) AS greatest(0.0, least(1.0,
    (p + z95() ^ 2 / (2 * n) - z95() * sqrt(p * (1 - p) / n + z95() ^ 2 / (4 * n * n))) / (1 + z95() ^ 2 / n)));
CREATE OR REPLACE TEMP MACRO wilson_high(p, n) AS greatest(0.0, least(1.0,
    (p + z95() ^ 2 / (2 * n) + z95() * sqrt(p * (1 - p) / n + z95() ^ 2 / (4 * n * n))) / (1 + z95() ^ 2 / n)));

-- Funnel limit at z for a store with n orders around the platform rate p0, with the additive random
-- effect tau2, on the arcsine scale, back-transformed with sin^2 (see funnel_limits.sql).
CREATE OR REPLACE TEMP MACRO funnel_bound(p0, tau2, n, z) AS
    pow(sin(least(pi() / 2, greatest(0, asin(sqrt(p0)) + z * sqrt(1 / (4 * n) + tau2)))), 2);

-- "not available: <sources> does not publish <fact>", the sentence every figure without a basis
-- shows instead of a number (store_basis, platform_basis, source_basis). `names` lists the sources
-- (comma-separated), `n` how many there are; `label_en` / `label_zh` come from basis_facts.
CREATE OR REPLACE TEMP MACRO not_published_en(names, n, label_en) AS
    'not available: ' || coalesce(names, 'no source')
    || CASE WHEN n > 1 THEN ' do not publish ' ELSE ' does not publish ' END || label_en;
CREATE OR REPLACE TEMP MACRO not_published_zh(names, label_zh) AS
    '不可用：' || coalesce(names, '没有数据来源') || ' 未公布' || label_zh;
-- The store's sources publish the fact, but none of them records it for this store.
CREATE OR REPLACE TEMP MACRO not_recorded_en(label_en) AS 'not available: no ' || label_en || ' recorded for this store';
CREATE OR REPLACE TEMP MACRO not_recorded_zh(label_zh) AS '不可用：本店没有' || label_zh || '记录';

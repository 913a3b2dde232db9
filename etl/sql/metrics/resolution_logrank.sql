-- resolution_logrank: one row per grouping (size_tier, category, platform; not per store).
-- Log-rank test of equal resolution hazards across the groups of the grouping:
-- U_g = sum_t (d_gt - n_gt d_t / n_t), V_gh = sum_t d_t (n_t - d_t) / (n_t - 1) * n_gt / n_t
-- * (1[g = h] - n_ht / n_t); chi2 = U' V^- U with k - 1 degrees of freedom.
-- computable: at least two groups with resolutions to compare; otherwise chi2, df and p_value are
-- NULL (never "0 on 0 df, p = nan") and not_computable_en / _zh say why.
-- reads: resolution_curves
CREATE OR REPLACE TABLE resolution_logrank AS
WITH curve AS (
    SELECT grouping, group_value, day, resolved, resolved + competing + censored AS leaving
    FROM resolution_curves
    WHERE grouping IN ('size_tier', 'category', 'platform')
),
grid AS (
    SELECT g.grouping, g.group_value, d.day, coalesce(c.resolved, 0) AS resolved,
           coalesce(c.leaving, 0) AS leaving
    FROM (SELECT DISTINCT grouping, group_value FROM curve) g
    JOIN (SELECT DISTINCT grouping, day FROM curve) d USING (grouping)
    LEFT JOIN curve c USING (grouping, group_value, day)
),
risk AS (
    SELECT grouping, group_value, day, resolved,
           sum(leaving) OVER grp - coalesce(sum(leaving) OVER before, 0) AS n_g
    FROM grid
    WINDOW grp AS (PARTITION BY grouping, group_value),
           before AS (PARTITION BY grouping, group_value ORDER BY day
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
totals AS (
    SELECT *, sum(resolved) OVER day_ AS d, sum(n_g) OVER day_ AS n
    FROM risk
    WINDOW day_ AS (PARTITION BY grouping, day)
),
scores AS (
    SELECT grouping, group_value, sum(resolved - n_g * d / n) AS u
    FROM totals WHERE n > 0
    GROUP BY ALL
),
covariance AS (
    SELECT g.grouping, g.group_value AS g_value, h.group_value AS h_value,
           sum(CASE WHEN g.n > 1 THEN g.d * (g.n - g.d) / (g.n - 1) * g.n_g / g.n
                    * ((CASE WHEN g.group_value = h.group_value THEN 1 ELSE 0 END) - h.n_g / g.n)
                    ELSE 0 END) AS v
    FROM totals g
    JOIN totals h ON h.grouping = g.grouping AND h.day = g.day
    GROUP BY ALL
),
assembled AS (
    SELECT s.grouping,
           list(s.group_value ORDER BY s.group_value) AS groups,
           list(s.u ORDER BY s.group_value) AS u,
           (SELECT list(v ORDER BY g_value, h_value) FROM covariance c WHERE c.grouping = s.grouping) AS v
    FROM scores s
    GROUP BY s.grouping
),
tested AS (
    SELECT grouping, groups, quad_form(u, v) AS chi2, len(groups) - 1 AS df,
           chi2_sf(quad_form(u, v), len(groups) - 1) AS p_value
    FROM assembled
)
SELECT grouping, groups,
       CASE WHEN p_value IS NOT NULL THEN chi2 END AS chi2,
       CASE WHEN p_value IS NOT NULL THEN df END AS df,
       p_value,
       p_value IS NOT NULL AS computable,
       CASE WHEN p_value IS NULL THEN
           'not computable: ' || CASE WHEN df < 1 THEN 'only one group has complaints with close dates'
                                      ELSE 'no complaint was resolved in these groups' END END AS not_computable_en,
       CASE WHEN p_value IS NULL THEN
           '无法计算：' || CASE WHEN df < 1 THEN '只有一个组有带结案日期的投诉'
                                ELSE '这些组中没有已解决的投诉' END END AS not_computable_zh
FROM tested
ORDER BY grouping;

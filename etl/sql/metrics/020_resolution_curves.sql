-- resolution_curves: grouping x group x day; resolution_summary: grouping x group;
-- resolution_logrank: grouping.
-- Time to resolution of every complaint in the warehouse, in whole days after filing:
--   resolved (status 'resolved'):          event at ceil((closed_at - filed_at) / 1 day);
--   withdrawn or closed_unresolved:        competing outcome at ceil(...): NOT a resolution; the
--                                          Kaplan-Meier curve censors them there (cause-specific);
--   still open:                            right-censored at floor((as_of - filed_at) / 1 day),
--                                          the last whole day we have seen them unresolved.
-- Kaplan-Meier S(t) = exp(sum ln(1 - d/n)) (0 from the first day with d = n); Greenwood variance;
-- 95 % log-log band S^exp(+-1.96 se), se = sqrt(greenwood) / |ln S|.
-- cumulative_resolved / cumulative_competing: Aalen-Johansen cumulative incidence, i.e. the share
-- of ALL complaints resolved (or withdrawn/closed unresolved) by day t, open ones censored; the
-- honest "share resolved within 7 / 30 days".
-- grouping 'category' is the complaint category; 'size_tier' and 'platform' are the store's.
CREATE OR REPLACE TABLE resolution_curves AS
WITH as_of AS (
    SELECT source_id, as_of FROM sources
),
durations AS (
    SELECT c.merchant_id, c.platform, c.category, coalesce(t.size_tier, 'unknown') AS size_tier,
           CASE WHEN c.status IN ('resolved', 'withdrawn', 'closed_unresolved') AND c.closed_at IS NOT NULL
                THEN greatest(0, ceil(date_diff('second', c.filed_at, c.closed_at) / 86400.0))
                ELSE greatest(0, floor(date_diff('second', c.filed_at, a.as_of) / 86400.0)) END AS day,
           (c.status = 'resolved' AND c.closed_at IS NOT NULL) AS is_resolved,
           (c.status IN ('withdrawn', 'closed_unresolved') AND c.closed_at IS NOT NULL) AS is_competing
    FROM complaints c
    JOIN as_of a ON a.source_id = c.source_id
    LEFT JOIN merchant_tiers t USING (merchant_id)
),
counts AS (
    SELECT CASE WHEN grouping(merchant_id) = 0 THEN 'merchant'
                WHEN grouping(size_tier) = 0 THEN 'size_tier'
                WHEN grouping(category) = 0 THEN 'category'
                WHEN grouping(platform) = 0 THEN 'platform'
                ELSE 'all' END AS grouping,
           coalesce(merchant_id, size_tier, category, platform, 'all') AS group_value,
           CAST(day AS DOUBLE) AS day,
           count(*) FILTER (WHERE is_resolved) AS resolved,
           count(*) FILTER (WHERE is_competing) AS competing,
           count(*) FILTER (WHERE NOT is_resolved AND NOT is_competing) AS censored,
           count(*) AS leaving
    FROM durations
    GROUP BY GROUPING SETS ((day), (size_tier, day), (category, day), (platform, day), (merchant_id, day))
),
at_risk AS (
    SELECT *,
           sum(leaving) OVER grp - coalesce(sum(leaving) OVER before, 0) AS at_risk
    FROM counts
    WINDOW grp AS (PARTITION BY grouping, group_value),
           before AS (PARTITION BY grouping, group_value ORDER BY day
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
steps AS (
    SELECT *,
           CASE WHEN sum(CASE WHEN resolved >= at_risk THEN 1 ELSE 0 END) OVER upto > 0 THEN 0.0
                ELSE exp(sum(CASE WHEN resolved < at_risk THEN ln(1 - resolved / at_risk) ELSE 0 END) OVER upto)
           END AS survival,
           sum(CASE WHEN resolved < at_risk THEN resolved / (at_risk * (at_risk - resolved)) ELSE 0 END)
               OVER upto AS greenwood,
           CASE WHEN sum(CASE WHEN resolved + competing >= at_risk THEN 1 ELSE 0 END) OVER upto > 0 THEN 0.0
                ELSE exp(sum(CASE WHEN resolved + competing < at_risk
                                  THEN ln(1 - (resolved + competing) / at_risk) ELSE 0 END) OVER upto)
           END AS any_closure_survival
    FROM at_risk
    WINDOW upto AS (PARTITION BY grouping, group_value ORDER BY day
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
incidence AS (
    SELECT *,
           sum(coalesce(lag_any, 1.0) * resolved / at_risk) OVER upto AS cumulative_resolved,
           sum(coalesce(lag_any, 1.0) * competing / at_risk) OVER upto AS cumulative_competing
    FROM (SELECT *, lag(any_closure_survival) OVER (PARTITION BY grouping, group_value ORDER BY day) AS lag_any
          FROM steps)
    WINDOW upto AS (PARTITION BY grouping, group_value ORDER BY day
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT grouping, group_value, day, at_risk, resolved, competing, censored,
       survival,
       CASE WHEN survival <= 0 OR survival >= 1 THEN survival
            ELSE survival ** exp(1.959963984540054 * sqrt(greenwood) / abs(ln(survival))) END AS ci_low,
       CASE WHEN survival <= 0 THEN 0.0 WHEN survival >= 1 THEN 1.0
            ELSE survival ** exp(-1.959963984540054 * sqrt(greenwood) / abs(ln(survival))) END AS ci_high,
       cumulative_resolved, cumulative_competing, greenwood
FROM incidence
ORDER BY grouping, group_value, day;

-- Medians and the 90th percentile are the first day the curve (or its band) is at or below
-- 0.5 / 0.1; NULL when it never gets there. Below 25 complaints: too_few_records.
CREATE OR REPLACE TABLE resolution_summary AS
WITH curve AS (
    SELECT grouping, group_value,
           CAST(sum(resolved + competing + censored) AS BIGINT) AS complaints,
           CAST(sum(censored) AS BIGINT) AS still_open,
           CAST(sum(resolved) AS BIGINT) AS resolved,
           CAST(sum(competing) AS BIGINT) AS competing,
           min(day) FILTER (WHERE survival <= 0.5) AS median_days,
           min(day) FILTER (WHERE ci_low <= 0.5) AS median_low,
           min(day) FILTER (WHERE ci_high <= 0.5) AS median_high,
           min(day) FILTER (WHERE survival <= 0.1) AS p90_days,
           coalesce(max(cumulative_resolved) FILTER (WHERE day <= 7), 0) AS share_resolved_7d,
           coalesce(max(cumulative_resolved) FILTER (WHERE day <= 30), 0) AS share_resolved_30d
    FROM resolution_curves
    GROUP BY ALL
),
response AS (
    SELECT CASE WHEN grouping(c.merchant_id) = 0 THEN 'merchant'
                WHEN grouping(t.size_tier) = 0 THEN 'size_tier'
                WHEN grouping(c.category) = 0 THEN 'category'
                WHEN grouping(c.platform) = 0 THEN 'platform'
                ELSE 'all' END AS grouping,
           coalesce(c.merchant_id, t.size_tier, c.category, c.platform, 'all') AS group_value,
           median(date_diff('second', c.filed_at, c.first_response_at) / 3600.0) AS median_first_response_hours,
           count(c.first_response_at) AS responses
    FROM complaints c
    LEFT JOIN merchant_tiers t USING (merchant_id)
    WHERE c.first_response_at IS NOT NULL
    GROUP BY GROUPING SETS ((), (t.size_tier), (c.category), (c.platform), (c.merchant_id))
)
SELECT curve.*, response.median_first_response_hours, coalesce(response.responses, 0) AS responses,
       curve.complaints < 25 AS too_few_records
FROM curve
LEFT JOIN response USING (grouping, group_value)
ORDER BY grouping, group_value;

-- Log-rank test of equal resolution hazards across the groups of each grouping (not per store):
-- U_g = sum_t (d_gt - n_gt d_t / n_t), V_gh = sum_t d_t (n_t - d_t) / (n_t - 1) * n_gt / n_t
-- * (1[g = h] - n_ht / n_t); chi2 = U' V^- U with k - 1 degrees of freedom.
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
)
SELECT grouping, groups, quad_form(u, v) AS chi2, len(groups) - 1 AS df,
       chi2_sf(quad_form(u, v), len(groups) - 1) AS p_value
FROM assembled
ORDER BY grouping;

-- resolution_curves: grouping x group x day.
-- Time to resolution of every complaint in the warehouse, in whole days after filing:
--   resolved (status 'resolved'):          event at ceil((closed_at - filed_at) / 1 day);
--   withdrawn or closed_unresolved:        competing outcome at ceil(...): NOT a resolution; the
--                                          Kaplan-Meier curve censors them there (cause-specific);
--   still open:                            right-censored at floor((as_of - filed_at) / 1 day),
--                                          the last whole day we have seen them unresolved.
-- Kaplan-Meier S(t) = exp(sum ln(1 - d/n)) (0 from the first day with d = n); Greenwood variance;
-- 95 % log-log band S^exp(+-z95 se), se = sqrt(greenwood) / |ln S|.
-- cumulative_resolved / cumulative_competing: Aalen-Johansen cumulative incidence, i.e. the share
-- of ALL complaints resolved (or withdrawn/closed unresolved) by day t, open ones censored; the
-- honest "share resolved within 7 / 30 days".
-- grouping 'category' is the complaint category; 'size_tier' and 'platform' are the store's.
-- Only complaints whose source publishes close dates (source_facts 'complaint_close_dates'): from
-- any other source a complaint without a close date is not known to be open, and counting it as
-- open forever would draw a curve at 100 % unresolved. A group with none of them has no rows.
-- reads: sources, complaints, merchant_tiers, source_facts
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
    JOIN source_facts f ON f.source_id = c.source_id AND f.fact = 'complaint_close_dates' AND f.published
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
            ELSE survival ** exp(z95() * sqrt(greenwood) / abs(ln(survival))) END AS ci_low,
       CASE WHEN survival <= 0 THEN 0.0 WHEN survival >= 1 THEN 1.0
            ELSE survival ** exp(-z95() * sqrt(greenwood) / abs(ln(survival))) END AS ci_high,
       cumulative_resolved, cumulative_competing, greenwood
FROM incidence
ORDER BY grouping, group_value, day;

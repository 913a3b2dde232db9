-- penalty_consistency_test: comparison (violation type or 'all') x tier (top, large) vs small.
-- Outcome: a sanction of demotion or worse (severity >= 3) rather than a warning or point deduction.
-- Mantel-Haenszel common odds ratio, tier vs small: stratified by platform within a violation
-- type, and by violation type x platform for the pooled row ('all'), so only like is compared
-- with like. OR = sum(a d / n) / sum(b c / n); variance of ln OR by Robins-Breslow-Greenland.
-- Under the proportional-odds model any cut of the ordinal scale estimates the same cumulative
-- odds ratio; this cut is near the middle of the scale, where the test has most power.
-- ci_low / ci_high: 95 %. flagged: the simultaneous (Bonferroni over every comparison in this
-- table) 95 % interval excludes 1, so that with no real difference the table as a whole raises a
-- false flag at most 5 % of the time. Fewer than 25 penalties (min_records) on either side: not
-- enough data.
-- Penalties decided in the 24 months ending at the store's as_of (merchant_tiers.as_of).
-- computable: false on the one row left when nothing can be compared at all (no penalties, or no
-- penalised store of a known size tier); its sentences say why, naming what no source publishes
-- (source_basis), and every figure of it is NULL.
-- reads: penalties, merchant_tiers, sanction_scale, violation_types, source_basis
CREATE OR REPLACE TABLE penalty_consistency_test AS
WITH recent AS (
    SELECT p.violation_type, p.merchant_id, t.platform, t.size_tier, sc.severity >= 3 AS severe
    FROM penalties p
    JOIN merchant_tiers t USING (merchant_id)
    JOIN sanction_scale sc USING (sanction_type)
    WHERE p.decided_at > t.as_of - INTERVAL (long_window_months()) MONTH AND t.size_tier IN ('small', 'large', 'top')
),
comparisons AS (
    SELECT violation_type AS comparison, platform AS stratum, size_tier, severe FROM recent
    UNION ALL
    SELECT 'all', violation_type || '/' || platform, size_tier, severe FROM recent
),
cells AS (
    SELECT c.comparison, c.stratum, tier.size_tier,
           count(*) FILTER (WHERE c.size_tier = tier.size_tier AND c.severe) AS a,
           count(*) FILTER (WHERE c.size_tier = tier.size_tier AND NOT c.severe) AS b,
           count(*) FILTER (WHERE c.size_tier = 'small' AND c.severe) AS c,
           count(*) FILTER (WHERE c.size_tier = 'small' AND NOT c.severe) AS d
    FROM comparisons c, (VALUES ('top'), ('large')) tier(size_tier)
    GROUP BY ALL
),
strata AS (
    SELECT *, CAST(a + b + c + d AS DOUBLE) AS n FROM cells WHERE a + b + c + d > 0
),
terms AS (
    SELECT *, (a + d) / n AS p_, (b + c) / n AS q_, a * d / n AS r_, b * c / n AS s_ FROM strata
),
pooled AS (
    SELECT comparison, size_tier,
           sum(r_) AS r, sum(s_) AS s,
           sum(p_ * r_) AS pr, sum(p_ * s_ + q_ * r_) AS ps_qr, sum(q_ * s_) AS qs,
           CAST(sum(a + b) AS BIGINT) AS tier_penalties, CAST(sum(c + d) AS BIGINT) AS small_penalties,
           CAST(sum(a) AS BIGINT) AS tier_severe, CAST(sum(c) AS BIGINT) AS small_severe
    FROM terms GROUP BY ALL
),
estimates AS (
    SELECT *,
           CASE WHEN r > 0 AND s > 0 THEN ln(r / s) END AS log_or,
           CASE WHEN r > 0 AND s > 0 THEN sqrt(pr / (2 * r * r) + ps_qr / (2 * r * s) + qs / (2 * s * s)) END AS se,
           tier_penalties >= min_records() AND small_penalties >= min_records() AND r > 0 AND s > 0 AS enough_data
    FROM pooled
),
family AS (
    SELECT *, normal_ppf(1 - 0.025 / (count(*) FILTER (WHERE enough_data) OVER ())) AS z_simultaneous
    FROM estimates
),
tested AS (
    SELECT f.*,
           exp(log_or) AS odds_ratio,
           exp(log_or - z95() * se) AS ci_low,
           exp(log_or + z95() * se) AS ci_high,
           exp(log_or - z_simultaneous * se) AS ci_low_simultaneous,
           exp(log_or + z_simultaneous * se) AS ci_high_simultaneous,
           2 * normal_sf(abs(log_or / se)) AS p_value,
           coalesce(enough_data AND (exp(log_or - z_simultaneous * se) > 1 OR exp(log_or + z_simultaneous * se) < 1),
                    false) AS flagged,
           CASE WHEN f.comparison = 'all' THEN 'the same violation type'
                ELSE 'the same violation (' || lower(v.label_en) || ')' END AS what_en,
           CASE WHEN f.comparison = 'all' THEN '同类违规' ELSE '同样的违规（' || v.label_zh || '）' END AS what_zh,
           CASE f.size_tier WHEN 'top' THEN 'top-tier' ELSE 'large' END AS tier_en,
           CASE f.size_tier WHEN 'top' THEN '头部' ELSE '大型' END AS tier_zh
    FROM family f
    LEFT JOIN violation_types v ON v.violation_type = f.comparison
),
sentences AS (
SELECT comparison AS violation_type, size_tier, 'small' AS reference_tier,
       'Mantel-Haenszel odds ratio of demotion or worse, RGB variance, strata: '
           || CASE WHEN comparison = 'all' THEN 'violation type x platform' ELSE 'platform' END AS method,
       odds_ratio, ci_low, ci_high, p_value, tier_penalties + small_penalties AS penalties,
       flagged, ci_low_simultaneous, ci_high_simultaneous, tier_penalties, small_penalties,
       tier_severe, small_severe, log_or, se, enough_data,
       CASE WHEN NOT enough_data THEN
                'Not enough data to compare ' || tier_en || ' and small stores for ' || what_en
                || ' (fewer than ' || min_records() || ' penalties on one side).'
            WHEN flagged AND odds_ratio < 1 THEN
                'For ' || what_en || ', ' || tier_en || ' stores were ' || printf('%.2f', 1 / odds_ratio)
                || ' times as likely (in odds) as small stores to get off with a warning or point deduction'
                || ' rather than demotion or worse (odds ratio ' || printf('%.2f', odds_ratio) || ', 95 % CI '
                || printf('%.2f', ci_low) || '-' || printf('%.2f', ci_high) || ').'
            WHEN flagged THEN
                'For ' || what_en || ', ' || tier_en || ' stores were ' || printf('%.2f', odds_ratio)
                || ' times as likely (in odds) as small stores to get demotion or worse (95 % CI '
                || printf('%.2f', ci_low) || '-' || printf('%.2f', ci_high) || ').'
            ELSE 'No difference detectable with these data between ' || tier_en || ' and small stores for '
                || what_en || ' (odds ratio ' || printf('%.2f', odds_ratio) || ', 95 % CI '
                || printf('%.2f', ci_low) || '-' || printf('%.2f', ci_high) || ').'
       END AS sentence_en,
       CASE WHEN NOT enough_data THEN
                '数据不足，无法比较' || tier_zh || '店铺与小店铺在' || what_zh || '上的处罚（一方少于 ' || min_records() || ' 条处罚）。'
            WHEN flagged AND odds_ratio < 1 THEN
                '对于' || what_zh || '，' || tier_zh || '店铺只受警告或扣分（而非降权及以上处罚）的几率是小店铺的 '
                || printf('%.2f', 1 / odds_ratio) || ' 倍（优势比 ' || printf('%.2f', odds_ratio) || '，95% 置信区间 '
                || printf('%.2f', ci_low) || '-' || printf('%.2f', ci_high) || '）。'
            WHEN flagged THEN
                '对于' || what_zh || '，' || tier_zh || '店铺受到降权及以上处罚的几率是小店铺的 '
                || printf('%.2f', odds_ratio) || ' 倍（95% 置信区间 ' || printf('%.2f', ci_low) || '-'
                || printf('%.2f', ci_high) || '）。'
            ELSE '现有数据未发现' || tier_zh || '店铺与小店铺在' || what_zh || '上的处罚有差异（优势比 '
                || printf('%.2f', odds_ratio) || '，95% 置信区间 ' || printf('%.2f', ci_low) || '-'
                || printf('%.2f', ci_high) || '）。'
       END AS sentence_zh
FROM tested
),
basis AS (
    SELECT any_value(available) FILTER (WHERE fact = 'penalties') AS penalties,
           any_value(not_available_en) FILTER (WHERE fact = 'penalties') AS penalties_en,
           any_value(not_available_zh) FILTER (WHERE fact = 'penalties') AS penalties_zh,
           bool_or(available) FILTER (WHERE fact IN ('orders', 'store_sizes')) AS sizes,
           any_value(not_available_en) FILTER (WHERE fact = 'store_sizes') AS sizes_en,
           any_value(not_available_zh) FILTER (WHERE fact = 'store_sizes') AS sizes_zh
    FROM source_basis
)
SELECT *, true AS computable FROM sentences
UNION ALL
SELECT 'all', NULL, 'small', NULL, NULL, NULL, NULL, NULL, 0, false, NULL, NULL, 0, 0, 0, 0, NULL, NULL, false,
       CASE WHEN NOT coalesce(penalties, false) THEN
                'Large and small stores cannot be compared for penalties (' || penalties_en || ').'
            WHEN NOT coalesce(sizes, false) THEN
                'Large and small stores cannot be compared for penalties: no store has a known size ('
                || sizes_en || ').'
            ELSE 'Large and small stores cannot be compared for penalties: no penalty in the last '
                || long_window_months() || ' months falls on a store of a known size tier.' END,
       CASE WHEN NOT coalesce(penalties, false) THEN '无法比较大型与小型店铺的处罚（' || penalties_zh || '）。'
            WHEN NOT coalesce(sizes, false) THEN '无法比较大型与小型店铺的处罚：没有店铺的规模已知（' || sizes_zh || '）。'
            ELSE '无法比较大型与小型店铺的处罚：近 ' || long_window_months() || ' 个月没有处罚落在规模已知的店铺上。' END,
       false
FROM basis
WHERE NOT EXISTS (SELECT 1 FROM sentences)
ORDER BY violation_type = 'all' DESC, violation_type, size_tier DESC;

-- headline_findings: one row per finding, a few sentences for the front page, each read off a metric table
-- (never computed a second way): the pooled penalty-consistency results, the slowest complaint
-- category, the share of complaints resolved within 30 days, and entities that reopened.
-- A sentence is chosen only where its basis exists: the consistency results only when computable;
-- resolution figures only over complaints from sources publishing close dates (resolution_summary),
-- saying how many complaints that leaves out; reopened entities only when some source publishes
-- legal entities and store dates (source_basis). No sentence holds an empty figure.
-- reads: penalty_consistency_test, resolution_summary, complaint_categories, entity_scorecard, source_basis, complaints
CREATE OR REPLACE TABLE headline_findings AS
WITH basis AS (
    SELECT coalesce(bool_and(available) FILTER (WHERE fact IN ('entities', 'store_dates')), false) AS reopenings
    FROM source_basis
),
resolved_within_30d AS (
    SELECT r.share_resolved_30d, r.complaints, (SELECT count(*) FROM complaints) AS all_complaints
    FROM resolution_summary r WHERE r.grouping = 'all'
),
findings AS (
    SELECT CASE size_tier WHEN 'top' THEN 1 ELSE 2 END AS rank, sentence_en AS finding_en,
           sentence_zh AS finding_zh, 'penalty_consistency_test.odds_ratio' AS metric, odds_ratio AS value
    FROM penalty_consistency_test WHERE violation_type = 'all' AND computable
    UNION ALL
    SELECT 3,
           CASE WHEN complaints = all_complaints THEN 'Across all complaints, '
                ELSE 'Across the ' || printf('%,d', complaints) || ' complaints whose source publishes close dates (of '
                     || printf('%,d', all_complaints) || '), ' END
              || printf('%.0f', 100 * share_resolved_30d)
              || ' % were resolved within 30 days of filing (withdrawn or closed unresolved ones are not resolutions).',
           CASE WHEN complaints = all_complaints THEN '全部投诉中，'
                ELSE '在来源公布结案日期的 ' || printf('%,d', complaints) || ' 件投诉中（共 ' || printf('%,d', all_complaints)
                     || ' 件），' END
              || printf('%.0f', 100 * share_resolved_30d) || '% 在提交后 30 天内得到解决（撤诉或未解决关闭的不计为解决）。',
           'resolution_summary.share_resolved_30d', share_resolved_30d
    FROM resolved_within_30d
    UNION ALL
    SELECT 4, 'Slowest complaint category: ' || lower(cc.label_en) || ', median ' || printf('%.0f', r.median_days)
              || ' days to resolution (all complaints: ' || printf('%.0f', a.median_days) || ' days).',
           '解决最慢的投诉类别：' || cc.label_zh || '，中位数 ' || printf('%.0f', r.median_days) || ' 天（全部投诉：'
              || printf('%.0f', a.median_days) || ' 天）。',
           'resolution_summary.median_days', r.median_days
    FROM resolution_summary r
    JOIN complaint_categories cc ON cc.category = r.group_value
    JOIN resolution_summary a ON a.grouping = 'all'
    WHERE r.grouping = 'category' AND r.median_days IS NOT NULL
    QUALIFY row_number() OVER (ORDER BY r.median_days DESC, r.group_value) = 1
    UNION ALL
    SELECT 5, printf('%d', count(*)) || ' legal entities opened a new store after one of their stores was closed.',
           printf('%d', count(*)) || ' 家企业在旗下店铺被关闭后又开设了新店铺。',
           'entity_scorecard.reopened_after_closure', count(*)
    FROM entity_scorecard WHERE reopened_after_closure AND (SELECT reopenings FROM basis)
    HAVING (SELECT reopenings FROM basis)
)
SELECT * FROM findings
WHERE finding_en IS NOT NULL AND finding_zh IS NOT NULL
ORDER BY rank;

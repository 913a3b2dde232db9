-- store_basis: one row per store; which facts its figures can rest on, and why not where they cannot.
-- A fact is published for a store when a source recording the store (store_sources) publishes it
-- (source_facts); for complaint close dates and first responses, a source of its complaints (of any
-- of its sources when it has none). Per fact <fact>_available and, when false,
-- <fact>_not_available_en / _zh: "not available: <its sources> does not publish <fact>", or, where
-- a source publishes the fact but holds nothing for this store, "no <fact> recorded for this store".
--   orders: monthly orders known (merchant_tiers.orders_12m), the basis of dispute rates;
--   store_sizes: a size tier (merchant_tiers.size_tier is not 'unknown'); orders count as sizes;
--   entity: its legal entity is recorded;
--   store_dates: its sources publish store opening and closing dates; trading_status is 'closed'
--     (closed_on recorded), 'trading' (no closed_on where dates are published) or 'unknown';
--   close_dates, first_response: as above;
--   escalation, penalties: a source publishing them covers the store's platform (platform_basis),
--     so a store with none in it has none (0), elsewhere the count is unknown (NULL).
-- reads: store_sources, merchants, merchant_tiers, sources, source_facts, basis_facts, platform_basis
CREATE OR REPLACE TABLE store_basis AS
WITH store_facts AS (
    SELECT ss.merchant_id, b.fact, b.label_en, b.label_zh, s.name, ss.has_complaints,
           coalesce(f.published, false) AS published
    FROM store_sources ss
    JOIN sources s USING (source_id)
    CROSS JOIN basis_facts b
    LEFT JOIN source_facts f ON f.source_id = ss.source_id AND f.fact = b.fact
    WHERE b.fact IN ('orders', 'store_sizes', 'entities', 'store_dates', 'complaint_close_dates', 'first_response')
),
by_fact AS (
    SELECT merchant_id, fact, any_value(label_en) AS label_en, any_value(label_zh) AS label_zh,
           bool_or(has_complaints) AS has_complaints,
           bool_or(published) AS published,
           string_agg(DISTINCT name, ', ' ORDER BY name) FILTER (WHERE NOT published) AS silent_names,
           count(DISTINCT name) FILTER (WHERE NOT published) AS silent_n,
           bool_or(published) FILTER (WHERE has_complaints) AS complaint_published,
           string_agg(DISTINCT name, ', ' ORDER BY name) FILTER (WHERE has_complaints AND NOT published)
               AS complaint_silent_names,
           count(DISTINCT name) FILTER (WHERE has_complaints AND NOT published) AS complaint_silent_n
    FROM store_facts GROUP BY ALL
),
reasons AS (
    SELECT merchant_id, fact, label_en, label_zh,
           CASE WHEN fact IN ('complaint_close_dates', 'first_response') AND has_complaints
                THEN complaint_published ELSE published END AS published,
           CASE WHEN fact IN ('complaint_close_dates', 'first_response') AND has_complaints
                THEN not_published_en(complaint_silent_names, complaint_silent_n, label_en)
                ELSE not_published_en(silent_names, silent_n, label_en) END AS silent_en,
           CASE WHEN fact IN ('complaint_close_dates', 'first_response') AND has_complaints
                THEN not_published_zh(complaint_silent_names, label_zh)
                ELSE not_published_zh(silent_names, label_zh) END AS silent_zh,
           not_recorded_en(label_en) AS unrecorded_en, not_recorded_zh(label_zh) AS unrecorded_zh
    FROM by_fact
),
wide AS (
    SELECT merchant_id,
           any_value(published) FILTER (WHERE fact = 'orders') AS orders_published,
           any_value(silent_en) FILTER (WHERE fact = 'orders') AS orders_silent_en,
           any_value(silent_zh) FILTER (WHERE fact = 'orders') AS orders_silent_zh,
           any_value(unrecorded_en) FILTER (WHERE fact = 'orders') AS orders_unrecorded_en,
           any_value(unrecorded_zh) FILTER (WHERE fact = 'orders') AS orders_unrecorded_zh,
           any_value(published) FILTER (WHERE fact = 'store_sizes') AS sizes_published,
           any_value(silent_en) FILTER (WHERE fact = 'store_sizes') AS sizes_silent_en,
           any_value(silent_zh) FILTER (WHERE fact = 'store_sizes') AS sizes_silent_zh,
           any_value(unrecorded_en) FILTER (WHERE fact = 'store_sizes') AS sizes_unrecorded_en,
           any_value(unrecorded_zh) FILTER (WHERE fact = 'store_sizes') AS sizes_unrecorded_zh,
           any_value(published) FILTER (WHERE fact = 'entities') AS entities_published,
           any_value(silent_en) FILTER (WHERE fact = 'entities') AS entities_silent_en,
           any_value(silent_zh) FILTER (WHERE fact = 'entities') AS entities_silent_zh,
           any_value(unrecorded_en) FILTER (WHERE fact = 'entities') AS entities_unrecorded_en,
           any_value(unrecorded_zh) FILTER (WHERE fact = 'entities') AS entities_unrecorded_zh,
           any_value(published) FILTER (WHERE fact = 'store_dates') AS dates_published,
           any_value(silent_en) FILTER (WHERE fact = 'store_dates') AS dates_silent_en,
           any_value(silent_zh) FILTER (WHERE fact = 'store_dates') AS dates_silent_zh,
           any_value(published) FILTER (WHERE fact = 'complaint_close_dates') AS close_published,
           any_value(silent_en) FILTER (WHERE fact = 'complaint_close_dates') AS close_silent_en,
           any_value(silent_zh) FILTER (WHERE fact = 'complaint_close_dates') AS close_silent_zh,
           any_value(published) FILTER (WHERE fact = 'first_response') AS response_published,
           any_value(silent_en) FILTER (WHERE fact = 'first_response') AS response_silent_en,
           any_value(silent_zh) FILTER (WHERE fact = 'first_response') AS response_silent_zh
    FROM reasons GROUP BY merchant_id
),
platform_facts AS (
    SELECT platform,
           any_value(available) FILTER (WHERE fact = 'escalation') AS escalation_available,
           any_value(not_available_en) FILTER (WHERE fact = 'escalation') AS escalation_not_available_en,
           any_value(not_available_zh) FILTER (WHERE fact = 'escalation') AS escalation_not_available_zh,
           any_value(available) FILTER (WHERE fact = 'penalties') AS penalties_available,
           any_value(not_available_en) FILTER (WHERE fact = 'penalties') AS penalties_not_available_en,
           any_value(not_available_zh) FILTER (WHERE fact = 'penalties') AS penalties_not_available_zh
    FROM platform_basis GROUP BY platform
),
assembled AS (
    SELECT m.merchant_id, m.platform, m.entity_id, m.closed_on, t.orders_12m, t.size_tier,
           w.* EXCLUDE (merchant_id), p.* EXCLUDE (platform)
    FROM merchants m
    LEFT JOIN merchant_tiers t USING (merchant_id)
    LEFT JOIN wide w USING (merchant_id)
    LEFT JOIN platform_facts p ON p.platform = m.platform
)
SELECT merchant_id, platform,
       orders_12m IS NOT NULL AS orders_available,
       CASE WHEN orders_12m IS NOT NULL THEN NULL
            WHEN orders_published THEN orders_unrecorded_en ELSE orders_silent_en END AS orders_not_available_en,
       CASE WHEN orders_12m IS NOT NULL THEN NULL
            WHEN orders_published THEN orders_unrecorded_zh ELSE orders_silent_zh END AS orders_not_available_zh,
       coalesce(size_tier, 'unknown') <> 'unknown' AS store_sizes_available,
       CASE WHEN coalesce(size_tier, 'unknown') <> 'unknown' THEN NULL
            WHEN sizes_published OR orders_published THEN sizes_unrecorded_en ELSE sizes_silent_en END
           AS store_sizes_not_available_en,
       CASE WHEN coalesce(size_tier, 'unknown') <> 'unknown' THEN NULL
            WHEN sizes_published OR orders_published THEN sizes_unrecorded_zh ELSE sizes_silent_zh END
           AS store_sizes_not_available_zh,
       entity_id IS NOT NULL AS entity_available,
       CASE WHEN entity_id IS NOT NULL THEN NULL
            WHEN entities_published THEN entities_unrecorded_en ELSE entities_silent_en END AS entity_not_available_en,
       CASE WHEN entity_id IS NOT NULL THEN NULL
            WHEN entities_published THEN entities_unrecorded_zh ELSE entities_silent_zh END AS entity_not_available_zh,
       coalesce(dates_published, false) AS store_dates_available,
       CASE WHEN NOT coalesce(dates_published, false) THEN dates_silent_en END AS store_dates_not_available_en,
       CASE WHEN NOT coalesce(dates_published, false) THEN dates_silent_zh END AS store_dates_not_available_zh,
       CASE WHEN closed_on IS NOT NULL THEN 'closed'
            WHEN dates_published THEN 'trading' ELSE 'unknown' END AS trading_status,
       coalesce(close_published, false) AS close_dates_available,
       CASE WHEN NOT coalesce(close_published, false) THEN close_silent_en END AS close_dates_not_available_en,
       CASE WHEN NOT coalesce(close_published, false) THEN close_silent_zh END AS close_dates_not_available_zh,
       coalesce(response_published, false) AS first_response_available,
       CASE WHEN NOT coalesce(response_published, false) THEN response_silent_en END AS first_response_not_available_en,
       CASE WHEN NOT coalesce(response_published, false) THEN response_silent_zh END AS first_response_not_available_zh,
       coalesce(escalation_available, false) AS escalation_available,
       escalation_not_available_en, escalation_not_available_zh,
       coalesce(penalties_available, false) AS penalties_available,
       penalties_not_available_en, penalties_not_available_zh
FROM assembled
ORDER BY merchant_id;

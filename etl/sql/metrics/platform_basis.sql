-- platform_basis: platform x fact (basis_facts). A fact is available on a platform when a source
-- that publishes it (source_facts) records any store of the platform: then a store of the platform
-- with no disputes or penalties in it has none (0), while elsewhere the count is unknown (NULL).
-- not_available_en / _zh name the platform's sources, none of which publishes the fact.
-- reads: store_sources, merchants, source_facts, basis_facts, sources
CREATE OR REPLACE TABLE platform_basis AS
WITH platform_sources AS (
    SELECT DISTINCT m.platform, ss.source_id
    FROM store_sources ss JOIN merchants m USING (merchant_id)
),
facts AS (
    SELECT ps.platform, b.fact, b.label_en, b.label_zh, ps.source_id, s.name,
           coalesce(f.published, false) AS published
    FROM platform_sources ps
    CROSS JOIN basis_facts b
    JOIN sources s USING (source_id)
    LEFT JOIN source_facts f ON f.source_id = ps.source_id AND f.fact = b.fact
),
rolled AS (
    SELECT platform, fact, label_en, label_zh, bool_or(published) AS available,
           string_agg(DISTINCT name, ', ' ORDER BY name) FILTER (WHERE NOT published) AS silent_names,
           count(DISTINCT name) FILTER (WHERE NOT published) AS silent_sources
    FROM facts GROUP BY ALL
)
SELECT platform, fact, available,
       CASE WHEN NOT available THEN not_published_en(silent_names, silent_sources, label_en) END AS not_available_en,
       CASE WHEN NOT available THEN not_published_zh(silent_names, label_zh) END AS not_available_zh
FROM rolled
ORDER BY platform, fact;
